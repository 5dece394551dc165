// Package archive re-verifies and renews stored signatures in bulk: it
// walks folders for signature files (CAdES .p7s/.p7m, XML documents with
// ds:Signature, signed PDFs), finds the content of detached signatures beside them,
// validates them in parallel with one shared Verifier (whose caches make
// millions of records cheap), and extends to B-LTA those whose last
// timestamp's certificate expires soon (or that are not B-LTA yet).
//
// Security contract: a record is renewed only if it validates now (extend
// refuses otherwise); the new file replaces the old one atomically, keeps
// every signed byte and the file's mode, owner and group, and a read-only
// record is replaced only with RenewOptions.Force. Detached content is
// looked up only beside the signature file, never outside its folder, and
// is streamed whole (no size limit, no prefix). Only regular files are
// read; symbolic links are followed only inside the signature's folder;
// opening a FIFO cannot block; every entry not read is reported as a
// skipped record (see open.go).
package archive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/internal/atomicfile"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
	"github.com/hpki-jp/hpki/xmlsig"
)

// MaxSignatureFile bounds the size of a signature file read into memory.
const MaxSignatureFile = 512 << 20

// Record is the outcome for one signature file.
type Record struct {
	// Path of the signature file; Content the detached content used.
	Path    string `json:"path"`
	Content string `json:"content,omitempty"`
	// Indication and SubIndication summarise the validation.
	Indication    verify.Indication    `json:"indication"`
	SubIndication verify.SubIndication `json:"subIndication,omitempty"`
	// Level is the lowest level of the file's signatures.
	Level string `json:"level,omitempty"`
	// RenewBy is the earliest renewal deadline of its signatures.
	RenewBy *time.Time `json:"renewBy,omitempty"`
	// Renewed is set when Renew extended the file.
	Renewed bool `json:"renewed,omitempty"`
	// Error explains a failure (unparseable signature, refused renewal).
	Error string `json:"error,omitempty"`
	// Skipped, when set, says why this entry was not read: a FIFO, a
	// device, a socket, a symbolic link that dangles or leads out of its
	// folder, a file that cannot be read. It is an entry the walk met
	// with a signature file's name, or the content or a detached
	// reference of the signature file whose record comes before it. Such
	// a record has no indication: it is an I/O matter, not a verdict.
	Skipped string `json:"skipped,omitempty"`
}

// Options configure a run.
type Options struct {
	// Verify configures validation (trust, revocation, clock).
	Verify verify.Options
	// Jobs is the number of files handled at once (default GOMAXPROCS).
	Jobs int
	// Renew, when set, renews records (see RenewOptions).
	Renew *RenewOptions
}

// RenewOptions say which records to extend to B-LTA and how.
type RenewOptions struct {
	// TSA gives the archive timestamps.
	TSA sign.Timestamper
	// Within renews records whose RenewBy falls within this duration of
	// the validation time, and records below B-LTA.
	Within time.Duration
	// DryRun reports what would be renewed without writing.
	DryRun bool
	// Force allows replacing a read-only record (no write permission
	// bit); without it such a record is reported as not renewed. A
	// renewed record always keeps its mode, owner and group.
	Force bool
}

// Find lists the signature files under paths (files are taken as given;
// folders are walked), sorted. It is Walk without the skipped entries.
func Find(paths ...string) ([]string, error) {
	files, _, err := Walk(paths...)
	return files, err
}

