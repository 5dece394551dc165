package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/docformat"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/verify"
	"github.com/hpki-jp/hpki/xmlsig"
)

func init() { register(newVerifyCmd) }

// maxSignatureFile bounds the signature file read into memory.
const maxSignatureFile = 512 << 20

func newVerifyCmd() *cobra.Command {
	var (
		out      outputFlags
		tf       trustFlags
		content  string
		tsaTrust []string
		roles    []string
		at       string
		rf       revocationFlags
		covers   []string
		extract  string
	)
	cmd := &cobra.Command{
		Use:   "verify SIG...",
		Short: "Validate a signature: who signed, as what HPKI role, when, and what it covers",
		Long:  verifyLong,
		Example: `  hpki verify letter.signed.pdf
  hpki verify letter.pdf.p7s --content letter.pdf
  hpki verify letter.pdf.p7s --content letter.pdf --offline --crl ca-sign.crl
  hpki verify record.p7s --content record.pdf --at 2040-01-01T00:00:00Z --offline
  hpki verify letter.pdf.p7s --content letter.pdf --trust root.pem --tsa-trust tsa-root.pem --lang ja
  hpki verify letter.pdf.p7s --content letter.pdf --require-role 医師 --output json`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			opts, err := validationOptions(&tf, tsaTrust, &rf)
			if err != nil {
				return err
			}
			if opts.RequireRole, err = hcrole.ParseRequirement(roles...); err != nil {
				return usageError(fmt.Errorf("--require-role: %w", err))
			}
			if at != "" {
				if opts.At, err = parseAt(at); err != nil {
					return err
				}
			}
			opts.RequireCovered = covers
			opts.KeepSignedData = extract != ""
			stdins := 0
			for _, a := range args {
				if a == "-" {
					stdins++
				}
			}
			if content == "-" {
				stdins++
			}
			if stdins > 1 {
				return usageError(errors.New("stdin (-) can be read only once"))
			}
			v := verify.New(opts)
			worst := exitOK
			var results []any
			for i, name := range args {
				dir := extract
				if extract != "" && len(args) > 1 {
					dir = filepath.Join(extract, strconv.Itoa(i+1)) // by position: names never come from input
				}
				rep, err := verifyOne(cmd, v, name, content, covers, dir)
				if err != nil {
					code := exitUsage
					var ee *exitError
					if errors.As(err, &ee) {
						code = ee.code
					}
					if out.isJSON() {
						results = append(results, errorResult{File: name, Error: oneLine(err.Error()), ExitCode: code})
					}
					if len(args) == 1 && !out.isJSON() {
						return err
					}
					fmt.Fprintln(cmd.ErrOrStderr(), "hpki: "+textsafe.String(localizeError(oneLine(err.Error()))))
					worst = worseExit(worst, code)
					continue
				}
				worst = worseExit(worst, exitFor(rep.Indication))
				if out.isJSON() {
					results = append(results, fileReport{File: name, Report: rep})
					continue
				}
				if len(args) > 1 {
					fmt.Fprintf(cmd.OutOrStdout(), "== %s ==\n", textsafe.Name(name))
				}
				if err := rep.WriteText(cmd.OutOrStdout(), uiLang); err != nil {
					return failure(err)
				}
			}
			if out.isJSON() {
				if err := out.emit(cmd.OutOrStdout(), results...); err != nil {
					return failure(err)
				}
			}
			return withCode(worst)
		},
	}
	out.register(cmd)
	tf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&content, "content", "", "the signed file, for a detached signature (- for stdin)")
	fl.StringArrayVar(&tsaTrust, "tsa-trust", nil, "trust anchors for TSA certificates (default: --trust)")
	fl.StringArrayVar(&roles, "require-role", nil, "require one of these HPKI roles (repeatable; English or Japanese)")
	fl.StringVar(&at, "at", "", "validate as of this time (RFC 3339), default now")
	fl.StringVar(&extract, "extract", "", "write what each passed signature was verified over into this folder (with several SIG files, into DIR/1, DIR/2, … by position): the content an enveloping CAdES carries, the canonical form of each covered XML element (signature-N-M.bin/.xml; an application should read the signed data from there, never search the document for it)")
	fl.StringArrayVar(&covers, "covers", nil, "XAdES: fail unless each signature covers the element at this absolute path, e.g. /Document/PrescriptionData or /Q{urn:ns}Document/Q{urn:ns}Data[1] (repeatable)")
	rf.register(cmd)
	return cmd
}

// detachedResolver resolves a detached XAdES reference to the --content
// file when its name matches the reference URI (or is the only candidate),
// and never to anything else: nothing is fetched.
func detachedResolver(content string) xmlsig.Detached {
	return func(uri string) (io.Reader, error) {
		if content == "" {
			return nil, nil
		}
		name := filepath.Base(strings.TrimPrefix(uri, "file://"))
		if name != filepath.Base(content) {
			return nil, nil
		}
		return os.Open(content)
	}
}

// readLimited reads a whole file of at most limit bytes.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, limit)
	}
	return data, nil
}

// fileReport is the JSON report of one signature file: the file name and
// its validation report.
type fileReport struct {
	File string `json:"file"`
	*verify.Report
}

