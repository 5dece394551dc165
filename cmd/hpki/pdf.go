package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/internal/atomicfile"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// PDF signing, verification and extension (PAdES). A file is a PDF when it
// starts with "%PDF-", whatever its name.

// pdfSignFlags are the flags of hpki sign that only PDFs use.
type pdfSignFlags struct {
	visible, field, reason, location string
	certify                          int
}

func (p *pdfSignFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&p.visible, "visible", "", "PDF: a visible signature at PAGE,X,Y,W,H (points from the lower-left corner) showing name, role and time")
	fl.StringVar(&p.field, "field", "", "PDF: sign the empty signature field of this name (or name the new field)")
	fl.StringVar(&p.reason, "reason", "", "PDF: the reason for signing (/Reason)")
	fl.StringVar(&p.location, "location", "", "PDF: where the signature was made (/Location)")
	fl.IntVar(&p.certify, "certify", 0, "PDF: certify the document with DocMDP permissions 1 (no changes), 2 (form filling, signing) or 3 (also annotations)")
}

// isPDFFile reports whether name starts with "%PDF-".
func isPDFFile(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 5)
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == "%PDF-"
}

// pdfSignedName is the default output of signing a PDF: FILE.signed.pdf.
func pdfSignedName(in string) string {
	return strings.TrimSuffix(in, filepath.Ext(in)) + ".signed.pdf"
}

// signOnePDF signs one PDF (PAdES), extending it to LT/LTA when ext is set,
// and writes the signed file atomically to in.out (or to stdout for "-").
// A PDF is read with random access: a file in place, stdin from the bytes
// already read (within maxSignatureFile).
func signOnePDF(ctx context.Context, stdout io.Writer, in signInput, cred sign.Credential, opts sign.CAdESOptions, pf pdfSignFlags, force bool, ext *pades.ExtendOptions) (*writeResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var src io.ReaderAt
	var size int64
	if in.stdin() {
		src, size = bytes.NewReader(in.data), int64(len(in.data))
	} else {
		file, err := os.Open(in.name)
		if err != nil {
			return nil, usageError(fmt.Errorf("input: %w", err))
		}
		defer file.Close()
		st, err := file.Stat()
		if err != nil {
			return nil, usageError(fmt.Errorf("input: %w", err))
		}
		src, size = file, st.Size()
	}
	so := pades.SignOptions{CAdES: opts, Field: pf.field, Reason: pf.reason, Location: pf.location, Certify: pf.certify}
	if pf.visible != "" {
		var err error
		if so.Visible, err = pades.ParseAppearance(pf.visible); err != nil {
			return nil, usageError(err)
		}
	}
	r := &writeResult{Input: in.name, Output: in.out, Format: "PAdES", Level: signedLevel("PAdES", opts.Level), Signer: summarizeSigner(cred.Certificate)}
	// B and T are streamed to the output (memory does not grow with the
	// file); LT and LTA keep the signed file in memory to extend it.
	sign1 := func(w io.Writer) error {
		res, err := pades.Sign(ctx, src, size, w, cred, so)
		if err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
		r.Field = res.Field
		r.ProvenTime = utcPtr(res.TimestampTime)
		return nil
	}
	write := sign1
	if ext != nil {
		write = func(w io.Writer) error {
			var buf bytes.Buffer
			if err := sign1(&buf); err != nil {
				return err
			}
			er, err := pades.Extend(ctx, bytes.NewReader(buf.Bytes()), int64(buf.Len()), w, *ext)
			if err != nil {
				return fmt.Errorf("%s: %w", in.name, err)
			}
			r.Level = er.Level
			if er.Report != nil && len(er.Report.Signatures) > 0 {
				s := er.Report.Signatures[0]
				r.ProvenTime = utcPtr(s.BestSignatureTime)
				r.RenewBy = s.RenewBy
			}
			return nil
		}
	}
	var err error
	if in.out == "-" {
		// Nothing reaches stdout unless the whole file was made.
		var buf bytes.Buffer
		if err = write(&buf); err == nil {
			err = writeSignature(stdout, "-", buf.Bytes(), force)
		} else {
			err = failure(err)
		}
	} else {
		err = writeOutputFrom(in.out, write, force, force, in.name)
	}
	if err != nil {
		if errors.Is(err, pades.ErrNotPDF) || errors.Is(err, pades.ErrNeedsPassword) {
			return nil, usageError(errors.Unwrap(err))
		}
		return nil, err
	}
	return r, nil
}

