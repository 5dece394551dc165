package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/archive"
)

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.b.Bytes())
}

// A second signal ends the run at once, but the --output json printed so
// far is still a valid JSON array holding the records already printed.
func TestArchiveSecondSignalLeavesValidJSON(t *testing.T) {
	codes := make(chan int, 1)
	archiveExit = func(code int) { codes <- code }
	defer func() { archiveExit = osExit }()
	var out lockedBuffer
	w := newRecordWriter(&out, "json")
	ctx, stop, _ := archiveSignals(context.Background(), io.Discard, w.abort)
	defer stop()
	w.record(archive.Record{Path: "a.p7s", Indication: "TOTAL_PASSED"})
	w.record(archive.Record{Path: "b.p7s", Indication: "TOTAL_FAILED"})
	syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	select {
	case <-ctx.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the first signal did not stop the run")
	}
	syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	select {
	case code := <-codes:
		if code != 130 {
			t.Fatalf("exit %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the second signal did not end the run")
	}
	w.record(archive.Record{Path: "c.p7s"}) // after the end: dropped
	var recs []archive.Record
	if err := json.Unmarshal(out.Bytes(), &recs); err != nil || len(recs) != 2 {
		t.Fatalf("%v %d:\n%s", err, len(recs), out.Bytes())
	}
}
