package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

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
		Use:   "verify SIG",
		Short: "Validate a signature: who signed, as what HPKI role, when, and what it covers",
		Long: `Validate a CAdES signature (DER, BER or PEM), the XAdES signatures of an
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

Exit codes: 0 TOTAL_PASSED, 1 TOTAL_FAILED, 2 INDETERMINATE, 3 usage error or
unreadable input (also a PDF without any signature).`,
		Example: `  hpki verify letter.signed.pdf
  hpki verify letter.pdf.p7s --content letter.pdf
  hpki verify letter.pdf.p7s --content letter.pdf --offline --crl ca-sign.crl
  hpki verify record.p7s --content record.pdf --at 2040-01-01T00:00:00Z --offline
  hpki verify letter.pdf.p7s --content letter.pdf --trust root.pem --tsa-trust tsa-root.pem --lang ja
  hpki verify letter.pdf.p7s --content letter.pdf --require-role 医師 --output json`,
		Args: exactArgs(1),
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
			var rep *verify.Report
			if isPDFFile(args[0]) {
				if content != "" || len(covers) > 0 {
					return usageError(errors.New("a PDF carries what its signatures cover: --content and --covers do not apply"))
				}
				opts.KeepSignedData = false
				if rep, err = verifyPDF(cmd.Context(), args[0], verify.New(opts), extract, cmd.ErrOrStderr()); err != nil {
					return err
				}
				return reportAndExit(cmd, out, rep)
			}
			sig, err := readLimited(args[0], maxSignatureFile)
			if err != nil {
				return usageError(err)
			}
			var contentReader io.Reader
			name := ""
			if content != "" {
				f, err := os.Open(content)
				if err != nil {
					return usageError(fmt.Errorf("--content: %w", err))
				}
				defer f.Close()
				contentReader, name = f, filepath.Base(content)
			}
			v := verify.New(opts)
			switch detectFormat(sig) {
			case "xml":
				// --content is checked against what the document's
				// signatures cover, never ignored (verify.GivenContent).
				var given verify.GivenContent
				if content != "" {
					given = verify.GivenContent{Name: filepath.Base(content), Open: func() (io.ReadCloser, error) { return os.Open(content) }}
				}
				rep, err = v.VerifyXAdESContent(cmd.Context(), sig, given, nil)
			default:
				if len(covers) > 0 {
					return usageError(fmt.Errorf("--covers applies to XAdES (XML) signatures only"))
				}
				rep, err = v.VerifyCAdES(cmd.Context(), sig, contentReader, name)
			}
			if err != nil {
				return usageError(fmt.Errorf("%s: %w", args[0], err))
			}
			if extract != "" {
				written, err := extractSigned(extract, args[0], rep)
				for _, name := range written {
					fmt.Fprintf(cmd.ErrOrStderr(), "extracted %s\n", textsafe.Name(name))
				}
				if err != nil {
					return usageError(err)
				}
			}
			return reportAndExit(cmd, out, rep)
		},
	}
	out.register(cmd)
	tf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&content, "content", "", "the signed file, for a detached signature")
	fl.StringArrayVar(&tsaTrust, "tsa-trust", nil, "trust anchors for TSA certificates (default: --trust)")
	fl.StringArrayVar(&roles, "require-role", nil, "require one of these HPKI roles (repeatable; English or Japanese)")
	fl.StringVar(&at, "at", "", "validate as of this time (RFC 3339), default now")
	fl.StringVar(&extract, "extract", "", "write what each passed signature was verified over into this folder: the content an enveloping CAdES carries, the canonical form of each covered XML element (signature-N-M.bin/.xml; an application should read the signed data from there, never search the document for it)")
	fl.StringArrayVar(&covers, "covers", nil, "XAdES: fail unless each signature covers the element at this absolute path, e.g. /Document/PrescriptionData or /Q{urn:ns}Document/Q{urn:ns}Data[1] (repeatable)")
	rf.register(cmd)
	return cmd
}

// reportAndExit writes the report and returns the exit code of its
// indication.
func reportAndExit(cmd *cobra.Command, out outputFlags, rep *verify.Report) error {
	var err error
	if out.output == "json" {
		err = writeJSON(cmd.OutOrStdout(), rep)
	} else {
		err = rep.WriteText(cmd.OutOrStdout(), out.lang)
	}
	if err != nil {
		return failure(err)
	}
	switch rep.Indication {
	case verify.TotalPassed:
		return nil
	case verify.Indeterminate:
		return withCode(exitIndeterminate)
	}
	return withCode(exitFailed)
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

// detectFormat tells XML from CMS by the first significant byte.
func detectFormat(data []byte) string {
	d := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(d) > 0 && d[0] == '<' {
		return "xml"
	}
	return "cms"
}