// verifyPDFInput validates the signatures of a PDF: the file name, or
// data when it was read already (stdin). A PDF without signatures is
// reported in one line and exits 3 (nothing to validate, like any input
// that is not a signature). --content and --covers do not apply.
func verifyPDFInput(cmd *cobra.Command, v *verify.Verifier, name string, data []byte, content string, covers []string, extract string) (*verify.Report, error) {
	if content != "" || len(covers) > 0 {
		return nil, usageError(fmt.Errorf("%s: a PDF carries what its signatures cover: --content and --covers do not apply", name))
	}
	r, size, done, err := openPDFInput(name, data)
	if err != nil {
		return nil, err
	}
	defer done()
	rep, err := pades.Verify(cmd.Context(), r, size, v)
	switch {
	case errors.Is(err, pades.ErrNoSignatures):
		return nil, usageError(fmt.Errorf("%s: no signatures in this PDF", name))
	case err != nil:
		return nil, usageError(fmt.Errorf("%s: %w", name, err))
	}
	if extract != "" {
		written, err := extractPDFRevisions(extract, name, r, size, rep)
		for _, w := range written {
			fmt.Fprintln(cmd.ErrOrStderr(), sayf("extracted %s", textsafe.Name(w)))
		}
		if err != nil {
			return nil, usageError(err)
		}
	}
	return rep, nil
}

// extractPDFRevisions writes, for each passed signature, the revision it
// signs (the document as the signer saw it) as signature-N.pdf in dir.
func extractPDFRevisions(dir, name string, f io.ReaderAt, size int64, rep *verify.Report) ([]string, error) {
	revs, err := pades.SignedRevisions(f, size)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("--extract: %w", err)
	}
	var written []string
	for i, s := range rep.Signatures {
		if s.Indication != verify.TotalPassed || i >= len(revs) || revs[i].ID != s.ID || revs[i].End == 0 {
			continue
		}
		data := make([]byte, revs[i].End)
		if _, err := f.ReadAt(data, 0); err != nil {
			return written, err
		}
		out := filepath.Join(dir, fmt.Sprintf("signature-%d.pdf", i+1))
		var from []string
		if name != "-" {
			from = append(from, name)
		}
		if err := atomicfile.WriteFile(out, data, atomicfile.Options{Perm: permFrom(from...)}); err != nil {
			if errors.Is(err, atomicfile.ErrExists) {
				return written, fmt.Errorf("--extract: %s exists: choose an empty folder", out)
			}
			return written, fmt.Errorf("--extract: %w", err)
		}
		written = append(written, out)
	}
	return written, nil
}

// extendPDF extends a PDF's signatures to LT or LTA: the file in, or data
// when it was read already (stdin). The result is streamed to out
// (atomically; replacing an existing file only with overwrite), or to
// stdout for "-" once it is whole.
func extendPDF(cmd *cobra.Command, in string, data []byte, out string, opts pades.ExtendOptions, overwrite, force bool) (*pades.ExtendResult, error) {
	r, size, done, err := openPDFInput(in, data)
	if err != nil {
		return nil, err
	}
	defer done()
	var res *pades.ExtendResult
	write := func(w io.Writer) error {
		var err error
		if res, err = pades.Extend(cmd.Context(), r, size, w, opts); err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		return nil
	}
	if out == "-" {
		var buf bytes.Buffer
		if err = write(&buf); err == nil {
			err = writeSignature(cmd.OutOrStdout(), "-", buf.Bytes(), force)
		} else {
			err = failure(err)
		}
	} else {
		err = writeOutputFrom(out, write, overwrite, force, in)
	}
	switch {
	case errors.Is(err, pades.ErrNotPDF), errors.Is(err, pades.ErrNoSignatures), errors.Is(err, pades.ErrNeedsPassword):
		return nil, usageError(errors.Unwrap(err))
	case err != nil:
		return nil, err
	}
	return res, nil
}

// writeOutputFrom is writeOutput for output written as a stream by write;
// an error of write is returned as is (nothing is written then).
func writeOutputFrom(out string, write func(io.Writer) error, overwrite, force bool, from ...string) error {
	var named []string
	for _, f := range from {
		if f != "-" {
			named = append(named, f)
		}
	}
	from = named
	var werr error
	err := atomicfile.WriteFrom(out, func(w io.Writer) error {
		werr = write(w)
		return werr
	}, atomicfile.Options{Perm: permFrom(from...), Overwrite: overwrite || force, ReplaceReadOnly: force})
	switch {
	case err == nil:
		return nil
	case werr != nil:
		return failure(werr)
	case errors.Is(err, atomicfile.ErrExists), errors.Is(err, atomicfile.ErrReadOnly), errors.Is(err, atomicfile.ErrNotRegular):
		return usageError(err)
	}
	return failure(err)
}

// openPDFInput opens a PDF for random access: data when it was read
// already (stdin), else the file name. done releases it.
func openPDFInput(name string, data []byte) (r io.ReaderAt, size int64, done func(), err error) {
	if data != nil {
		return bytes.NewReader(data), int64(len(data)), func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, nil, usageError(err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, usageError(err)
	}
	return f, st.Size(), func() { f.Close() }, nil
}
