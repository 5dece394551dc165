package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// corpus writes n records in folders of 4: mostly good, every 5th tampered
// (TOTAL_FAILED), plus an unsigned XML file (not a record) and a FIFO-free
// layout.
func (f *fixture) corpus(t *testing.T, n int) {
	t.Helper()
	for i := range n {
		doc := []byte(fmt.Sprintf("referral letter %d", i))
		sig := f.cades(t, f.p.Doctor, doc)
		if i%5 == 4 {
			doc = append(doc, '!')
		}
		name := fmt.Sprintf("d%d/r%03d.txt", i/4, i)
		f.write(t, name, doc)
		f.write(t, name+".p7s", sig)
	}
	f.write(t, "d0/plain.xml", []byte("<a/>"))
}

func collect(t *testing.T, src Source, opts Options) ([]Record, Summary) {
	t.Helper()
	var recs []Record
	sum, err := Process(context.Background(), src, opts, func(r Record) { recs = append(recs, r) })
	if err != nil {
		t.Fatal(err)
	}
	return recs, sum
}

func paths(t *testing.T, p ...string) Source {
	t.Helper()
	src, err := Paths(p...)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// Records come out in the order of the walk whatever the number of jobs,
// and the summary counts them.
func TestProcessStableOrder(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 12)
	first, sum := collect(t, paths(t, f.dir), Options{Verify: f.opts, Jobs: 1})
	if len(first) != 12 || sum.Records != 12 || sum.Passed != 10 || sum.Failed != 2 {
		t.Fatalf("%d records, %+v", len(first), sum)
	}
	for i := range 3 {
		again, _ := collect(t, paths(t, f.dir), Options{Verify: f.opts, Jobs: 2 + i*3})
		if !reflect.DeepEqual(names(first), names(again)) {
			t.Fatalf("order changed with %d jobs:\n%v\n%v", 2+i*3, names(first), names(again))
		}
	}
}

func names(recs []Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Path+" "+string(r.Indication)+r.Status)
	}
	return out
}

