package archive

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Journal is the record of a run, kept so that a run started again after a
// crash, a kill -9 or a power cut resumes where it stopped: an append-only
// file of JSON lines, one per verdict, each naming the record (name, size,
// SHA-256 of the signature file) and its Record. It is written as the run
// goes and made durable (fsync) at least every second, and at Close. A
// line cut short by a crash is dropped when the journal is opened again.
//
// Each run draws a random run id and writes a start line first (the id,
// its validation settings (VerdictSettings), its Shard and its source,
// SourceID) and, when it reaches the end of its source (not when it is
// interrupted, killed or fails), an end line with the id, the settings and
// its Summary: a journal whose last line is not an end line belongs to a
// run that did not finish (Report says so). Every record line carries the
// id too, so that Report can check that an end line is that of the run it
// ends and that its summary is what that run's records add up to (see
// Report); the id is no key either. Every line ends with a check (the first 8 bytes of the
// SHA-256 of the rest of the line, in hex), so that a line damaged in the
// middle of the file (a disk error, a careless edit, a cut) is noticed:
// Report refuses the journal, a resumed run does not reuse that line. The
// check has no key: it detects damage, not a forgery.
//
// Every record of a run is written to the journal, so that Report over
// the journals gives the run's summary: verdicts of CAdES and XAdES
// records (reused on resume), and PDF records, ERROR and SKIPPED entries
// (written for Report, never reused: checked again on resume).
//
// Security contract: a journal is trusted as the run's own output is (a
// verdict in it is not checked again, and its lines carry no integrity
// protection: the check of a line and the run id detect damage and lines
// moved between journals or runs, not a forgery): whoever can write the
// journal can make a resumed run reuse any verdict, or write a consistent
// end line, so keep it where the records' owner keeps reports, writable
// only by the job. The file must be a regular file and is locked (flock,
// Unix) while a run writes it (see OpenJournal). A verdict is reused only for a file with the same name,
// size and content (SHA-256) as the one checked, and only under the same
// validation settings (VerdictSettings: trust anchors, TSA anchors, time,
// offline, role, revocation age, verify or renew); a file changed since,
// or a run with other settings, checks it again. A journal belongs to one
// campaign: start a new file for a new one (a verdict is as of the time it
// was made). A dry run writes no journal.
//
// Memory: the journal keeps, per verdict, a key and the offset of its line
// (about 100 bytes), never the records themselves.
type Journal struct {
	mu    sync.Mutex
	f     *os.File
	path  string
	end   int64
	at    map[journalKey]lineRef
	dirty bool
	err   error
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	cerr  error
	// fp is the fingerprint of the validation settings of the run using
	// the journal (see VerdictSettings); fps counts the reusable lines
	// of each fingerprint read at open.
	fp  string
	fps map[string]int
	// id is the run id of the run using the journal (see runLine).
	id string
}

type journalKey [32]byte

type lineRef struct {
	off int64
	n   int32
}

// journalLine is one record line of a journal.
type journalLine struct {
	Key string `json:"key"`
	// Final is false for a verdict that is never reused (it read
	// detached XAdES references, which the key does not cover).
	Final bool `json:"final"`
	// Settings is the fingerprint of the validation settings the
	// verdict was made under (VerdictSettings); it is part of the key.
	Settings string `json:"settings,omitempty"`
	Path     string `json:"path"`
	Size     int    `json:"size"`
	SHA256   string `json:"sha256"`
	Record   Record `json:"record"`
	// ID is the run id of the run that wrote the line (see runLine).
	ID string `json:"id"`
}

// runLine is the start or end line of a run in a journal.
type runLine struct {
	// Run is "start" or "end".
	Run string `json:"run"`
	// Settings is the fingerprint of the run's validation settings
	// (VerdictSettings).
	Settings string `json:"settings"`
	// ID is the run id: random, drawn when the run starts, written in
	// its start line, in each of its record lines and in its end line,
	// so that Report can tell the lines of one run from those of another.
	ID string `json:"id"`
	// Shard is the run's --shard K/N ("" for the whole source) and
	// Source what it read (SourceID): Report notices a missing shard.
	// Start lines only.
	Shard  string `json:"shard,omitempty"`
	Source string `json:"source,omitempty"`
	// Summary counts the records of a run that finished (end lines).
	Summary *Summary `json:"summary,omitempty"`
	// Entries counts the entries the run's source handed out, before its
	// shard filter (end lines): the shards of one source all see the
	// same entries, and Report's CheckSet says when they did not (a
	// shard run on a node where the folder was empty or not mounted).
	Entries *int64 `json:"entries,omitempty"`
}

// Values of runLine.Run.
const (
	runStart = "start"
	runEnd   = "end"
)

