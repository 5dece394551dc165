#!/bin/bash
# A shard task run on a node where the archive was not mounted (an empty folder under the same words,
# --allow-empty) writes a complete journal of 0 records: `hpki archive report` over the shards said
# "all passed", exit 0, though that shard's failing record was never checked. Fixed: each end line counts
# the entries the source handed out before the shard filter, and report says INCOMPLETE (exit 4) when the
# shards disagree. Exit 0 = defect present.
set -u
WORLD_TSA=0
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
mkdir -p node0/recs node1/recs
for i in 1 2 3 4 5 6; do echo "doc $i" > node0/recs/d$i.txt; done
echo "tampered" > node0/recs/bad.txt
sign_doctor node0/recs/*.txt
echo "tampered!" > node0/recs/bad.txt
V="--trust $T/root.pem --offline --crl $T/ca-sign.crl --allow-empty"
# the shard (of 2) that holds the failing record runs on node1, where recs is empty
bad=
for k in 0 1; do (cd node0 && "$HPKI" archive verify recs $V --shard $k/2 >/dev/null 2>&1); [ $? -eq 1 ] && bad=$k; done
[ -n "$bad" ] || exit 2
ok=$((1 - bad))
(cd node0 && "$HPKI" archive verify recs $V --shard $ok/2 --journal $T/shard-$ok.journal >/dev/null 2>&1) || exit 2
(cd node1 && "$HPKI" archive verify recs $V --shard $bad/2 --journal $T/shard-$bad.journal >/dev/null 2>&1) || exit 2
"$HPKI" archive report shard-*.journal > out 2>&1; rc=$?
cat out
[ $rc -eq 4 ] && grep -q "did not see the same records (shard $bad saw 0 entries" out && exit 1
exit 0
