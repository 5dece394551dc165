package archive

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// Entry is one name a Source hands to Process: a signature file (or
// object) to handle, or, with Skip set, an entry the source met and does
// not hand over (a FIFO, an unreadable folder), reported as it is.
type Entry struct {
	// Name is the full name: a path, or an object key.
	Name string
	// Key is the name that decides the shard: the path relative to the
	// folder given (so that machines mounting the archive at different
	// places agree), the manifest line, the object key.
	Key string
	// Given is set for a file named by the caller rather than found by a
	// walk: an XML file is then handled even without a signature.
	Given bool
	// Skip, when set, is the record of an entry that is not read.
	Skip *Record
	// dirID, set by a walk, is the identity of the folder the entry was
	// found in: the folder the worker opens by name must be that one.
	dirID fs.FileInfo
}

// Source hands the entries of a run to Process, in a stable order, and
// opens the folder of each. The sources are Paths (files and folders on
// disk), Files (a list of files), Manifest (names read from a reader) and
// the bucket sources of blob.go.
type Source interface {
	// Each hands every entry to yield, in the same order every time,
	// stopping at the first error yield returns.
	Each(ctx context.Context, yield func(Entry) error) error
	// folder opens the folder of a record.
	folder(ctx context.Context, name string) (folder, error)
}

// localSource is what the local sources share: the folder of a record is
// its directory on disk.
type localSource struct{}

func (localSource) folder(_ context.Context, name string) (folder, error) {
	return openLocalFolder(filepath.Dir(name))
}

// folderIn is folder reusing the folder a worker opened for its previous
// record when this one is in the same directory (a walk hands the records
// of a folder one after the other) and that directory is still the one at
// its path (same device and inode: a folder replaced since is opened
// again): a stat per record instead of an open and a close. For an entry
// found by a walk, the folder opened must be the one the walk found it in
// (e.dirID): a folder swapped since (for a link to elsewhere, for another
// folder) gives an ERROR and nothing is read or written; every later read
// and the renewal's write go through the folder so checked.
func (localSource) folderIn(e Entry, last *openFolder) (folder, error) {
	dir := filepath.Dir(e.Name)
	if last.root != nil && last.dir == dir {
		if st, err := os.Stat(dir); err != nil || !os.SameFile(st, last.st) {
			last.close()
		}
	}
	if last.root == nil || last.dir != dir {
		last.close()
		f, err := openLocalFolder(dir)
		if err != nil {
			return nil, err
		}
		st, err := f.root.Stat(".")
		if err != nil {
			f.close()
			return nil, ioErrf("its folder cannot be examined: %v", unwrapPath(err))
		}
		last.dir, last.root, last.st = dir, f.root, st
	}
	if e.dirID != nil && !os.SameFile(last.st, e.dirID) {
		return nil, errReplaced
	}
	return &localFolder{root: last.root, dir: dir, shared: true}, nil
}

// openFolder is the directory a worker opened last (see folderIn).
type openFolder struct {
	dir  string
	root *os.Root
	st   os.FileInfo
}

func (o *openFolder) close() {
	if o.root != nil {
		o.root.Close()
		o.root = nil
	}
}

type pathsSource struct {
	localSource
	paths []string
}

// Paths is the source of the signature files under paths (files are
// taken as given, folders walked without following symbolic links; see
// Walk), walked as the run goes: nothing is listed ahead. The error is for
// a path that does not exist.
func Paths(paths ...string) (Source, error) {
	for _, p := range paths {
		if _, err := os.Lstat(p); err != nil {
			return nil, err
		}
	}
	return pathsSource{paths: paths}, nil
}

func (s pathsSource) Each(ctx context.Context, yield func(Entry) error) error {
	return walkEach(ctx, s.paths, yield)
}

type filesSource struct {
	localSource
	files []string
}

// Files is the source of the given signature files, in the given order.
func Files(files ...string) Source { return filesSource{files: files} }

