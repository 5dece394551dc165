#!/usr/bin/env bash
# make demo: the main job on embedded defaults. It starts a local TSA and a
# local OCSP responder on ports chosen at run time, signs a sample referral
# letter with the test doctor's credentials (CAdES B-T), verifies it and
# prints the report, shows what a tampered copy gives, signs an
# e-prescription (XAdES), extends the letter to B-LTA, signs with a SoftHSM2
# "card" (a text letter, and a PDF letter visibly: PAdES, shown by pdfsig and
# as a PNG), and stops the servers. Test credentials only.
set -euo pipefail
cd "$(dirname "$0")/.."
HPKI=${HPKI:-bin/hpki}
C=testdata/certs
OUT=out/demo
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# serve NAME LOG CMD...: starts a local server in the background (stopped
# when the demo ends) and sets $addr to the 127.0.0.1:PORT it listens on.
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT
serve() {
  local name=$1 log=$2; shift 2
  "$@" >"$log" 2>&1 &
  pids+=($!)
  addr=""
  for _ in $(seq 1 100); do
    addr=$(grep -o '127\.0\.0\.1:[0-9]*' "$log" | head -1 || true)
    [ -n "$addr" ] && break
    sleep 0.05
  done
  [ -n "$addr" ] || { echo "demo: $name did not start:" >&2; cat "$log" >&2; exit 1; }
}

step "The test doctor's certificate (hpki cert inspect)"
$HPKI cert inspect "$C/doctor.pem" --lang ja

step "Its path to the test HPKI root (hpki cert verify)"
$HPKI cert verify "$C/doctor.pem" --trust "$C/root.pem"

step "The director's certificate carries an administrative role (病院長)"
$HPKI cert inspect "$C/director.pem"

step "A certificate that is not HPKI is rejected by the profile check (exit 1)"
set +e
$HPKI cert verify "$C/nonhpki.pem" --trust "$C/root.pem"
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "demo: non-HPKI certificate was not rejected (exit $rc)"; exit 1; }

step "The real MEDIS signing CA chains to the embedded MHLW HPKI Root CA V2"
$HPKI cert verify trust/anchors/medis-hpki-sign-ca2.pem --at 2030-01-01T00:00:00Z

step "Starting a local RFC 3161 TSA on 127.0.0.1 (hpki tsa serve)"
serve TSA "$OUT/tsa.log" $HPKI tsa serve --cert "$C/tsa.pem" --key "$C/tsa.key" --addr 127.0.0.1:0 \
  --serial-file "$OUT/tsa.serial"
url="http://$addr/"
echo "TSA at $url"

step "Starting a local OCSP responder (hpki ocsp serve): it stands in for the one the certificates name"
serve "OCSP responder" "$OUT/ocsp.log" $HPKI ocsp serve --issuer "$C/ca-sign.pem" --cert "$C/ocsp.pem" \
  --key "$C/ocsp.key" --crl "$C/ca-sign.crl" --addr 127.0.0.1:0
echo "OCSP responder at http://$addr/"
# Revocation status comes from the CA's service, asked at each step (as a
# real deployment does): the names the certificates carry go to the local one.
REV=(--resolve ocsp.hpki-test.invalid="$addr" --resolve crl.hpki-test.invalid="$addr")

DOC=testdata/docs/referral-letter.txt
SIG="$OUT/referral-letter.txt.p7s"
step "Signing $DOC as the test doctor, CAdES B-T (hpki sign)"
$HPKI sign "$DOC" --key "$C/doctor.key" --cert "$C/doctor.pem" --chain "$C/chain-sign.pem" \
  --level T --tsa "$url" --tsa-trust "$C/tsa-root.pem" --require-role 医師 "${REV[@]}" -o "$SIG" --force
ls -l "$SIG"

step "Verifying the signature (hpki verify), revocation status from the OCSP responder"
$HPKI verify "$SIG" --content "$DOC" --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" "${REV[@]}" --require-role "Medical Doctor" --lang ja

step "The same in JSON, for programs"
$HPKI verify "$SIG" --content "$DOC" --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" "${REV[@]}" --output json

step "A copy of the letter with one byte changed must fail"
cp "$DOC" "$OUT/tampered.txt"
printf 'X' | dd of="$OUT/tampered.txt" bs=1 seek=10 conv=notrunc status=none
set +e
$HPKI verify "$SIG" --content "$OUT/tampered.txt" --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" --offline --crl "$C/ca-sign.crl"
rc=$?
set -e
echo "exit code $rc (1 = TOTAL_FAILED)"
[ "$rc" -eq 1 ] || { echo "demo: tampered document was not rejected"; exit 1; }

step "An e-prescription signed with XAdES B-T (the prescription element, KeyInfo referenced)"
$HPKI sign testdata/xml/prescription.xml --format xades --xml-id PrescriptionData --reference-keyinfo \
  --key "$C/doctor.key" --cert "$C/doctor.pem" --chain "$C/chain-sign.pem" \
  --level T --tsa "$url" --tsa-trust "$C/tsa-root.pem" "${REV[@]}" -o "$OUT/prescription.signed.xml" --force
