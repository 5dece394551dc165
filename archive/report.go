package archive

import (
	"bufio"
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// JournalStatus is what Report found in one journal about the runs that
// wrote it.
type JournalStatus struct {
	// Complete is set when the last run that wrote to the journal
	// finished: the journal ends with its end line. Otherwise that run
	// was interrupted, killed or failed (or the journal holds no run at
	// all), and the records it did not reach are missing from the report.
	Complete bool `json:"complete"`
	// Runs counts the runs that started writing to the journal, Finished
	// those that wrote their end line.
	Runs     int `json:"runs"`
	Finished int `json:"finished"`
	// Records counts its record lines.
	Records int `json:"records"`
	// Settings is the fingerprint of the validation settings of its
	// runs (VerdictSettings): all the runs of a journal have the same.
	Settings string `json:"settings,omitempty"`
	// Shard ("K/N", empty for a whole source) and Source (SourceID) say
	// what its runs read: all the runs of a journal read the same.
	Shard  string `json:"shard,omitempty"`
	Source string `json:"source,omitempty"`
	// Last is the summary the last finished run wrote in its end line,
	// Entries the number of entries its source handed out before its
	// shard filter (nil when the end line does not say).
	Last    *Summary `json:"last,omitempty"`
	Entries *int64   `json:"entries,omitempty"`
}

// Report merges journals (those of the shards of one run, or of the runs
// of one campaign) into one summary: each record counted once, by its
// name, the last verdict written for it counting (a record renewed by any
// run counting as renewed: a later run verifies the renewed file again). It reads the journals
// line by line; a last line cut short by a crash is ignored (the journal is
// then incomplete). It also says, for each journal, whether the last run
// that wrote it finished (JournalStatus.Complete): the summary is the
// whole run's only when every journal is complete, and CheckSet says
// whether the journals are a whole set.
//
// A journal is refused (an error) when a line's check does not match
// (damaged), a line is not a journal line, or its lines do not hang
// together: a record line or an end line whose run id is not that of the
// run open at that point (the last start line), an end line whose settings
// are not its start line's, or whose summary is not what the records that
// run wrote (and the verdicts it says it reused) add up to, a run under
// other validation settings, another shard or another source than the
// journal's earlier runs, a run line without a run id (an older version).
// These checks catch lines moved between journals or runs, and an end
// line copied from elsewhere; like the check of a line, they have no key:
// whoever can write a journal can still write a consistent one.
func Report(journals ...io.Reader) (Summary, []JournalStatus, error) {
	var sum Summary
	last := map[[32]byte]Record{}
	status := make([]JournalStatus, len(journals))
	for i, r := range journals {
		if err := reportJournal(i, r, &status[i], last); err != nil {
			return Summary{}, nil, err
		}
	}
	for _, r := range last {
		sum.Add(r, true)
	}
	return sum, status, nil
}

// openRun is the run of a journal being read: its start line and what its
// record lines add up to.
type openRun struct {
	start runLine
	sum   Summary
}

// reportJournal reads journal i (see Report) into st and last.
func reportJournal(i int, r io.Reader, st *JournalStatus, last map[[32]byte]Record) error {
	var run *openRun
	first := true
	// reusable counts the final record lines of the journal under the
	// settings of its runs: the verdicts a run may have reused (from an
	// earlier run, or from its own line for a name given twice).
	reusable := 0
	ended := false
	br := bufio.NewReaderSize(r, 256<<10)
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			// A line cut short by a crash; anything else is not a
			// journal.
			if len(line) > 0 && !bytes.HasPrefix(line, []byte(`{"key":"`)) && !bytes.HasPrefix(line, []byte(`{"run":"`)) {
				return fmt.Errorf("journal %d line %d: not a journal line", i+1, n)
			}
			if len(line) > 0 {
				ended = false
			}
			break
		}
		if err != nil {
			return fmt.Errorf("journal %d: %w", i+1, err)
		}
		body, ok := openLine(line)
		if !ok {
			switch {
			case !bytes.HasPrefix(line, []byte(`{"key":"`)) && !bytes.HasPrefix(line, []byte(`{"run":"`)):
			case !bytes.Contains(line, []byte(checkPrefix)):
				return fmt.Errorf("journal %d line %d: no check (damaged, or written by a version of hpki before journal lines had one: run again with a new journal)", i+1, n)
			default:
				return fmt.Errorf("journal %d line %d: damaged (its check does not match its content)", i+1, n)
			}
			return fmt.Errorf("journal %d line %d: not a journal line", i+1, n)
		}
		if bytes.HasPrefix(body, []byte(`{"run":"`)) {
			var rl runLine
			if err := json.Unmarshal(body, &rl); err != nil || (rl.Run != runStart && rl.Run != runEnd) {
				return fmt.Errorf("journal %d line %d: not a journal line", i+1, n)
			}
			if rl.ID == "" {
				return fmt.Errorf("journal %d line %d: a run line without a run id (written by an older version of hpki): run again with a new journal", i+1, n)
			}
			if rl.Run == runStart {
				switch {
				case first:
					st.Settings, st.Shard, st.Source = rl.Settings, rl.Shard, rl.Source
					first = false
				case rl.Settings != st.Settings:
					return fmt.Errorf("journal %d line %d: a run under other validation settings than the journal's earlier runs: one journal per run (start a new journal)", i+1, n)
				case rl.Shard != st.Shard || rl.Source != st.Source:
					return fmt.Errorf("journal %d line %d: a run of another shard or source than the journal's earlier runs: one journal per run (start a new journal)", i+1, n)
				}
				st.Runs++
				run = &openRun{start: rl}
				ended = false
				continue
			}
			if err := run.end(rl, reusable); err != nil {
				return fmt.Errorf("journal %d line %d: %v: the journal is inconsistent", i+1, n, err)
			}
			st.Finished++
			st.Last, st.Entries = rl.Summary, rl.Entries
			run = nil
			ended = true
			continue
		}
		var jl journalLine
		if err := json.Unmarshal(body, &jl); err != nil || jl.Key == "" {
			return fmt.Errorf("journal %d line %d: not a journal line", i+1, n)
		}
		if run == nil || jl.ID != run.start.ID {
			return fmt.Errorf("journal %d line %d: a record line of no open run (its run id is not that of the last start line): the journal is inconsistent", i+1, n)
		}
		if jl.Record.Resumed {
			return fmt.Errorf("journal %d line %d: a record line marked as reused: the journal is inconsistent", i+1, n)
		}
		st.Records++
		ended = false
		if jl.Final && jl.Settings == run.start.Settings {
			reusable++
		}
		rec := jl.Record
		// Keep only what counting needs.
		refused := ""
		if strings.HasPrefix(rec.Error, refusedPrefix) {
			refused = refusedPrefix
		}
		r := Record{Indication: rec.Indication, Status: rec.Status, Renewed: rec.Renewed, WouldRenew: rec.WouldRenew, Error: refused}
		run.sum.Add(r, true)
		k := sha256.Sum256([]byte(jl.Path))
		if prev, ok := last[k]; ok && prev.Renewed {
			// A record renewed by an earlier run and verified again by
			// a later one (a resumed run finds its file changed by the
			// renewal) stays counted as renewed.
			r.Renewed = true
		}
		last[k] = r
	}
	st.Complete = ended
	return nil
}

