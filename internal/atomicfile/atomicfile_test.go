package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "out.p7s")
	if err := Write(name, []byte("one"), 0o644, false); err != nil {
		t.Fatal(err)
	}
	if err := Write(name, []byte("two"), 0o644, false); !errors.Is(err, ErrExists) {
		t.Fatalf("overwrote without permission: %v", err)
	}
	if b, _ := os.ReadFile(name); string(b) != "one" {
		t.Fatalf("content %q after refused overwrite", b)
	}
	if err := Write(name, []byte("three"), 0o644, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(name); string(b) != "three" {
		t.Fatalf("content %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestWriteIntoMissingDirectory(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "such", "dir"), []byte("x"), 0o644, true); err == nil {
		t.Fatal("wrote into a missing directory")
	}
}

// WriteFileIn follows the rules of WriteFile inside a directory held
// open, and takes only plain file names.
func TestWriteFileIn(t *testing.T) {
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	os.WriteFile(filepath.Join(dir, "kept"), []byte("old"), 0o640)
	os.Symlink("kept", filepath.Join(dir, "link"))
	for _, tc := range []struct {
		name    string
		file    string
		o       Options
		wantErr error // nil: written
		bad     bool  // any error
	}{
		{"new file", "new", Options{}, nil, false},
		{"existing, no overwrite", "kept", Options{}, ErrExists, false},
		{"existing, overwrite", "kept", Options{Overwrite: true}, nil, false},
		{"symbolic link", "link", Options{Overwrite: true}, ErrNotRegular, false},
		{"path with a folder", "sub/x", Options{}, nil, true},
		{"parent", "..", Options{}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteFileIn(root, tc.file, []byte("data"), tc.o)
			switch {
			case tc.bad:
				if err == nil {
					t.Fatal("written, want refused")
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if got, _ := os.ReadFile(filepath.Join(dir, tc.file)); string(got) != "data" {
					t.Fatalf("file holds %q", got)
				}
			}
		})
	}
	if st, _ := os.Stat(filepath.Join(dir, "kept")); st.Mode().Perm() != 0o640 {
		t.Fatalf("replaced file's mode %v, want 0640 kept", st.Mode().Perm())
	}
	if got, _ := os.Readlink(filepath.Join(dir, "link")); got != "kept" {
		t.Fatal("the symbolic link was replaced")
	}
}