// N shards over one tree give exactly the records and verdicts of one run,
// each record in one shard only.
func TestShardsPartitionTheRun(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 16)
	whole, _ := collect(t, paths(t, f.dir), Options{Verify: f.opts})
	for _, n := range []int{1, 2, 3, 7} {
		var union []string
		for k := range n {
			part, _ := collect(t, paths(t, f.dir), Options{Verify: f.opts, Shard: Shard{K: k, N: n}})
			union = append(union, names(part)...)
		}
		got, want := sortedCopy(union), sortedCopy(names(whole))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%d shards:\n%v\nwant\n%v", n, got, want)
		}
	}
	// The shard depends on the path below the root: the same tree at
	// another mount point splits the same way.
	if a, b := (Shard{1, 3}).Has("d1/r004.txt.p7s"), (Shard{1, 3}).Has("d1/r004.txt.p7s"); a != b {
		t.Fatal("not deterministic")
	}
	for _, bad := range []string{"", "3", "3/3", "-1/2", "a/b", "1/0", "0/x", "0/1000001", "0/100000000000"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("ParseShard(%q) accepted", bad)
		}
	}
	if s, err := ParseShard("999999/1000000"); err != nil || s != (Shard{999999, MaxShards}) {
		t.Errorf("ParseShard(999999/1000000) = %v, %v", s, err)
	}
	if s, err := ParseShard("2/8"); err != nil || s != (Shard{2, 8}) {
		t.Errorf("ParseShard(2/8) = %v, %v", s, err)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// A journal cut at any byte (a crash, a kill -9 between two writes or in
// the middle of one) resumes: the rerun checks only the records not in
// the journal and reports the same verdicts and totals as one whole run.
func TestJournalResumesAfterACrashAtAnyPoint(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 6)
	jpath := filepath.Join(t.TempDir(), "run.journal")
	j, err := OpenJournal(jpath)
	if err != nil {
		t.Fatal(err)
	}
	whole, wholeSum := collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	full, _ := os.ReadFile(jpath)
	if n := recordLines(full); n != 6 {
		t.Fatalf("%d journal record lines for 6 records", n)
	}
	cuts := []int{0, 1, len(full) - 1, len(full)}
	for i, b := range full {
		if b == '\n' {
			cuts = append(cuts, i, i+1, i+2)
		}
	}
	for _, cut := range cuts {
		if cut > len(full) {
			continue
		}
		os.WriteFile(jpath, full[:cut], 0o600)
		kept := recordLines(full[:cut])
		j, err := OpenJournal(jpath)
		if err != nil {
			t.Fatal(err)
		}
		again, sum := collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j, Jobs: 3})
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(names(again), names(whole)) {
			t.Fatalf("cut at %d: %v", cut, names(again))
		}
		wantSum := wholeSum
		wantSum.Resumed = kept
		if sum != wantSum {
			t.Fatalf("cut at %d (%d lines kept): %+v, want %+v", cut, kept, sum, wantSum)
		}
		after, _ := os.ReadFile(jpath)
		if n := recordLines(after); n != 6 || !bytes.HasSuffix(after, []byte("\n")) {
			t.Fatalf("cut at %d: journal has %d record lines after the rerun", cut, n)
		}
		rep, st, err := Report(bytes.NewReader(after))
		if err != nil {
			t.Fatal(err)
		}
		if !st[0].Complete || st[0].Records != 6 {
			t.Fatalf("cut at %d: resumed to the end, the journal is %+v", cut, st[0])
		}
		rep.Resumed, wantSum.Resumed = 0, 0
		if rep != wantSum {
			t.Fatalf("report %+v, want %+v", rep, wantSum)
		}
	}
	// A record changed since its verdict is checked again.
	sig := filepath.Join(f.dir, "d0/r000.txt.p7s")
	data, _ := os.ReadFile(sig)
	data[len(data)-1] ^= 1
	os.WriteFile(sig, data, 0o644)
	j, _ = OpenJournal(jpath)
	defer j.Close()
	recs, sum := collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j})
	if sum.Resumed != 5 || recs[0].Resumed || sum.Records != 6 {
		t.Fatalf("changed record: %+v, %+v", recs[0], sum)
	}
}

// Shard journals merge into the summary of one run; a journal that is not
// one is refused.
func TestReportMergesShardJournals(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 10)
	_, whole := collect(t, paths(t, f.dir), Options{Verify: f.opts})
	var readers []*os.File
	for k := range 3 {
		name := filepath.Join(t.TempDir(), fmt.Sprintf("shard-%d.journal", k))
		j, err := OpenJournal(name)
		if err != nil {
			t.Fatal(err)
		}
		collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j, Shard: Shard{k, 3}})
		j.Close()
		r, _ := os.Open(name)
		defer r.Close()
		readers = append(readers, r)
	}
	sum, st, err := Report(readers[0], readers[1], readers[2])
	if err != nil {
		t.Fatal(err)
	}
	if sum != whole {
		t.Fatalf("merged %+v, want %+v", sum, whole)
	}
	for k, s := range st {
		if !s.Complete || s.Runs != 1 || s.Finished != 1 || s.Last == nil {
			t.Fatalf("shard %d finished, its journal is %+v", k, s)
		}
	}
	if _, _, err := Report(strings.NewReader("{\"not\": 1}\n")); err == nil {
		t.Fatal("a line that is not a journal line was accepted")
	}
}

// recordLines counts the record lines of a journal.
func recordLines(journal []byte) int {
	n := 0
	for _, line := range bytes.SplitAfter(journal, []byte("\n")) {
		if bytes.HasPrefix(line, []byte(`{"key":"`)) && bytes.HasSuffix(line, []byte("\n")) {
			n++
		}
	}
	return n
}

