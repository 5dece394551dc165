package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

// runCLI runs the hpki command in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// assertOneLineError checks that stderr is a single "hpki: …" line.
func assertOneLineError(t *testing.T, stderr string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "hpki: ") {
		t.Fatalf("want one 'hpki: …' error line, got %q", stderr)
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Fatalf("stack trace in error output: %q", stderr)
	}
}

// TestMain runs the tests in the C locale: the language of messages comes
// from LC_ALL/LC_MESSAGES/LANG, and tests that want Japanese say so.
func TestMain(m *testing.M) {
	os.Setenv("LC_ALL", "")
	os.Setenv("LC_MESSAGES", "")
	os.Setenv("LANG", "C")
	os.Exit(m.Run())
}

// TestTSAUserWithoutPassword: --tsa-user with HPKI_TSA_PASSWORD empty is a
// usage error before anything is signed (no "user:" header is sent, no PIN
// is asked for), in English and in Japanese.
func TestTSAUserWithoutPassword(t *testing.T) {
	t.Setenv("HPKI_TSA_PASSWORD", "")
	dir := t.TempDir()
	doc := dir + "/letter.txt"
	if err := os.WriteFile(doc, []byte("letter"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ lang, want string }{
		{"en", "HPKI_TSA_PASSWORD, which is empty or not set"},
		{"ja", "環境変数 HPKI_TSA_PASSWORD で渡してください"},
	} {
		args := append([]string{"sign", doc, "--lang", tc.lang, "--tsa", "https://tsa.example/", "--tsa-user", "clinic", "-o", dir + "/out.p7s"}, keyArgs("doctor")...)
		code, _, stderr := runCLI(t, args...)
		if code != 3 || !strings.Contains(stderr, tc.want) {
			t.Fatalf("%s: exit %d, stderr %q; want 3 and %q", tc.lang, code, stderr, tc.want)
		}
		assertOneLineError(t, stderr)
		if _, err := os.Stat(dir + "/out.p7s"); err == nil {
			t.Fatalf("%s: a signature was written", tc.lang)
		}
	}
}
