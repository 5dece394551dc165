package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// withUmask runs f with the process umask set to mask (tests of this
// package do not run in parallel).
func withUmask(t *testing.T, mask int, f func()) {
	t.Helper()
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	f()
}

// A write never widens a file's permissions: a replaced file keeps its
// mode, a new one gets 0666 minus the umask, a read-only one is replaced
// only when asked, and only regular files are replaced.
func TestWriteModes(t *testing.T) {
	tests := []struct {
		name     string
		existing fs.FileMode // 0: no file before
		umask    int
		opts     Options
		wantErr  error
		wantMode fs.FileMode
	}{
		{"new file, umask 027", 0, 0o027, Options{}, nil, 0o640},
		{"new file, umask 077", 0, 0o077, Options{}, nil, 0o600},
		{"new file, umask 022", 0, 0o022, Options{}, nil, 0o644},
		{"new file, asked perm", 0, 0o022, Options{Perm: 0o600}, nil, 0o600},
		{"replaced 0600 stays 0600", 0o600, 0o022, Options{Overwrite: true}, nil, 0o600},
		{"replaced 0640 stays 0640", 0o640, 0o077, Options{Overwrite: true}, nil, 0o640},
		{"replaced 0444 refused", 0o444, 0o022, Options{Overwrite: true}, ErrReadOnly, 0o444},
		{"replaced 0400 refused", 0o400, 0o022, Options{Overwrite: true}, ErrReadOnly, 0o400},
		{"replaced 0444 with force stays 0444", 0o444, 0o022, Options{Overwrite: true, ReplaceReadOnly: true}, nil, 0o444},
		{"existing, no overwrite", 0o600, 0o022, Options{}, ErrExists, 0o600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			name := filepath.Join(t.TempDir(), "rec.p7s")
			if tc.existing != 0 {
				if err := os.WriteFile(name, []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(name, tc.existing); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			withUmask(t, tc.umask, func() { err = WriteFile(name, []byte("new"), tc.opts) })
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			st, serr := os.Stat(name)
			if serr != nil {
				t.Fatal(serr)
			}
			if st.Mode().Perm() != tc.wantMode {
				t.Errorf("mode %v, want %v", st.Mode().Perm(), tc.wantMode)
			}
			data, _ := os.ReadFile(name)
			if want := map[bool]string{true: "new", false: "old"}[err == nil]; string(data) != want {
				t.Errorf("content %q, want %q", data, want)
			}
			if entries, _ := os.ReadDir(filepath.Dir(name)); len(entries) != 1 {
				t.Errorf("temporary files left behind: %v", entries)
			}
		})
	}
}

// Symbolic links, FIFOs and directories at the target are not replaced.
func TestWriteRefusesNonRegularTarget(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("keep"), 0o600)
	link := filepath.Join(dir, "link.p7s")
	os.Symlink(secret, link)
	fifo := filepath.Join(dir, "fifo.p7s")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub.p7s")
	os.Mkdir(sub, 0o700)
	for _, name := range []string{link, fifo, sub} {
		if err := WriteFile(name, []byte("x"), Options{Overwrite: true, ReplaceReadOnly: true}); !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: %v", filepath.Base(name), err)
		}
	}
	if b, _ := os.ReadFile(secret); string(b) != "keep" {
		t.Error("link target changed")
	}
}
