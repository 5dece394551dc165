#!/bin/bash
# Journals do not record --shard K/N, so `hpki archive report` cannot tell that a shard's journal is
# missing (a shard that never started, or whose journal was not copied back): the journal of 1 shard of 2
# reports all passed, exit 0. Fixed: INCOMPLETE naming the missing shard, exit 4. Exit 0 = defect present.
set -u
WORLD_TSA=0
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
mkdir recs; for i in 1 2 3 4 5 6; do echo "doc $i" > recs/d$i.txt; done
echo "tampered" > recs/bad.txt
sign_doctor recs/*.txt
echo "tampered!" > recs/bad.txt
# find the shard (of 2) that holds the failing record, run only the other one
bad=
for k in 0 1; do "$HPKI" archive verify recs $VERIFY --shard $k/2 >/dev/null 2>&1; [ $? -eq 1 ] && bad=$k; done
[ -n "$bad" ] || exit 2
ok=$((1 - bad))
"$HPKI" archive verify recs $VERIFY --shard $ok/2 --journal shard-$ok.journal >/dev/null 2>&1
"$HPKI" archive report shard-*.journal > out 2>&1; rc=$?
cat out
[ $rc -eq 4 ] && grep -q "shard $bad of 2" out && exit 1
exit 0
