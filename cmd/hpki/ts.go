package main

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
)

func init() { register(newTSCmd) }

// tsResult is the JSON result of hpki ts and hpki ts verify.
type tsResult struct {
	File      string    `json:"file"`
	Timestamp string    `json:"timestamp"`
	Valid     bool      `json:"valid"`
	GenTime   time.Time `json:"genTime"`
	TSA       string    `json:"tsa"`
	Serial    string    `json:"serial"`
	Policy    string    `json:"policy"`
	Hash      string    `json:"hash"`
	Error     string    `json:"error,omitempty"`
}

func tokenResult(file, ts string, tok *tsa.Token) tsResult {
	r := tsResult{File: file, Timestamp: ts, GenTime: tok.GenTime.UTC(), TSA: tok.TSAName, Policy: tok.Policy.String(), Hash: tok.HashAlgorithm.String()}
	if tok.SerialNumber != nil {
		r.Serial = tok.SerialNumber.Text(16)
	}
	return r
}

func newTSCmd() *cobra.Command {
	var (
		report          outputFlags
		tf              trustFlags
		tsaURL, tsaUser string
		tsaTrust        []string
		tsaTimeout      time.Duration
		hashName, out   string
		force           bool
	)
	cmd := &cobra.Command{
		Use:   "ts FILE --tsa URL",
		Short: "Get a bare RFC 3161 timestamp of a file (as openssl ts -query/-reply do)",
		Long: `Ask the TSA for a timestamp of FILE's digest and write the TimeStampResp to
-o (default FILE.tsr), after checking it as a signature timestamp is
checked: status, nonce, imprint, TSA signature, and the TSA certificate's
path to --tsa-trust (default --trust, else the embedded HPKI anchors). The
result is what openssl ts -verify -data FILE -in FILE.tsr reads; hpki ts
verify checks it later. FILE - timestamps stdin.

Exit codes: 0 timestamped, 1 TSA failure or refusal, 3 usage error or
unreadable input.`,
		Example: `  hpki ts letter.pdf --tsa http://127.0.0.1:3161/ --tsa-trust tsa-root.pem
  hpki ts verify letter.pdf.tsr --content letter.pdf --tsa-trust tsa-root.pem`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := report.validate(); err != nil {
				return err
			}
			if tsaURL == "" {
				return usageError(errors.New("--tsa URL is required"))
			}
			h, err := parseHash(hashName)
			if err != nil {
				return usageError(err)
			}
			if len(tsaTrust) == 0 {
				tsaTrust = tf.trust
			}
			in := args[0]
			if out == "" {
				if in == "-" {
					return usageError(errors.New("timestamping stdin needs -o FILE (or -o - for stdout)"))
				}
				out = in + ".tsr"
			}
			if out != "-" && in != "-" {
				if err := notSameFile(out, in, "the input"); err != nil {
					return err
				}
			}
			if out != "-" && !force {
				if _, err := os.Lstat(out); err == nil {
					return usageError(fmt.Errorf("%s exists (use --force to overwrite)", out))
				}
			}
			digest, err := digestInput(cmd, in, h)
			if err != nil {
				return usageError(err)
			}
			c, err := newTSAClient(tsaURL, tsaUser, tsaTrust, tsaTimeout, h)
			if err != nil {
				return err
			}
			tok, err := c.Timestamp(cmd.Context(), digest)
			if err != nil {
				return failure(err)
			}
			resp, err := tsa.GrantedResponse(tok.Raw)
			if err != nil {
				return failure(err)
			}
			w := cmd.OutOrStdout()
			if out == "-" {
				if _, err := w.Write(resp); err != nil {
					return failure(err)
				}
				w = cmd.ErrOrStderr()
			} else if err := writeOutput(out, resp, force, force, fromNamed(in)...); err != nil {
				return err
			}
			r := tokenResult(in, out, tok)
			r.Valid = true
			if report.isJSON() {
				return report.emit(w, r)
			}
			fmt.Fprintf(w, tr("timestamped %s → %s (%s, %s)\n", "タイムスタンプを付与しました %s → %s (%s, %s)\n"), textsafe.Name(in), textsafe.Name(out), localTime(tok.GenTime), textsafe.String(tok.TSAName))
			return nil
		},
	}
	report.register(cmd)
	tf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&tsaURL, "tsa", "", "RFC 3161 TSA URL")
	fl.StringVar(&tsaUser, "tsa-user", "", "TSA basic-auth user (password from env HPKI_TSA_PASSWORD)")
	fl.StringArrayVar(&tsaTrust, "tsa-trust", nil, "trust anchors for the TSA certificate (default: --trust)")
	fl.DurationVar(&tsaTimeout, "tsa-timeout", 30*time.Second, "TSA request timeout")
	fl.StringVar(&hashName, "hash", "sha256", "digest: sha256, sha384 or sha512")
	fl.StringVarP(&out, "out", "o", "", "output file (default FILE.tsr; - for stdout)")
	fl.BoolVar(&force, "force", false, "overwrite an existing output file")
	cmd.AddCommand(newTSVerifyCmd())
	return cmd
}

