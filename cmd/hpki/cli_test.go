package main

import (
	"bytes"
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
