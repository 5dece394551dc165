// Package archive re-verifies and renews stored signatures in bulk: it
// walks folders for signature files (CAdES .p7s/.p7m, XML documents with
// ds:Signature), finds the content of detached signatures beside them,
// validates them in parallel with one shared Verifier (whose caches make
// millions of records cheap), and extends to B-LTA those whose last
// timestamp's certificate expires soon (or that are not B-LTA yet).
//
// Security contract: a record is renewed only if it validates now (extend
// refuses otherwise); the new file replaces the old one atomically and
// keeps every signed byte. Detached content is looked up only beside the
// signature file, never outside its folder.
package archive

import (
	"context"
	"errors"
	"fmt"
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
	// Error explains a failure (unreadable file, refused renewal).
	Error string `json:"error,omitempty"`
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
}

// Find lists the signature files under paths (files are taken as given;
// folders are walked), sorted.
func Find(paths ...string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && isSignatureName(path) {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

func isSignatureName(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".p7s", ".p7m":
		return true
	case ".xml":
		return looksSigned(path)
	}
	return false
}

// looksSigned reports whether an XML file contains an XML-DSig Signature
// (a cheap look at its text).
func looksSigned(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	buf, _ := io.ReadAll(io.LimitReader(f, MaxSignatureFile))
	return strings.Contains(string(buf), "http://www.w3.org/2000/09/xmldsig#")
}

// ContentFor returns the detached content beside a CAdES signature file:
// NAME for NAME.p7s, and NAME for NAME.lt.p7s or NAME.lta.p7s (what hpki
// extend writes), if such a file exists.
func ContentFor(sigPath string) string {
	base := strings.TrimSuffix(sigPath, filepath.Ext(sigPath))
	for _, c := range []string{base, strings.TrimSuffix(base, ".lta"), strings.TrimSuffix(base, ".lt")} {
		if c == sigPath {
			continue
		}
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c
		}
	}
	return ""
}

// besideResolver resolves detached XAdES references to files in dir only
// (plain relative names, no path separators).
func besideResolver(dir string) xmlsig.Detached {
	return func(uri string) (io.Reader, error) {
		name := strings.TrimPrefix(uri, "file://")
		if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." || strings.Contains(name, "://") {
			return nil, nil
		}
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, MaxSignatureFile))
		f.Close()
		if err != nil {
			return nil, err
		}
		return strings.NewReader(string(data)), nil
	}
}

// Run handles every file, calling report for each record as it is done
// (from several goroutines, one call at a time), and returns the records
// in the order of files.
func Run(ctx context.Context, files []string, opts Options, report func(Record)) []Record {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	v := verify.New(opts.Verify)
	out := make([]Record, len(files))
	var mu sync.Mutex
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < jobs; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				r := handle(ctx, v, files[i], opts)
				out[i] = r
				if report != nil {
					mu.Lock()
					report(r)
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
	return out
}

// handle validates (and maybe renews) one file.
func handle(ctx context.Context, v *verify.Verifier, path string, opts Options) Record {
	r := Record{Path: path}
	data, err := readFile(path)
	if err != nil {
		r.Indication, r.SubIndication, r.Error = verify.TotalFailed, verify.FormatFailure, err.Error()
		return r
	}
	xml := isXML(data)
	if !xml {
		r.Content = ContentFor(path)
	}
	rep, err := validate(ctx, v, data, xml, path, r.Content)
	if err != nil {
		r.Indication, r.SubIndication, r.Error = verify.TotalFailed, verify.FormatFailure, err.Error()
		return r
	}
	summarise(&r, rep)
	if opts.Renew == nil || r.Indication != verify.TotalPassed || !due(r, rep.ValidationTime, opts.Renew.Within) {
		return r
	}
	if opts.Renew.DryRun {
		r.Renewed = true
		return r
	}
	res, err := renew(ctx, data, xml, path, r.Content, opts)
	if err != nil {
		r.Error = "not renewed: " + err.Error()
		return r
	}
	if err := atomicfile.Write(path, res.Signature, 0o644, true); err != nil {
		r.Error = "not renewed: " + err.Error()
		return r
	}
	r.Renewed = true
	summarise(&r, res.Report)
	return r
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSignatureFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSignatureFile {
		return nil, fmt.Errorf("larger than %d bytes", MaxSignatureFile)
	}
	return data, nil
}

func isXML(data []byte) bool {
	s := strings.TrimLeft(string(data[:min(len(data), 512)]), "\ufeff \t\r\n")
	return strings.HasPrefix(s, "<")
}

func validate(ctx context.Context, v *verify.Verifier, data []byte, xml bool, path, content string) (*verify.Report, error) {
	if xml {
		return v.VerifyXAdES(ctx, data, besideResolver(filepath.Dir(path)))
	}
	if content == "" {
		return v.VerifyCAdES(ctx, data, nil, "")
	}
	f, err := os.Open(content)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return v.VerifyCAdES(ctx, data, f, filepath.Base(content))
}

func renew(ctx context.Context, data []byte, xml bool, path, content string, opts Options) (*extend.Result, error) {
	eo := extend.Options{To: sign.LevelLTA, TSA: opts.Renew.TSA, Verify: opts.Verify}
	if xml {
		return extend.XAdES(ctx, data, besideResolver(filepath.Dir(path)), eo)
	}
	if content == "" {
		return extend.CAdES(ctx, data, nil, eo)
	}
	f, err := os.Open(content)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return extend.CAdES(ctx, data, f, eo)
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