// Walk lists the signature files under paths (files are taken as given;
// folders are walked without following symbolic links), sorted, and the
// entries with a signature file's name that it did not take: symbolic
// links, FIFOs, devices, sockets, unreadable files (see open.go), each as
// a Record with Skipped set. The error is for a path that does not exist
// or a folder that cannot be walked.
func Walk(paths ...string) (files []string, skippedEntries []Record, err error) {
	for _, p := range paths {
		st, err := os.Lstat(p)
		if err != nil {
			return nil, nil, err
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			// A path given by name may be a link; what it leads to is
			// examined as below.
			if st, err = os.Stat(p); err != nil {
				skippedEntries = append(skippedEntries, skipped(p, skipf("a dangling symbolic link")))
				continue
			}
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if path == p {
					return err
				}
				skippedEntries = append(skippedEntries, skipped(path, skipf("cannot be read: %v", unwrapPath(err))))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				// A link to a folder would hide a whole subtree from the
				// run: say so, whatever its name.
				if st, err := os.Stat(path); err == nil && st.IsDir() {
					skippedEntries = append(skippedEntries, skipped(path, skipf("a symbolic link to a folder (the walk does not follow links)")))
					return nil
				}
			}
			if !signatureExt(path) {
				return nil
			}
			if !d.Type().IsRegular() {
				why := kindOf(d.Type()) + ", not a regular file"
				if d.Type()&fs.ModeSymlink != 0 {
					why = "a symbolic link (the walk does not follow links)"
				}
				skippedEntries = append(skippedEntries, skipped(path, skipf("%s", why)))
				return nil
			}
			if isPDFName(path) {
				signed, err := looksSignedPDF(path)
				if err != nil {
					skippedEntries = append(skippedEntries, skipped(path, err))
				}
				if !signed {
					return nil
				}
			}
			if strings.EqualFold(filepath.Ext(path), ".xml") {
				signed, err := looksSigned(path)
				if err != nil {
					skippedEntries = append(skippedEntries, skipped(path, err))
				}
				if !signed {
					return nil
				}
			}
			files = append(files, path)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	sort.Strings(files)
	sort.Slice(skippedEntries, func(i, j int) bool { return skippedEntries[i].Path < skippedEntries[j].Path })
	return files, skippedEntries, nil
}

// signatureExt reports whether path has the extension of a file the walk
// looks at: .p7s, .p7m, .xml (taken when it contains ds:Signature), or
// .pdf (taken when it carries a signature: see pdf.go).
func signatureExt(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".p7s", ".p7m", ".xml", ".pdf":
		return true
	}
	return false
}

// xmldsigNS is what looksSigned searches for.
const xmldsigNS = "http://www.w3.org/2000/09/xmldsig#"

// looksSigned reports whether an XML file contains the XML-DSig namespace
// (a cheap look at its text, read in blocks, at most MaxSignatureFile
// bytes: a larger file is not read as a signature anyway). The error says
// why the file could not be read.
func looksSigned(path string) (bool, error) { return contains(path, xmldsigNS) }

// contains reports whether the file's text contains needle (read in
// blocks, at most MaxSignatureFile bytes).
func contains(path, needle string) (bool, error) {
	f, err := openBeside(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 64<<10+len(needle))
	keep, total := 0, 0
	for total < MaxSignatureFile {
		n, err := f.Read(buf[keep:])
		total += n
		if bytes.Contains(buf[:keep+n], []byte(needle)) {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, skipf("cannot be read: %v", unwrapPath(err))
		}
		// Keep the tail that could start the namespace.
		end := keep + n
		keep = min(end, len(needle)-1)
		copy(buf, buf[end-keep:end])
	}
	return false, nil
}

// openBeside opens a file named by path under the rules of open.go, its
// folder being the root.
func openBeside(path string) (*os.File, error) {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return nil, skipf("its folder cannot be opened: %v", unwrapPath(err))
	}
	defer root.Close()
	f, err := openRegular(root, filepath.Base(path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, skipf("no longer exists")
	}
	return f, err
}

// ContentFor returns the detached content beside a CAdES signature file:
// NAME for NAME.p7s, and NAME for NAME.lt.p7s or NAME.lta.p7s (what hpki
// extend writes), if such a regular file exists in the same folder (a
// symbolic link to a file in that folder counts; one leading out of it, a
// FIFO or a device does not: see open.go).
func ContentFor(sigPath string) string {
	root, err := os.OpenRoot(filepath.Dir(sigPath))
	if err != nil {
		return ""
	}
	defer root.Close()
	f, name, _ := contentFor(root, sigPath)
	if f != nil {
		f.Close()
	}
	return name
}

// contentCandidates lists the names ContentFor tries, in order.
func contentCandidates(sigPath string) []string {
	base := strings.TrimSuffix(sigPath, filepath.Ext(sigPath))
	var out []string
	for _, c := range []string{base, strings.TrimSuffix(base, ".lta"), strings.TrimSuffix(base, ".lt")} {
		if c != sigPath && filepath.Dir(c) == filepath.Dir(sigPath) && filepath.Base(c) != "" {
			out = append(out, c)
		}
	}
	return out
}