// end checks the end line rl against the open run: same run id, same
// settings, and a summary its records add up to. A run that reused
// verdicts from the journal wrote no line for them: each of its counts
// that a reused verdict may add to must lie between what its lines add up
// to and that plus the number reused, which is at most reusable, the
// number of verdicts the journal holds under its settings so far.
func (run *openRun) end(rl runLine, reusable int) error {
	switch {
	case run == nil:
		return errors.New("an end line with no run open")
	case rl.ID != run.start.ID:
		return errors.New("an end line whose run id is not that of the run it ends")
	case rl.Settings != run.start.Settings:
		return errors.New("an end line whose validation settings are not those of its start line")
	case rl.Summary == nil:
		return errors.New("an end line without a summary")
	case rl.Entries != nil && *rl.Entries < 0:
		return errors.New("an end line with a negative count of entries")
	}
	s, c := *rl.Summary, run.sum
	r := s.Resumed
	within := func(got, lines int) bool { return got >= lines && got <= lines+r }
	if s.Interrupted || r < 0 || r > reusable || s.Errors != c.Errors || s.Skipped != c.Skipped ||
		s.Records != c.Records+r || !within(s.Passed, c.Passed) || !within(s.Failed, c.Failed) ||
		!within(s.Indeterminate, c.Indeterminate) || !within(s.Renewed, c.Renewed) ||
		!within(s.WouldRenew, c.WouldRenew) || !within(s.Refused, c.Refused) ||
		s.Passed+s.Failed+s.Indeterminate != s.Records {
		return errors.New("an end line whose summary is not what its run's records add up to")
	}
	return nil
}

