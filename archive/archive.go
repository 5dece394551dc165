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
// record is replaced only with RenewOptions.Force. On disk, just before
// the rename, the record is read again and must still be the version read
// (same size, modification time and SHA-256), else the renewal is refused
// ("changed while renewing"); a writer storing a new version in the
// instant between that check and the rename is still overwritten (a file
// system has no conditional rename). In a bucket the write is a
// conditional put; a file:// URL, which has none, is not renewed. Detached content is
// looked up only beside the signature file, never outside its folder, and
// is streamed whole (no size limit, no prefix). Only regular files are
// read; symbolic links are followed only inside the signature's folder;
// opening a FIFO cannot block; every entry not read is reported as a
// skipped record (see open.go).
package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/hpki-jp/hpki/extend"
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
	// Renewed is set when Renew extended the file; WouldRenew when a
	// dry run found it due (nothing was written).
	Renewed    bool `json:"renewed,omitempty"`
	WouldRenew bool `json:"wouldRenew,omitempty"`
	// Status is empty for a record with a verdict (Indication), ERROR
	// for an I/O problem (unreadable, vanished, permission denied: the
	// record could not be checked, see Error) and SKIPPED for an entry
	// that is not read by rule (see Skipped).
	Status string `json:"status,omitempty"`
	// Resumed is set when the verdict was taken from the journal of an
	// earlier run (same name, size and SHA-256) instead of computed.
	Resumed bool `json:"resumed,omitempty"`
	// Error explains a failure (unparseable signature, refused renewal).
	Error string `json:"error,omitempty"`
	// Skipped, when set, says why this entry was not read: a FIFO, a
	// device, a socket, a symbolic link that dangles or leads out of its
	// folder, a file that cannot be read. It is an entry the walk met
	// with a signature file's name, or the content or a detached
	// reference of the signature file whose record comes before it. Such
	// a record has no indication: it is an I/O matter, not a verdict.
	Skipped string `json:"skipped,omitempty"`

	// journaled is set while a record travels to Process's emitter when
	// its verdict was already written to the journal.
	journaled bool
}

