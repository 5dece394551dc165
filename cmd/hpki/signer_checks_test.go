package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/revocation"
)

// hpki sign refuses, before anything is written, a certificate that may not
// sign now: not a document-signing certificate, expired, or revoked when
// its status can be had (given with --crl, or from the CA's service).
func TestSignRefusesUnusableCertificates(t *testing.T) {
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	doc := writeDoc(t, dir, "letter.txt", "紹介状\n")
	crlAddr := testpki.Serve(t, revocation.CRLHandler(func() []byte { return p.CRL }))
	online := []string{"--resolve", "crl.hpki-test.invalid=" + crlAddr, "--resolve", "ocsp.hpki-test.invalid=" + crlAddr}
	withKey := func(who string, extra ...string) []string {
		return append([]string{"--key", testpki.Path(who + ".key"), "--cert", testpki.Path(who + ".pem"), "--chain", testpki.Path("chain-sign.pem")}, extra...)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"authentication certificate", withKey("doctor-auth", "--offline"), "authentication (認証用) certificate"},
		{"authentication certificate, --allow-non-hpki", withKey("doctor-auth", "--offline", "--allow-non-hpki"), "authentication (認証用) certificate"},
		{"expired certificate", withKey("expired", "--offline"), "expired on 2022-01-01"},
		{"revoked, the CA's CRL given", withKey("revoked", "--offline", "--crl", testpki.FreshCRLFile(t)), "revoked on 2025-06-01"},
		{"revoked, the CA's service asked", withKey("revoked", online...), "revoked on 2025-06-01"},
		{"revoked, level T", withKey("revoked", append([]string{"--level", "T", "--tsa", "http://127.0.0.1:1/"}, online...)...), "revoked on 2025-06-01"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out", string(rune('a'+i))+".p7s")
			code, _, errOut := runCLI(t, append([]string{"sign", doc, "-o", out}, tc.args...)...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit 1 saying %q", code, errOut, tc.want)
			}
			if fileExists(out) {
				t.Errorf("%s was written", out)
			}
		})
	}
	t.Run("control: a good certificate signs online", func(t *testing.T) {
		if code, _, errOut := runCLI(t, append([]string{"sign", doc, "-o", filepath.Join(dir, "good.p7s")}, withKey("doctor", online...)...)...); code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}

// A past --at is a claim, not a proof: a signature made today without a
// timestamp has no proof of existence then (exit 2, NO_POE).
func TestVerifyPastAtWithoutProof(t *testing.T) {
	dir := t.TempDir()
	doc := writeDoc(t, dir, "letter.txt", "紹介状\n")
	sig := filepath.Join(dir, "letter.txt.p7s")
	if code, _, errOut := runCLI(t, append([]string{"sign", doc, "-o", sig}, keyArgs("doctor")...)...); code != 0 {
		t.Fatal(errOut)
	}
	code, out, _ := runCLI(t, "verify", sig, "--content", doc, "--trust", testpki.Path("root.pem"), "--offline",
		"--crl", testpki.Path("ca-sign.crl"), "--at", "2025-07-01T00:00:00Z")
	if code != 2 || !strings.Contains(out, "NO_POE") || strings.Contains(out, "proven by") || strings.Contains(out, "proven to") ||
		strings.Contains(out, "at the signing time") || !strings.Contains(out, "not revoked at the validation time") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

func fileExists(name string) bool {
	_, err := os.Lstat(name)
	return err == nil
}