// checkField ends every journal line: `,"check":"` 16 hex digits `"}`.
const (
	checkPrefix = `,"check":"`
	checkLen    = len(checkPrefix) + 16 + len(`"}`)
)

// sealLine turns the JSON object b into a journal line: b with a check
// field (the first 8 bytes of the SHA-256 of b, in hex) and a newline.
func sealLine(b []byte) []byte {
	sum := sha256.Sum256(b)
	out := make([]byte, 0, len(b)+checkLen+1)
	out = append(out, b[:len(b)-1]...)
	out = append(out, checkPrefix...)
	out = hex.AppendEncode(out, sum[:8])
	return append(out, '"', '}', '\n')
}

// openLine returns the JSON object a journal line holds without its check
// field, and whether the check matches (false for a damaged line, or one
// without a check).
func openLine(line []byte) ([]byte, bool) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	n := len(line)
	if n < checkLen+2 || line[0] != '{' || !bytes.HasSuffix(line, []byte(`"}`)) || string(line[n-checkLen:n-checkLen+len(checkPrefix)]) != checkPrefix {
		return nil, false
	}
	body := make([]byte, 0, n-checkLen+1)
	body = append(append(body, line[:n-checkLen]...), '}')
	sum := sha256.Sum256(body)
	var want [16]byte
	hex.Encode(want[:], sum[:8])
	return body, bytes.Equal(line[n-checkLen+len(checkPrefix):n-2], want[:])
}

// SyncEvery is how often a journal is made durable while it is written.
const SyncEvery = time.Second

// OpenJournal opens (creating it, mode 0600) the journal at path and reads
// what an earlier run wrote to it.
//
// The file must be a regular file (a FIFO, a device or a directory is
// refused without blocking: it is opened with O_NONBLOCK and examined by
// fstat first), and the journal is locked (an exclusive advisory lock,
// flock, on Unix; no lock elsewhere) until Close: a second run given the
// same journal while the first holds it fails at once (ErrJournalBusy)
// instead of interleaving its lines. A journal written by a version of
// hpki whose runs had no run id is refused: start a new journal.
func OpenJournal(path string) (*Journal, error) {
	f, err := openJournalFile(path, os.O_RDWR|os.O_CREATE)
	if err != nil {
		return nil, err
	}
	if err := lockJournal(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	j := &Journal{f: f, path: path, at: map[journalKey]lineRef{}, fps: map[string]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	if err := j.load(); err != nil {
		f.Close()
		return nil, err
	}
	go j.syncer()
	return j, nil
}

// load indexes the lines of the file and cuts a last line left
// incomplete by a crash.
func (j *Journal) load() error {
	br := bufio.NewReaderSize(j.f, 256<<10)
	var off int64
	for {
		line, err := br.ReadBytes('\n')
		if err == io.EOF {
			break // an incomplete last line (or none): cut below
		}
		if err != nil {
			return fmt.Errorf("journal %s: %w", j.path, err)
		}
		if body, ok := openLine(line); ok && bytes.HasPrefix(body, []byte(`{"run":"`)) {
			var rl runLine
			if json.Unmarshal(body, &rl) == nil && rl.ID == "" {
				return fmt.Errorf("journal %s: written by an older version of hpki (its runs have no run id): start a new journal", j.path)
			}
		}
		var jl journalLine
		if body, ok := openLine(line); ok && json.Unmarshal(body, &jl) == nil && jl.Final {
			if k, err := hex.DecodeString(jl.Key); err == nil && len(k) == 32 {
				j.at[journalKey(k)] = lineRef{off: off, n: int32(len(line))}
				j.fps[jl.Settings]++
			}
		}
		off += int64(len(line))
	}
	if err := j.f.Truncate(off); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	j.end = off
	return nil
}

// use binds the journal to the validation settings of a run (see
// VerdictSettings): only verdicts made under the same settings are
// reused.
func (j *Journal) use(settings string) {
	j.mu.Lock()
	j.fp = settings
	j.mu.Unlock()
}

// Foreign returns the number of reusable verdicts in the journal made
// under validation settings other than settings (see VerdictSettings):
// a run with those settings does not reuse them.
func (j *Journal) Foreign(settings string) int {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := 0
	for fp, c := range j.fps {
		if fp != settings {
			n += c
		}
	}
	return n
}

func (j *Journal) settings() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.fp
}

// key is the journal key of a record: the validation settings of the run,
// the name, size and SHA-256 of its signature file, and the name and
// SHA-256 of its detached content (none: empty).
func (j *Journal) key(name string, data []byte, contentName string, contentSum []byte) journalKey {
	sum := sha256.Sum256(data)
	h := sha256.New()
	fp := j.settings()
	fmt.Fprintf(h, "hpki-archive-journal-v2\x00%d:%s\x00%d:%s\x00%d\x00", len(fp), fp, len(name), name, len(data))
	h.Write(sum[:])
	fmt.Fprintf(h, "\x00%d:%s\x00%x", len(contentName), contentName, contentSum)
	return journalKey(h.Sum(nil))
}

// lookup returns the verdict recorded under key.
func (j *Journal) lookup(key journalKey) (Record, bool) {
	j.mu.Lock()
	ref, ok := j.at[key]
	j.mu.Unlock()
	if !ok {
		return Record{}, false
	}
	buf := make([]byte, ref.n)
	if _, err := j.f.ReadAt(buf, ref.off); err != nil {
		return Record{}, false
	}
	body, ok := openLine(buf)
	if !ok {
		return Record{}, false
	}
	var jl journalLine
	if err := json.Unmarshal(body, &jl); err != nil || jl.Key != hex.EncodeToString(key[:]) || jl.Settings != j.settings() {
		return Record{}, false
	}
	return jl.Record, true
}

// add appends a verdict; final says it may be reused.
func (j *Journal) add(key journalKey, final bool, name string, data []byte, r Record) error {
	sum := sha256.Sum256(data)
	r.Resumed = false
	line, err := json.Marshal(journalLine{Key: hex.EncodeToString(key[:]), Final: final, Settings: j.settings(), Path: name, Size: len(data), SHA256: hex.EncodeToString(sum[:]), Record: r, ID: j.runID()})
	if err != nil {
		return err
	}
	return j.write(sealLine(line), func(off int64, n int) {
		if final {
			j.at[key] = lineRef{off: off, n: int32(n)}
			j.fps[j.fp]++
		}
	})
}

// write appends a sealed line; written, if set, is told where (with the
// journal locked).
func (j *Journal) write(line []byte, written func(off int64, n int)) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if _, err := j.f.WriteAt(line, j.end); err != nil {
		j.err = fmt.Errorf("journal %s: %w", j.path, err)
		return j.err
	}
	if written != nil {
		written(j.end, len(line))
	}
	j.end += int64(len(line))
	j.dirty = true
	return nil
}