func (s filesSource) Each(ctx context.Context, yield func(Entry) error) error {
	for _, f := range s.files {
		if err := yield(Entry{Name: f, Key: f, Given: true}); err != nil {
			return err
		}
	}
	return nil
}

type manifestSource struct {
	localSource
	r io.Reader
}

// Manifest is the source of the signature files named in r, one path a
// line (empty lines and lines starting with # are ignored), in the order
// of the lines. Relative paths are relative to the working directory. The
// reader is read once, as the run goes. The paths are taken as given (by
// design: a local manifest may name any file the job can read, "..",
// absolute paths included, like the PATH arguments); only a bucket
// manifest is confined to its prefix (see OpenBucket).
func Manifest(r io.Reader) Source { return &manifestSource{r: r} }

func (s *manifestSource) Each(ctx context.Context, yield func(Entry) error) error {
	return eachLine(s.r, func(name string) error {
		return yield(Entry{Name: name, Key: name, Given: true})
	})
}

// MaxManifestLine bounds a manifest line.
const MaxManifestLine = 64 << 10

// eachLine calls fn for each name of a manifest.
func eachLine(r io.Reader, fn func(string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), MaxManifestLine)
	line := 0
	for sc.Scan() {
		line++
		name := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(name) == "" || strings.HasPrefix(name, "#") {
			continue
		}
		if strings.ContainsRune(name, 0) {
			return fmt.Errorf("manifest line %d: a NUL character", line)
		}
		if err := fn(name); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("manifest after line %d: %w", line, err)
	}
	return nil
}

// Shard selects the records of one of N machines or processes: those
// whose Entry.Key hashes (SHA-256, first 8 bytes, big-endian, modulo N)
// to K. N processes given the same source and K = 0 … N-1 handle every
// record exactly once. The zero Shard selects everything.
type Shard struct{ K, N int }

// MaxShards is the largest number of shards N a run is split into (a
// million: far more machines than a campaign has, and few enough that
// archive report's bookkeeping of the shards stays small).
const MaxShards = 1_000_000

// ParseShard parses "K/N" with 0 ≤ K < N ≤ MaxShards (K is 0-based, as
// JOB_COMPLETION_INDEX of a Kubernetes Indexed Job is).
func ParseShard(s string) (Shard, error) {
	k, n, ok := strings.Cut(s, "/")
	if ok {
		ki, err1 := strconv.Atoi(k)
		ni, err2 := strconv.Atoi(n)
		if err1 == nil && err2 == nil && ni >= 1 && ni <= MaxShards && ki >= 0 && ki < ni {
			return Shard{K: ki, N: ni}, nil
		}
	}
	return Shard{}, fmt.Errorf("shard %q: want K/N with 0 <= K < N <= %d (K counts from 0)", s, MaxShards)
}

// String is "K/N", or "" for the zero Shard (or N = 1: everything).
func (s Shard) String() string {
	if s.N <= 1 {
		return ""
	}
	return strconv.Itoa(s.K) + "/" + strconv.Itoa(s.N)
}

// Has reports whether the record with the given key is in the shard.
func (s Shard) Has(key string) bool {
	if s.N <= 1 {
		return true
	}
	sum := sha256.Sum256([]byte(key))
	return binary.BigEndian.Uint64(sum[:8])%uint64(s.N) == uint64(s.K)
}

