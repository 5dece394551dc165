#!/bin/bash
# Two runs given the same --journal at once both append to it: their lines interleave (start, records and
# end lines of two runs mixed). Fixed: the journal is locked by the run using it, a second run is refused
# at once (exit 3). Exit 0 = defect present.
set -u
WORLD_TSA=0
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
mkdir recs; for i in 1 2; do echo "doc $i" > recs/d$i.txt; done
sign_doctor recs/*.txt
# the first run reads its manifest from a FIFO held open: it stays in progress, journal open
mkfifo m.fifo || exit 2
"$HPKI" archive verify --manifest m.fifo $VERIFY --journal run.journal >/dev/null 2>&1 & P=$!
exec 3>m.fifo
echo recs/d1.txt.p7s >&3
n=0; until [ -s run.journal ]; do sleep 0.1; n=$((n+1)); [ $n -gt 100 ] && { kill $P; exit 2; }; done
"$HPKI" archive verify recs/d2.txt.p7s $VERIFY --journal run.journal >/dev/null 2>err; rc=$?
exec 3>&-; wait $P
cat err
[ $rc -eq 3 ] && grep -q 'in use' err && exit 1
exit 0
