package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/hpki-jp/hpki/archive"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/revocation"
)

// archiveFlags are the flags of archive verify and renew for large runs.
type archiveFlags struct {
	journal      string
	manifest     string
	shard        string
	progress     string
	fetchTimeout time.Duration
	allowEmpty   bool
}

func (a *archiveFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&a.journal, "journal", "", "append each record to FILE (a regular file, locked while the run writes it; durable every second) and skip the verdicts it already holds for the same file and validation settings: a rerun resumes. Trusted like the records: whoever can write it can make a rerun reuse any verdict")
	fl.StringVar(&a.manifest, "manifest", "", "read the records from FILE (- for stdin), one path (or, with a bucket URL as PATH, one object key) a line")
	fl.StringVar(&a.shard, "shard", "", "K/N: handle only the records whose name hashes to K of N (K from 0, e.g. $JOB_COMPLETION_INDEX)")
	fl.StringVar(&a.progress, "progress", "auto", "progress line on stderr: auto (on a terminal), always or never")
	fl.DurationVar(&a.fetchTimeout, "fetch-timeout", 10*time.Second, "timeout of one revocation request; a host that fails is not asked again for a minute")
	fl.BoolVar(&a.allowEmpty, "allow-empty", false, "exit 0 when there is nothing to check (default: exit 3, an empty or unmounted root is an error)")
	_ = cmd.RegisterFlagCompletionFunc("progress", cobra.FixedCompletions([]string{"auto", "always", "never"}, cobra.ShellCompDirectiveNoFileComp))
}

// runArchive runs archive verify or renew: opens the source, the journal,
// the output, handles the signals and picks the exit code.
func runArchive(cmd *cobra.Command, args []string, af *archiveFlags, opts archive.Options, format string, renew bool) error {
	var err error
	if af.shard != "" {
		if opts.Shard, err = archive.ParseShard(af.shard); err != nil {
			return usageError(err)
		}
	}
	switch af.progress {
	case "auto", "always", "never":
	default:
		return usageError(fmt.Errorf("--progress must be auto, always or never, not %q", af.progress))
	}
	if af.fetchTimeout <= 0 {
		return usageError(fmt.Errorf("--fetch-timeout %s: must be positive", af.fetchTimeout))
	}
	if !opts.Verify.Offline {
		f := opts.Verify.Fetcher
		if f == nil {
			f = &revocation.Fetcher{}
		}
		f.Timeout = af.fetchTimeout
		opts.Verify.Fetcher = f
	}
	// A run's live heap is small and flat (bounded caches, a window of
	// records); a memory limit keeps the heap's growth between
	// collections within bounds too, unless the environment sets one.
	if os.Getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(192 << 20))
	}
	// Each record allocates what its parse needs and drops it: with the
	// live heap this small, collecting at twice its size rather than at
	// its size halves the collector's share of the CPU (7% → 3% over
	// 10,000 B-LTA records), the limit above still bounding the heap.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	w := newRecordWriter(cmd.OutOrStdout(), format)
	ctx, stop, signalled := archiveSignals(cmd.Context(), cmd.ErrOrStderr(), w.abort)
	defer stop()
	src, closeSrc, manifestSum, err := archiveSource(ctx, cmd.InOrStdin(), args, af.manifest)
	if err != nil {
		return err
	}
	defer closeSrc()
	if manifestSum != "" {
		// The journal names the manifest by its content: the shards of
		// one run agree wherever each finds the file.
		opts.SourceID = archive.SourceID(src) + " sha256:" + manifestSum
	}
	if af.journal != "" {
		j, err := archive.OpenJournal(af.journal)
		if err != nil {
			return usageError(err)
		}
		opts.Journal = j
		defer j.Close()
		if n := j.Foreign(archive.VerdictSettings(opts)); n > 0 {
			fmt.Fprintln(cmd.ErrOrStderr(), "hpki: "+sayf("journal %s: %d verdicts were made under other validation settings (trust, --at, command...): they are not reused", af.journal, n))
		}
	}
	if p := newProgress(cmd.ErrOrStderr(), af.progress); p != nil {
		opts.Progress = p.update
		defer p.finish()
	}
	sum, err := archive.Process(ctx, src, opts, w.record)
	if err != nil {
		w.finish(sum, renew)
		return usageError(err)
	}
	if opts.Journal != nil {
		if err := opts.Journal.Close(); err != nil {
			w.finish(sum, renew)
			return failure(err)
		}
	}
	if err := w.finish(sum, renew); err != nil {
		return failure(err)
	}
	if sum.Interrupted {
		return withCode(128 + int(signalled()))
	}
	if sum.Empty() && !af.allowEmpty {
		return usageError(fmt.Errorf("nothing to check under %s (an empty or unmounted folder?); --allow-empty accepts that", strings.Join(args, ", ")))
	}
	return summaryExit(sum)
}

