//go:build cgo

package main

import (
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/softhsm"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// testCardLogin logs in to base with a SoftHSM2 "card".
func testCardLogin(t *testing.T, base string) {
	t.Helper()
	// Login with the SoftHSM2 "card": its own module and PIN variable; a
	// wrong PIN is one clear line, exit 1, asked once, never echoed.
	module := softhsm.NewToken(t, softhsm.TokenLabel)
	softhsm.Import(t, module, softhsm.TokenLabel, testpki.MustLoad(t).DoctorAuth, []byte{5}, true)
	t.Setenv("HPKI_AUTH_PIN", "98765")
	t.Setenv("HPKI_PIN", softhsm.UserPIN) // the signing PIN's variable is not used for login
	code, _, stderr := runCLI(t, "auth", "login", base, "--pkcs11-module", module)
	if code != 1 || !strings.Contains(stderr, "wrong PIN") || strings.Contains(stderr, "98765") {
		t.Fatalf("card login, wrong PIN: %d %q", code, stderr)
	}
	assertOneLineError(t, stderr)
	t.Setenv("HPKI_AUTH_PIN", softhsm.UserPIN)
	if code, out, stderr := runCLI(t, "auth", "login", base, "--pkcs11-module", module, "--output", "json"); code != 0 || !strings.Contains(out, `"holderId": "MD0001"`) {
		t.Fatalf("card login: %d %q %q", code, out, stderr)
	}

}
