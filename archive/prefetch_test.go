//go:build linux

package archive

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The prefetcher's hints follow the rules of open.go: for each hostile
// entry beside a signature file (a FIFO, links to a FIFO outside the
// folder, to /dev/zero, to a missing file, a folder) a hint returns at
// once, and the FIFO outside the folder is never opened (a writer waiting
// on it still finds no reader).
func TestPrefetchHintsStayInTheirFolder(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	fifoOut := filepath.Join(outside, "pipe")
	if err := syscall.Mkfifo(fifoOut, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	plant := map[string]string{ // link name → target
		"out.txt":      fifoOut,
		"rel.txt":      "../" + filepath.Base(outside) + "/pipe",
		"zero.txt":     "/dev/zero",
		"dangling.txt": "missing",
	}
	for name, target := range plant {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.txt"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("letter"), 0o600); err != nil {
		t.Fatal(err)
	}
	// A writer that would get through only if the FIFO outside were
	// opened for reading.
	opened := make(chan struct{})
	go func() {
		f, err := os.OpenFile(fifoOut, os.O_WRONLY, 0)
		if err == nil {
			close(opened)
			f.Close()
		}
	}()
	p := newPrefetcher(2, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, n := range []string{"fifo", "out", "rel", "zero", "dangling", "sub", "ok"} {
			p.hint(Entry{Name: filepath.Join(dir, n+".txt.p7s")})
			p.hint(Entry{Name: filepath.Join(dir, n+".txt")})
		}
		p.stop()
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("hints still going after 30 s: blocked on a special file?")
	}
	select {
	case <-opened:
		t.Fatal("the FIFO outside the folder was opened")
	default:
	}
	// Release the writer.
	if r, err := os.OpenFile(fifoOut, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
		<-opened
		r.Close()
	}
}