// shardList lists shard numbers: "1", "0, 3".
func shardList(ks []int) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = strconv.Itoa(k)
	}
	return strings.Join(s, ", ")
}

// gapText says which shards of a source have no journal: all of them, or
// how many and the first ones.
func gapText(g archive.ShardGap) string {
	if g.Count > len(g.Missing) {
		return sayf("no journal for %d of the %d shards of %s (the first: %s): run those shards with --journal and report again", g.Count, g.N, textsafe.String(g.Source), shardList(g.Missing))
	}
	return sayf("no journal for shard %s of %d of %s: run those shards with --journal and report again", shardList(g.Missing), g.N, textsafe.String(g.Source))
}

// seenText says that the shards of a source did not see the same entries.
func seenText(g archive.ShardGap) string {
	s := make([]string, len(g.Seen))
	for i, c := range g.Seen {
		s[i] = sayf("shard %d saw %d entries", c.K, c.Entries)
	}
	return sayf("the shards of %s did not see the same records (%s): a shard's folder was empty, not mounted or another; run it again where the archive is and report again", textsafe.String(g.Source), strings.Join(s, ", "))
}

// summaryExit picks the exit code of a summary: the worst outcome, a refused
// renewal counting as failed, an ERROR or SKIPPED entry as indeterminate.
func summaryExit(sum archive.Summary) error {
	switch {
	case sum.Failed > 0 || sum.Refused > 0:
		return withCode(exitFailed)
	case sum.Indeterminate > 0 || sum.Skipped > 0 || sum.Errors > 0:
		return withCode(exitIndeterminate)
	}
	return nil
}

// archiveSignals returns a context cancelled by the first SIGINT or
// SIGTERM (the run then stops taking records and finishes those in
// flight) and a function telling which signal came. A second signal ends
// the process at once, after abort has ended the output (a JSON array is
// closed: what was printed stays valid); the journal stays valid: it is append-only, and a line cut
// short is dropped when it is opened again. SIGINT is handled even when
// the shell started the run in the background with it ignored.
func archiveSignals(parent context.Context, stderr io.Writer, abort func()) (context.Context, func(), func() syscall.Signal) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var mu sync.Mutex
	var got syscall.Signal
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			mu.Lock()
			got = s.(syscall.Signal)
			mu.Unlock()
			fmt.Fprintln(stderr, "hpki: "+sayf("%v: finishing the records in flight (again to stop at once)", s))
			cancel()
		case <-done:
			return
		}
		select {
		case s := <-ch:
			if abort != nil {
				abort()
			}
			archiveExit(128 + int(s.(syscall.Signal)))
		case <-done:
		}
	}()
	stop := func() {
		signal.Stop(ch)
		close(done)
		cancel()
	}
	which := func() syscall.Signal {
		mu.Lock()
		defer mu.Unlock()
		if got == 0 {
			return syscall.SIGINT
		}
		return got
	}
	return ctx, stop, which
}

// archiveExit ends the process on a second signal (a variable for tests).
var archiveExit = osExit

// osExit is os.Exit.
var osExit = os.Exit

// abortWait bounds how long a second signal waits for the record being
// printed (stdout may be a stalled pipe) before it ends the output.
const abortWait = 5 * time.Second

