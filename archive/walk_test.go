package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// xadesDetached signs content as the detached file name with the doctor's key.
func (f *fixture) xadesDetached(t *testing.T, name string, content []byte) []byte {
	t.Helper()
	res, err := sign.SignXAdESDetached(context.Background(), bytes.NewReader(content), name, sign.Credential{Signer: f.p.Doctor.Key, Certificate: f.p.Doctor.Cert, Chain: f.p.Doctor.Chain}, sign.XAdESOptions{Level: sign.LevelT, TSA: f.tsa})
	if err != nil {
		t.Fatal(err)
	}
	return res.Signature
}

// runWithin runs the archive over dir and fails the test if it does not
// finish within limit (the FIFO attack blocked forever).
func runWithin(t *testing.T, f *fixture, limit time.Duration) (files []string, recs []Record) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		var skipped []Record
		var err error
		files, skipped, err = Walk(f.dir)
		if err != nil {
			t.Error(err)
			return
		}
		recs = append(skipped, Run(context.Background(), files, Options{Verify: f.opts, Jobs: 2}, nil)...)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("archive run still going after %v: blocked on a special file?", limit)
	}
	return files, recs
}

// Hostile entries in the archive: each is reported as skipped with its
// reason, the signature needing it is not TOTAL_PASSED, and the run
// finishes at once — no blocking on a FIFO, no reading /dev/zero, nothing
// read through a link that leaves the folder.
func TestArchiveWalkHostileEntries(t *testing.T) {
	letter := []byte("referral letter")
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), letter, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		// plant makes the content entry at path.
		plant      func(t *testing.T, path string)
		wantReason string
	}{
		{"fifo", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "FIFO"},
		{"symlink to /dev/zero", func(t *testing.T, path string) { os.Symlink("/dev/zero", path) }, "outside its folder"},
		{"symlink to a file outside the folder", func(t *testing.T, path string) { os.Symlink(filepath.Join(outside, "secret.txt"), path) }, "outside its folder"},
		{"relative symlink out of the folder", func(t *testing.T, path string) {
			rel, err := filepath.Rel(filepath.Dir(path), filepath.Join(outside, "secret.txt"))
			if err != nil || !strings.HasPrefix(rel, "..") {
				t.Fatal(rel, err)
			}
			os.Symlink(rel, path)
		}, "outside its folder"},
		{"dangling symlink", func(t *testing.T, path string) { os.Symlink("no-such-file", path) }, "dangling"},
		{"directory", func(t *testing.T, path string) { os.Mkdir(path, 0o700) }, "directory"},
	}
	for _, tc := range tests {
		for _, format := range []string{"CAdES", "XAdES"} {
			t.Run(tc.name+"/"+format, func(t *testing.T) {
				f := newFixture(t)
				content := filepath.Join(f.dir, "letter.txt")
				if format == "CAdES" {
					f.write(t, "letter.txt.p7s", f.cades(t, f.p.Doctor, letter))
				} else {
					f.write(t, "letter.xades.xml", f.xadesDetached(t, "letter.txt", letter))
				}
				tc.plant(t, content)
				files, recs := runWithin(t, f, 60*time.Second)
				if len(files) != 1 {
					t.Fatalf("files %v", files)
				}
				var sig, skip *Record
				for i := range recs {
					if recs[i].Skipped != "" {
						skip = &recs[i]
					} else {
						sig = &recs[i]
					}
				}
				if sig == nil || skip == nil || len(recs) != 2 {
					t.Fatalf("records %+v", recs)
				}
				if sig.Indication != verify.Indeterminate || sig.SubIndication != verify.SignedDataNotFound {
					t.Errorf("signature: %s/%s (%s), want INDETERMINATE/SIGNED_DATA_NOT_FOUND", sig.Indication, sig.SubIndication, sig.Error)
				}
				if skip.Path != content || !strings.Contains(skip.Skipped, tc.wantReason) || skip.Indication != "" {
					t.Errorf("skipped record %+v, want path %s and reason with %q", skip, content, tc.wantReason)
				}
			})
		}
	}
}

// A symbolic link to a file in the same folder is followed: the content
// is found and verified.
func TestArchiveContentLinkInsideFolder(t *testing.T) {
	f := newFixture(t)
	letter := []byte("referral letter")
	f.write(t, "store/letter-v1.txt", letter)
	f.write(t, "store/letter.txt.p7s", f.cades(t, f.p.Doctor, letter))
	os.Symlink("letter-v1.txt", filepath.Join(f.dir, "store", "letter.txt"))
	_, recs := runWithin(t, f, 60*time.Second)
	if len(recs) != 1 || recs[0].Indication != verify.TotalPassed || recs[0].Content != filepath.Join(f.dir, "store", "letter.txt") {
		t.Fatalf("records %+v", recs)
	}
}

