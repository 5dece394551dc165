//go:build !cgo

package main

import (
	"strings"
	"testing"
)

// testCardLogin of a build without cgo: the card login path says there is
// no card support (exit 3); key-file login works (TestServeCLI).
func testCardLogin(t *testing.T, base string) {
	t.Helper()
	code, _, stderr := runCLI(t, "auth", "login", base, "--pkcs11-module", "/nonexistent/module.so")
	if code != 3 || !strings.Contains(stderr, "no card support") {
		t.Fatalf("card login without cgo: %d %q", code, stderr)
	}
}
