# Sourced by the attack scripts of this folder (not run by itself): a work
# folder with a copy of the test PKI and anchors.pem, a second TSA valid to
# 2049 (tsa2.pem, tsa2.key: made from tsa-root.key with Python's
# cryptography package), and both TSAs served by hpki on 127.0.0.1 (tsa.log
# and tsa2.log name their URLs). A script that needs no TSA sets
# WORLD_TSA=0 before sourcing it: then only the work folder and the PKI.
# Also: VERIFY, the options of an archive run under the test PKI (trust
# root.pem, offline, ca-sign.crl). Exits 2 when it cannot set this up.
HPKI=${HPKI:?the hpki binary}; CERTS=${CERTS:?the test PKI folder (testdata/certs)}
T=$(mktemp -d); trap 'kill ${P1:-} ${P2:-} 2>/dev/null; rm -rf $T' EXIT; cd $T || exit 2
cp $CERTS/* . || exit 2; cat root.pem tsa-root.pem > anchors.pem
VERIFY="--trust root.pem --offline --crl ca-sign.crl"
# sign_doctor FILE...: a detached CAdES signature FILE.p7s by the doctor.
sign_doctor() { "$HPKI" sign "$@" --key doctor.key --cert doctor.pem --chain chain-sign.pem >/dev/null 2>&1 || exit 2; }
if [ "${WORLD_TSA:-1}" = 0 ]; then return 0; fi
cat > world.py <<'EOF'
# a second TSA valid to 2049 (the archive TSA); CRLs are made later
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID, ExtendedKeyUsageOID
import datetime
ca=x509.load_pem_x509_certificate(open('tsa-root.pem','rb').read())
cak=serialization.load_pem_private_key(open('tsa-root.key','rb').read(),None)
k=rsa.generate_private_key(65537,2048)
open('tsa2.key','wb').write(k.private_bytes(serialization.Encoding.PEM,serialization.PrivateFormat.PKCS8,serialization.NoEncryption()))
c=(x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME,'JP'),x509.NameAttribute(NameOID.ORGANIZATION_NAME,'HPKI TEST TSA'),x509.NameAttribute(NameOID.COMMON_NAME,'HPKI TEST TSA 2')]))
 .issuer_name(ca.subject).public_key(k.public_key()).serial_number(0x7777)
 .not_valid_before(datetime.datetime(2019,1,1)).not_valid_after(datetime.datetime(2049,12,31))
 .add_extension(x509.KeyUsage(True,True,False,False,False,False,False,False,False),True)
 .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),True)
 .add_extension(x509.SubjectKeyIdentifier.from_public_key(k.public_key()),False)
 .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()),False)
 .sign(cak,hashes.SHA256()))
open('tsa2.pem','wb').write(c.public_bytes(serialization.Encoding.PEM))
EOF
python3 world.py || exit 2
$HPKI tsa serve --cert tsa.pem --key tsa.key --addr 127.0.0.1:0 > tsa.log 2>&1 & P1=$!
$HPKI tsa serve --cert tsa2.pem --key tsa2.key --addr 127.0.0.1:0 > tsa2.log 2>&1 & P2=$!
n=0; until grep -q listening tsa.log && grep -q listening tsa2.log; do sleep 0.1; n=$((n+1)); [ $n -gt 100 ] && exit 2; done
