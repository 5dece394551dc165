package archive

import (
	"os"
	"path/filepath"
	"testing"
)

// A folder whose path is made to lead elsewhere between the read of a
// record and the write of its renewal (the folder renamed away and a
// symbolic link to a folder outside put in its place): the renewal lands
// in the folder that was read, and nothing is written where the link
// leads.
func TestReplaceWritesIntoTheFolderRead(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "sub")
	outside := t.TempDir()
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := []byte("version read")
	if err := os.WriteFile(filepath.Join(dir, "r.p7s"), old, 0o640); err != nil {
		t.Fatal(err)
	}
	l, err := openLocalFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	if _, err := readAll(l, "r.p7s"); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(base, "moved")
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, dir); err != nil {
		t.Fatal(err)
	}
	if err := l.replace("r.p7s", old, []byte("renewed"), false); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(moved, "r.p7s")); err != nil || string(got) != "renewed" {
		t.Fatalf("the folder read holds %q (%v), want the renewal", got, err)
	}
	if st, err := os.Stat(filepath.Join(moved, "r.p7s")); err != nil || st.Mode().Perm() != 0o640 {
		t.Fatalf("the renewal's mode is %v (%v), want the replaced file's 0640", st.Mode(), err)
	}
	left, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Fatalf("the renewal wrote %d file(s) where the link leads: %v", len(left), left[0].Name())
	}
}