// Entries with a signature's name that the walk does not read are
// reported, not ignored: a FIFO, a symbolic link, a socket-like special
// file.
func TestWalkReportsSkippedSignatureEntries(t *testing.T) {
	f := newFixture(t)
	letter := []byte("referral letter")
	f.write(t, "letter.txt", letter)
	f.write(t, "letter.txt.p7s", f.cades(t, f.p.Doctor, letter))
	if err := syscall.Mkfifo(filepath.Join(f.dir, "pipe.p7s"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Symlink("/dev/zero", filepath.Join(f.dir, "zero.p7m"))
	os.Symlink("letter.txt.p7s", filepath.Join(f.dir, "alias.p7s"))
	os.Symlink(t.TempDir(), filepath.Join(f.dir, "2025")) // a folder of records behind a link
	if err := syscall.Mkfifo(filepath.Join(f.dir, "doc.xml"), 0o600); err != nil {
		t.Fatal(err)
	}
	files, recs := runWithin(t, f, 60*time.Second)
	if len(files) != 1 || filepath.Base(files[0]) != "letter.txt.p7s" {
		t.Fatalf("files %v", files)
	}
	want := map[string]string{"pipe.p7s": "FIFO", "zero.p7m": "symbolic link", "alias.p7s": "symbolic link", "doc.xml": "FIFO", "2025": "symbolic link to a folder"}
	got := map[string]string{}
	for _, r := range recs {
		if r.Skipped != "" {
			got[filepath.Base(r.Path)] = r.Skipped
		} else if r.Indication != verify.TotalPassed {
			t.Errorf("%s: %s", r.Path, r.Indication)
		}
	}
	for name, reason := range want {
		if !strings.Contains(got[name], reason) {
			t.Errorf("%s: skipped %q, want a reason with %q", name, got[name], reason)
		}
	}
	// A FIFO named on the command line is skipped too, without blocking.
	done := make(chan []Record)
	go func() {
		done <- Run(context.Background(), []string{filepath.Join(f.dir, "pipe.p7s")}, Options{Verify: f.opts}, nil)
	}()
	select {
	case rs := <-done:
		if len(rs) != 1 || !strings.Contains(rs[0].Skipped, "FIFO") {
			t.Errorf("FIFO given by name: %+v", rs)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("blocked on a FIFO given by name")
	}
}

// An unreadable signature file is an I/O matter: a skipped record, not a
// FORMAT_FAILURE verdict.
func TestUnreadableSignatureFileIsSkipped(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	f := newFixture(t)
	p := f.write(t, "locked.p7s", []byte("whatever"))
	os.Chmod(p, 0)
	_, recs := runWithin(t, f, 30*time.Second)
	if len(recs) != 1 || !strings.Contains(recs[0].Skipped, "permission denied") || recs[0].Indication != "" {
		t.Fatalf("records %+v", recs)
	}
}

// NAME.lt.p7s beside both NAME.lt and NAME (round-3 attack: the record NAME
// changed, a copy of the original saved as NAME.lt): the pairing is
// ambiguous, so the signature is checked against neither and never passes;
// with only one candidate, that one is used.
func TestArchiveAmbiguousContentPairing(t *testing.T) {
	f := newFixture(t)
	original := []byte("処方: アムロジピン 5mg")
	f.write(t, "n.lt.p7s", f.cades(t, f.p.Doctor, original))
	f.write(t, "n", []byte("処方: オキシコドン 40mg"))
	f.write(t, "n.lt", original)
	_, recs := runWithin(t, f, 60*time.Second)
	var sig, skip *Record
	for i := range recs {
		switch {
		case recs[i].Skipped != "":
			skip = &recs[i]
		case filepath.Base(recs[i].Path) == "n.lt.p7s":
			sig = &recs[i]
		}
	}
	if sig == nil || sig.Indication == verify.TotalPassed || skip == nil || !strings.Contains(skip.Skipped, "ambiguous") {
		t.Fatalf("records %+v", recs)
	}
	// Only NAME.lt: it is the content.
	os.Remove(filepath.Join(f.dir, "n"))
	_, recs = runWithin(t, f, 60*time.Second)
	if len(recs) != 1 || recs[0].Indication != verify.TotalPassed || filepath.Base(recs[0].Content) != "n.lt" {
		t.Fatalf("records %+v", recs)
	}
}
