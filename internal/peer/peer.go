// Package peer finds the external programs (OpenSSL, xmlsec1, SoftHSM2,
// Node) that interoperability tests run against.
//
// A test that needs a peer calls Require. When the peer is missing the test
// fails if the environment variable CI is "true" (so CI can never pass by
// skipping interop), and is skipped with a loud message otherwise.
package peer

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in continuous integration, where a
// missing peer is a failure rather than a skip.
func InCI() bool { return os.Getenv("CI") == "true" }

// Require returns the absolute path of the program name, or ends the test:
// t.Fatal in CI, t.Skip elsewhere. The hint tells the reader how to install it.
func Require(tb testing.TB, name, hint string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	Missing(tb, name+" not found in PATH", hint)
	return ""
}

// RequireFile returns path if it exists, or ends the test like Require.
func RequireFile(tb testing.TB, path, hint string) string {
	tb.Helper()
	if _, err := os.Stat(path); err == nil {
		return path
	}
	Missing(tb, path+" does not exist", hint)
	return ""
}

// Missing ends the test because a peer is missing: a failure in CI, a loud
// skip elsewhere.
func Missing(tb testing.TB, what, hint string) {
	tb.Helper()
	msg := "INTEROP PEER MISSING: " + what + " (" + hint + "; `make deps` installs the peers)"
	if InCI() {
		tb.Fatal(msg)
	}
	tb.Skip("SKIPPED: " + msg)
}
