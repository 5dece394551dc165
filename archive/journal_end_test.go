package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// journalStatus reports the journal at path.
func journalStatus(t *testing.T, path string) (Summary, JournalStatus) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum, st, err := Report(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return sum, st[0]
}

// A run that is interrupted leaves a journal Report calls incomplete; the
// rerun that resumes it to the end makes it complete, with the end line
// carrying the run's settings and summary.
func TestJournalEndLineMarksAFinishedRun(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 8)
	jpath := filepath.Join(t.TempDir(), "run.journal")
	j, err := OpenJournal(jpath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	sum, err := Process(ctx, paths(t, f.dir), Options{Verify: f.opts, Journal: j, Jobs: 1}, func(Record) {
		if n++; n == 3 {
			cancel()
		}
	})
	j.Close()
	if err != nil || !sum.Interrupted || sum.Records == 8 {
		t.Fatalf("interrupted run: %+v %v", sum, err)
	}
	partial, st := journalStatus(t, jpath)
	if st.Complete || st.Runs != 1 || st.Finished != 0 || st.Last != nil || st.Records != sum.Records {
		t.Fatalf("interrupted run's journal: %+v", st)
	}
	if partial.Records != sum.Records {
		t.Fatalf("report %+v of an interrupted run %+v", partial, sum)
	}

	j, _ = OpenJournal(jpath)
	opts := Options{Verify: f.opts, Journal: j}
	_, whole := collect(t, paths(t, f.dir), opts)
	j.Close()
	merged, st := journalStatus(t, jpath)
	if !st.Complete || st.Runs != 2 || st.Finished != 1 || st.Last == nil || *st.Last != whole || st.Settings != VerdictSettings(opts) {
		t.Fatalf("resumed to the end: %+v (run %+v)", st, whole)
	}
	whole.Resumed = 0
	if merged != whole {
		t.Fatalf("report %+v, run %+v", merged, whole)
	}

	// A later run that stops before its end makes the journal incomplete
	// again, even before it writes a record.
	j, _ = OpenJournal(jpath)
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	Process(ctx, paths(t, f.dir), Options{Verify: f.opts, Journal: j}, nil)
	j.Close()
	if _, st := journalStatus(t, jpath); st.Complete || st.Runs != 3 || st.Finished != 1 {
		t.Fatalf("a third run, interrupted at once: %+v", st)
	}
}

// A journal with no run in it (empty) or cut in the middle of its end
// line is incomplete.
func TestJournalCutEndLineIsIncomplete(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 2)
	jpath := filepath.Join(t.TempDir(), "run.journal")
	j, _ := OpenJournal(jpath)
	collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j})
	j.Close()
	full, _ := os.ReadFile(jpath)
	if _, st, err := Report(bytes.NewReader(full)); err != nil || !st[0].Complete {
		t.Fatalf("finished run: %+v %v", st, err)
	}
	for _, cut := range []int{0, len(full) - 1, len(full) - 20} {
		if _, st, err := Report(bytes.NewReader(full[:cut])); err != nil || st[0].Complete {
			t.Fatalf("cut at %d of %d: %+v %v", cut, len(full), st, err)
		}
	}
}

// A line damaged in the middle of a journal is noticed by its check:
// Report refuses the journal, a resumed run checks that record again
// instead of reusing the damaged verdict.
func TestJournalDamagedLine(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 3)
	jpath := filepath.Join(t.TempDir(), "run.journal")
	j, _ := OpenJournal(jpath)
	_, whole := collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j})
	j.Close()
	full, _ := os.ReadFile(jpath)
	lines := bytes.SplitAfter(full, []byte("\n"))
	// Line 2 is the first record: a TOTAL_PASSED verdict turned FAILED,
	// as a flipped byte or a careless edit would.
	if !bytes.Contains(lines[1], []byte("TOTAL_PASSED")) {
		t.Fatalf("line 2: %s", lines[1])
	}
	lines[1] = bytes.Replace(lines[1], []byte("TOTAL_PASSED"), []byte("TOTAL_FAILED"), 1)
	damaged := bytes.Join(lines, nil)
	if _, _, err := Report(bytes.NewReader(damaged)); err == nil || !strings.Contains(err.Error(), "line 2: damaged") {
		t.Fatalf("damaged journal reported: %v", err)
	}
	// A line without a check (a journal of an older version) is named
	// as such.
	body, _ := openLine(lines[2])
	legacy := bytes.Join([][]byte{lines[0], lines[1][:0], append(body, '\n')}, nil)
	if _, _, err := Report(bytes.NewReader(legacy)); err == nil || !strings.Contains(err.Error(), "line 2: no check") {
		t.Fatalf("a line without a check: %v", err)
	}
	os.WriteFile(jpath, damaged, 0o600)
	j, _ = OpenJournal(jpath)
	recs, sum := collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j})
	j.Close()
	if sum.Resumed != whole.Records-1 || sum.Passed != whole.Passed {
		t.Fatalf("resumed from a damaged journal: %+v", sum)
	}
	for _, r := range recs {
		if bytes.Contains(lines[1], []byte(`"path":"`+r.Path+`"`)) == r.Resumed {
			t.Fatalf("%s: resumed %v (damaged line: %s)", r.Path, r.Resumed, lines[1])
		}
	}
}
