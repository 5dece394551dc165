#!/bin/bash
# A XAdES SignatureTimeStamp appended after hpki's own xades141:ArchiveTimeStamp (so outside the properties its
# input covered) is validated as if the ArchiveTimeStamp proved it: when its TSA has expired it still backdates the
# signature to before the signer's revocation: TOTAL_FAILED/REVOKED becomes TOTAL_PASSED. Three placements: right
# after the ArchiveTimeStamp in its UnsignedSignatureProperties; in a second UnsignedSignatureProperties beside the
# first (the archive input then reads no properties, so the ArchiveTimeStamp itself fails); in an
# UnsignedSignatureProperties inside a second UnsignedProperties in the XAdES 1.4.1 namespace (the archive input,
# which reads the 1.3.2 one, is unchanged). Exit 0 = defect present (any placement).
set -u
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
printf '<?xml version="1.0" encoding="UTF-8"?>\n<referral><patient>Yamada Hanako</patient><to>Dermatology</to></referral>\n' > a.xml
cat > lib.py <<'EOF'
import re, sys, datetime
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
XADES='http://uri.etsi.org/01903/v1.3.2#'; XADES141='http://uri.etsi.org/01903/v1.4.1#'; DS='http://www.w3.org/2000/09/xmldsig#'
def one(pat, s):
    m=list(re.finditer(pat, s, re.S))
    if len(m)!=1: sys.exit('expected one match of %r, found %d' % (pat, len(m)))
    return m[0]
def sigvalue(s): return one(r'<(\w+:)?SignatureValue\b.*?</\1SignatureValue>', s).group(0)
if sys.argv[1]=='stash':
    s=open('sig.t.xml').read()
    # the T1 SignatureTimeStamp, kept aside; declared namespaces on the element itself, a fresh Id
    # (hpki's own SignatureTimeStamp of the extension below gets the Id this one had)
    ts=one(r'<(\w+):SignatureTimeStamp\b.*?</\1:SignatureTimeStamp>', s); p=ts.group(1)
    nsx=one(r'xmlns:'+p+r'="([^"]*)"', s).group(1); nsd=one(r'xmlns:(\w+)="'+re.escape(DS)+'"', s).group(1)
    if nsx!=XADES: sys.exit('SignatureTimeStamp not in the XAdES 1.3.2 namespace')
    el=re.sub(r'\sId="[^"]*"', '', ts.group(0), count=1)
    el=el.replace('<%s:SignatureTimeStamp' % p, '<%s:SignatureTimeStamp xmlns:%s="%s" xmlns:%s="%s" Id="sigtst-t1"' % (p,p,XADES,nsd,DS), 1)
    open('stash.xml','w').write(el)
    # B-B: the same signature without its unsigned properties
    bb=s.replace(one(r'<(\w+:)?UnsignedProperties\b.*?</\1UnsignedProperties>', s).group(0), '')
    assert sigvalue(bb)==sigvalue(s) and 'SignatureTimeStamp' not in bb
    open('sig.xml','w').write(bb)
    open('t1','w').write(datetime.datetime.now(datetime.timezone.utc).isoformat())
else:
    s=open('sig.lta.xml').read(); el=open('stash.xml').read()
    assert sigvalue(s)==sigvalue(open('sig.xml').read())
    ats=list(re.finditer(r'</(\w+:)?ArchiveTimeStamp>', s))
    if not ats: sys.exit('no ArchiveTimeStamp')
    e=ats[-1].end()
    open('attack.xml','w').write(s[:e]+el+s[e:])          # after the ArchiveTimeStamp, same UnsignedSignatureProperties
    usp=one(r'</(\w+:)?UnsignedSignatureProperties>', s); p=usp.group(1) or ''
    e=usp.end()                                            # in a second UnsignedSignatureProperties
    open('attack2.xml','w').write(s[:e]+'<%sUnsignedSignatureProperties>%s</%sUnsignedSignatureProperties>' % (p,el,p)+s[e:])
    e=one(r'</(\w+:)?UnsignedProperties>', s).end()        # in a 1.4.1 UnsignedProperties after the 1.3.2 one
    open('attack3.xml','w').write(s[:e]+'<x141:UnsignedProperties xmlns:x141="%s"><xa:UnsignedSignatureProperties xmlns:xa="%s">%s</xa:UnsignedSignatureProperties></x141:UnsignedProperties>' % (XADES141,XADES,el)+s[e:])
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
# T1: hpki signs at level T with the first TSA; the SignatureTimeStamp is kept aside and stripped (B-B, same SignatureValue)
$HPKI sign a.xml --format xades --level T --tsa $(grep -o 'http://[0-9.:]*/' tsa.log) --key doctor.key --cert doctor.pem --chain ca-sign.pem --trust anchors.pem --offline --crl fresh.crl -o sig.t.xml >/dev/null || exit 2
python3 lib.py stash || exit 2
sleep 3                                  # the key is revoked at T1+1.5s (rev.crl below)
# T2: hpki itself extends the B-B to B-LTA (SignatureTimeStamp, validation data, ArchiveTimeStamp) with the long-lived TSA
$HPKI extend sig.xml --to LTA --tsa $(grep -o 'http://[0-9.:]*/' tsa2.log) --trust anchors.pem --offline --crl fresh.crl -o sig.lta.xml >/dev/null || exit 2
python3 lib.py attack || exit 2          # the T1 SignatureTimeStamp appended after the ArchiveTimeStamp
V="--trust anchors.pem --offline --crl rev.crl --at 2048-06-01T00:00:00Z"
$HPKI verify sig.lta.xml $V > lta.out; r0=$?
$HPKI verify attack.xml $V > attack.out; r1=$?
$HPKI verify attack2.xml $V > attack2.out; r2=$?
$HPKI verify attack3.xml $V > attack3.out; r3=$?
echo "hpki's B-LTA: rc=$r0; with a SignatureTimeStamp appended after its ArchiveTimeStamp: rc=$r1;" \
  "in a second UnsignedSignatureProperties: rc=$r2; in a second (1.4.1) UnsignedProperties: rc=$r3"
grep -E 'Signature |When|Revocation' attack.out attack2.out attack3.out
[ $r0 -eq 1 ] || { echo "setup: the B-LTA is not refused for the revocation (rc=$r0)"; exit 2; }
for r in $r1 $r2 $r3; do [ $r -le 1 ] || { echo "setup: an attack file could not be verified (rc=$r)"; exit 2; }; done
[ $r1 -eq 0 ] || [ $r2 -eq 0 ] || [ $r3 -eq 0 ]
