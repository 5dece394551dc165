package archive

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzContentFor looks up the content beside signature files of fuzzed
// names in a temporary folder: the answer is empty or one of the
// documented names (NAME for NAME.p7s, NAME.lt.p7s, NAME.lta.p7s), a
// regular file in the same folder, and never the signature itself.
func FuzzContentFor(f *testing.F) {
	for _, seed := range [][3]string{
		{"letter.txt.p7s", "letter.txt", ""},
		{"letter.txt.lta.p7s", "letter.txt", ""},
		{"letter.txt.lt.p7s", "letter.txt", "dir"},
		{"letter.p7s", "letter.p7s", ""},
		{".p7s", ".", ""},
		{"a.lta.lt.p7s", "a.lta", ""},
		{"処方箋.xml.p7m", "処方箋.xml", ""},
		{"name\nwith newline.p7s", "name\nwith newline", ""},
	} {
		f.Add(seed[0], seed[1], seed[2] == "dir")
	}
	f.Fuzz(func(t *testing.T, sigName, contentName string, contentIsDir bool) {
		for _, n := range []string{sigName, contentName} {
			if n == "" || n == "." || n == ".." || strings.ContainsAny(n, "/\x00") || len(n) > 200 {
				return
			}
		}
		dir := t.TempDir()
		sig := filepath.Join(dir, sigName)
		if err := os.WriteFile(sig, []byte("signature"), 0o600); err != nil {
			return // a name this file system refuses
		}
		if contentName != sigName {
			var err error
			if contentIsDir {
				err = os.Mkdir(filepath.Join(dir, contentName), 0o700)
			} else {
				err = os.WriteFile(filepath.Join(dir, contentName), []byte("content"), 0o600)
			}
			if err != nil {
				return
			}
		}
		got := ContentFor(sig)
		if got == "" {
			return
		}
		if got == sig {
			t.Fatalf("the signature %q is its own content", sig)
		}
		if filepath.Dir(got) != filepath.Dir(sig) {
			t.Fatalf("content %q is not beside %q", got, sig)
		}
		st, err := os.Lstat(got)
		if err != nil || !st.Mode().IsRegular() {
			t.Fatalf("content %q is not a regular file: %v", got, err)
		}
		base := strings.TrimSuffix(sig, filepath.Ext(sig))
		if got != base && got != strings.TrimSuffix(base, ".lta") && got != strings.TrimSuffix(base, ".lt") {
			t.Fatalf("content %q for %q is none of the documented names", got, sig)
		}
	})
}