// contentFor opens the detached content beside sigPath (root is its
// folder). A candidate that exists and is not read is returned as a
// skipped record, and the lookup stops there: the content of this
// signature was not available. When two candidates exist (NAME.lt and NAME
// beside NAME.lt.p7s) the pairing is ambiguous: nothing is opened, and the
// signature is left without content (INDETERMINATE), never checked against
// whichever file was tried first.
func contentFor(root *os.Root, sigPath string) (*os.File, string, []Record) {
	var found *os.File
	var name string
	for _, c := range contentCandidates(sigPath) {
		if c == name {
			continue
		}
		f, err := openRegular(root, filepath.Base(c))
		switch {
		case err == nil && found == nil:
			found, name = f, c
		case err == nil:
			f.Close()
			found.Close()
			return nil, "", []Record{skipped(c, skipf("both %s and %s could be the content of %s: ambiguous, neither is used", filepath.Base(name), filepath.Base(c), filepath.Base(sigPath)))}
		case errors.Is(err, fs.ErrNotExist):
		default:
			if found != nil {
				found.Close()
			}
			return nil, "", []Record{skipped(c, err)}
		}
	}
	return found, name, nil
}

// beside resolves detached XAdES references to files in the folder of the
// signature file or below it (relative paths, see isBesideName), opened
// under the rules of open.go and streamed, never truncated. Entries that
// exist and are not read become skipped records. Not safe for concurrent
// use; close releases the last file.
type beside struct {
	root    *os.Root
	dir     string
	cur     *os.File
	skipped []Record
}

func newBeside(root *os.Root, dir string) *beside { return &beside{root: root, dir: dir} }

func (b *beside) resolve(uri string) (io.Reader, error) {
	name := strings.TrimPrefix(uri, "file://")
	if !isBesideName(name) {
		return nil, nil
	}
	// References are digested one after the other: the previous file is
	// done with.
	b.close()
	f, err := openRegular(b.root, name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		b.skipped = append(b.skipped, skipped(filepath.Join(b.dir, name), err))
		return nil, nil
	}
	b.cur = f
	return f, nil
}

