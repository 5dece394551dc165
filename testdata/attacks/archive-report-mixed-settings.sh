#!/bin/bash
# `hpki archive report` merges journals made under different validation settings (one shard trusting an
# unrelated root) into "all passed", exit 0, with no warning: a forged record's PASSED is counted.
# Fixed: refused (exit 3), naming the two journals. Exit 0 = defect present.
set -u
WORLD_TSA=0
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
mkdir recs; echo "good record" > recs/a.txt; echo "forged record" > recs/b.txt
sign_doctor recs/a.txt
"$HPKI" sign recs/b.txt --key stranger.key --cert stranger.pem >/dev/null 2>&1 || exit 2
echo recs/a.txt.p7s > m0; echo recs/b.txt.p7s > m1
# the honest shard, under the campaign's settings
"$HPKI" archive verify --manifest m0 $VERIFY --journal s0.journal >/dev/null 2>&1
mkdir oca; : > oca/index.txt; echo 01 > oca/crlnum
printf '[ca]\ndefault_ca=x\n[x]\ndatabase=oca/index.txt\ncrlnumber=oca/crlnum\ndefault_md=sha256\ndefault_crl_days=3650\n' > oca/cnf
openssl ca -config oca/cnf -gencrl -keyfile other-root.key -cert other-root.pem -out o.crl >/dev/null 2>&1 || exit 2
# the other shard, run (misconfigured, or by someone else) trusting the unrelated root
"$HPKI" archive verify --manifest m1 --trust other-root.pem --offline --crl o.crl --journal s1.journal >/dev/null 2>&1
# under the campaign's settings b does not pass
"$HPKI" archive verify recs/b.txt.p7s $VERIFY >/dev/null 2>&1 && exit 2
"$HPKI" archive report s0.journal s1.journal > out 2> err; rc=$?
cat out err
[ $rc -eq 0 ] && ! grep -qi 'setting' out err && exit 0
exit 1
