#!/usr/bin/env bash
# make bench: figures a person can compare.
#  1. Go benchmarks of the library (signing, verification incl. B-LTA, extend,
#     timestamps, revocation, PKCS#11).
#  2. The same verification done by a loop of `openssl cms -verify` processes;
#     signing XAdES vs CAdES; XAdES verification beside libxmlsec1 in-process
#     (python3-xmlsec) and a loop of `xmlsec1 --verify` processes, same file.
#  3. Peak resident memory for signing and verifying a 1 GB detached file.
#  4. hpki serve under load (internal/loadtest/cmd/hpki-load): req/s and p99.
set -euo pipefail
cd "$(dirname "$0")/.."
HPKI=${HPKI:-bin/hpki}
C=testdata/certs
OUT=out/bench
mkdir -p "$OUT"
BENCHTIME=${BENCHTIME:-2s}

echo "== Go benchmarks (-cpu 1,2, benchtime $BENCHTIME)"
pkgs=$(go list ./... | grep -E '/(sign|verify|extend|archive|tsa|revocation|pkcs11|xmlsig|serve|pades)(/|$)')
go test -run '^$' -bench . -benchmem -benchtime "$BENCHTIME" -cpu 1,2 $pkgs 2>&1 \
  | tee "$OUT/go-bench.txt" | grep -E '^(Benchmark|ok|FAIL)'
lib=$(awk '/^BenchmarkVerifyCAdES_BT-2/ { for (i = 1; i <= NF; i++) if ($(i+1) == "verifications/s") print $i }' "$OUT/go-bench.txt")

echo
echo "== openssl cms -verify, one process per signature (the script-based alternative)"
head -c 51200 /dev/urandom > "$OUT/doc50k.bin"
openssl cms -sign -binary -md sha256 -signer "$C/doctor.pem" -inkey "$C/doctor.key" \
  -certfile "$C/chain-sign.pem" -outform DER -out "$OUT/doc50k.p7s" -in "$OUT/doc50k.bin" -cades
n=200
start=$(date +%s.%N)
for _ in $(seq 1 $n); do
  openssl cms -verify -binary -inform DER -in "$OUT/doc50k.p7s" -content "$OUT/doc50k.bin" \
    -CAfile "$C/root.pem" -purpose any -out /dev/null 2>/dev/null
done
end=$(date +%s.%N)
awk -v n=$n -v s="$start" -v e="$end" -v lib="${lib:-0}" 'BEGIN {
  rate = n/(e-s)
  printf "openssl cms -verify loop: %d verifications in %.2fs = %.0f verifications/s\n", n, e-s, rate
  if (lib > 0) printf "hpki library (B-T, 2 cores): %.0f verifications/s = %.0fx the openssl loop\n", lib, lib/rate
}'

echo
echo "== Signing, software key (Go benchmarks above, 2 cores): XAdES vs CAdES"
awk '/^BenchmarkSign(XAdES|CAdES)-2 / { for (i = 1; i <= NF; i++) if ($(i+1) == "signatures/s") printf "%-22s %8.0f signatures/s  (%s ns/op, %s allocs/op)\n", $1, $i, $3, $(NF-1) }' "$OUT/go-bench.txt"

echo
echo "== XAdES B-T verification of a 26 KB prescription: hpki vs libxmlsec1 (same file, same run)"
# The document of BenchmarkVerifyXAdES_BT, written to a file.
HPKI_BENCH_OUT="$PWD/$OUT" go test ./verify -run '^TestWriteBenchDocuments$' -count=1 >/dev/null
xades="$OUT/prescription-bt.xml"
xlib2=$(awk '/^BenchmarkVerifyXAdES_BT-2 / { for (i = 1; i <= NF; i++) if ($(i+1) == "verifications/s") print $i }' "$OUT/go-bench.txt")
xlib1=$(awk '/^BenchmarkVerifyXAdES_BT / { for (i = 1; i <= NF; i++) if ($(i+1) == "verifications/s") print $i }' "$OUT/go-bench.txt")
# libxmlsec1 in-process (python3-xmlsec), one core: XML-DSig core only
# (references, signature value, X.509 chain), no timestamp, no revocation.
pyrate=$(/usr/bin/python3 scripts/xmlsec-verify-loop.py "$xades" "$C/root.pem" "$C/ca-sign.pem" 1000 | tee /dev/stderr | awk '{ print $(NF-1) }')
# xmlsec1 --verify, one process per signature.
n=200
start=$(date +%s.%N)
for _ in $(seq 1 $n); do
  xmlsec1 --verify --trusted-pem "$C/root.pem" --untrusted-pem "$C/ca-sign.pem" --id-attr:Id PrescriptionData \
    --id-attr:Id http://uri.etsi.org/01903/v1.3.2#:SignedProperties "$xades" >/dev/null 2>&1