// SourceID names what a source reads, for the start line of a journal
// (archive report groups the journals of the shards of one source by it,
// to notice a missing one): the paths as given (cleaned) for Paths, a
// SHA-256 of the list for Files, "manifest" for Manifest (its content is
// read as the run goes: Options.SourceID can name it better, as hpki
// archive verify does with the SHA-256 of a manifest file), the scheme,
// host and prefix of a bucket (no query), with "+manifest" when it has
// one. Machines of one run must give the same paths, in the same words.
func SourceID(src Source) string {
	switch s := src.(type) {
	case pathsSource:
		q := make([]string, len(s.paths))
		for i, p := range s.paths {
			q[i] = strconv.Quote(filepath.Clean(p))
		}
		return "paths " + strings.Join(q, " ")
	case filesSource:
		h := sha256.New()
		for _, f := range s.files {
			fmt.Fprintf(h, "%d:%s\x00", len(f), f)
		}
		return fmt.Sprintf("files sha256:%x", h.Sum(nil))
	case *manifestSource:
		return "manifest"
	case *bucketSource:
		return s.id()
	}
	return fmt.Sprintf("%T", src)
}

// Summary counts the records of a run.
type Summary struct {
	// Records is the number of records with a verdict; Passed, Failed
	// and Indeterminate split them.
	Records       int `json:"records"`
	Passed        int `json:"passed"`
	Failed        int `json:"failed"`
	Indeterminate int `json:"indeterminate"`
	// Errors counts records that could not be checked (Status ERROR),
	// Skipped entries not read by rule (Status SKIPPED).
	Errors  int `json:"errors"`
	Skipped int `json:"skipped"`
	// Renewed, WouldRenew (dry run) and Refused (passed, due, and the
	// renewal failed) count renewals.
	Renewed    int `json:"renewed"`
	WouldRenew int `json:"wouldRenew"`
	Refused    int `json:"refused"`
	// Resumed counts verdicts taken from the journal.
	Resumed int `json:"resumed"`
	// Interrupted is set when the run stopped before the end of its
	// source (its context was cancelled).
	Interrupted bool `json:"interrupted,omitempty"`
}

// Add counts one record; renew says whether the run renews (a passed
// record whose renewal failed is then refused).
func (s *Summary) Add(r Record, renew bool) {
	switch r.Status {
	case StatusError:
		s.Errors++
		return
	case StatusSkipped:
		s.Skipped++
		return
	}
	s.Records++
	switch r.Indication {
	case verify.TotalPassed:
		s.Passed++
	case verify.TotalFailed:
		s.Failed++
	default:
		s.Indeterminate++
	}
	if r.Resumed {
		s.Resumed++
	}
	if r.Renewed {
		s.Renewed++
	}
	if r.WouldRenew {
		s.WouldRenew++
	}
	if renew && r.Indication == verify.TotalPassed && !r.Renewed && strings.HasPrefix(r.Error, refusedPrefix) {
		s.Refused++
	}
}

// Empty reports whether the run met nothing at all.
func (s Summary) Empty() bool { return s.Records+s.Errors+s.Skipped == 0 }

// DefaultCacheBytes is the Verifier cache budget of a run when
// Options.Verify.CacheBytes is zero: what recurs across records (CA and
// TSA certificates, paths, CRLs) fits many times over, and the run's
// memory stays flat whatever the number of records.
const DefaultCacheBytes = 48 << 20

// Progress is what Options.Progress is told after each record.
type Progress struct {
	// Done counts the entries finished; Total those the source holds (0
	// until known: a walk is counted beside the run).
	Done, Total int64
}

// minWindow is the least number of entries a run takes ahead of what it
// has emitted (see Process): enough look-ahead for the prefetcher to
// hide the disk's latency on a cold page cache.
const minWindow = 256

// prefetchWorkers is the number of goroutines that give the prefetcher's
// hints (each may wait for the disk to open a file).
const prefetchWorkers = 2

// errStop ends a source's walk when the run is interrupted.
var errStop = errors.New("archive: run interrupted")

