#!/usr/bin/env bash
# make bench-archive: re-verification of an archive at scale — records/s and
# peak RSS of `hpki archive verify` over N distinct real records (4 KB
# documents, each with its own signature and timestamp tokens), B-T and
# B-LTA, from local disk.
#
#   make bench-archive                     # N = 10000 and 100000
#   BENCH_N="10000 100000 1000000" make bench-archive
#   BENCH_CORPUS=/data/hpki-bench make bench-archive
#   BENCH_COLD=1 make bench-archive        # as root: empty the page cache first
#
# Each corpus is also read by `cat` alone, one process per core,
# under the same cache conditions (the "cat" rows): the rate at which this
# machine hands the files over at all, so records/s can be compared with
# what the disk and kernel allow. With BENCH_COLD=1 the page cache (and the
# kernel's cache of folders and inodes) is emptied before every run, so
# every record comes from the disk; without it, whatever the machine kept
# cached is read from memory.
#
# The corpus is made once (internal/archivebench, one folder of 1,000 per
# core at a time: measured on 2 shared cores, 4.6 ms of CPU per B-T record
# and 8.8 ms per B-LTA record, mostly the RSA-2048 signatures of signer and
# TSA; 1,000,000 of each take about 40 and 75 minutes on 2 idle cores, and
# 12 GB and 16 GB of disk) and kept outside the repository, in BENCH_CORPUS
# (default /var/tmp/hpki-bench); an interrupted generation resumes, losing
# at most the folders in progress.
set -euo pipefail
cd "$(dirname "$0")/.."
HPKI=${HPKI:-bin/hpki}
CORPUS=${BENCH_CORPUS:-/var/tmp/hpki-bench}
NS=${BENCH_N:-10000 100000}
KINDS=${BENCH_KINDS:-bt blta}
C=testdata/certs
mkdir -p "$CORPUS"
go build -o "$CORPUS/archivebench" ./internal/archivebench
"$CORPUS/archivebench" -crl "$CORPUS/fresh.crl"
# cold empties the page cache when BENCH_COLD=1 (root only).
cold() {
  if [ "${BENCH_COLD:-}" = 1 ]; then
    sync
    echo 3 > /proc/sys/vm/drop_caches || { echo "bench-archive: BENCH_COLD=1 needs root" >&2; exit 1; }
  fi
}
printf '%-6s %9s %9s %10s %9s %14s %12s  %s\n' kind records "wall s" records/s "CPU s" "records/CPU-s" "peak RSS MB" result
for n in $NS; do
  for kind in $KINDS; do
    dir="$CORPUS/$kind-$n"
    if [ ! -d "$dir" ]; then
      lta=""; [ "$kind" = blta ] && lta=-lta
      # B-LTA records are the B-T corpus of the same size extended (one
      # archive timestamp each), when that corpus is there: half the work.
      [ "$kind" = blta ] && [ -d "$CORPUS/bt-$n" ] && lta="-lta -from $CORPUS/bt-$n"
      echo "bench-archive: making $dir (once)" >&2
      "$CORPUS/archivebench" -n "$n" $lta -out "$dir"
    fi
    cold
    /usr/bin/time -f '%e %M %U %S' -o "$CORPUS/time.txt" "$HPKI" archive verify "$dir" \
      --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" --offline --crl "$CORPUS/fresh.crl" \
      --output jsonl --progress never > "$CORPUS/run.jsonl" || true
    read -r secs kb usr sys < "$CORPUS/time.txt"
    result=$(tail -1 "$CORPUS/run.jsonl")
    passed=$(sed -n 's/.*"passed":\([0-9]*\).*/\1/p' <<<"$result")
    ok="all $passed passed"
    [ "$passed" = "$n" ] || ok="UNEXPECTED: $result"
    awk -v k="$kind" -v n="$n" -v s="$secs" -v kb="$kb" -v u="$usr" -v y="$sys" -v ok="$ok" \
      'BEGIN { printf "%-6s %9d %9.1f %10.0f %9.1f %14.0f %12.1f  %s\n", k, n, s, n/s, u+y, n/(u+y), kb/1024, ok }'
    cold
    /usr/bin/time -f '%e %M %U %S' -o "$CORPUS/time.txt" \
      bash -c 'find "$1" -type f -print0 | xargs -0 -n 1000 -P "$(nproc)" cat > /dev/null' _ "$dir"
    read -r secs kb usr sys < "$CORPUS/time.txt"
    awk -v k="cat" -v n="$n" -v s="$secs" -v kb="$kb" -v u="$usr" -v y="$sys" \
      'BEGIN { printf "%-6s %9d %9.1f %10.0f %9.1f %14.0f %12.1f  %s\n", k, n, s, n/s, u+y, n/(u+y), kb/1024, "(reading the same files, nothing else)" }'
  done
done
rm -f "$CORPUS/run.jsonl" "$CORPUS/time.txt"
echo "(records/s is wall-clock on $(nproc) cores; records/CPU-s is what one core does when the"
echo " machine is shared: times $(nproc) is the rate of an idle $(nproc)-core machine)"
