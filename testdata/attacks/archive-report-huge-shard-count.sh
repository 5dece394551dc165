#!/bin/bash
# `--shard 0/100000000000` was accepted, and `hpki archive report` over the 2-line journal of such a run
# listed the missing shards 1…N-1 in memory (GBs, no end). Fixed: N is at most 1,000,000 (`--shard`
# refuses more with exit 3, and so does the report for a journal that says more), and the report says
# how many shards are missing and names the first 20. Exit 0 = defect present.
set -u
WORLD_TSA=0
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
mkdir rec
"$HPKI" archive verify rec $VERIFY --allow-empty --shard 0/100000000000 --journal big.journal >/dev/null 2>&1
[ $? -eq 3 ] || { echo "--shard 0/100000000000 accepted"; exit 0; }
# journals sealed by hand (a line's check is not a key): N = 1e11, and N = 1e6 (allowed)
python3 - <<'PY' || exit 2
import hashlib,json
def seal(d):
    b=json.dumps(d,separators=(',',':')); c=hashlib.sha256(b.encode()).hexdigest()[:16]
    return b[:-1]+',"check":"'+c+'"}'
S="0"*64; I="11"*16
for name,n in (("big.journal",100000000000),("million.journal",1000000)):
    open(name,'w').write(seal({"run":"start","settings":S,"id":I,"shard":"0/%d"%n,"source":"paths \"rec\""})+"\n"+
     seal({"run":"end","settings":S,"id":I,"summary":{"records":0,"passed":0,"failed":0,"indeterminate":0,"errors":0,"skipped":0,"renewed":0,"wouldRenew":0,"refused":0,"resumed":0}})+"\n")
PY
timeout 20 "$HPKI" archive report big.journal > out 2>&1; rc=$?
cat out
[ $rc -eq 3 ] || exit 0
timeout 20 "$HPKI" archive report million.journal > out 2>&1; rc=$?
cat out
[ $rc -eq 4 ] && [ $(wc -c < out) -lt 2000 ] && grep -q "no journal for 999999 of the 1000000 shards" out && exit 1
exit 0
