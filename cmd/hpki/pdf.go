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
	"time"

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
// and writes the signed file atomically to out.
func signOnePDF(ctx context.Context, stdout io.Writer, in, out string, cred sign.Credential, opts sign.CAdESOptions, pf pdfSignFlags, force bool, ext *pades.ExtendOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	file, err := os.Open(in)
	if err != nil {
		return usageError(fmt.Errorf("input: %w", err))
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return usageError(fmt.Errorf("input: %w", err))
	}
	so := pades.SignOptions{CAdES: opts, Field: pf.field, Reason: pf.reason, Location: pf.location, Certify: pf.certify}
	if pf.visible != "" {
		if so.Visible, err = pades.ParseAppearance(pf.visible); err != nil {
			return usageError(err)
		}
	}
	// B and T are streamed to the output (memory does not grow with the
	// file); LT and LTA keep the signed file in memory to extend it.
	var res *pades.Result
	var what string
	sign1 := func(w io.Writer) error {
		var err error
		if res, err = pades.Sign(ctx, file, st.Size(), w, cred, so); err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		what = "PAdES-B"
		if opts.Level == sign.LevelT {
			what = "PAdES-T, timestamped " + res.TimestampTime.Format(time.RFC3339)
		}
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
				return fmt.Errorf("%s: %w", in, err)
			}
			what = er.Level
			return nil
		}
	}
	if err := writeOutputFrom(out, write, force, force, in); err != nil {
		if errors.Is(err, pades.ErrNotPDF) {
			return usageError(errors.Unwrap(err))
		}
		return err
	}
	fmt.Fprintf(stdout, "signed %s → %s (%s, field %s, %s)\n", textsafe.Name(in), textsafe.Name(out), textsafe.String(what), textsafe.String(res.Field), textsafe.String(describeCert(cred.Certificate)))
	return nil
}

// verifyPDF validates the signatures of a PDF. A PDF without signatures
// is reported in one line and exits 3 (nothing to validate, like any
// input that is not a signature).
func verifyPDF(ctx context.Context, name string, v *verify.Verifier, extract string, stderr io.Writer) (*verify.Report, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usageError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, usageError(err)
	}
	rep, err := pades.Verify(ctx, f, st.Size(), v)
	switch {
	case errors.Is(err, pades.ErrNoSignatures):
		return nil, usageError(fmt.Errorf("%s: no signatures in this PDF", name))
	case err != nil:
		return nil, usageError(fmt.Errorf("%s: %w", name, err))
	}
	if extract != "" {
		written, err := extractPDFRevisions(extract, name, f, st.Size(), rep)
		for _, w := range written {
			fmt.Fprintf(stderr, "extracted %s\n", textsafe.Name(w))
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
		if err := atomicfile.WriteFile(out, data, atomicfile.Options{Perm: permFrom(name)}); err != nil {
			if errors.Is(err, atomicfile.ErrExists) {
				return written, fmt.Errorf("--extract: %s exists: choose an empty folder", out)
			}
			return written, fmt.Errorf("--extract: %w", err)
		}
		written = append(written, out)
	}
	return written, nil
}

// extendPDF extends a PDF's signatures to LT or LTA, streaming the result
// to out (atomically; replacing an existing file only with overwrite).
func extendPDF(ctx context.Context, in, out string, opts pades.ExtendOptions, overwrite, force bool) (string, error) {
	f, err := os.Open(in)
	if err != nil {
		return "", usageError(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", usageError(err)
	}
	var level string
	err = writeOutputFrom(out, func(w io.Writer) error {
		res, err := pades.Extend(ctx, f, st.Size(), w, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", in, err)
		}
		level = res.Level
		return nil
	}, overwrite, force, in)
	switch {
	case errors.Is(err, pades.ErrNotPDF), errors.Is(err, pades.ErrNoSignatures):
		return "", usageError(errors.Unwrap(err))
	case err != nil:
		return "", err
	}
	return level, nil
}

// writeOutputFrom is writeOutput for output written as a stream by write;
// an error of write is returned as is (nothing is written then).
func writeOutputFrom(out string, write func(io.Writer) error, overwrite, force bool, from ...string) error {
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