done
end=$(date +%s.%N)
awk -v n=$n -v s="$start" -v e="$end" -v l1="${xlib1:-0}" -v l2="${xlib2:-0}" -v py="${pyrate:-0}" 'BEGIN {
  rate = n/(e-s)
  printf "xmlsec1 --verify loop: %d verifications in %.2fs = %.0f verifications/s\n", n, e-s, rate
  printf "hpki library (B-T, all checks): %.0f verifications/s on 1 core, %.0f on 2 cores\n", l1, l2
  if (py > 0) printf "  = %.1fx libxmlsec1 in-process on 1 core (XML-DSig core only), %.1fx with 2 cores\n", l1/py, l2/py
  if (rate > 0) printf "  = %.0fx the xmlsec1 --verify process loop (2 cores)\n", l2/rate
}'

echo
echo "== PAdES: a 10 MB PDF with 5 signatures (B-T) and a DSS — hpki library vs a pdfsig loop"
pdf="$OUT/pdf10m-5sigs.pdf"
[ -f "$pdf" ] || PADES_BENCH_PDF="$PWD/$pdf" go test -run '^TestWriteBenchPDF$' ./pades >/dev/null
awk '/^BenchmarkVerifyPDF10MB5Sigs/ { for (i = 1; i <= NF; i++) { if ($(i+1) == "verifications/s") r = $i; if ($(i+1) == "cpu-ms/op") c = $i }
  printf "hpki library %-36s %6.1f verifications/s, %5.1f CPU ms each (= %.0f/s on 2 idle cores)\n", $1, r, c, 2000/c }' "$OUT/go-bench.txt"
if command -v pdfsig >/dev/null 2>&1; then
  n=20
  start=$(date +%s.%N)
  for _ in $(seq 1 $n); do pdfsig -nocert -no-ocsp "$pdf" >/dev/null 2>&1 || true; done
  end=$(date +%s.%N)
  awk -v n=$n -v s="$start" -v e="$end" 'BEGIN { printf "pdfsig -nocert loop: %d verifications in %.2fs = %.1f verifications/s (signatures only: no path, revocation or DSS)\n", n, e-s, n/(e-s) }'
fi

echo
echo "== Peak resident memory for a 1 GB detached document"
big="$OUT/big-1g.bin"
[ -f "$big" ] || head -c 1073741824 /dev/zero > "$big"
/usr/bin/time -v $HPKI sign "$big" --key "$C/doctor.key" --cert "$C/doctor.pem" --chain "$C/chain-sign.pem" \
  -o "$OUT/big-1g.p7s" --force 2> "$OUT/time-sign.txt" >/dev/null
/usr/bin/time -v $HPKI verify "$OUT/big-1g.p7s" --content "$big" --trust "$C/root.pem" --offline --crl "$C/ca-sign.crl" \
  2> "$OUT/time-verify.txt" >/dev/null || true
for f in sign verify; do
  rss=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$OUT/time-$f.txt")
  wall=$(awk -F'): ' '/Elapsed \(wall clock\)/ { print $2 }' "$OUT/time-$f.txt")
  printf '%-6s 1 GB: peak RSS %6.1f MB, wall %s\n' "$f" "$(awk -v r="$rss" 'BEGIN { print r/1024 }')" "$wall"
done
rm -f "$big"

echo
echo "== hpki serve on loopback: CAdES B-T verification of a 50 KB letter, 64 concurrent clients"
echo "   (goal: >= 4,000 req/s with p99 < 50 ms on 2 otherwise idle cores; the load generator shares the cores)"
go build -o "$OUT/hpki-load" ./internal/loadtest/cmd/hpki-load
"$OUT/hpki-load" -c 64 -d "${LOAD_DURATION:-10s}" | tee "$OUT/serve-load-json.txt"
"$OUT/hpki-load" -c 64 -d "${LOAD_DURATION:-10s}" -form | tee "$OUT/serve-load-form.txt"
