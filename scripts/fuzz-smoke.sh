#!/usr/bin/env bash
# Runs every fuzz target of the module for a short time (default 3s each):
#   scripts/fuzz-smoke.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
dur="${1:-3s}"
n=0
for dir in $(go list -f '{{.Dir}}' ./...); do
  pkg="./${dir#"$PWD"/}"
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $f ($dur)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$dur" "$pkg" >/tmp/hpki-fuzz.log 2>&1 || { cat /tmp/hpki-fuzz.log; exit 1; }
    n=$((n+1))
  done
done
echo "fuzz: $n targets passed"
