#!/bin/bash
# The end line of a journal is not bound to its run: a run killed after its first record, plus an end
# line copied verbatim from another journal (another folder, other settings, another summary), makes
# `hpki archive report` say complete and all passed, exit 0. Fixed: the end line's run id is not that of
# the open run, the report refuses the journal (exit 3). Exit 0 = defect present.
set -u
WORLD_TSA=0
. "$(cd "$(dirname "$0")" && pwd)/world.bash"
mkdir recs other; for i in 1 2 3; do echo "doc $i" > recs/d$i.txt; done; echo x > other/o.txt
sign_doctor recs/*.txt other/o.txt
echo "doc 3 tampered" > recs/d3.txt
"$HPKI" archive verify recs $VERIFY --jobs 1 --journal run.journal >/dev/null 2>&1
# a run killed after its first record: its start line and first record line
head -2 run.journal > killed.journal
"$HPKI" archive report killed.journal >/dev/null 2>&1; [ $? -eq 4 ] || exit 2
# another, unrelated journal (other folder, other settings: no --crl), its end line copied as is
"$HPKI" archive verify other --trust root.pem --offline --journal other.journal >/dev/null 2>&1
tail -1 other.journal >> killed.journal
"$HPKI" archive report killed.journal; rc=$?
[ $rc -eq 0 ] && exit 0
exit 1
