package archive

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hpki-jp/hpki/verify"
)

// A worker keeps its record's folder open for the next record in the same
// folder, but a folder replaced in between (renamed away, a new one in its
// place) is opened again: the next record is read from what is at its path.
func TestFolderReplacedBetweenRecords(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 4)
	first, second := filepath.Join(f.dir, "d0/r000.txt.p7s"), filepath.Join(f.dir, "d0/r001.txt.p7s")
	pr, pw := io.Pipe()
	emitted := make(chan Record, 2)
	done := make(chan Summary, 1)
	go func() {
		sum, _ := Process(context.Background(), Manifest(pr), Options{Verify: f.opts, Jobs: 1}, func(r Record) { emitted <- r })
		done <- sum
	}()
	io.WriteString(pw, first+"\n")
	if r := <-emitted; r.Indication != verify.TotalPassed {
		t.Fatalf("first record: %+v", r)
	}
	sig, _ := os.ReadFile(second)
	if err := os.Rename(filepath.Join(f.dir, "d0"), filepath.Join(f.dir, "d0.old")); err != nil {
		t.Fatal(err)
	}
	f.write(t, "d0/r001.txt.p7s", sig)
	f.write(t, "d0/r001.txt", []byte("not the signed letter"))
	io.WriteString(pw, second+"\n")
	pw.Close()
	if r := <-emitted; r.Indication != verify.TotalFailed || r.SubIndication != verify.HashFailure {
		t.Fatalf("second record, in the folder now at d0: %+v", r)
	}
	<-done
}
