#!/bin/bash
# A signature-time-stamp appended after hpki's own archive-time-stamp-v3 (absent from its ats-hash-index-v3, so not
# covered) is validated as if the ATSv3 proved it: when its TSA has expired it still backdates the signature to
# before the signer's revocation: TOTAL_FAILED/REVOKED becomes TOTAL_PASSED. Exit 0 = defect present.
set -u
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
printf 'referral letter\n' > a.txt
cat > lib.py <<'EOF'
import hashlib, subprocess, urllib.request, time, datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
def rd(b, i):
    t=b[i]; j=i+1; l=b[j]; j+=1
    if l & 0x80: n=l&0x7f; l=int.from_bytes(b[j:j+n],'big'); j+=n
    return (i,j,j+l,j+l,t)
def kids(b,s,e):
    o=[]; i=s
    while i<e: r=rd(b,i); o.append(r); i=r[3]
    return o
def L(n):
    if n<0x80: return bytes([n])
    x=n.to_bytes((n.bit_length()+7)//8,'big'); return bytes([0x80|len(x)])+x
def tlv(t,c): return bytes([t])+L(len(c))+c
def url(n): return open(n+'.log').read().split('listening on ')[1].split()[0]
def token(d,tsa):
    q=subprocess.run(['openssl','ts','-query','-digest',d.hex(),'-sha256','-cert'],capture_output=True,check=True).stdout
    r=urllib.request.urlopen(urllib.request.Request(url(tsa),q,{'Content-Type':'application/timestamp-query'})).read()
    k=kids(r,*rd(r,0)[1:3]); return r[k[1][0]:k[1][3]]
def parse(b):
    ci=rd(b,0); c=kids(b,ci[1],ci[2]); sd=rd(b,c[1][1]); f=kids(b,sd[1],sd[2])
    si=rd(b,f[-1][1]); return c,f,kids(b,si[1],si[2])
def append_uattr(b,a):
    c,f,sif=parse(b); ua=[r for r in sif if r[4]==0xa1]
    si=tlv(0x30,b''.join(b[r[0]:r[3]] for r in sif if r[4]!=0xa1)+tlv(0xa1,b[ua[0][1]:ua[0][2]]+a))
    sd=tlv(0x30,b''.join(b[r[0]:r[3]] for r in f[:-1])+tlv(0x31,si))
    return tlv(0x30,b[c[0][0]:c[0][3]]+tlv(0xa0,sd))
sigts_oid=bytes.fromhex('060b2a864886f70d010910020e')
if sys.argv[1]=='stash':
    s=open('sig.p7s','rb').read(); c,f,sif=parse(s); sig=[r for r in sif if r[4]==4][0]
    tok=token(hashlib.sha256(s[sig[1]:sig[2]]).digest(),'tsa')
    open('stash.der','wb').write(tlv(0x30,sigts_oid+tlv(0x31,tok)))
    open('t1','w').write(datetime.datetime.now(datetime.timezone.utc).isoformat())
else:
    b=open('sig.lta.p7s','rb').read()
    open('attack.p7s','wb').write(append_uattr(b,open('stash.der','rb').read()))
    t1=datetime.datetime.fromisoformat(open('t1').read())
    ca=x509.load_pem_x509_certificate(open('ca-sign.pem','rb').read()); cak=serialization.load_pem_private_key(open('ca-sign.key','rb').read(),None)
    doc=x509.load_pem_x509_certificate(open('doctor.pem','rb').read())
    def crl(rev, num):
        bl=x509.CertificateRevocationListBuilder().issuer_name(ca.subject).last_update(datetime.datetime(2027,1,1)).next_update(datetime.datetime(2045,12,31)).add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()),False).add_extension(x509.CRLNumber(num),False)
        if rev: bl=bl.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(doc.serial_number).revocation_date(rev).add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise),False).build())
        return bl.sign(cak,hashes.SHA256()).public_bytes(serialization.Encoding.PEM)
    open('rev.crl','wb').write(crl((t1+datetime.timedelta(seconds=1.5)).replace(microsecond=0),7001))
EOF
# fresh (2027) CRL not revoking the doctor, for hpki extend
python3 - <<'EOF'
import datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
ca=x509.load_pem_x509_certificate(open('ca-sign.pem','rb').read()); cak=serialization.load_pem_private_key(open('ca-sign.key','rb').read(),None)
c=x509.CertificateRevocationListBuilder().issuer_name(ca.subject).last_update(datetime.datetime(2027,1,1)).next_update(datetime.datetime(2045,12,31)).add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()),False).add_extension(x509.CRLNumber(7000),False).sign(cak,hashes.SHA256())
open('fresh.crl','wb').write(c.public_bytes(serialization.Encoding.PEM))
EOF
openssl cms -sign -cades -binary -in a.txt -signer doctor.pem -inkey doctor.key -certfile ca-sign.pem -outform DER -out sig.p7s -md sha256 || exit 2
python3 lib.py stash || exit 2          # T1: a time-stamp of the signature value, kept aside
sleep 3                                  # the key is revoked at T1+1.5s (rev.crl below)
# T2: hpki itself extends the signature to B-LTA (signature-time-stamp, validation data, archive-time-stamp-v3) with the long-lived TSA
$HPKI extend sig.p7s --content a.txt --to LTA --tsa $(grep -o 'http://[0-9.:]*/' tsa2.log) --trust anchors.pem --offline --crl fresh.crl -o sig.lta.p7s >/dev/null || exit 2
python3 lib.py attack || exit 2          # the T1 time-stamp appended after the archive-time-stamp-v3
V="--content a.txt --trust anchors.pem --offline --crl rev.crl --at 2048-06-01T00:00:00Z"
$HPKI verify sig.lta.p7s $V > lta.out; r0=$?
$HPKI verify attack.p7s $V > attack.out; r1=$?
echo "hpki's B-LTA: rc=$r0; with a time-stamp appended after its archive-time-stamp-v3: rc=$r1"; grep -E 'Signature S1|When|Revocation' attack.out
[ $r0 -ne 0 ] && [ $r1 -eq 0 ]
