//go:build cgo

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/softhsm"
	"github.com/hpki-jp/hpki/internal/testpki"
)

func provisionCard(t *testing.T, alwaysAuth bool) string {
	t.Helper()
	module := softhsm.NewToken(t, softhsm.TokenLabel)
	softhsm.Import(t, module, softhsm.TokenLabel, testpki.MustLoad(t).Doctor, []byte{7}, alwaysAuth)
	return module
}

func TestCardList(t *testing.T) {
	module := provisionCard(t, true)
	code, out, errOut := runCLI(t, "card", "list", "--pkcs11-module", module)
	if code != 0 || !strings.Contains(out, "医師 / Medical Doctor") || !strings.Contains(out, `"HPKI Application"`) {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	t.Setenv("HPKI_PKCS11_MODULE", module)
	code, out, _ = runCLI(t, "card", "list", "--output", "json")
	var toks []cardToken
	if code != 0 || json.Unmarshal([]byte(out), &toks) != nil || len(toks) != 1 || len(toks[0].Certificates) != 2 {
		t.Fatalf("exit %d json %s", code, out)
	}
}

func TestSignWithCard(t *testing.T) {
	module := provisionCard(t, true)
	dir := t.TempDir()
	a := writeDoc(t, dir, "a.txt", "letter A")
	b := writeDoc(t, dir, "b.txt", "letter B")
	pinFile := writeDoc(t, dir, "pin", softhsm.UserPIN+"\n")
	code, out, errOut := runCLI(t, "sign", a, b, "--pkcs11-module", module, "--offline", "--pin-file", pinFile, "--require-role", "医師")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, f := range []string{a, b} {
		if code, out, _ := runCLI(t, "verify", f+".p7s", "--content", f, "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t)); code != 0 {
			t.Fatalf("verify %s: exit %d\n%s", f, code, out)
		}
	}
	// PIN from the environment, as HPKI_PIN.
	t.Setenv("HPKI_PIN", softhsm.UserPIN)
	if code, out, errOut := runCLI(t, "sign", a, "-o", filepath.Join(dir, "env.p7s"), "--pkcs11-module", module, "--offline"); code != 0 {
		t.Fatalf("HPKI_PIN: exit %d\n%s%s", code, out, errOut)
	}
	// A wrong PIN: exit 1, one line, no PIN in it, nothing written.
	os.Setenv("HPKI_PIN", "")
	bad := writeDoc(t, dir, "badpin", "0000\n")
	code, out, errOut = runCLI(t, "sign", a, "-o", filepath.Join(dir, "bad.p7s"), "--pkcs11-module", module, "--offline", "--pin-file", bad)
	if code != 1 || strings.Contains(errOut, "0000") || !strings.Contains(errOut, "wrong PIN") {
		t.Fatalf("wrong PIN: exit %d\n%s%s", code, out, errOut)
	}
	assertOneLineError(t, errOut)
	if _, err := os.Stat(filepath.Join(dir, "bad.p7s")); err == nil {
		t.Fatal("output written after a wrong PIN")
	}
}

func TestCardErrors(t *testing.T) {
	module := provisionCard(t, false)
	dir := t.TempDir()
	text := writeDoc(t, dir, "module.txt", "not a library")
	doc := writeDoc(t, dir, "a.txt", "letter")
	pin := writeDoc(t, dir, "pin", softhsm.UserPIN)
	os.Unsetenv("HPKI_PKCS11_MODULE")
	tests := []struct {
		name string
		args []string
	}{
		{"missing module path", []string{"card", "list"}},
		{"module path does not exist", []string{"card", "list", "--pkcs11-module", filepath.Join(dir, "none.so")}},
		{"module is not PKCS#11", []string{"card", "list", "--pkcs11-module", text}},
		{"module is a program", []string{"sign", doc, "--pkcs11-module", "/bin/ls", "--pin-file", pin}},
		{"token absent", []string{"sign", doc, "--pkcs11-module", module, "--offline", "--token-label", "HPKI2.0", "--pin-file", pin}},
		{"key without certificate", []string{"sign", doc, "--pkcs11-module", module, "--offline", "--key-label", "no such key", "--pin-file", pin}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if code != 3 {
				t.Fatalf("exit %d, want 3\n%s%s", code, out, errOut)
			}
			assertOneLineError(t, errOut)
		})
	}
}