// archiveSource opens what the run reads: the files and folders given, a
// manifest, or a bucket URL. For a manifest that is a regular file, it
// also returns the SHA-256 of its content, in hex (the manifest is read
// twice: once for that, once by the run).
func archiveSource(ctx context.Context, stdin io.Reader, args []string, manifest string) (archive.Source, func(), string, error) {
	var bucketURL string
	for _, a := range args {
		if archive.IsBucketURL(a) {
			if len(args) > 1 {
				return nil, nil, "", usageError(errors.New("a bucket URL is the only PATH of a run"))
			}
			bucketURL = a
		}
	}
	var mr io.Reader
	var sum string
	closeM := func() {}
	if manifest != "" {
		if manifest == "-" {
			mr = stdin
		} else {
			f, err := os.Open(manifest)
			if err != nil {
				return nil, nil, "", usageError(fmt.Errorf("--manifest: %w", err))
			}
			if sum, err = fileSHA256(f); err != nil {
				f.Close()
				return nil, nil, "", usageError(fmt.Errorf("--manifest: %w", err))
			}
			mr, closeM = f, func() { f.Close() }
		}
	}
	switch {
	case bucketURL != "":
		src, closeB, err := archive.OpenBucket(ctx, bucketURL, mr)
		if err != nil {
			closeM()
			return nil, nil, "", usageError(err)
		}
		return src, func() { closeB(); closeM() }, sum, nil
	case mr != nil:
		if len(args) > 0 {
			closeM()
			return nil, nil, "", usageError(errors.New("--manifest names the records: no PATH with it (except a bucket URL)"))
		}
		return archive.Manifest(mr), closeM, sum, nil
	case len(args) == 0:
		return nil, nil, "", usageError(errors.New("give a PATH, a bucket URL or --manifest"))
	}
	src, err := archive.Paths(args...)
	if err != nil {
		return nil, nil, "", usageError(err)
	}
	return src, func() {}, "", nil
}

// fileSHA256 returns the SHA-256 (hex) of f when it is a regular file,
// read from the start, and seeks back to the start; "" for anything else
// (a pipe is read once, by the run).
func fileSHA256(f *os.File) (string, error) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// recordWriter prints records as they come and the summary at the end;
// abort ends the output early (a second signal). Safe for concurrent use.
type recordWriter struct {
	mu     sync.Mutex
	w      io.Writer
	format string
	n      int
	err    error
	ended  bool
}

// abort ends the output of a run stopped at once: a JSON array is closed
// (the records printed stay a valid document); jsonl and text lines are
// whole already. Nothing is printed after it.
func (rw *recordWriter) abort() {
	// The record being printed is finished first, unless stdout is
	// stalled for abortWait (then nothing more is printed). The wait is
	// done here, in the caller, so that a busy machine cannot make it
	// give up early.
	for start := time.Now(); !rw.mu.TryLock(); time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > abortWait {
			return
		}
	}
	defer rw.mu.Unlock()
	if rw.ended || rw.err != nil {
		rw.ended = true
		return
	}
	rw.ended = true
	if rw.format == "json" {
		rw.end()
	}
}

// end writes the end of a JSON array.
func (rw *recordWriter) end() {
	end := "\n]\n"
	if rw.n == 0 {
		end = "[]\n"
	}
	_, rw.err = io.WriteString(rw.w, end)
}

func newRecordWriter(w io.Writer, format string) *recordWriter {
	return &recordWriter{w: w, format: format}
}

func (rw *recordWriter) record(r archive.Record) {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err != nil || rw.ended {
		return
	}
	switch rw.format {
	case "json":
		b, err := marshalJSON(r, "  ")
		if err != nil {
			rw.err = err
			return
		}
		sep := "[\n  "
		if rw.n > 0 {
			sep = ",\n  "
		}
		_, rw.err = io.WriteString(rw.w, sep+string(b))
	case "jsonl":
		b, err := marshalJSON(r, "")
		if err != nil {
			rw.err = err
			return
		}
		_, rw.err = rw.w.Write(append(b, '\n'))
	default:
		writeRecord(rw.w, r)
	}
	rw.n++
}