$HPKI verify "$OUT/prescription.signed.xml" --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" "${REV[@]}"

step "Long-term: extend the letter's signature to B-LTA (validation data + archive timestamp)"
$HPKI extend "$SIG" --content "$DOC" --to LTA --tsa "$url" --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" \
  "${REV[@]}" -o "$OUT/referral-letter.lta.p7s" --force
echo "Verified offline from what the signature embeds (no --crl):"
$HPKI verify "$OUT/referral-letter.lta.p7s" --content "$DOC" --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" --offline

step "An archive service re-verifies its records in bulk (hpki archive verify)"
rm -rf "$OUT/archive"; mkdir -p "$OUT/archive/2026"
cp "$DOC" "$OUT/archive/2026/referral-letter.txt"
cp "$OUT/referral-letter.lta.p7s" "$OUT/archive/2026/referral-letter.txt.p7s"
cp "$OUT/prescription.signed.xml" "$OUT/archive/2026/"
$HPKI archive verify "$OUT/archive" --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" "${REV[@]}"

step "The HPKI card: a SoftHSM2 token laid out like an HPKI IC card"
MOD=""
for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do [ -f "$m" ] && MOD=$m && break; done
[ -n "$MOD" ] || { echo "demo: SoftHSM2 is not installed (run make deps)"; exit 1; }
export SOFTHSM2_CONF="$PWD/$OUT/softhsm2.conf"
rm -rf "$OUT/tokens"; mkdir -p "$OUT/tokens"
echo "directories.tokendir = $PWD/$OUT/tokens" > "$SOFTHSM2_CONF"
softhsm2-util --init-token --free --label "HPKI Application" --pin 1234 --so-pin 12345678 >/dev/null
softhsm2-util --import "$C/doctor.key" --token "HPKI Application" --label "Private key of HPKI" --id 01 --pin 1234 >/dev/null
openssl x509 -in "$C/doctor.pem" -outform DER -out "$OUT/doctor.der"
openssl x509 -in "$C/ca-sign.pem" -outform DER -out "$OUT/ca-sign.der"
pkcs11-tool --module "$MOD" --token-label "HPKI Application" --login --pin 1234 --write-object "$OUT/doctor.der" \
  --type cert --id 01 --label "HPKI END ENTITY CERTIFICATE" >/dev/null 2>&1
pkcs11-tool --module "$MOD" --token-label "HPKI Application" --login --pin 1234 --write-object "$OUT/ca-sign.der" \
  --type cert --id ca --label "HPKI CA CERTIFICATE" >/dev/null 2>&1
$HPKI card list --pkcs11-module "$MOD"

step "Signing with the card (PIN from a file here; a prompt at a desk)"
printf '1234\n' > "$OUT/pin"; chmod 600 "$OUT/pin"
$HPKI sign "$DOC" --pkcs11-module "$MOD" --pin-file "$OUT/pin" --level T --tsa "$url" --tsa-trust "$C/tsa-root.pem" \
  --require-role 医師 "${REV[@]}" -o "$OUT/referral-letter.card.p7s" --force
$HPKI verify "$OUT/referral-letter.card.p7s" --content "$DOC" --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" "${REV[@]}"

step "A referral letter PDF signed visibly with the card (PAdES B-T), as a PDF reader shows it"
PDF=testdata/pdf/referral-letter.pdf
$HPKI sign "$PDF" --pkcs11-module "$MOD" --pin-file "$OUT/pin" --level T --tsa "$url" --tsa-trust "$C/tsa-root.pem" \
  --require-role 医師 "${REV[@]}" --visible 1,330,60,230,80 --reason 紹介状 -o "$OUT/referral-letter.signed.pdf" --force
$HPKI verify "$OUT/referral-letter.signed.pdf" --trust "$C/root.pem" --tsa-trust "$C/tsa-root.pem" "${REV[@]}" --lang ja
if command -v pdfsig >/dev/null 2>&1; then
  echo "-- poppler's pdfsig (its certificate check does not know HPKI's critical policies):"
  pdfsig -nocert "$OUT/referral-letter.signed.pdf" || true
fi
if command -v pdftoppm >/dev/null 2>&1; then
  pdftoppm -r 72 -png -f 1 -l 1 "$OUT/referral-letter.signed.pdf" "$OUT/referral-letter.signed" 2>/dev/null &&
    echo "-- the page with the stamp: $OUT/referral-letter.signed-1.png"
fi
$HPKI extend "$OUT/referral-letter.signed.pdf" --to LTA --tsa "$url" --tsa-trust "$C/tsa-root.pem" --trust "$C/root.pem" \
  "${REV[@]}" -o "$OUT/referral-letter.lta.pdf" --force

step "Demo finished: outputs in $OUT/"