// Process handles every entry of src, in parallel, calling emit for each
// record, one call at a time, in the order of the source (a file's record
// is followed by the records of the entries skipped while handling it). It
// keeps no record: memory does not grow with the number of records (at
// most a window of records in flight and waiting for their turn).
//
// When ctx is cancelled (SIGINT, SIGTERM), Process stops taking entries,
// lets the ones in flight finish (their own network requests are not
// cancelled: a half-checked record would get a wrong verdict) and returns
// the summary of what was emitted, with Interrupted set. A renewal is
// written atomically or not at all. The error is the source's (a walk that
// could not start, an unreadable manifest).
func Process(ctx context.Context, src Source, opts Options, emit func(Record)) (Summary, error) {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	vo := opts.Verify
	if vo.CacheBytes == 0 {
		vo.CacheBytes = DefaultCacheBytes
	}
	if opts.Journal != nil && opts.Renew != nil && opts.Renew.DryRun {
		return Summary{}, errors.New("archive: a dry run writes nothing: no journal with it")
	}
	jr := opts.Journal
	if jr != nil {
		jr.use(VerdictSettings(opts))
		id := opts.SourceID
		if id == "" {
			id = SourceID(src)
		}
		// A write error here is the journal's error: every later
		// record says so, and Close returns it.
		_ = jr.startRun(opts.Shard, id)
	}
	v := verify.New(vo)
	renewing := opts.Renew != nil
	if renewing && !opts.Renew.DryRun {
		// One Extender for the run (an error here is each record's, as
		// renew meets it).
		opts.extender, _ = extend.NewExtender(extend.Options{To: sign.LevelLTA, TSA: opts.Renew.TSA, Verify: vo})
	}
	var (
		sum     Summary
		mu      sync.Mutex
		pending = map[int][]Record{}
		next    int
		done    atomic.Int64
		total   atomic.Int64
		// seen counts the entries the source handed out, before the
		// shard filter: every shard of a source sees them all.
		seen atomic.Int64
	)
	// window bounds the entries taken from the source and not yet
	// emitted: in flight, queued for a worker (the look-ahead the
	// prefetcher hints), or finished and waiting for their turn.
	window := max(16*jobs, minWindow)
	slots := make(chan struct{}, window)
	deliver := func(seq int, recs []Record) {
		mu.Lock()
		defer mu.Unlock()
		pending[seq] = recs
		for {
			rs, ok := pending[next]
			if !ok {
				return
			}
			delete(pending, next)
			next++
			for _, r := range rs {
				if jr != nil && !r.journaled && !r.Resumed {
					// PDF records, ERROR and SKIPPED entries: written
					// for Report, never reused.
					if err := jr.add(jr.key(r.Path, nil, "", nil), false, r.Path, nil, r); err != nil {
						r.Error = strings.TrimPrefix(r.Error+"; ", "; ") + "journal: " + err.Error()
					}
				}
				r.journaled = false
				sum.Add(r, renewing)
				if emit != nil {
					emit(r)
				}
			}
			<-slots
			if opts.Progress != nil {
				opts.Progress(Progress{Done: done.Add(1), Total: total.Load()})
			}
		}
	}
	counted := make(chan struct{})
	if c, ok := src.(interface {
		count(context.Context, Shard) (int64, error)
	}); ok && opts.Progress != nil {
		go func() {
			defer close(counted)
			if n, err := c.count(ctx, opts.Shard); err == nil {
				total.Store(n)
			}
		}()
	} else {
		close(counted)
	}
	type job struct {
		seq int
		e   Entry
	}
	// Jobs are queued: the source runs ahead of the workers by up to
	// the window, and the prefetcher asks for the queued files. Workers
	// take jobs in order, so the jobs taken are always a prefix of the
	// sequence: those left queued when the run is interrupted are never
	// started, and every job taken is finished and emitted.
	work := make(chan job, window)
	var pf *prefetcher
	if _, local := src.(interface {
		folderIn(Entry, *openFolder) (folder, error)
	}); local {
		pf = newPrefetcher(prefetchWorkers, window)
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	inflight := context.WithoutCancel(ctx)
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last openFolder
			defer last.close()
			for {
				if ctx.Err() != nil {
					// Interrupted: no new job is started.
					return
				}
				select {
				case j, ok := <-work:
					if !ok {
						return
					}
					deliver(j.seq, handleEntry(inflight, v, src, j.e, opts, &last))
				case <-quit:
					return
				}
			}
		}()
	}
	seq := 0
	yield := func(e Entry) error {
		seen.Add(1)
		if !opts.Shard.Has(e.Key) {
			return nil
		}
		select {
		case <-ctx.Done():
			return errStop
		case slots <- struct{}{}:
		}
		s := seq
		if e.Skip != nil {
			if ctx.Err() != nil {
				<-slots
				return errStop
			}
			seq++
			deliver(s, []Record{*e.Skip})
			return nil
		}
		select {
		case <-ctx.Done():
			<-slots
			return errStop
		case work <- job{s, e}:
			seq++
			pf.hint(e)
			return nil
		}
	}
	// The source runs beside: a source blocked in a read (a manifest on
	// a pipe that stalls) must not hold up an interrupted run.
	eachDone := make(chan error, 1)
	go func() { eachDone <- src.Each(ctx, yield) }()
	var err error
	select {
	case err = <-eachDone:
	case <-ctx.Done():
		select {
		case err = <-eachDone:
		case <-time.After(100 * time.Millisecond):
			err = errStop
		}
	}
	if ctx.Err() == nil {
		// The source has ended (Each returned): the workers take every
		// job queued, then stop.
		close(work)
	} else {
		// Interrupted: a job taken by a worker is finished before it
		// looks at quit; those still queued are left.
		close(quit)
	}
	wg.Wait()
	pf.stop()
	if ctx.Err() != nil {
		sum.Interrupted = true
	}
	if opts.Progress != nil {
		// A last call with the total (the count, a walk without reads,
		// ends before the run but for an interrupted run).
		<-counted
		opts.Progress(Progress{Done: done.Load(), Total: total.Load()})
	}
	if errors.Is(err, errStop) || (err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err())) {
		err = nil
	}
	if jr != nil && err == nil && !sum.Interrupted {
		// The run reached the end of its source: say so in the journal
		// (an interrupted, killed or failed run leaves no end line). A
		// write error is returned by the journal's Close.
		_ = jr.endRun(sum, seen.Load())
	}
	return sum, err
}

