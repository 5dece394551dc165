package archive

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/trust"
)

// journalOf runs Process over src with a new journal and returns its
// bytes; stopAfter > 0 interrupts the run after that many records.
func journalOf(t *testing.T, src Source, opts Options, stopAfter int) []byte {
	t.Helper()
	jpath := filepath.Join(t.TempDir(), "run.journal")
	j, err := OpenJournal(jpath)
	if err != nil {
		t.Fatal(err)
	}
	opts.Journal = j
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	if _, err := Process(ctx, src, opts, func(Record) {
		if n++; n == stopAfter {
			cancel()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(jpath)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// resealed returns the run line with edit applied, sealed again with a
// matching check: what someone who edits a journal on purpose writes.
func resealed(t *testing.T, line []byte, edit func(*runLine)) []byte {
	t.Helper()
	body, ok := openLine(line)
	var rl runLine
	if !ok || json.Unmarshal(body, &rl) != nil {
		t.Fatalf("not a sealed run line: %s", line)
	}
	edit(&rl)
	b, err := json.Marshal(rl)
	if err != nil {
		t.Fatal(err)
	}
	return sealLine(b)
}

// Every line of a run carries its run id; an end line (or a record line)
// that is not that of the run open at that point, or whose settings or
// summary do not match that run, makes the journal inconsistent: Report
// refuses it instead of calling an interrupted run complete.
func TestReportBindsTheEndLineToItsRun(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 5)
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "o.txt"), []byte("other"), 0o644)
	os.WriteFile(filepath.Join(other, "o.txt.p7s"), f.cades(t, f.p.Doctor, []byte("other")), 0o644)
	otherOpts := f.opts
	otherOpts.CRLs = nil

	whole := bytes.SplitAfter(journalOf(t, paths(t, f.dir), Options{Verify: f.opts, Jobs: 1}, 0), []byte("\n"))
	whole = whole[:len(whole)-1] // the empty string after the last newline
	foreign := bytes.SplitAfter(journalOf(t, paths(t, other), Options{Verify: otherOpts}, 0), []byte("\n"))
	foreignEnd := foreign[len(foreign)-2]
	start, end := whole[0], whole[len(whole)-1]
	killed := bytes.Join(whole[:2], nil) // a run killed after its first record
	if !bytes.Contains(whole[1], []byte("TOTAL_PASSED")) {
		t.Fatalf("first record: %s", whole[1])
	}
	if _, st, err := Report(bytes.NewReader(killed)); err != nil || st[0].Complete {
		t.Fatalf("a killed run: %+v %v", st, err)
	}
	var rl runLine
	body, _ := openLine(start)
	json.Unmarshal(body, &rl)
	if len(rl.ID) != 32 || rl.Source == "" {
		t.Fatalf("start line without a run id or source: %s", start)
	}
	for _, tc := range []struct {
		name, want string
		journal    [][]byte
	}{
		{"an end line copied from another journal", "run id is not that of the run it ends",
			[][]byte{killed, foreignEnd}},
		{"the run's own end line after a cut", "summary is not what its run's records add up to",
			[][]byte{killed, end}},
		{"an end line given the run's id, other settings", "validation settings are not those of its start line",
			[][]byte{killed, resealed(t, foreignEnd, func(r *runLine) { r.ID = rl.ID })}},
		{"an end line given the run's id, another summary", "summary is not what its run's records add up to",
			[][]byte{killed, resealed(t, end, func(r *runLine) {
				// one record, as the run wrote, but failed where it passed
				r.Summary.Records, r.Summary.Passed, r.Summary.Failed, r.Summary.Indeterminate = 1, 0, 1, 0
			})}},
		{"an end line with no run open", "end line with no run open",
			append(append([][]byte{}, whole...), end)},
		{"a record line of another run", "record line of no open run",
			[][]byte{start, foreign[1]}},
		{"a record line before any start line", "record line of no open run",
			[][]byte{whole[1]}},
		{"a record line after its run ended", "record line of no open run",
			append(append([][]byte{}, whole...), whole[1])},
		{"a run line of an older version (no run id)", "without a run id",
			[][]byte{resealed(t, start, func(r *runLine) { r.ID = "" }), whole[1]}},
		{"a second run under other settings", "other validation settings than the journal's earlier runs",
			append(append([][]byte{}, whole...), foreign...)},
		{"a second run of another shard", "another shard or source",
			append(append([][]byte{}, whole...), resealed(t, start, func(r *runLine) { r.ID, r.Shard = "x", "1/2" }))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := Report(bytes.NewReader(bytes.Join(tc.journal, nil)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Report: %v, want %q", err, tc.want)
			}
		})
	}
	if _, st, err := Report(bytes.NewReader(bytes.Join(whole, nil))); err != nil || !st[0].Complete {
		t.Fatalf("the whole journal: %+v %v", st, err)
	}
}

// A resumed run writes no line for the verdicts it reuses: its end line
// still passes the check (also for a name given twice in one run, its
// second verdict reused from the first), and one claiming more reused
// verdicts than the journal held is refused.
func TestReportChecksAResumedRunsEndLine(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 6)
	twice := filepath.Join(f.dir, "d0", "r000.txt.p7s")
	data := journalOf(t, Files(twice, twice), Options{Verify: f.opts, Jobs: 1}, 0)
	if _, st, err := Report(bytes.NewReader(data)); err != nil || !st[0].Complete || st[0].Last.Resumed != 1 {
		t.Fatalf("a name given twice: %+v %v\n%s", st, err, data)
	}
	jpath := filepath.Join(t.TempDir(), "run.journal")
	for range 2 {
		j, err := OpenJournal(jpath)
		if err != nil {
			t.Fatal(err)
		}
		collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j})
		j.Close()
	}
	data, _ = os.ReadFile(jpath)
	sum, st, err := Report(bytes.NewReader(data))
	if err != nil || !st[0].Complete || st[0].Runs != 2 || st[0].Last.Resumed != 6 || sum.Records != 6 {
		t.Fatalf("resumed run: %+v %+v %v", sum, st, err)
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	lines = lines[:len(lines)-1]
	lines[len(lines)-1] = resealed(t, lines[len(lines)-1], func(r *runLine) {
		r.Summary.Resumed++
		r.Summary.Records++
		r.Summary.Passed++
	})
	if _, _, err := Report(bytes.NewReader(bytes.Join(lines, nil))); err == nil || !strings.Contains(err.Error(), "summary is not") {
		t.Fatalf("more verdicts reused than the journal held: %v", err)
	}
}