// ShardGap names the shards of one source that no journal holds.
type ShardGap struct {
	// Source is the source (SourceID), N the number of shards, Count the
	// number of shards without a journal and Missing the first of them
	// (K, from 0; at most MaxListedGaps).
	Source  string `json:"source"`
	N       int    `json:"n"`
	Count   int    `json:"count"`
	Missing []int  `json:"missing"`
	// Seen, when the complete journals of the shards do not agree on the
	// number of entries their source handed out (Entries), holds one
	// shard for each count (by count, at most MaxListedGaps): the shards
	// did not see the same records, and the report is not the whole
	// run's.
	Seen []ShardSeen `json:"seen,omitempty"`
}

// ShardSeen is the number of entries shard K's source handed out.
type ShardSeen struct {
	K       int   `json:"k"`
	Entries int64 `json:"entries"`
}

// MaxListedGaps is the most shards a ShardGap lists: a report says how
// many are missing and names the first ones.
const MaxListedGaps = 20

// CheckSet checks that journals Report read (names[i] is the name of the
// journal of status[i], for messages) are one campaign: the same
// validation settings in every journal (else an error naming two
// journals: their verdicts do not mean the same thing and are not
// merged), and, for each source (JournalStatus.Source), the same number
// of shards N in each of its journals (a whole run counting as N = 1); for
// a source run in shards, no shard in two journals (an error), a
// journal for every shard 0 … N-1 (the shards without one are returned:
// the summary is then not the whole run's), and complete journals whose
// runs' sources handed out the same number of entries (else the counts
// are returned in ShardGap.Seen: a shard that saw an empty or unmounted
// folder did not check its records). Several journals of whole
// runs of one source are the runs of a campaign: merged, the last verdict
// for a name counting. A journal with no run (empty) is not counted.
func CheckSet(names []string, status []JournalStatus) ([]ShardGap, error) {
	first := -1
	type group struct {
		n    int
		have map[int]int
		who  int
		seen map[int64]int
	}
	groups := map[string]*group{}
	var order []string
	for i, st := range status {
		if st.Runs == 0 {
			continue
		}
		if first < 0 {
			first = i
		} else if st.Settings != status[first].Settings {
			return nil, fmt.Errorf("journals %s and %s were made under different validation settings (trust, --at, command...): not merged; report them separately", names[first], names[i])
		}
		k, n := 0, 1
		if st.Shard != "" {
			sh, err := ParseShard(st.Shard)
			if err != nil {
				return nil, fmt.Errorf("journal %s: %w", names[i], err)
			}
			k, n = sh.K, sh.N
		}
		g := groups[st.Source]
		if g == nil {
			g = &group{n: n, have: map[int]int{}, who: i}
			groups[st.Source] = g
			order = append(order, st.Source)
		}
		if g.n != n {
			return nil, fmt.Errorf("journals %s and %s read the same source in a different number of shards (--shard K/N)", names[g.who], names[i])
		}
		if j, dup := g.have[k]; dup && n > 1 {
			return nil, fmt.Errorf("journals %s and %s hold the same shard of the same source: give each shard one journal", names[j], names[i])
		}
		g.have[k] = i
		if n > 1 && st.Complete && st.Entries != nil {
			if g.seen == nil {
				g.seen = map[int64]int{}
			}
			if _, ok := g.seen[*st.Entries]; !ok {
				g.seen[*st.Entries] = k
			}
		}
	}
	var gaps []ShardGap
	for _, src := range order {
		g := groups[src]
		// At most len(have)+MaxListedGaps shards are looked at: the
		// range 0 … N-1 is never listed.
		var missing []int
		for k := 0; k < g.n && len(missing) < MaxListedGaps; k++ {
			if _, ok := g.have[k]; !ok {
				missing = append(missing, k)
			}
		}
		var seen []ShardSeen
		if len(g.seen) > 1 {
			for c, k := range g.seen {
				seen = append(seen, ShardSeen{K: k, Entries: c})
			}
			slices.SortFunc(seen, func(a, b ShardSeen) int { return cmp.Compare(a.Entries, b.Entries) })
			seen = slices.Clip(seen[:min(len(seen), MaxListedGaps)])
		}
		if count := g.n - len(g.have); count > 0 || seen != nil {
			gaps = append(gaps, ShardGap{Source: src, N: g.n, Count: count, Missing: slices.Clip(missing), Seen: seen})
		}
	}
	return gaps, nil
}