// Options configure a run.
type Options struct {
	// Verify configures validation (trust, revocation, clock).
	Verify verify.Options
	// Jobs is the number of files handled at once (default GOMAXPROCS).
	Jobs int
	// Renew, when set, renews records (see RenewOptions).
	Renew *RenewOptions
	// Journal, when set, records each verdict as it is made, and a
	// record it already holds (same name, size and SHA-256) is not
	// checked again: a run started again after a crash resumes.
	Journal *Journal
	// Shard, when N > 1, selects the records of one of N processes.
	// It is written in the journal's start line, so that archive report
	// notices a shard without a journal.
	Shard Shard
	// SourceID, when set, names the source in the journal's start line
	// instead of SourceID(src): the journals of the shards of one run
	// must name the same source.
	SourceID string
	// Progress, when set, is called after each entry (from the goroutine
	// that emits records), and once more at the end.
	Progress func(Progress)

	// extender renews the records of one Process run (set by Process):
	// its verifiers' caches last for the run, as the run's Verifier's do.
	extender *extend.Extender
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
// a Record with Status SKIPPED or ERROR. The error is for a path that does
// not exist or a folder that cannot be walked. Walk holds the whole list:
// Process walks as it goes.
func Walk(paths ...string) (files []string, skippedEntries []Record, err error) {
	err = walkEach(context.Background(), paths, func(e Entry) error {
		switch {
		case e.Skip != nil:
			skippedEntries = append(skippedEntries, *e.Skip)
		case e.Given || !(isXMLName(e.Name) || isPDFName(e.Name)):
			files = append(files, e.Name)
		default:
			signed, err := looksSignedFile(e.Name)
			if err != nil {
				skippedEntries = append(skippedEntries, skipped(e.Name, err))
			}
			if signed {
				files = append(files, e.Name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(files)
	sort.Slice(skippedEntries, func(i, j int) bool { return skippedEntries[i].Path < skippedEntries[j].Path })
	return files, skippedEntries, nil
}

// walkEach walks paths as Walk does, in a stable order (the paths as
// given, each folder's entries by name), handing each candidate to yield
// as it is found: nothing is accumulated, so memory does not grow with the
// number of files. XML files found in folders are yielded unexamined
// (Process drops those without a signature).
func walkEach(ctx context.Context, paths []string, yield func(Entry) error) error {
	for _, p := range paths {
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			// A path given by name may be a link; what it leads to is
			// examined as below.
			if st, err = os.Stat(p); err != nil {
				r := skipped(p, skipf("a dangling symbolic link"))
				if err := yield(Entry{Name: p, Key: p, Skip: &r}); err != nil {
					return err
				}
				continue
			}
		}
		if !st.IsDir() {
			if err := yield(Entry{Name: p, Key: p, Given: true}); err != nil {
				return err
			}
			continue
		}
		yield := func(e Entry) error {
			rel, err := filepath.Rel(p, e.Name)
			if err != nil {
				rel = e.Name
			}
			e.Key = filepath.ToSlash(rel)
			return yield(e)
		}
		err = walkRoot(ctx, p, st, yield)
		if err != nil {
			return err
		}
	}
	return nil
}

// maxWalkDepth is the deepest a walk goes below a folder given: each
// level holds an open directory. A deeper folder is one ERROR record.
const maxWalkDepth = 256

// errReplaced is the error of a folder found replaced between the moment
// the walk examined it and the moment it was opened (a folder swapped for
// a link, or for another folder): it is not walked, nor read.
var errReplaced = ioErrf("its folder was replaced during the run: not read")

// walkRoot walks the folder p (st is its Lstat) as filepath.WalkDir would
// (each folder's entries by name, links not followed) but with the
// identity of each folder pinned: a subfolder is opened relative to its
// parent's open directory, after Lstat said "directory", and must be that
// same directory once open (os.SameFile); a folder swapped in between for
// a link or another folder is an ERROR record, not walked. Each Entry
// carries the identity of the folder it was found in, which the worker
// checks again when it opens that folder (see localSource.folderIn).
func walkRoot(ctx context.Context, p string, st fs.FileInfo, yield func(Entry) error) error {
	if st.Mode()&fs.ModeSymlink != 0 {
		// A link given by name to a folder: said as for one found below
		// (filepath.WalkDir does not follow the link it is given).
		if err := ctx.Err(); err != nil {
			return err
		}
		r := skipped(p, skipf("a symbolic link to a folder (the walk does not follow links)"))
		return yield(Entry{Name: p, Skip: &r})
	}
	root, err := os.OpenRoot(p)
	if err != nil {
		return err
	}
	defer root.Close()
	id, err := root.Stat(".")
	if err != nil {
		return err
	}
	if !os.SameFile(id, st) {
		return fmt.Errorf("%s: %w", p, errReplaced)
	}
	return walkFolder(ctx, root, id, p, 0, yield)
}

// walkFolder yields the entries of the open folder dir (named path, of
// identity id, depth levels below the folder given), and walks its
// subfolders. An error reading dir itself is returned at depth 0 and is a
// record below.
func walkFolder(ctx context.Context, dir *os.Root, id fs.FileInfo, path string, depth int, yield func(Entry) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := readDirRoot(dir)
	if err != nil {
		if depth == 0 {
			return &fs.PathError{Op: "readdir", Path: path, Err: unwrapPath(err)}
		}
		r := skipped(path, ioErrf("cannot be read: %v", unwrapPath(err)))
		return yield(Entry{Name: path, Skip: &r})
	}
	for _, d := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := filepath.Join(path, d.Name())
		if d.IsDir() {
			if err := walkSub(ctx, dir, d.Name(), name, depth+1, yield); err != nil {
				return err
			}
			continue
		}
		if d.Type()&fs.ModeSymlink != 0 {
			// A link to a folder would hide a whole subtree from the
			// run: say so, whatever its name.
			if st, err := os.Stat(name); err == nil && st.IsDir() {
				r := skipped(name, skipf("a symbolic link to a folder (the walk does not follow links)"))
				if err := yield(Entry{Name: name, Skip: &r}); err != nil {
					return err
				}
				continue
			}
		}
		if !signatureExt(name) {
			continue
		}
		if !d.Type().IsRegular() {
			why := kindOf(d.Type()) + ", not a regular file"
			if d.Type()&fs.ModeSymlink != 0 {
				why = "a symbolic link (the walk does not follow links)"
			}
			r := skipped(name, skipf("%s", why))
			if err := yield(Entry{Name: name, Skip: &r}); err != nil {
				return err
			}
			continue
		}
		if err := yield(Entry{Name: name, dirID: id}); err != nil {
			return err
		}
	}
	return nil
}

// walkSub opens the subfolder name of parent (path is its full name) and
// walks it: Lstat first, then the open relative to parent, then the check
// that what was opened is what Lstat saw. Whatever fails is a record.
func walkSub(ctx context.Context, parent *os.Root, name, path string, depth int, yield func(Entry) error) error {
	record := func(err error) error {
		r := skipped(path, err)
		return yield(Entry{Name: path, Skip: &r})
	}
	if depth > maxWalkDepth {
		return record(ioErrf("is more than %d folders deep: not walked", maxWalkDepth))
	}
	st, err := parent.Lstat(name)
	if err != nil {
		return record(ioErrf("cannot be read: %v", unwrapPath(err)))
	}
	if !st.IsDir() {
		// Replaced since the folder was listed (by a link, a file):
		// not walked.
		return record(errReplaced)
	}
	sub, err := parent.OpenRoot(name)
	if err != nil {
		if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ELOOP) {
			return record(errReplaced)
		}
		return record(ioErrf("cannot be read: %v", unwrapPath(err)))
	}
	defer sub.Close()
	id, err := sub.Stat(".")
	if err != nil {
		return record(ioErrf("cannot be read: %v", unwrapPath(err)))
	}
	if !os.SameFile(id, st) {
		return record(errReplaced)
	}
	if walkHook != nil {
		walkHook(path)
	}
	return walkFolder(ctx, sub, id, path, depth, yield)
}

// walkHook, when set (by tests), is called once a subfolder is open and
// checked, before its entries are read.
var walkHook func(path string)

// readDirRoot returns the entries of the open folder dir, sorted by name
// (as os.ReadDir), without following links.
func readDirRoot(dir *os.Root) ([]fs.DirEntry, error) {
	f, err := dir.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return entries, nil
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

// isXMLName reports whether path names an XML file.
func isXMLName(path string) bool { return strings.EqualFold(filepath.Ext(path), ".xml") }

// looksSignedFile reports whether an XML or PDF file holds what makes it
// a record: the XML-DSig namespace, or a PDF signature marker (see
// pdfLooksSigned); a cheap look, the verifier decides.
func looksSignedFile(path string) (bool, error) {
	if !isPDFName(path) {
		return contains(path, xmldsigNS)
	}
	f, err := openBeside(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	return pdfLooksSigned(f)
}

// contains reports whether the file's text contains needle (read in
// blocks, at most MaxSignatureFile bytes).
func contains(path, needle string) (bool, error) {
	f, err := openBeside(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	return readerContains(f, needle, MaxSignatureFile)
}

// readerContains reports whether r's first limit bytes (all of r for a
// negative limit) contain needle, read in blocks.
func readerContains(r io.Reader, needle string, limit int64) (bool, error) {
	buf := make([]byte, 64<<10+len(needle))
	keep, total := 0, int64(0)
	for limit < 0 || total < limit {
		n, err := r.Read(buf[keep:])
		total += int64(n)
		if bytes.Contains(buf[:keep+n], []byte(needle)) {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, ioErrf("cannot be read: %v", unwrapPath(err))
		}
		// Keep the tail that could start the needle.
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
		return nil, ioErrf("its folder cannot be opened: %v", unwrapPath(err))
	}
	defer root.Close()
	f, _, err := openRegular(root, filepath.Base(path))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ioErrf("no longer exists")
	}
	return f, err
}

// ContentFor returns the detached content beside a CAdES signature file:
// NAME for NAME.p7s, and NAME for NAME.lt.p7s or NAME.lta.p7s (what hpki
// extend writes), if such a regular file exists in the same folder (a
// symbolic link to a file in that folder counts; one leading out of it, a
// FIFO or a device does not: see open.go).
func ContentFor(sigPath string) string {
	dir, err := openLocalFolder(filepath.Dir(sigPath))
	if err != nil {
		return ""
	}
	defer dir.close()
	f, name, _ := contentFor(dir, sigPath)
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

// contentFor opens the detached content beside sigPath (dir is its
// folder). A candidate that exists and is not read is returned as a
// skipped record, and the lookup stops there: the content of this
// signature was not available. When two candidates exist (NAME.lt and NAME
// beside NAME.lt.p7s) the pairing is ambiguous: nothing is opened, and the
// signature is left without content (INDETERMINATE), never checked against
// whichever file was tried first.
func contentFor(dir folder, sigPath string) (io.ReadCloser, string, []Record) {
	var found io.ReadCloser
	var name string
	for _, c := range contentCandidates(sigPath) {
		if c == name {
			continue
		}
		f, err := dir.open(filepath.Base(c))
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
	dir     folder
	cur     io.ReadCloser
	skipped []Record
	opened  int // files opened
}

func newBeside(dir folder) *beside { return &beside{dir: dir} }

func (b *beside) resolve(uri string) (io.Reader, error) {
	name := strings.TrimPrefix(uri, "file://")
	if !isBesideName(name) {
		return nil, nil
	}
	// References are digested one after the other: the previous file is
	// done with.
	b.close()
	f, err := b.dir.open(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case err != nil:
		b.skipped = append(b.skipped, skipped(b.dir.join(name), err))
		return nil, nil
	}
	b.cur = f
	b.opened++
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
	f, err := openLocalFolder(dir)
	if err != nil {
		return func(string) (io.Reader, error) { return nil, nil }
	}
	return newBeside(f).resolve
}

// Run handles every file, calling report for each record as it is done
// (one call at a time, in the order of files), and returns the records in
// the order of files. A file's record is followed by the records of the
// entries skipped while handling it (its content or detached references,
// when they exist but may not be read): see Record.Skipped. Run keeps
// every record: for runs of any size use Process, which keeps none.
func Run(ctx context.Context, files []string, opts Options, report func(Record)) []Record {
	var recs []Record
	_, _ = Process(ctx, Files(files...), opts, func(r Record) {
		recs = append(recs, r)
		if report != nil {
			report(r)
		}
	})
	return recs
}

// handle reads the signature file of a record and handles it (see
// handleData). dir is its folder, path its full name.
func handle(ctx context.Context, v *verify.Verifier, dir folder, path string, opts Options) []Record {
	data, err := readAll(dir, baseName(path))
	if err != nil {
		return []Record{skipped(path, err)}
	}
	return handleData(ctx, v, dir, path, data, opts)
}

// handleData validates (and maybe renews) one record whose signature file,
// read, is data: its record, then the records of what was skipped. With a
// journal, a verdict the journal holds for the same inputs is taken from
// it, and a new verdict is appended to it. The inputs of a verdict are the
// signature file (name, size, SHA-256) and, for a detached CAdES
// signature, its content (name and SHA-256 of the bytes verified); a
// verdict that read detached XAdES references is journaled but never
// reused (those files are not part of the key).
func handleData(ctx context.Context, v *verify.Verifier, dir folder, path string, data []byte, opts Options) []Record {
	jr := opts.Journal
	if jr != nil {
		if name, sum, ok := contentDigest(dir, path, data); ok {
			if r, ok := jr.lookup(jr.key(path, data, name, sum)); ok {
				r.Resumed = true
				return []Record{r}
			}
		}
	}
	recs, in := check(ctx, v, dir, path, data, opts)
	if jr != nil && recs[0].Status == "" {
		key := jr.key(path, data, recs[0].Content, in.contentSum)
		if err := jr.add(key, !in.detachedRefs, path, data, recs[0]); err != nil {
			recs[0].Error = strings.TrimPrefix(recs[0].Error+"; ", "; ") + "journal: " + err.Error()
		}
		recs[0].journaled = true
	}
	return recs
}

// inputs says what a verdict was made from besides the signature file.
type inputs struct {
	// contentSum is the SHA-256 of the detached CAdES content verified.
	contentSum []byte
	// detachedRefs is set when detached XAdES references were read.
	detachedRefs bool
}

// contentDigest returns the name and SHA-256 of the detached content of a
// CAdES signature file as it is now (nil for none), for a journal lookup;
// ok is false when it cannot say (an XML file, content not readable).
func contentDigest(dir folder, path string, data []byte) (name string, sum []byte, ok bool) {
	if isXML(data) {
		return "", nil, true
	}
	content, name, more := contentFor(dir, path)
	if len(more) > 0 {
		return "", nil, false
	}
	if content == nil {
		return "", nil, true
	}
	defer content.Close()
	h := sha256.New()
	if _, err := io.Copy(h, content); err != nil {
		return "", nil, false
	}
	return name, h.Sum(nil), true
}

// refusedPrefix starts the error of a record due for renewal whose
// renewal failed.
const refusedPrefix = "not renewed"

// baseName is the last element of a path or an object key.
func baseName(name string) string { return filepath.Base(name) }

// check validates (and maybe renews) the record whose signature file,
// read, is data.
func check(ctx context.Context, v *verify.Verifier, dir folder, path string, data []byte, opts Options) ([]Record, inputs) {
	var in inputs
	r := Record{Path: path}
	xml := isXML(data)
	var more []Record
	var content io.ReadCloser
	if !xml {
		content, r.Content, more = contentFor(dir, path)
		if content != nil {
			defer func() {
				if content != nil {
					content.Close()
				}
			}()
		}
	}
	var verified io.Reader
	var h hash.Hash
	switch {
	case content != nil && opts.Journal != nil:
		// What is verified is what the journal keys the verdict by.
		h = sha256.New()
		verified = io.TeeReader(content, h)
	case content != nil:
		// Read only (a file's WriteTo would copy through a buffer of
		// its own for every record).
		verified = struct{ io.Reader }{content}
	}
	rep, skippedRefs, refs, err := validate(ctx, v, data, xml, dir, verified, r.Content)
	in.detachedRefs = refs
	if h != nil {
		in.contentSum = h.Sum(nil)
	}
	more = append(more, skippedRefs...)
	if err != nil {
		r.Indication, r.SubIndication, r.Error = verify.TotalFailed, verify.FormatFailure, err.Error()
		if !errors.Is(err, verify.ErrUnreadable) {
			// Reading the content failed: an I/O problem, not a verdict.
			r.Indication, r.SubIndication, r.Status = "", "", StatusError
		}
		return append([]Record{r}, more...), in
	}
	summarise(&r, rep)
	if opts.Renew == nil || r.Indication != verify.TotalPassed || !due(r, rep.ValidationTime, opts.Renew.Within) {
		return append([]Record{r}, more...), in
	}
	if opts.Renew.DryRun {
		r.WouldRenew = true
		return append([]Record{r}, more...), in
	}
	if content != nil {
		// Read the content again from the start for the renewal.
		content.Close()
		if content, err = dir.open(filepath.Base(r.Content)); err != nil {
			content = nil
			r.Error = refusedPrefix + ": the content cannot be read again: " + err.Error()
			return append([]Record{r}, more...), in
		}
	}
	res, err := renew(ctx, data, xml, dir, content, opts)
	if err != nil {
		r.Error = refusedPrefix + ": " + err.Error()
		return append([]Record{r}, more...), in
	}
	if err := dir.replace(filepath.Base(path), data, res.Signature, opts.Renew.Force); err != nil {
		r.Error = refusedPrefix + ": " + err.Error()
		return append([]Record{r}, more...), in
	}
	r.Renewed = true
	summarise(&r, res.Report)
	return append([]Record{r}, more...), in
}

func isXML(data []byte) bool {
	s := strings.TrimLeft(string(data[:min(len(data), 512)]), "\ufeff \t\r\n")
	return strings.HasPrefix(s, "<")
}

// validate checks one signature; content is its detached CAdES content
// (streamed, whatever its size) named name. The records are the detached
// XAdES references skipped.
// refs says whether detached XAdES references were read.
func validate(ctx context.Context, v *verify.Verifier, data []byte, xml bool, dir folder, content io.Reader, name string) (rep *verify.Report, skippedRefs []Record, refs bool, err error) {
	if xml {
		b := newBeside(dir)
		defer b.close()
		rep, err := v.VerifyXAdES(ctx, data, b.resolve)
		return rep, b.skipped, b.opened > 0, err
	}
	if content == nil {
		rep, err := v.VerifyCAdES(ctx, data, nil, "")
		return rep, nil, false, err
	}
	rep, err = v.VerifyCAdES(ctx, data, content, filepath.Base(name))
	return rep, nil, false, err
}

// renewer returns the Extender that renews records under opts: the run's
// (see Process), or one for this record.
func renewer(opts Options) (*extend.Extender, error) {
	if opts.extender != nil {
		return opts.extender, nil
	}
	return extend.NewExtender(extend.Options{To: sign.LevelLTA, TSA: opts.Renew.TSA, Verify: opts.Verify})
}

func renew(ctx context.Context, data []byte, xml bool, dir folder, content io.Reader, opts Options) (*extend.Result, error) {
	ext, err := renewer(opts)
	if err != nil {
		return nil, err
	}
	if xml {
		b := newBeside(dir)
		defer b.close()
		return ext.XAdES(ctx, data, b.resolve)
	}
	if content == nil {
		return ext.CAdES(ctx, data, nil)
	}
	rs, ok := content.(io.ReadSeeker)
	if !ok {
		return nil, errors.New("the content cannot be read again")
	}
	return ext.CAdES(ctx, data, rs)
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