// finish writes what ends the output: the summary line (text, jsonl) or
// the end of the array (json).
func (rw *recordWriter) finish(sum archive.Summary, renew bool) error {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err != nil || rw.ended {
		return rw.err
	}
	rw.ended = true
	switch rw.format {
	case "json":
		rw.end()
	case "jsonl":
		b, err := marshalJSON(struct {
			Summary archive.Summary `json:"summary"`
		}{sum}, "")
		if err != nil {
			return err
		}
		_, rw.err = rw.w.Write(append(b, '\n'))
	default:
		_, rw.err = fmt.Fprintln(rw.w, summaryLine(sum, renew))
	}
	return rw.err
}

// marshalJSON is json.Marshal without HTML escaping, indented by indent
// inside a line prefixed by indent.
func marshalJSON(v any, indent string) ([]byte, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent(indent, "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSuffix(b.String(), "\n")), nil
}

// summaryLine is the last line of the text output.
func summaryLine(sum archive.Summary, renew bool) string {
	line := sayf("%d files: %d passed, %d failed, %d indeterminate", sum.Records, sum.Passed, sum.Failed, sum.Indeterminate)
	if sum.Errors > 0 {
		line += sayf("; %d errors", sum.Errors)
	}
	if sum.Skipped > 0 {
		line += sayf("; %d skipped", sum.Skipped)
	}
	if renew {
		line += sayf("; %d renewed, %d refused", sum.Renewed, sum.Refused)
	}
	if sum.WouldRenew > 0 {
		line += sayf("; %d would renew", sum.WouldRenew)
	}
	if sum.Resumed > 0 {
		line += sayf("; %d from the journal", sum.Resumed)
	}
	if sum.Interrupted {
		line += sayf("; interrupted")
	}
	return line
}

// writeRecord prints one line for a record. The path is quoted when it
// holds anything odd (textsafe.Name) and every other value is escaped, so
// a file name or an error message can never make a line of its own.
func writeRecord(w io.Writer, r archive.Record) {
	switch r.Status {
	case archive.StatusSkipped:
		fmt.Fprintf(w, "%-40s %s  (%s)\n", "SKIPPED", textsafe.Name(r.Path), textsafe.String(localizeError(r.Skipped)))
		return
	case archive.StatusError:
		fmt.Fprintf(w, "%-40s %s  (%s)\n", "ERROR", textsafe.Name(r.Path), textsafe.String(localizeError(r.Error)))
		return
	}
	ind := string(r.Indication)
	if r.SubIndication != "" {
		ind += "/" + string(r.SubIndication)
	}
	line := fmt.Sprintf("%-40s %s", ind, textsafe.Name(r.Path))
	if r.Level != "" {
		line += "  " + textsafe.String(r.Level)
	}
	if r.RenewBy != nil {
		line += sayf("  renew by %s", r.RenewBy.Format("2006-01-02"))
	}
	if r.Renewed {
		line += "  RENEWED"
	}
	if r.WouldRenew {
		line += sayf("  would renew")
	}
	if r.Error != "" {
		line += "  (" + textsafe.String(localizeError(r.Error)) + ")"
	}
	fmt.Fprintln(w, line)
}

// progress prints done/total, rate and ETA on stderr: rewritten in place
// on a terminal, a line every 10 s otherwise (--progress always).
type progress struct {
	w      io.Writer
	tty    bool
	start  time.Time
	last   time.Time
	shown  bool
	latest archive.Progress
}

func newProgress(w io.Writer, mode string) *progress {
	f, isFile := w.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	if mode == "never" || (mode == "auto" && !tty) {
		return nil
	}
	now := time.Now()
	return &progress{w: w, tty: tty, start: now, last: now}
}

func (p *progress) update(pr archive.Progress) {
	p.latest = pr
	now := time.Now()
	every := 250 * time.Millisecond
	if !p.tty {
		every = 10 * time.Second
	}
	if now.Sub(p.last) < every {
		return
	}
	p.last = now
	p.show(now)
}

func (p *progress) show(now time.Time) {
	pr := p.latest
	rate := float64(pr.Done) / max(now.Sub(p.start).Seconds(), 1e-3)
	line := fmt.Sprintf("%d", pr.Done)
	if pr.Total > 0 {
		line += fmt.Sprintf("/%d (%.1f%%)", pr.Total, 100*float64(pr.Done)/float64(pr.Total))
	}
	line += sayf("  %.0f records/s", rate)
	if pr.Total > pr.Done && rate > 0 {
		eta := time.Duration(float64(pr.Total-pr.Done) / rate * float64(time.Second))
		line += "  ETA " + eta.Round(time.Second).String()
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\x1b[K"+line)
	} else {
		fmt.Fprintln(p.w, "hpki: "+line)
	}
	p.shown = true
}

// finish clears the line on a terminal; in a log, it prints the last one.
func (p *progress) finish() {
	if p.tty {
		if p.shown {
			fmt.Fprint(p.w, "\r\x1b[K")
		}
		return
	}
	p.show(time.Now())
}

func newArchiveReportCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "report JOURNAL...",
		Short: "Merge the journals of a run's shards into one summary",
		Long: `Merge journals (--journal of archive verify or renew: the shards of one
run, or the reruns of one campaign) into one summary, each record counted
once by its name (its last verdict counting). A run writes an end line to
its journal when it finishes; a journal without one (its run was
interrupted, killed or failed) is listed as INCOMPLETE: rerun that shard
with the same --journal to finish it. Each run records its --shard K/N and
its source: a shard of a source without a journal is listed as INCOMPLETE
too. Journals made under different validation settings are not merged, nor
two journals of the same shard, nor a journal whose lines do not hang
together (an end line that is not that of the run it ends, by its run id,
settings and summary). Exit codes: 4 some journal is incomplete or some
shard has none (the summary is not the whole run's); otherwise as for
archive verify: 0 all passed, 1 some failed, 2 some indeterminate, 3
unreadable, damaged or inconsistent journal, a journal that is not a
regular file, or journals that are not one set (settings, shards).`,
		Example: "  hpki archive report /out/shard-*.journal\n  hpki archive report --output json /out/*.journal",
		Args:    minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "text" && output != "json" {
				return usageError(fmt.Errorf("--output must be text or json, not %q", output))
			}
			var rs []io.Reader
			for _, name := range args {
				f, err := archive.OpenJournalFile(name)
				if err != nil {
					return usageError(err)
				}
				defer f.Close()
				rs = append(rs, f)
			}
			sum, states, err := archive.Report(rs...)
			if err != nil {
				return usageError(err)
			}
			gaps, err := archive.CheckSet(args, states)
			if err != nil {
				return usageError(err)
			}
			type journalState struct {
				Journal string `json:"journal"`
				archive.JournalStatus
			}
			js := make([]journalState, len(args))
			incomplete := 0
			for i, st := range states {
				js[i] = journalState{args[i], st}
				if !st.Complete {
					incomplete++
				}
			}
			if output == "json" {
				if err := writeJSON(cmd.OutOrStdout(), struct {
					archive.Summary
					Journals      []journalState     `json:"journals"`
					MissingShards []archive.ShardGap `json:"missingShards,omitempty"`
				}{sum, js, gaps}); err != nil {
					return failure(err)
				}
			} else {
				w := cmd.OutOrStdout()
				fmt.Fprintln(w, summaryLine(sum, sum.Renewed+sum.Refused > 0))
				for _, j := range js {
					if !j.Complete {
						fmt.Fprintf(w, "INCOMPLETE %s: its last run did not finish (interrupted, killed or failed): rerun it with the same --journal\n", textsafe.Name(j.Journal))
					}
				}
				for _, g := range gaps {
					if g.Count > 0 {
						fmt.Fprintln(w, "INCOMPLETE "+gapText(g))
					}
					if g.Seen != nil {
						fmt.Fprintln(w, "INCOMPLETE "+seenText(g))
					}
				}
			}
			if incomplete > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "hpki: %d of %d journals incomplete: the summary is not the whole run's\n", incomplete, len(js))
				return withCode(exitIncomplete)
			}
			if len(gaps) > 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "hpki: "+sayf("journals of some shards are missing or disagree: the summary is not the whole run's"))
				return withCode(exitIncomplete)
			}
			return summaryExit(sum)
		},
	}
	cmd.Flags().StringVar(&output, "output", "text", "report format: text or json")
	return cmd
}