// isBesideName reports whether a reference URI names a file in the
// signature's folder or below it: a relative path of "/"-separated names
// (scanned-record manifests list "scan/page001.xml"), none of them empty,
// "." or "..", no backslash, no scheme. Symbolic links leaving the folder
// are refused when opening (os.Root).
func isBesideName(name string) bool {
	if name == "" || strings.Contains(name, `\`) || strings.Contains(name, "://") || strings.ContainsAny(name, "?#%") {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}

func (b *beside) close() {
	if b.cur != nil {
		b.cur.Close()
		b.cur = nil
	}
}

// besideResolver resolves detached XAdES references to files in dir
// only; see beside. The files it opens are closed when the next one is
// opened (references are digested one at a time) or by the garbage
// collector: callers that can should use newBeside and close.
func besideResolver(dir string) xmlsig.Detached {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return func(string) (io.Reader, error) { return nil, nil }
	}
	return newBeside(root, dir).resolve
}

// Run handles every file, calling report for each record as it is done
// (from several goroutines, one call at a time), and returns the records
// in the order of files. A file's record is followed by the records of
// the entries skipped while handling it (its content or detached
// references, when they exist but may not be read): see Record.Skipped.
func Run(ctx context.Context, files []string, opts Options, report func(Record)) []Record {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	v := verify.New(opts.Verify)
	out := make([][]Record, len(files))
	var mu sync.Mutex
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				rs := handle(ctx, v, files[i], opts)
				out[i] = rs
				if report != nil {
					mu.Lock()
					for _, r := range rs {
						report(r)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	var recs []Record
	for _, rs := range out {
		recs = append(recs, rs...)
	}
	return recs
}

// handle validates (and maybe renews) one file: its record, then the
// records of what was skipped.
func handle(ctx context.Context, v *verify.Verifier, path string, opts Options) []Record {
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return []Record{skipped(path, skipf("its folder cannot be opened: %v", unwrapPath(err)))}
	}
	defer root.Close()
	if isPDFName(path) {
		return handlePDF(ctx, v, root, path, opts)
	}
	data, err := readFile(root, path)
	if err != nil {
		return []Record{skipped(path, err)}
	}
	r := Record{Path: path}
	xml := isXML(data)
	var more []Record
	var content *os.File
	if !xml {
		content, r.Content, more = contentFor(root, path)
		if content != nil {
			defer content.Close()
		}
	}
	rep, skippedRefs, err := validate(ctx, v, data, xml, root, path, content)
	more = append(more, skippedRefs...)
	if err != nil {
		r.Indication, r.SubIndication, r.Error = verify.TotalFailed, verify.FormatFailure, err.Error()
		if !errors.Is(err, verify.ErrUnreadable) {
			// Reading the content failed: an I/O problem, not a verdict.
			r.Indication, r.SubIndication = verify.Indeterminate, verify.SignedDataNotFound
		}
		return append([]Record{r}, more...)
	}
	summarise(&r, rep)
	if opts.Renew == nil || r.Indication != verify.TotalPassed || !due(r, rep.ValidationTime, opts.Renew.Within) {
		return append([]Record{r}, more...)
	}
	if opts.Renew.DryRun {
		r.Renewed = true
		return append([]Record{r}, more...)
	}
	if content != nil {
		if _, err := content.Seek(0, io.SeekStart); err != nil {
			r.Error = "not renewed: " + err.Error()
			return append([]Record{r}, more...)
		}
	}
	res, err := renew(ctx, data, xml, root, path, content, opts)
	if err != nil {
		r.Error = "not renewed: " + err.Error()
		return append([]Record{r}, more...)
	}
	if err := atomicfile.WriteFile(path, res.Signature, atomicfile.Options{Overwrite: true, ReplaceReadOnly: opts.Renew.Force}); err != nil {
		r.Error = "not renewed: " + err.Error()
		return append([]Record{r}, more...)
	}
	r.Renewed = true
	summarise(&r, res.Report)
	return append([]Record{r}, more...)
}

// readFile reads a signature file (under the rules of open.go) of at most
// MaxSignatureFile bytes; a larger one is an error, never a prefix.
func readFile(root *os.Root, path string) ([]byte, error) {
	f, err := openRegular(root, filepath.Base(path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, skipf("no longer exists")
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSignatureFile+1))
	if err != nil {
		return nil, skipf("cannot be read: %v", unwrapPath(err))
	}
	if len(data) > MaxSignatureFile {
		return nil, skipf("larger than %d bytes: not read as a signature file", MaxSignatureFile)
	}
	return data, nil
}

func isXML(data []byte) bool {
	s := strings.TrimLeft(string(data[:min(len(data), 512)]), "\ufeff \t\r\n")
	return strings.HasPrefix(s, "<")
}

// validate checks one signature; content is its detached CAdES content
// (streamed, whatever its size). The records are the detached XAdES
// references skipped.
func validate(ctx context.Context, v *verify.Verifier, data []byte, xml bool, root *os.Root, path string, content *os.File) (*verify.Report, []Record, error) {
	if xml {
		b := newBeside(root, filepath.Dir(path))
		defer b.close()
		rep, err := v.VerifyXAdES(ctx, data, b.resolve)
		return rep, b.skipped, err
	}
	if content == nil {
		rep, err := v.VerifyCAdES(ctx, data, nil, "")
		return rep, nil, err
	}
	rep, err := v.VerifyCAdES(ctx, data, content, filepath.Base(content.Name()))
	return rep, nil, err
}

func renew(ctx context.Context, data []byte, xml bool, root *os.Root, path string, content *os.File, opts Options) (*extend.Result, error) {
	eo := extend.Options{To: sign.LevelLTA, TSA: opts.Renew.TSA, Verify: opts.Verify}
	if xml {
		b := newBeside(root, filepath.Dir(path))
		defer b.close()
		return extend.XAdES(ctx, data, b.resolve, eo)
	}
	if content == nil {
		return extend.CAdES(ctx, data, nil, eo)
	}
	return extend.CAdES(ctx, data, content, eo)
}

// summarise fills the record from a report.
func summarise(r *Record, rep *verify.Report) {
	r.Indication, r.SubIndication = rep.Indication, rep.SubIndication
	r.Level, r.RenewBy = rep.Level(), rep.RenewBy()
}

// due reports whether a record needs an archive timestamp: below B-LTA,
// or its renewal deadline within the window.
func due(r Record, now time.Time, within time.Duration) bool {
	if verify.LevelRank(r.Level) < verify.LevelRank("-LTA") {
		return true
	}
	return r.RenewBy == nil || !r.RenewBy.After(now.Add(within))
}
