#!/bin/bash
# --journal naming a FIFO blocks forever (nothing writes it), and SIGTERM's clean stop does not end the
# run. Fixed: a journal that is not a regular file is refused at once, exit 3 (also by archive report).
# Exit 0 = defect present.
set -u
WORLD_TSA=0
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
mkdir recs; echo a > recs/a.txt
sign_doctor recs/a.txt
mkfifo j.fifo || exit 2
# ends by itself within 5 s, exit 3?
ends() {
	"$@" >/dev/null 2>&1 & local p=$! n=0
	while kill -0 $p 2>/dev/null; do
		sleep 0.1; n=$((n+1))
		if [ $n -gt 50 ]; then kill -TERM $p; sleep 2; kill -KILL $p 2>/dev/null; wait $p 2>/dev/null; return 1; fi
	done
	wait $p; [ $? -eq 3 ]
}
ends "$HPKI" archive verify recs $VERIFY --journal j.fifo || exit 0
ends "$HPKI" archive report j.fifo || exit 0
exit 1
