package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/archive"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// archive report over journals that are not one whole run: an end line
// from another journal, journals of different validation settings and a
// shard given twice are refused (exit 3, one line); a shard without a
// journal makes the set incomplete (exit 4, naming it).
func TestArchiveReportJournalSets(t *testing.T) {
	dir, flags := archiveCorpus(t, 8)
	jdir := t.TempDir()
	journal := func(name string, extra ...string) string {
		t.Helper()
		j := filepath.Join(jdir, name)
		args := append(append([]string{"archive", "verify", dir, "--jobs", "1", "--journal", j}, flags...), extra...)
		if code, _, errOut := runCLI(t, args...); code > 2 {
			t.Fatalf("%s: exit %d %s", name, code, errOut)
		}
		return j
	}
	s0 := journal("s0.journal", "--shard", "0/2")
	s1 := journal("s1.journal", "--shard", "1/2")
	whole := journal("whole.journal")
	anchors := journal("anchors.journal", "--trust", testpki.Path("tsa-root.pem"))
	// A run killed after its first record, with the end line of another
	// run appended.
	data, _ := os.ReadFile(whole)
	lines := strings.SplitAfter(string(data), "\n")
	otherEnd, _ := os.ReadFile(anchors)
	otherLines := strings.SplitAfter(string(otherEnd), "\n")
	forged := filepath.Join(jdir, "forged.journal")
	os.WriteFile(forged, []byte(lines[0]+lines[1]+otherLines[len(otherLines)-2]), 0o600)
	copied := filepath.Join(jdir, "copy.journal")
	os.WriteFile(copied, data, 0o600)
	s1copy := filepath.Join(jdir, "s1-copy.journal")
	d1, _ := os.ReadFile(s1)
	os.WriteFile(s1copy, d1, 0o600)

	for _, tc := range []struct {
		name     string
		journals []string
		code     int
		out, err string
	}{
		{"every shard", []string{s0, s1}, 1, "8 files", ""},
		{"whole runs of one folder", []string{whole, copied}, 1, "8 files", ""},
		{"an end line from another journal", []string{forged}, exitUsage, "", "run id is not that of the run it ends"},
		{"different validation settings", []string{s0, s1, anchors}, exitUsage, "", "journals " + s0 + " and " + anchors + " were made under different validation settings"},
		{"a shard missing", []string{s0}, exitIncomplete, "INCOMPLETE no journal for shard 1 of 2 of paths", "journals of some shards are missing"},
		{"a shard twice", []string{s0, s1, s1copy}, exitUsage, "", "hold the same shard"},
		{"shards and a whole run", []string{s0, s1, whole}, exitUsage, "", "different number of shards"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"archive", "report"}, tc.journals...)...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
				t.Fatalf("exit %d (want %d)\n%s%s", code, tc.code, out, errOut)
			}
			if tc.code == exitUsage && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
				t.Fatalf("not one line: %q", errOut)
			}
		})
	}
	code, out, _ := runCLI(t, "archive", "report", "--output", "json", s1)
	var rep struct {
		Journals []struct {
			Shard, Source string
		} `json:"journals"`
		MissingShards []archive.ShardGap `json:"missingShards"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitIncomplete || len(rep.MissingShards) != 1 ||
		rep.MissingShards[0].N != 2 || len(rep.MissingShards[0].Missing) != 1 || rep.MissingShards[0].Missing[0] != 0 ||
		rep.Journals[0].Shard != "1/2" || rep.Journals[0].Source != rep.MissingShards[0].Source {
		t.Fatalf("--output json: exit %d %v %+v\n%s", code, err, rep, out)
	}
	code, out, _ = runCLI(t, "archive", "report", "--lang", "ja", s1)
	if code != exitIncomplete || !strings.Contains(out, "シャード 0 のジャーナルがありません") {
		t.Fatalf("--lang ja: exit %d\n%s", code, out)
	}
}

// --journal naming a FIFO (or archive report given one) is refused at
// once, exit 3, instead of blocking forever; a journal another run holds
// is refused at once, exit 3, instead of interleaving two runs' lines.
func TestArchiveJournalNotRegularOrLocked(t *testing.T) {
	dir, flags := archiveCorpus(t, 2)
	fifo := filepath.Join(t.TempDir(), "j.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	held := filepath.Join(t.TempDir(), "held.journal")
	j, err := archive.OpenJournal(held)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"verify --journal FIFO", append([]string{"archive", "verify", dir, "--journal", fifo}, flags...), "a FIFO (named pipe), not a regular file"},
		{"report FIFO", []string{"archive", "report", fifo}, "a FIFO (named pipe), not a regular file"},
		{"verify --journal in use", append([]string{"archive", "verify", dir, "--journal", held}, flags...), "in use by another run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type result struct {
				code        int
				out, errOut string
			}
			done := make(chan result, 1)
			go func() {
				code, out, errOut := runCLI(t, tc.args...)
				done <- result{code, out, errOut}
			}()
			select {
			case r := <-done:
				if r.code != exitUsage || !strings.Contains(r.errOut, tc.want) || strings.Count(strings.TrimSpace(r.errOut), "\n") != 0 {
					t.Fatalf("exit %d\n%s%s", r.code, r.out, r.errOut)
				}
			case <-time.After(60 * time.Second):
				t.Fatal("blocked")
			}
		})
	}
}
