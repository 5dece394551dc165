package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// TestJapaneseErrorLinesEverywhere: with --lang ja, a representative error
// of each command, and the text output of archive verify, renew and report,
// cert verify and ts verify, is in Japanese (identifiers aside) on every
// line.
func TestJapaneseErrorLinesEverywhere(t *testing.T) {
	t.Setenv("LANG", "C")
	t.Setenv("HPKI_PKCS11_MODULE", "")
	dir := t.TempDir()
	a := writeDoc(t, dir, "a.txt", "referral letter A")
	other := writeDoc(t, dir, "other.txt", "referral letter B")
	unsigned := writeDoc(t, dir, "c.txt", "referral letter C")
	if code, out, errOut := runCLI(t, append([]string{"sign", a}, keyArgs("doctor")...)...); code != 0 {
		t.Fatalf("sign: %d %s%s", code, out, errOut)
	}
	tsaURL := testTSA(t)
	tsaRoot := testpki.Path("tsa-root.pem")
	if code, out, errOut := runCLI(t, "ts", a, "--tsa", tsaURL, "--tsa-trust", tsaRoot); code != 0 {
		t.Fatalf("ts: %d %s%s", code, out, errOut)
	}
	arch := filepath.Join(dir, "arch")
	if err := os.Mkdir(arch, 0o755); err != nil {
		t.Fatal(err)
	}
	writeDoc(t, arch, "garbage.p7s", "\x30\x03\x02\x01")
	if err := os.Symlink(filepath.Join(dir, "none"), filepath.Join(arch, "dangling.p7s")); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	journal := writeDoc(t, dir, "bad.journal", "not a journal\n")
	cert := testpki.Path("doctor.pem")
	trust := []string{"--trust", testpki.Path("root.pem"), "--offline"}
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  bool // the text output is checked too, every line
	}{
		{"sign level", append([]string{"sign", unsigned, "--level", "X"}, keyArgs("doctor")...), 3, false},
		{"sign key without cert", []string{"sign", unsigned, "--key", testpki.Path("doctor.key")}, 3, false},
		{"sign missing input", append([]string{"sign", filepath.Join(dir, "none.txt")}, keyArgs("doctor")...), 3, false},
		{"sign not a key", []string{"sign", unsigned, "--key", a, "--cert", cert}, 3, false},
		{"extend to", []string{"extend", a + ".p7s", "--to", "X"}, 3, false},
		{"extend LTA without TSA", []string{"extend", a + ".p7s", "--to", "LTA"}, 3, false},
		{"ts without TSA", []string{"ts", a}, 3, false},
		{"ts verify without content", []string{"ts", "verify", a + ".tsr", "--tsa-trust", tsaRoot}, 3, false},
		{"ts verify another file", []string{"ts", "verify", a + ".tsr", "--content", other, "--tsa-trust", tsaRoot}, 1, true},
		{"tsa serve", []string{"tsa", "serve"}, 3, false},
		{"ocsp serve", []string{"ocsp", "serve"}, 3, false},
		{"card list", []string{"card", "list", "--pkcs11-module", filepath.Join(dir, "none.so")}, 3, false},
		{"cert inspect", []string{"cert", "inspect", a}, 3, false},
		{"cert verify", []string{"cert", "verify", testpki.Path("expired.pem"), "--trust", testpki.Path("root.pem")}, 1, true},
		{"archive verify", append([]string{"archive", "verify", arch}, trust...), 1, true},
		{"archive verify empty", append([]string{"archive", "verify", empty}, trust...), 3, false},
		{"archive renew dry run", append([]string{"archive", "renew", arch, "--dry-run"}, trust...), 1, true},
		{"archive renew without TSA", []string{"archive", "renew", arch}, 3, false},
		{"archive report", []string{"archive", "report", journal}, 3, false},
		{"serve addr", []string{"serve", "--addr", "bogus"}, 3, false},
		{"serve every interface", []string{"serve", "--addr", "0.0.0.0:0"}, 3, false},
		{"auth login", []string{"auth", "login", "http://127.0.0.1:1/"}, 3, false},
		{"unknown flag", []string{"version", "--bogus"}, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append(tc.args, "--lang", "ja")...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s%s", code, tc.code, out, errOut)
			}
			text := errOut
			if tc.out {
				text = out + errOut
			}
			n := 0
			for _, line := range strings.Split(text, "\n") {
				if strings.TrimSpace(line) == "" {
					continue
				}
				n++
				assertJapanese(t, strings.TrimPrefix(line, "hpki: "), dir, line)
			}
			if n == 0 {
				t.Fatalf("no line:\n%s%s", out, errOut)
			}
			t.Logf("%s%s", out, errOut)
		})
	}
}