// exitFor is the exit code of an indication.
func exitFor(ind verify.Indication) int {
	switch ind {
	case verify.TotalPassed:
		return exitOK
	case verify.Indeterminate:
		return exitIndeterminate
	}
	return exitFailed
}

// worseExit is the worse of two exit codes of a run over several files:
// unreadable input (3), then TOTAL_FAILED (1), then INDETERMINATE (2),
// then TOTAL_PASSED (0).
func worseExit(a, b int) int {
	rank := map[int]int{exitOK: 0, exitIndeterminate: 1, exitFailed: 2, exitUsage: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// verifyOne validates one signature file (or stdin for "-"). Errors are
// exit errors: unreadable input is a usage error.
func verifyOne(cmd *cobra.Command, v *verify.Verifier, name, content string, covers []string, extract string) (*verify.Report, error) {
	// A PDF is read with random access, a file in place (memory does not
	// grow with it); other signatures are read whole.
	if name != "-" {
		head, err := readHead(name)
		if err != nil {
			return nil, usageError(err)
		}
		if docformat.Detect(head) == docformat.PDF {
			return verifyPDFInput(cmd, v, name, nil, content, covers, extract)
		}
	}
	sig, err := readInput(cmd, name, maxSignatureFile)
	if err != nil {
		return nil, usageError(err)
	}
	if docformat.Detect(sig) == docformat.PDF {
		return verifyPDFInput(cmd, v, name, sig, content, covers, extract)
	}
	var contentReader io.Reader
	contentName := ""
	var given verify.GivenContent
	switch content {
	case "":
	case "-":
		data, err := readInput(cmd, "-", maxSignatureFile)
		if err != nil {
			return nil, usageError(fmt.Errorf("--content: %w", err))
		}
		contentReader, contentName = bytes.NewReader(data), "-"
		given = verify.GivenContent{Name: "-", Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
	default:
		f, err := os.Open(content)
		if err != nil {
			return nil, usageError(fmt.Errorf("--content: %w", err))
		}
		defer f.Close()
		contentReader, contentName = f, filepath.Base(content)
		given = verify.GivenContent{Name: filepath.Base(content), Open: func() (io.ReadCloser, error) { return os.Open(content) }}
	}
	var rep *verify.Report
	switch docformat.Detect(sig) {
	case docformat.XML:
		// --content is checked against what the document's signatures
		// cover, never ignored (verify.GivenContent).
		rep, err = v.VerifyXAdESContent(cmd.Context(), sig, given, nil)
	default:
		if len(covers) > 0 {
			return nil, usageError(fmt.Errorf("--covers applies to XAdES (XML) signatures only"))
		}
		rep, err = v.VerifyCAdES(cmd.Context(), sig, contentReader, contentName)
	}
	if err != nil {
		return nil, usageError(fmt.Errorf("%s: %w", name, err))
	}
	if extract != "" {
		written, err := extractSigned(extract, name, rep)
		for _, w := range written {
			fmt.Fprintln(cmd.ErrOrStderr(), sayf("extracted %s", textsafe.Name(w)))
		}
		if err != nil {
			return nil, usageError(err)
		}
	}
	return rep, nil
}

// verifyLong is the help text of the command (translated in i18n_ja.go).
const verifyLong = `Validate a CAdES signature (DER, BER or PEM), the XAdES signatures of an
XML document, or every signature and document timestamp of a PDF (PAdES; each
format detected by itself) the way ETSI EN 319 102-1 says:
the signer certificate named by the signature, the signed attributes, the
content digest, the signature value, the signature timestamps (which prove when
the signature existed), and the signer's path to a trust anchor at that proven
time — never at the time the signer claims. --require-role adds the HPKI role
policy.

Revocation: the status of the signer's certificate (and its CAs and TSAs)
must be proven at that time by a CRL or OCSP response issued at or after it:
embedded in the signature (B-LT and up), given with --crl/--ocsp, or fetched
from the URLs in the certificate (not with --offline). The current status of
a signature without a timestamp comes from the CA's service when it can be
asked, never from data the signature carries. Without such data the result
is INDETERMINATE (TRY_LATER), saying when the CA's next data is due. A
certificate revoked after the proven signing time still passes. A past --at
needs a timestamp at or before it. Archive timestamps (B-LTA) are validated in a chain, each at the
time the next one proves, so old records stay verifiable after their
certificates expired.

The default trust anchor is the embedded MHLW HPKI Root CA V2. TSA
certificates are checked against --tsa-trust (default: the same anchors).

For a PDF, a signature also fails unless its /ByteRange covers its whole
revision but its own /Contents, and unless every later revision only adds
what the signature allows (signatures, DSS, document timestamps; form filling
and annotations only as its DocMDP certification permits). --extract DIR
writes the revision each passed signature signed (signature-N.pdf).
--content and --covers do not apply to a PDF.

Several SIG files are validated one after another; each gets its report
(text: under a "== SIG ==" line; --output json: an array, jsonl: one line
each) and the exit code is the worst of them. SIG - reads stdin. A file that
cannot be read or parsed is reported as an error object in JSON reports.

Exit codes: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 3 usage error or
unreadable input, also a PDF without any signature (several files: 3, else
1, else 2, else 0).`
