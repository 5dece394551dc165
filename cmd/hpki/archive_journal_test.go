package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// archive report over a run's journal gives the run's exit code (a
// SKIPPED entry: 2, not 0); a rerun under other trust anchors does not
// reuse the journal and says so; a dry run refuses a journal and writes
// none.
func TestArchiveJournalCLI(t *testing.T) {
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	letter := []byte("referral letter")
	writeDoc(t, dir, "ok.txt", string(letter))
	writeDoc(t, dir, "ok.txt.p7s", string(signCAdESFile(t, p.Doctor, letter)))
	writeDoc(t, dir, "bad.p7s", "not a signature")
	journal := filepath.Join(t.TempDir(), "run.journal")
	crl := testpki.FreshCRLFile(t)
	code, out, errOut := runCLI(t, "archive", "verify", dir, "--trust", testpki.Path("root.pem"), "--offline", "--crl", crl, "--journal", journal)
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "archive", "report", journal); code != 1 || !strings.Contains(out, "2 files: 1 passed, 1 failed") {
		t.Fatalf("report: exit %d\n%s", code, out)
	}
	code, out, errOut = runCLI(t, "archive", "verify", dir, "--trust", testpki.Path("tsa-root.pem"), "--offline", "--crl", crl, "--journal", journal)
	if strings.Contains(out, "from the journal") || !strings.Contains(errOut, "other validation settings") || strings.Contains(out, "1 passed") {
		t.Fatalf("journal reused under other trust: exit %d\n%s%s", code, out, errOut)
	}
	dry := filepath.Join(t.TempDir(), "dry.journal")
	code, _, errOut = runCLI(t, "archive", "renew", dir, "--trust", testpki.Path("root.pem"), "--offline", "--crl", crl, "--dry-run", "--journal", dry)
	if code != 3 || !strings.Contains(errOut, "--dry-run writes nothing") {
		t.Fatalf("dry run with a journal: exit %d %s", code, errOut)
	}
	if _, err := os.Stat(dry); err == nil {
		t.Fatal("the dry run wrote a journal")
	}
}
