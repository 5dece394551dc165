package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/hpki-jp/hpki/internal/atomicfile"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// PDF records: a .pdf file is a record when it carries a signature (its
// text contains /ByteRange or a signature dictionary marker, see
// pdfSigMarker, looked for in blocks, over the whole file: the
// signatures of a PDF are in its later revisions, at the end; a PDF
// without one is the content of a detached signature, or not signed, and
// is not a record). On disk it is read through its file handle (never
// into memory); in a bucket it is read whole, within MaxSignatureFile. It
// is validated with pades.Verify and renewed with pades.Extend (a further
// DSS and document timestamp), written atomically over itself (in a
// bucket, with the conditional put of folder.replace). PDF verdicts are
// journaled (Report counts them) but never reused: a resumed run checks
// PDF records again.

// pdfSigMarker matches what makes a PDF found by a walk a record: a
// /ByteRange key, a signature dictionary (/Type /Sig, /FT /Sig, any
// whitespace between, none included) or a document timestamp
// (/DocTimeStamp). A signed PDF whose /ByteRange was mangled is still a
// record (and fails), never silently left out. The name /Sig must end
// there (a delimiter or whitespace follows).
var pdfSigMarker = regexp.MustCompile(`/ByteRange|/DocTimeStamp|/(?:Type|FT)[\x00\t\n\f\r ]{0,64}/Sig[\x00\t\n\f\r ()<>\[\]{}/%]`)

// pdfMarkerSpan bounds a match of pdfSigMarker: the tail kept between
// blocks.
const pdfMarkerSpan = 96

// pdfLooksSigned reports whether r (read whole, in blocks: a PDF's
// signatures are in its last revisions, at the end) holds pdfSigMarker.
func pdfLooksSigned(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10+pdfMarkerSpan+1)
	keep := 0
	for {
		n, err := io.ReadFull(r, buf[keep:len(buf)-1])
		end := keep + n
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			// The end of the file ends a name too.
			buf[end] = '\n'
			return pdfSigMarker.Match(buf[:end+1]), nil
		}
		if err != nil {
			return false, ioErrf("cannot be read: %v", unwrapPath(err))
		}
		if pdfSigMarker.Match(buf[:end]) {
			return true, nil
		}
		keep = min(end, pdfMarkerSpan)
		copy(buf, buf[end-keep:end])
	}
}

func isPDFName(path string) bool { return strings.EqualFold(filepath.Ext(path), ".pdf") }

// pdfSource is a PDF record opened for random access.
type pdfSource struct {
	r     io.ReaderAt
	size  int64
	close func()
}

// openPDF opens the PDF name of dir for random access.
func openPDF(dir folder, name string) (*pdfSource, error) {
	if lf, ok := dir.(*localFolder); ok {
		f, st, err := openRegular(lf.root, name)
		if err != nil {
			return nil, err
		}
		lf.remember(name, st)
		return &pdfSource{r: f, size: st.Size(), close: func() { f.Close() }}, nil
	}
	data, err := readAll(dir, name)
	if err != nil {
		return nil, err
	}
	return &pdfSource{r: bytes.NewReader(data), size: int64(len(data)), close: func() {}}, nil
}

// handlePDF validates (and maybe renews) one PDF record; found says the
// walk found it (a PDF without a signature is then no record: nil).
func handlePDF(ctx context.Context, v *verify.Verifier, dir folder, path string, found bool, opts Options) []Record {
	name := baseName(path)
	src, err := openPDF(dir, name)
	if err != nil {
		return []Record{skipped(path, err)}
	}
	defer src.close()
	marked := true
	if found {
		if marked, err = pdfLooksSigned(io.NewSectionReader(src.r, 0, src.size)); err != nil {
			return []Record{skipped(path, err)}
		}
	}
	r := Record{Path: path}
	rep, err := pades.Verify(ctx, src.r, src.size, v)
	// Without a marker in its text (signature dictionaries may sit in
	// compressed object streams), the PDF reader decides: a found PDF
	// with no signature at all is no record; one it cannot read is listed
	// as SKIPPED (it may hold signatures), never silently left out.
	if !marked {
		switch {
		case errors.Is(err, pades.ErrNoSignatures):
			return nil
		case err != nil:
			return []Record{skipped(path, skipf("a PDF that cannot be read, so its signatures (if any) were not checked: %v", err))}
		}
	}
	if err != nil {
		r.Indication, r.SubIndication, r.Error = verify.TotalFailed, verify.FormatFailure, err.Error()
		return []Record{r}
	}
	summarise(&r, rep)
	if opts.Renew == nil || r.Indication != verify.TotalPassed || !due(r, rep.ValidationTime, opts.Renew.Within) {
		return []Record{r}
	}
	if opts.Renew.DryRun {
		r.WouldRenew = true
		return []Record{r}
	}
	ts, ok := opts.Renew.TSA.(pades.DigestTimestamper)
	if !ok {
		r.Error = refusedPrefix + ": the TSA cannot timestamp a digest (a document timestamp needs one)"
		return []Record{r}
	}
	var res *pades.ExtendResult
	extendTo := func(w io.Writer) error {
		var err error
		res, err = pades.Extend(ctx, src.r, src.size, w, pades.ExtendOptions{To: sign.LevelLTA, TSA: ts, Verify: opts.Verify})
		return err
	}
	if lf, ok := dir.(*localFolder); ok {
		err = atomicfile.WriteFromIn(lf.root, name, extendTo, atomicfile.Options{Overwrite: true, ReplaceReadOnly: opts.Renew.Force,
			BeforeReplace: func() error {
				// The record must still be the version read (see
				// localFolder.unchanged).
				h := sha256.New()
				if _, err := io.Copy(h, io.NewSectionReader(src.r, 0, src.size)); err != nil {
					return ErrChangedWhileRenewing
				}
				return lf.unchanged(name, [32]byte(h.Sum(nil)))
			}})
	} else {
		var buf bytes.Buffer
		if err = extendTo(&buf); err == nil {
			err = dir.replace(name, nil, buf.Bytes(), opts.Renew.Force)
		}
	}
	if err != nil {
		r.Error = refusedPrefix + ": " + err.Error()
		return []Record{r}
	}
	r.Renewed = true
	summarise(&r, res.Report)
	return []Record{r}
}
