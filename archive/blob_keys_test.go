package archive

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Manifest keys of a bucket run stay under the URL's prefix: "..", ".",
// empty segments, a leading "/", backslashes and control characters are
// refused, one SKIPPED record each, and nothing outside the prefix is read
// (file:// here: the same rule holds for every scheme).
func TestBucketManifestKeysStayUnderThePrefix(t *testing.T) {
	f := newFixture(t)
	doc := []byte("letter")
	sig := f.cades(t, f.p.Doctor, doc)
	f.write(t, "a/mine.txt", doc)
	f.write(t, "a/mine.txt.p7s", sig)
	f.write(t, "b/theirs.txt", doc)
	f.write(t, "b/theirs.txt.p7s", sig)
	bad := []string{"../b/theirs.txt.p7s", "./mine.txt.p7s", "x//../../b/theirs.txt.p7s", "/b/theirs.txt.p7s", `..\b\theirs.txt.p7s`, "mine.txt.p7s\x1b", "sub/../mine.txt.p7s"}
	manifest := "mine.txt.p7s\n" + strings.Join(bad, "\n") + "\n"
	src, closeB, err := OpenBucket(context.Background(), "file://"+filepath.ToSlash(filepath.Join(f.dir, "a")), strings.NewReader(manifest))
	if err != nil {
		t.Fatal(err)
	}
	defer closeB()
	recs, sum := collect(t, src, Options{Verify: f.opts})
	if sum.Records != 1 || sum.Passed != 1 || sum.Skipped != len(bad) || len(recs) != 1+len(bad) {
		t.Fatalf("%+v %v", sum, names(recs))
	}
	for _, r := range recs[1:] {
		if r.Status != StatusSkipped || !strings.Contains(r.Skipped, "refused") {
			t.Errorf("%+v", r)
		}
	}
	for _, k := range []string{"mine.txt.p7s", "2026/x/r.p7s", "a..b/c.p7s"} {
		if why := badKey(k); why != "" {
			t.Errorf("%q refused: %s", k, why)
		}
	}
}

// A file:// folder is read as a walk reads it: a symbolic link to a record
// elsewhere (listed, or named by a manifest) is not followed (an attack
// had such links read and reported as records of the folder).
func TestFileURLDoesNotFollowLinks(t *testing.T) {
	f := newFixture(t)
	outside := t.TempDir()
	doc := []byte("referral letter")
	os.WriteFile(filepath.Join(outside, "r.txt"), doc, 0o600)
	os.WriteFile(filepath.Join(outside, "r.txt.p7s"), f.cades(t, f.p.Doctor, doc), 0o600)
	dir := t.TempDir()
	for _, n := range []string{"r.txt", "r.txt.p7s"} {
		if err := os.Symlink(filepath.Join(outside, n), filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "sub")); err != nil {
		t.Fatal(err)
	}
	for _, manifest := range []string{"", "r.txt.p7s\nsub/r.txt.p7s\n"} {
		var mr io.Reader
		if manifest != "" {
			mr = strings.NewReader(manifest)
		}
		src, closeB, err := OpenBucket(context.Background(), "file://"+dir, mr)
		if err != nil {
			t.Fatal(err)
		}
		recs, sum := collect(t, src, Options{Verify: f.opts})
		closeB()
		if sum.Passed != 0 {
			t.Fatalf("manifest %q: a record read through a link: %+v %+v", manifest, sum, recs)
		}
	}
}
