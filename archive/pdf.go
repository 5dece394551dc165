package archive

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hpki-jp/hpki/internal/atomicfile"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// PDF records: a .pdf file is a record when it carries a signature (its
// text contains /ByteRange, looked for in blocks like looksSigned; a PDF
// without one is the content of a detached signature, or not signed, and
// is not a record). It is read through its file handle (never into
// memory), validated with pades.Verify and renewed with pades.Extend (a
// further DSS and document timestamp), written atomically over itself.

func isPDFName(path string) bool { return strings.EqualFold(filepath.Ext(path), ".pdf") }

// handlePDF validates (and maybe renews) one PDF record.
func handlePDF(ctx context.Context, v *verify.Verifier, root *os.Root, path string, opts Options) []Record {
	f, err := openRegular(root, filepath.Base(path))
	if err != nil {
		return []Record{skipped(path, err)}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return []Record{skipped(path, skipf("cannot be read: %v", unwrapPath(err)))}
	}
	r := Record{Path: path}
	rep, err := pades.Verify(ctx, f, st.Size(), v)
	if err != nil {
		r.Indication, r.SubIndication, r.Error = verify.TotalFailed, verify.FormatFailure, err.Error()
		return []Record{r}
	}
	summarise(&r, rep)
	if opts.Renew == nil || r.Indication != verify.TotalPassed || !due(r, rep.ValidationTime, opts.Renew.Within) {
		return []Record{r}
	}
	if opts.Renew.DryRun {
		r.Renewed = true
		return []Record{r}
	}
	ts, ok := opts.Renew.TSA.(pades.DigestTimestamper)
	if !ok {
		r.Error = "not renewed: the TSA cannot timestamp a digest (a document timestamp needs one)"
		return []Record{r}
	}
	var res *pades.ExtendResult
	err = atomicfile.WriteFrom(path, func(w io.Writer) error {
		var err error
		res, err = pades.Extend(ctx, f, st.Size(), w, pades.ExtendOptions{To: sign.LevelLTA, TSA: ts, Verify: opts.Verify})
		return err
	}, atomicfile.Options{Overwrite: true, ReplaceReadOnly: opts.Renew.Force})
	if err != nil {
		r.Error = "not renewed: " + err.Error()
		return []Record{r}
	}
	r.Renewed = true
	summarise(&r, res.Report)
	return []Record{r}
}

// looksSignedPDF reports whether a PDF file contains "/ByteRange".
func looksSignedPDF(path string) (bool, error) {
	return contains(path, "/ByteRange")
}