// fromNamed drops "-" (stdin) from names of inputs.
func fromNamed(names ...string) []string {
	var out []string
	for _, n := range names {
		if n != "-" {
			out = append(out, n)
		}
	}
	return out
}

// digestInput hashes a file (or stdin for "-") as a stream.
func digestInput(cmd *cobra.Command, name string, h crypto.Hash) ([]byte, error) {
	var r io.Reader = cmd.InOrStdin()
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	d := h.New()
	if _, err := io.Copy(d, r); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return d.Sum(nil), nil
}

// parseTimestampFile reads a TimeStampResp (.tsr) or a bare TimeStampToken.
func parseTimestampFile(data []byte) (*tsa.Token, error) {
	var probe struct {
		First asn1.RawValue
	}
	if _, err := asn1.UnmarshalWithParams(data, &probe, ""); err == nil && probe.First.Tag == asn1.TagOID {
		return tsa.ParseToken(data) // ContentInfo: a bare token
	}
	return tsa.ParseResponse(data)
}

func newTSVerifyCmd() *cobra.Command {
	var (
		report   outputFlags
		tf       trustFlags
		tsaTrust []string
		content  string
	)
	cmd := &cobra.Command{
		Use:   "verify TSR --content FILE",
		Short: "Check a bare RFC 3161 timestamp of a file (as openssl ts -verify does)",
		Long: `Check that TSR (a TimeStampResp, or a bare TimeStampToken) is a timestamp
of FILE: its imprint is FILE's digest, its signature is the TSA's, and the
TSA certificate (timeStamping only, critical) has a path to --tsa-trust
(default --trust, else the embedded HPKI anchors) at the time the timestamp
states. As with openssl ts -verify, the TSA certificate's revocation status
is not checked. --content - reads FILE from stdin.

Exit codes: 0 valid, 1 not valid (another file, forged or untrusted), 3 usage
error or unreadable input.`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := report.validate(); err != nil {
				return err
			}
			if content == "" {
				return usageError(errors.New("--content FILE (the timestamped file) is required"))
			}
			if args[0] == "-" && content == "-" {
				return usageError(errors.New("stdin (-) can be read only once"))
			}
			if len(tsaTrust) == 0 {
				tsaTrust = tf.trust
			}
			store := trust.Default()
			if len(tsaTrust) > 0 {
				var err error
				if store, err = trust.Load(tsaTrust...); err != nil {
					return usageError(fmt.Errorf("--tsa-trust: %w", err))
				}
			}
			data, err := readInput(cmd, args[0], 1<<20)
			if err != nil {
				return usageError(err)
			}
			tok, err := parseTimestampFile(data)
			if err != nil {
				return usageError(fmt.Errorf("%s: %w", args[0], err))
			}
			digest, err := digestInput(cmd, content, tok.HashAlgorithm)
			if err != nil {
				return usageError(fmt.Errorf("--content: %w", err))
			}
			r := tokenResult(content, args[0], tok)
			_, _, verr := tok.Verify(tok.HashAlgorithm, digest, tsa.VerifyOptions{Roots: store.Roots(), Intermediates: store.Intermediates()})
			r.Valid = verr == nil
			if verr != nil {
				r.Error = verr.Error()
			}
			w := cmd.OutOrStdout()
			if report.isJSON() {
				if err := report.emit(w, r); err != nil {
					return failure(err)
				}
			} else if r.Valid {
				fmt.Fprintf(w, tr("timestamp OK: %s existed at %s (%s, serial %s)\n", "タイムスタンプ有効: %s は %s に存在しました（%s、シリアル %s）\n"), textsafe.Name(content), localTime(tok.GenTime), textsafe.String(tok.TSAName), r.Serial)
			} else {
				fmt.Fprintf(w, tr("timestamp NOT valid for %s: %s\n", "タイムスタンプ無効 %s: %s\n"), textsafe.Name(content), textsafe.String(localizeError(oneLine(verr.Error()))))
			}
			if !r.Valid {
				return withCode(exitFailed)
			}
			return nil
		},
	}
	report.register(cmd)
	tf.register(cmd)
	cmd.Flags().StringArrayVar(&tsaTrust, "tsa-trust", nil, "trust anchors for the TSA certificate (default: --trust)")
	cmd.Flags().StringVar(&content, "content", "", "the timestamped file (- for stdin)")
	return cmd
}