// I/O problems are ERROR records, distinct from verdicts; the run goes on.
func TestErrorStatus(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 2)
	manifest := strings.Join([]string{
		filepath.Join(f.dir, "d0/r000.txt.p7s"),
		filepath.Join(f.dir, "d0/vanished.p7s"),
		filepath.Join(f.dir, "nofolder/x.p7s"),
		filepath.Join(f.dir, "d0/r001.txt.p7s"),
	}, "\n")
	recs, sum := collect(t, Manifest(strings.NewReader(manifest)), Options{Verify: f.opts})
	if len(recs) != 4 || sum.Errors != 2 || sum.Passed != 2 {
		t.Fatalf("%v %+v", names(recs), sum)
	}
	for _, r := range recs[1:3] {
		if r.Status != StatusError || r.Indication != "" || r.Error == "" {
			t.Errorf("%+v", r)
		}
	}
	b, _ := json.Marshal(recs[1])
	if !strings.Contains(string(b), `"status":"ERROR"`) {
		t.Errorf("json %s", b)
	}
}

// Memory stays flat: the Verifier's cache budget of a run bounds what is
// kept whatever the number of distinct records (see verify's cache tests);
// the run keeps no record. Here: Process keeps nothing once emitted.
func TestProcessInterrupted(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 8)
	ctx, cancel := context.WithCancel(context.Background())
	var recs []Record
	sum, err := Process(ctx, paths(t, f.dir), Options{Verify: f.opts, Jobs: 1}, func(r Record) {
		recs = append(recs, r)
		if len(recs) == 2 {
			cancel()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Interrupted || len(recs) < 2 || len(recs) >= 8 || sum.Records != len(recs) {
		t.Fatalf("%d records, %+v", len(recs), sum)
	}
}

// Progress is told each record as it is done, and at the end the total of
// the source (counted beside the run).
func TestProcessProgress(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 6)
	var seen []Progress
	_, sum := collect(t, paths(t, f.dir), Options{Verify: f.opts, Progress: func(p Progress) { seen = append(seen, p) }})
	if sum.Records != 6 || len(seen) != 8 {
		// 6 records, the unsigned XML file (no record), the last call.
		t.Fatalf("%d calls: %+v", len(seen), seen)
	}
	for i, p := range seen[:7] {
		if p.Done != int64(i+1) {
			t.Fatalf("call %d: %+v", i, p)
		}
	}
	if last := seen[7]; last.Done != 7 || last.Total != 7 {
		t.Fatalf("last call %+v, want 7 of 7 entries", last)
	}
}

// A verdict is reused only for the same inputs: detached content changed
// since (a forgery of the document) is checked again and fails; a XAdES
// signature over a file beside it is never taken from the journal.
func TestJournalKeyCoversTheContent(t *testing.T) {
	f := newFixture(t)
	doc := []byte("referral letter")
	f.write(t, "a/r.txt", doc)
	f.write(t, "a/r.txt.p7s", f.cades(t, f.p.Doctor, doc))
	f.write(t, "a/scan.pdf", []byte("scan"))
	f.write(t, "a/scan.xml", f.xadesDetached(t, "scan.pdf", []byte("scan")))
	jpath := filepath.Join(t.TempDir(), "run.journal")
	run := func() ([]Record, Summary) {
		j, err := OpenJournal(jpath)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		return collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j})
	}
	if _, sum := run(); sum.Passed != 2 || sum.Resumed != 0 {
		t.Fatalf("first run %+v", sum)
	}
	if _, sum := run(); sum.Passed != 2 || sum.Resumed != 1 {
		t.Fatalf("second run: %+v (only the CAdES record may come from the journal)", sum)
	}
	f.write(t, "a/r.txt", []byte("referral letter, altered"))
	f.write(t, "a/scan.pdf", []byte("scan, altered"))
	recs, sum := run()
	if sum.Resumed != 0 || sum.Failed != 2 {
		t.Fatalf("after the documents changed: %+v\n%v", sum, names(recs))
	}
}
