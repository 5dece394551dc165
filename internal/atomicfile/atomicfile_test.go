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
