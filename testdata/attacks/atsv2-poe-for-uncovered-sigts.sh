#!/bin/bash
# A CAdES signature-time-stamp appended AFTER an archive-time-stamp-v2 (so not covered by it) is
# treated as proven by that ATSv2: at a time when its TSA has expired it still sets the best signature
# time, backdating a signature from a revoked key to before its revocation. Exit 0 = defect present.
set -u
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
printf 'referral letter\n' > a.txt
cat > build.py <<'EOF'
import hashlib, subprocess, urllib.request, time, datetime
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
def oid(s):
    p=[int(x) for x in s.split('.')]; out=bytes([40*p[0]+p[1]])
    for v in p[2:]:
        e=[v&0x7f]; v>>=7
        while v: e.insert(0,0x80|(v&0x7f)); v>>=7
        out+=bytes(e)
    return tlv(6,out)
def url(n): return open(n+'.log').read().split('listening on ')[1].split()[0]
def token(d,tsa):
    q=subprocess.run(['openssl','ts','-query','-digest',d.hex(),'-sha256','-cert'],capture_output=True,check=True).stdout
    r=urllib.request.urlopen(urllib.request.Request(url(tsa),q,{'Content-Type':'application/timestamp-query'})).read()
    k=kids(r,*rd(r,0)[1:3]); return r[k[1][0]:k[1][3]]
def parse(b):
    ci=rd(b,0); c=kids(b,ci[1],ci[2]); sd=rd(b,c[1][1]); f=kids(b,sd[1],sd[2])
    si=rd(b,f[-1][1]); return c,f,kids(b,si[1],si[2])
def with_uattrs(b,ua):
    c,f,sif=parse(b)
    si=tlv(0x30,b''.join(b[r[0]:r[3]] for r in sif if r[4]!=0xa1)+tlv(0xa1,ua))
    sd=tlv(0x30,b''.join(b[r[0]:r[3]] for r in f[:-1])+tlv(0x31,si))
    return tlv(0x30,b[c[0][0]:c[0][3]]+tlv(0xa0,sd))
def attr(o,v): return tlv(0x30,oid(o)+tlv(0x31,v))
content=open('a.txt','rb').read()
s=subprocess.run(['openssl','cms','-sign','-cades','-binary','-in','a.txt','-signer','doctor.pem','-inkey','doctor.key','-certfile','ca-sign.pem','-outform','DER','-md','sha256'],capture_output=True,check=True).stdout
c,f,sif=parse(s); sig=[r for r in sif if r[4]==4][0]
# T1: a signature-time-stamp over the signature value, kept aside (stands for one forged later with the expired TSA's key)
sigts=attr('1.2.840.113549.1.9.16.2.14',token(hashlib.sha256(s[sig[1]:sig[2]]).digest(),'tsa'))
t1=datetime.datetime.now(datetime.timezone.utc)
time.sleep(2.5)
revoked_at=(t1+datetime.timedelta(seconds=1.2)).replace(microsecond=0)
time.sleep(1)
# T2 (after the revocation): the archive service's archive-time-stamp-v2 over the signature as it is (no unsigned attributes)
inp=s[f[2][0]:f[2][3]]+content+b''.join(s[r[0]:r[3]] for r in f[3:-1] if r[4] in (0xa0,0xa1))+b''.join(s[r[0]:r[3]] for r in sif)
ats=attr('1.2.840.113549.1.9.16.2.48',token(hashlib.sha256(inp).digest(),'tsa2'))
open('archived.p7s','wb').write(with_uattrs(s,ats))          # what the archive holds
open('attack.p7s','wb').write(with_uattrs(s,ats+sigts))      # the time-stamp appended after the ATSv2
# CRL of 2027: the doctor's key revoked (keyCompromise) between T1 and T2
ca=x509.load_pem_x509_certificate(open('ca-sign.pem','rb').read())
cak=serialization.load_pem_private_key(open('ca-sign.key','rb').read(),None)
doc=x509.load_pem_x509_certificate(open('doctor.pem','rb').read())
rc=(x509.RevokedCertificateBuilder().serial_number(doc.serial_number).revocation_date(revoked_at)
    .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise),False).build())
crl=(x509.CertificateRevocationListBuilder().issuer_name(ca.subject).last_update(datetime.datetime(2027,1,1)).next_update(datetime.datetime(2045,12,31))
    .add_revoked_certificate(rc).add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.public_key()),False)
    .add_extension(x509.CRLNumber(5000),False).sign(cak,hashes.SHA256()))
open('rev.crl','wb').write(crl.public_bytes(serialization.Encoding.PEM))
EOF
python3 build.py || exit 2
V="--content a.txt --trust anchors.pem --offline --crl rev.crl --at 2048-06-01T00:00:00Z"
$HPKI verify archived.p7s $V > archived.out; r0=$?
$HPKI verify attack.p7s $V > attack.out; r1=$?
echo "archived (ATSv2 only): rc=$r0; with a time-stamp after the ATSv2: rc=$r1"; grep -E 'Signature S1|Revocation|Time-stamp|Archived' attack.out
[ $r0 -ne 0 ] && [ $r1 -eq 0 ]