// The start line records the shard and the source; CheckSet refuses
// journals of different validation settings, or holding the same shard,
// and names the shards without a journal.
// bigShard is st claiming to be shard k of n.
func bigShard(st JournalStatus, k, n int) JournalStatus {
	st.Shard = strconv.Itoa(k) + "/" + strconv.Itoa(n)
	return st
}

func TestCheckSet(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 6)
	opts := Options{Verify: f.opts}
	status := func(data []byte) JournalStatus {
		t.Helper()
		_, st, err := Report(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return st[0]
	}
	shard := func(k, n int) JournalStatus {
		o := opts
		o.Shard = Shard{k, n}
		return status(journalOf(t, paths(t, f.dir), o, 0))
	}
	s0, s1, s2 := shard(0, 3), shard(1, 3), shard(2, 3)
	if s1.Shard != "1/3" || s1.Source != `paths "`+filepath.Clean(f.dir)+`"` {
		t.Fatalf("shard 1/3: %+v", s1)
	}
	if s0.Entries == nil || s1.Entries == nil || s2.Entries == nil || *s0.Entries != *s1.Entries || *s1.Entries != *s2.Entries || *s0.Entries == 0 {
		t.Fatalf("every shard's end line counts every entry of the source: %v %v %v", s0.Entries, s1.Entries, s2.Entries)
	}
	zero := int64(0)
	emptyS1 := s1
	emptyS1.Entries = &zero
	whole := status(journalOf(t, paths(t, f.dir), opts, 0))
	otherDir := status(journalOf(t, paths(t, filepath.Join(f.dir, "d0")), opts, 0))
	foreignOpts := f.opts
	foreignOpts.Trust = trust.New([]*x509.Certificate{f.p.TSARoot.Cert}, nil)
	foreign := status(journalOf(t, paths(t, filepath.Join(f.dir, "d1")), Options{Verify: foreignOpts}, 0))
	manifest := func(sum string) JournalStatus {
		o := opts
		o.Shard = Shard{0, 2}
		o.SourceID = "manifest sha256:" + sum
		return status(journalOf(t, Files(filepath.Join(f.dir, "d0", "r000.txt.p7s")), o, 0))
	}
	for _, tc := range []struct {
		name    string
		set     []JournalStatus
		missing []ShardGap
		err     string
	}{
		{"every shard", []JournalStatus{s2, s0, s1}, nil, ""},
		{"a shard missing", []JournalStatus{s0, s2}, []ShardGap{{Source: s0.Source, N: 3, Count: 1, Missing: []int{1}}}, ""},
		{"one shard of three", []JournalStatus{s1}, []ShardGap{{Source: s1.Source, N: 3, Count: 2, Missing: []int{0, 2}}}, ""},
		{"a million shards, one journal: the count and the first 20", []JournalStatus{bigShard(s0, 5, MaxShards)}, []ShardGap{{Source: s0.Source, N: MaxShards, Count: MaxShards - 1,
			Missing: []int{0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}}}, ""},
		{"more shards than MaxShards", []JournalStatus{bigShard(s0, 0, MaxShards+1)}, nil, "want K/N"},
		{"a shard that saw no entries", []JournalStatus{s0, emptyS1, s2}, []ShardGap{{Source: s0.Source, N: 3, Count: 0, Missing: nil,
			Seen: []ShardSeen{{K: 1, Entries: 0}, {K: 0, Entries: *s0.Entries}}}}, ""},
		{"a shard twice", []JournalStatus{s0, s1, s2, s1}, nil, "j2 and j4 hold the same shard"},
		{"whole runs of two folders", []JournalStatus{whole, otherDir}, nil, ""},
		{"two whole runs of one folder", []JournalStatus{whole, whole}, nil, ""},
		{"a whole run and shards of one source", []JournalStatus{whole, s0, s1, s2}, nil, "different number of shards"},
		{"other validation settings", []JournalStatus{whole, foreign}, nil, "j1 and j2 were made under different validation settings"},
		{"an empty journal is not counted", []JournalStatus{{}, s0, s1, s2}, nil, ""},
		{"shards of two manifests", []JournalStatus{manifest("aa"), manifest("bb")}, []ShardGap{
			{Source: "manifest sha256:aa", N: 2, Count: 1, Missing: []int{1}}, {Source: "manifest sha256:bb", N: 2, Count: 1, Missing: []int{1}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names := make([]string, len(tc.set))
			for i := range names {
				names[i] = "j" + string(rune('1'+i))
			}
			gaps, err := CheckSet(names, tc.set)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("CheckSet: %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(gaps)
			want, _ := json.Marshal(tc.missing)
			if !bytes.Equal(got, want) {
				t.Fatalf("gaps %s, want %s", got, want)
			}
		})
	}
}

// A journal that is not a regular file (a FIFO nobody writes, a
// directory) is refused at once, by a run and by Report's opener, never
// waited on.
func TestJournalMustBeARegularFile(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{"a directory": dir}
	if runtime.GOOS != "windows" {
		fifo := filepath.Join(dir, "j.fifo")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Fatal(err)
		}
		cases["a FIFO"] = fifo
	}
	for what, path := range cases {
		t.Run(what, func(t *testing.T) {
			for op, open := range map[string]func(string) error{
				"OpenJournal": func(p string) error {
					j, err := OpenJournal(p)
					if err == nil {
						j.Close()
					}
					return err
				},
				"OpenJournalFile": func(p string) error {
					f, err := OpenJournalFile(p)
					if err == nil {
						f.Close()
					}
					return err
				},
			} {
				done := make(chan error, 1)
				go func() { done <- open(path) }()
				select {
				case err := <-done:
					if err == nil || !strings.Contains(err.Error(), "not a regular file") && !strings.Contains(err.Error(), "is a directory") {
						t.Fatalf("%s(%s): %v", op, what, err)
					}
				case <-time.After(30 * time.Second):
					t.Fatalf("%s(%s) blocked", op, what)
				}
			}
		})
	}
}

// A journal is locked by the run using it: a second run given it fails at
// once (ErrJournalBusy) instead of interleaving its lines; once the first
// closes it, it opens again.
func TestJournalLockedByItsRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no journal lock outside Unix (documented)")
	}
	jpath := filepath.Join(t.TempDir(), "run.journal")
	j, err := OpenJournal(jpath)
	if err != nil {
		t.Fatal(err)
	}
	if j2, err := OpenJournal(jpath); !errors.Is(err, ErrJournalBusy) {
		if err == nil {
			j2.Close()
		}
		t.Fatalf("second open of a journal in use: %v", err)
	}
	j.Close()
	j, err = OpenJournal(jpath)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	j.Close()
}

// A journal whose runs have no run id (written by an older version) is
// refused by a run, with a message saying to start a new journal.
func TestOpenJournalRefusesAnOlderFormat(t *testing.T) {
	jpath := filepath.Join(t.TempDir(), "old.journal")
	os.WriteFile(jpath, sealLine([]byte(`{"run":"start","settings":"x"}`)), 0o600)
	if j, err := OpenJournal(jpath); err == nil || !strings.Contains(err.Error(), "older version of hpki") {
		if err == nil {
			j.Close()
		}
		t.Fatalf("OpenJournal of an older journal: %v", err)
	}
}
