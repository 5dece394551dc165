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