// handleEntry handles one entry of src: opens its folder, then handle.
// An XML or PDF file found by a walk that holds no signature is no record;
// a PDF record is handled by handlePDF.
func handleEntry(ctx context.Context, v *verify.Verifier, src Source, e Entry, opts Options, last *openFolder) []Record {
	var dir folder
	var err error
	if ls, ok := src.(interface {
		folderIn(Entry, *openFolder) (folder, error)
	}); ok {
		dir, err = ls.folderIn(e, last)
	} else {
		dir, err = src.folder(ctx, e.Name)
	}
	if err != nil {
		return []Record{skipped(e.Name, err)}
	}
	defer dir.close()
	if isPDFName(e.Name) {
		return handlePDF(ctx, v, dir, e.Name, !e.Given, opts)
	}
	if !e.Given && isXMLName(e.Name) {
		data, err := readAll(dir, baseName(e.Name))
		if err != nil {
			return []Record{skipped(e.Name, err)}
		}
		if !bytes.Contains(data, []byte(xmldsigNS)) {
			return nil
		}
		return handleData(ctx, v, dir, e.Name, data, opts)
	}
	return handle(ctx, v, dir, e.Name, opts)
}

// count counts the entries of the walk (without reading a file) for the
// progress: XML files are counted whether or not they hold a signature.
func (s pathsSource) count(ctx context.Context, sh Shard) (int64, error) {
	var n int64
	err := walkEach(ctx, s.paths, func(e Entry) error {
		if sh.Has(e.Key) {
			n++
		}
		return nil
	})
	return n, err
}

func (s filesSource) count(_ context.Context, sh Shard) (int64, error) {
	var n int64
	for _, f := range s.files {
		if sh.Has(f) {
			n++
		}
	}
	return n, nil
}
