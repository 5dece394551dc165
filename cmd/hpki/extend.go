package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/docformat"
	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

func init() { register(newExtendCmd) }

func newExtendCmd() *cobra.Command {
	var (
		tf                  trustFlags
		report              outputFlags
		rf                  revocationFlags
		to, content, output string
		hashName            string
		tsaURL, tsaUser     string
		tsaTrust            []string
		tsaTimeout          time.Duration
		force, inPlace      bool
	)
	cmd := &cobra.Command{
		Use:   "extend SIG --to LT|LTA",
		Short: "Add validation data (LT) and archive timestamps (LTA) so a signature stays verifiable for decades",
		Long: `Extend a CAdES or XAdES signature, or a signed PDF, to a long-term level.
A PDF gets a revision with a Document Security Store (LT) and one with a
document timestamp (LTA); its signatures must be at least B-T.

LT embeds every certificate and revocation value (CRL, OCSP response) needed
to validate the signer and each timestamp. LTA also adds an archive
timestamp over the signature, its content and that data; running it again
on an LTA signature renews it with a further archive timestamp, which must
happen before the last one's TSA certificate expires.

The signature is validated first (as hpki verify does, fetching revocation
data unless --offline) and is extended only if it is valid now; a B-B
signature first gets a signature timestamp from --tsa. Every signed byte is
kept. The result is written atomically to -o (default SIG with .lt/.lta
before its extension), or over SIG with --in-place. A replaced file keeps
its mode, owner and group; a read-only one is replaced only with --force;
-o never names SIG itself (use --in-place) nor the --content file.

Exit codes: 0 extended, 1 refused (not valid now) or TSA failure, 3 usage
error or unreadable input.`,
		Example: `  hpki extend letter.signed.pdf --to LTA --tsa http://127.0.0.1:3161/
  hpki extend letter.pdf.p7s --content letter.pdf --to LTA --tsa http://127.0.0.1:3161/
  hpki extend record.p7s --content record.pdf --to LTA --tsa https://tsa.example.jp/ --in-place   # renew`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := report.validate(); err != nil {
				return err
			}
			var opts extend.Options
			switch strings.ToUpper(to) {
			case "LT":
				opts.To = sign.LevelLT
			case "LTA":
				opts.To = sign.LevelLTA
			default:
				return usageError(fmt.Errorf("--to must be LT or LTA, not %q", to))
			}
			var err error
			if len(tsaTrust) == 0 {
				tsaTrust = tf.trust // as in hpki verify
			}
			if opts.Verify, err = validationOptions(&tf, tsaTrust, &rf); err != nil {
				return err
			}
			if opts.Hash, err = parseHash(hashName); err != nil {
				return usageError(err)
			}
			if tsaURL != "" {
				c, err := newTSAClient(tsaURL, tsaUser, tsaTrust, tsaTimeout, opts.Hash)
				if err != nil {
					return err
				}
				opts.TSA = c
			} else if opts.To == sign.LevelLTA {
				return usageError(errors.New("--to LTA needs --tsa"))
			}
			in := args[0]
			out := output
			switch {
			case inPlace && output != "":
				return usageError(errors.New("use either -o or --in-place"))
			case inPlace && in == "-":
				return usageError(errors.New("--in-place needs a file, not stdin"))
			case in == "-" && out == "":
				return usageError(errors.New("extending stdin needs -o FILE (or -o - for stdout)"))
			case content == "-":
				return usageError(errors.New("--content - is not supported: give the signed file by name"))
			case inPlace:
				out = in
			case out == "":
				ext := filepath.Ext(in)
				out = strings.TrimSuffix(in, ext) + "." + strings.ToLower(to) + ext
			}
			if !inPlace && out != "-" && in != "-" {
				if err := notSameFile(out, in, "the signature"); err != nil {
					return usageError(fmt.Errorf("%w (use --in-place to replace it with the extended signature)", err))
				}
			}
			if content != "" && out != "-" {
				if err := notSameFile(out, content, "the --content file"); err != nil {
					return err
				}
			}
			var head []byte
			if in != "-" {
				if head, err = readHead(in); err != nil {
					return usageError(err)
				}
			}
			var sig []byte
			if docformat.Detect(head) != docformat.PDF {
				if sig, err = readInput(cmd, in, maxSignatureFile); err != nil {
					return usageError(err)
				}
			}
			var res *extend.Result
			if docformat.Detect(head) == docformat.PDF || docformat.Detect(sig) == docformat.PDF {
				// A PDF: every signature extended in new revisions.
				if content != "" {
					return usageError(errors.New("a PDF carries what its signatures cover: --content does not apply"))
				}
				po := pades.ExtendOptions{To: opts.To, Hash: opts.Hash, Verify: opts.Verify}
				po.TSA, _ = opts.TSA.(pades.DigestTimestamper)
				pres, err := extendPDF(cmd, in, sig, out, po, force || inPlace, force)
				if err != nil {
					return err
				}
				res = &extend.Result{Level: pres.Level, Report: pres.Report}
			} else {
				res, err = extendSignature(cmd, in, sig, content, out, opts, force, inPlace)
				if err != nil {
					return err
				}
			}
			r := &writeResult{Input: in, Output: out, Format: "CAdES", Level: res.Level}
			if res.Report != nil {
				r.Format = res.Report.Format
				if len(res.Report.Signatures) > 0 {
					r.Signer = summaryOf(res.Report.Signatures[0].Signer)
				}
			}
			extendedResult(r, res)
			w := cmd.OutOrStdout()
			if out == "-" {
				w = cmd.ErrOrStderr()
			}
			if report.text() {
				line := fmt.Sprintf(tr("extended %s → %s (%s)", "延長しました %s → %s (%s)"), textsafe.Name(in), textsafe.Name(out), textsafe.String(res.Level))
				if r.RenewBy != nil {
					line += tr(", renew by ", "、更新期限 ") + r.RenewBy.Local().Format("2006-01-02")
				}
				fmt.Fprintln(w, line)
				return nil
			}
			return report.emit(w, r)
		},
	}
	report.register(cmd)
	tf.register(cmd)
	rf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&to, "to", "", "target level: LT or LTA (LTA on an LTA signature renews it)")
	fl.StringVar(&content, "content", "", "the signed file, for a detached signature (needed for LTA)")
	fl.StringVarP(&output, "out", "o", "", "output file (default SIG with .lt/.lta before its extension; - for stdout, the report then goes to stderr)")
	fl.BoolVar(&inPlace, "in-place", false, "replace SIG atomically with the extended signature")
	fl.BoolVar(&force, "force", false, "overwrite an existing output file")
	fl.StringVar(&tsaURL, "tsa", "", "RFC 3161 TSA URL for archive (and missing signature) timestamps")
	fl.StringArrayVar(&tsaTrust, "tsa-trust", nil, "trust anchors for TSA certificates (default: --trust)")
	fl.StringVar(&tsaUser, "tsa-user", "", "TSA basic-auth user (password from env HPKI_TSA_PASSWORD)")
	fl.DurationVar(&tsaTimeout, "tsa-timeout", 30*time.Second, "TSA request timeout")
	fl.StringVar(&hashName, "hash", "sha256", "hash of the archive timestamps: sha256, sha384 or sha512 (renew with a stronger one when SHA-256 weakens)")
	_ = cmd.MarkFlagRequired("to")
	_ = cmd.RegisterFlagCompletionFunc("to", cobra.FixedCompletions([]string{"LT", "LTA"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// extendSignature extends a CAdES or XAdES signature (sig, read from in)
// and writes it to out (stdout for "-").
func extendSignature(cmd *cobra.Command, in string, sig []byte, content, out string, opts extend.Options, force, inPlace bool) (*extend.Result, error) {
	var res *extend.Result
	var err error
	if docformat.Detect(sig) == docformat.XML {
		if content != "" {
			opts.Content = verify.GivenContent{Name: filepath.Base(content), Open: func() (io.ReadCloser, error) { return os.Open(content) }}
		}
		res, err = extend.XAdES(cmd.Context(), sig, detachedResolver(content), opts)
	} else {
		var f *os.File
		if content != "" {
			if f, err = os.Open(content); err != nil {
				return nil, usageError(fmt.Errorf("--content: %w", err))
			}
			defer f.Close()
		}
		if f != nil {
			res, err = extend.CAdES(cmd.Context(), sig, f, opts)
		} else {
			res, err = extend.CAdES(cmd.Context(), sig, nil, opts)
		}
	}
	switch {
	case errors.Is(err, verify.ErrUnreadable):
		return nil, usageError(fmt.Errorf("%s: %w", in, err))
	case err != nil:
		return nil, failure(fmt.Errorf("%s: %w", in, err))
	}
	if out == "-" {
		if _, err := cmd.OutOrStdout().Write(res.Signature); err != nil {
			return nil, failure(fmt.Errorf("writing stdout: %w", err))
		}
	} else {
		var from []string
		if in != "-" {
			from = append(from, in)
		}
		if content != "" {
			from = append(from, content)
		}
		if err := writeOutput(out, res.Signature, force || inPlace, force, from...); err != nil {
			return nil, err
		}
	}
	return res, nil
}
