#!/usr/bin/env bash
# Tests the Windows build of hpki (cgo, with card support, cross-compiled with
# Debian's mingw-w64) under Wine (Debian's wine64): its --help and version, a
# software-key sign and a verify that passes, and one that fails on changed
# content. Usage: scripts/wine-test.sh [hpki.exe] (default: built into bin/).
#
# Missing Wine or mingw-w64: a failure when CI=true, a loud skip otherwise
# (`make deps` installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

missing() {
  if [ "${CI:-}" = "true" ]; then echo "wine-test: FAILED: $1 (make deps installs it)" >&2; exit 1; fi
  echo "wine-test: SKIPPED: $1 (make deps installs it)"; exit 0
}
wine="${WINE:-$(command -v wine64 || command -v wine || echo /usr/lib/wine/wine64)}"
[ -x "$wine" ] || missing "wine64 not found"
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || missing "x86_64-w64-mingw32-gcc (mingw-w64) not found"

exe="${1:-bin/hpki-windows-amd64.exe}"
if [ $# -eq 0 ]; then
  echo "wine-test: building $exe (cgo, mingw-w64)"
  CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc go build -trimpath -o "$exe" ./cmd/hpki
fi
exe="$(cd "$(dirname "$exe")" && pwd)/$(basename "$exe")"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/hpki-wine.XXXXXX")"
wineserver="$(command -v wineserver || echo "$(dirname "$wine")/wineserver")"
# On exit: wait for the prefix's wineserver to save and stop, then remove it.
cleanup() {
  WINEPREFIX="$tmp/prefix" "$wineserver" -k >/dev/null 2>&1 || true
  WINEPREFIX="$tmp/prefix" "$wineserver" -w >/dev/null 2>&1 || true
  rm -rf "$tmp" 2>/dev/null || { sleep 1; rm -rf "$tmp" 2>/dev/null; } || echo "wine-test: could not remove $tmp" >&2
}
trap cleanup EXIT
export WINEPREFIX="$tmp/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
"$wine" wineboot --init >/dev/null 2>&1 || true
sys32="$WINEPREFIX/drive_c/windows/system32"
if [ ! -e "$sys32/bcryptprimitives.dll" ]; then
  # See scripts/wine/bcryptprimitives.c: Wine < 9 lacks it, Go needs it.
  x86_64-w64-mingw32-gcc -shared -O2 -o "$sys32/bcryptprimitives.dll" scripts/wine/bcryptprimitives.c -ladvapi32
fi

c="$root/testdata/certs"
cd "$tmp"
fail() { echo "wine-test: FAILED: $*" >&2; exit 1; }
run() { "$wine" "$exe" "$@"; }

out="$(run --help)" || fail "--help exited $?"
grep -q "hpki signs clinical documents" <<<"$out" || fail "--help: $out"
out="$(run version)" || fail "version exited $?"
grep -q "windows/amd64; card support" <<<"$out" || fail "version: $out"
out="$(run --help --lang ja)" || fail "--help --lang ja exited $?"
printf 'referral letter\r\n' > letter.txt
run sign letter.txt --key "$c/doctor.key" --cert "$c/doctor.pem" --chain "$c/chain-sign.pem" --offline --crl "$c/ca-sign.crl" \
  || fail "sign exited $?"
[ -s letter.txt.p7s ] || fail "sign wrote no letter.txt.p7s"
run verify letter.txt.p7s --content letter.txt --trust "$c/root.pem" --offline --crl "$c/ca-sign.crl" >verify.txt \
  || fail "verify exited $?: $(cat verify.txt)"
grep -q TOTAL_PASSED verify.txt || fail "verify: $(cat verify.txt)"
printf 'changed letter\r\n' > letter.txt
set +e
run verify letter.txt.p7s --content letter.txt --trust "$c/root.pem" --offline --crl "$c/ca-sign.crl" >verify.txt
code=$?
set -e
[ "$code" -eq 1 ] || fail "verify of changed content exited $code, want 1: $(cat verify.txt)"
echo "wine-test: ok ($("$wine" --version 2>/dev/null || echo wine), $(basename "$exe"): --help, version, sign, verify)"
