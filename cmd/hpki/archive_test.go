package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

func signCAdESFile(t *testing.T, cred *testpki.Credential, content []byte) []byte {
	t.Helper()
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(content), sign.Credential{Signer: cred.Key, Certificate: cred.Cert, Chain: cred.Chain}, sign.CAdESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res.Signature
}

// File names cannot forge lines of archive verify's output, and entries
// that are not read are reported on their own SKIPPED line.
func TestArchiveVerifyOutputCannotBeForged(t *testing.T) {
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	letter := []byte("referral letter")
	writeDoc(t, dir, "ok.txt", string(letter))
	writeDoc(t, dir, "ok.txt.p7s", string(signCAdESFile(t, p.Doctor, letter)))
	writeDoc(t, dir, "a\nTOTAL_PASSED b.p7s", "not a signature")
	writeDoc(t, dir, "\x1b[2Kc.p7s", "not a signature")
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.p7s"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "archive", "verify", dir, "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t))
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errOut)
	}
	if strings.ContainsAny(out, "\x1b\r") {
		t.Fatalf("raw control in the output: %q", out)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 4 records and a summary, got %d lines:\n%s", len(lines), out)
	}
	for _, l := range lines[:4] {
		if !strings.HasPrefix(l, "TOTAL_") && !strings.HasPrefix(l, "SKIPPED") {
			t.Errorf("line %q does not start with a verdict", l)
		}
	}
	for _, want := range []string{
		`TOTAL_FAILED/FORMAT_FAILURE`, `"` + dir + `/a\nTOTAL_PASSED b.p7s"`, `"` + dir + `/\x1b[2Kc.p7s"`,
		"SKIPPED", dir + "/pipe.p7s  (a FIFO (named pipe), not a regular file)",
		"3 files: 1 passed, 2 failed, 0 indeterminate; 1 skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// Only passed records and a skipped entry: exit 2, not 0.
	os.Remove(filepath.Join(dir, "a\nTOTAL_PASSED b.p7s"))
	os.Remove(filepath.Join(dir, "\x1b[2Kc.p7s"))
	if code, out, _ := runCLI(t, "archive", "verify", dir, "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t)); code != 2 {
		t.Fatalf("exit %d with a skipped entry, want 2\n%s", code, out)
	}
	// JSON keeps the exact names, with the skipped entry as a record.
	code, out, _ = runCLI(t, "archive", "verify", dir, "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t), "--output", "json")
	if code != 2 || !strings.Contains(out, `"skipped": "a FIFO (named pipe), not a regular file"`) {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
}
