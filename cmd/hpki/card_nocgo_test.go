//go:build !cgo

package main

import (
	"strings"
	"testing"
)

func TestNoCardSupportWithoutCgo(t *testing.T) {
	for _, args := range [][]string{
		{"card", "list"},
		{"sign", "x", "--pkcs11-module", "/usr/lib/HpkiSigP11.so"},
	} {
		if args[0] == "sign" {
			args[1] = writeDoc(t, t.TempDir(), "x.txt", "x")
		}
		code, _, errOut := runCLI(t, args...)
		if code != 3 || !strings.Contains(errOut, "this build has no card support") {
			t.Errorf("%v: %d %s", args, code, errOut)
		}
	}
}