// startRun draws the run id of a run and writes its start line, with its
// shard and source.
func (j *Journal) startRun(sh Shard, source string) error {
	var id [16]byte
	rand.Read(id[:])
	j.mu.Lock()
	j.id = hex.EncodeToString(id[:])
	j.mu.Unlock()
	return j.writeRun(runLine{Run: runStart, Settings: j.settings(), ID: j.runID(), Shard: sh.String(), Source: source})
}

func (j *Journal) runID() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.id
}

// endRun writes the end line of a run that reached the end of its source,
// with its summary, and makes the journal durable.
func (j *Journal) endRun(sum Summary, entries int64) error {
	if err := j.writeRun(runLine{Run: runEnd, Settings: j.settings(), ID: j.runID(), Summary: &sum, Entries: &entries}); err != nil {
		return err
	}
	return j.sync()
}

func (j *Journal) writeRun(rl runLine) error {
	b, err := json.Marshal(rl)
	if err != nil {
		return err
	}
	return j.write(sealLine(b), nil)
}

func (j *Journal) syncer() {
	defer close(j.done)
	t := time.NewTicker(SyncEvery)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
			j.sync()
		}
	}
}

func (j *Journal) sync() error {
	j.mu.Lock()
	dirty := j.dirty
	j.dirty = false
	j.mu.Unlock()
	if !dirty {
		return nil
	}
	if err := j.f.Sync(); err != nil {
		j.mu.Lock()
		j.err = fmt.Errorf("journal %s: %w", j.path, err)
		j.mu.Unlock()
		return err
	}
	return nil
}

// Len returns the number of verdicts in the journal.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.at)
}

// Close makes the journal durable and closes it; the error is the first
// write or sync that failed. Closing again returns the same error.
func (j *Journal) Close() error {
	j.once.Do(func() { j.cerr = j.close() })
	return j.cerr
}

func (j *Journal) close() error {
	close(j.stop)
	<-j.done
	err := j.sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	return err
}

// VerdictSettings is the fingerprint of the options of a run that affect
// its verdicts: verify.Options.Fingerprint (anchors, time, offline,
// revocation data given, maximum age, role, covered references) and
// whether the run verifies or renews (and how). A journal verdict is
// reused only by a run with the same fingerprint.
func VerdictSettings(opts Options) string {
	h := sha256.New()
	fmt.Fprintf(h, "hpki-archive-settings-v2\x00")
	fp := opts.Verify.Fingerprint()
	h.Write(fp[:])
	if r := opts.Renew; r != nil {
		fmt.Fprintf(h, "command:renew\x00within:%d\x00dry-run:%t\x00force:%t\x00", r.Within, r.DryRun, r.Force)
	} else {
		fmt.Fprintf(h, "command:verify\x00")
	}
	return hex.EncodeToString(h.Sum(nil))
}
