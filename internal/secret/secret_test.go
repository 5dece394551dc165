package secret

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSources(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("HPKI_TEST_SECRET", "from-env")
	tests := []struct {
		name    string
		src     Source
		want    string
		wantErr string
	}{
		{"file first line", Source{File: write("a", "1234\nignored\n")}, "1234", ""},
		{"file crlf", Source{File: write("b", "abcd\r\n")}, "abcd", ""},
		{"file without newline", Source{File: write("c", "pin")}, "pin", ""},
		{"file wins over env", Source{File: write("d", "file"), Env: "HPKI_TEST_SECRET"}, "file", ""},
		{"env", Source{Env: "HPKI_TEST_SECRET"}, "from-env", ""},
		{"missing file", Source{File: filepath.Join(dir, "nope")}, "", "opening secret file"},
		{"too long", Source{File: write("e", strings.Repeat("x", maxLen+1))}, "", "longer than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.src.Read()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}

func TestNoTerminalIsAnError(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "notatty")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := (Source{TTY: f}).Read(); !errors.Is(err, ErrNoSource) {
		t.Fatalf("err = %v, want ErrNoSource", err)
	}
}

func TestErrorsNeverContainTheSecret(t *testing.T) {
	p := filepath.Join(t.TempDir(), "long")
	secret := strings.Repeat("S3CRET", maxLen)
	os.WriteFile(p, []byte(secret), 0o600)
	_, err := Source{File: p}.Read()
	if err == nil || strings.Contains(err.Error(), "S3CRET") {
		t.Fatalf("err = %v", err)
	}
}

func TestZero(t *testing.T) {
	b := []byte("1234")
	Zero(b)
	for _, c := range b {
		if c != 0 {
			t.Fatal("not zeroed")
		}
	}
}
