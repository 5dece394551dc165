package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/atomicfile"
	"github.com/hpki-jp/hpki/internal/keyfile"
	"github.com/hpki-jp/hpki/internal/secret"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
	"github.com/hpki-jp/hpki/xmlsig"
)

func init() { register(newSignCmd) }

type signFlags struct {
	format, level, packaging, hash string
	key, cert, p12, passwordFile   string
	chain                          []string
	pkcs11                         pkcs11KeyOptions
	tsaURL, tsaUser, policy        string
	tsaTrust                       []string
	tsaTimeout                     time.Duration
	refKeyInfo                     bool
	xmlID, c14n, mimeType          string
	roles                          []string
	allowNonHPKI, force, pss       bool
	out                            string
	pdf                            pdfSignFlags
	tf                             trustFlags
	rf                             revocationFlags
}

func newSignCmd() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "sign FILE...",
		Short: "Sign documents (CAdES or XAdES) with an HPKI card or a software key",
		Long: `Sign one or more documents. Each FILE gets its own signature: FILE.p7s by
default (CAdES, detached); with --format xades, FILE.signed.xml (enveloped XAdES,
the whole document or the element --xml-id) or FILE.xades.xml (detached, or
enveloping: the file inside the signature). A PDF (a file starting with %PDF-,
or any file with --format pades) is signed inside itself, PAdES, as an
incremental update that keeps every original byte: FILE.signed.pdf (--visible,
--field, --certify, --reason, --location; LT/LTA add a DSS and a document
timestamp). The key is loaded once: one PIN for the batch where
the card allows it.

Keys: an HPKI IC card (--pkcs11-module), a PKCS#12 file (--p12), or a PEM key
with its certificate (--key, --cert, --chain). PINs and passwords are never
taken from the command line: they come from --pin-file/--password-file, the
environment (HPKI_PIN, HPKI_P12_PASSWORD), or a no-echo prompt.

Before the key is used, the certificate must be an HPKI signing certificate
(--allow-non-hpki turns this into a warning) and hold one of the --require-role
roles. Level T adds a timestamp from --tsa over the signature value; LT and
LTA then validate the new signature (--trust, --tsa-trust, revocation data
fetched or given with --crl/--ocsp) and embed its validation data (LT) and
an archive timestamp (LTA), as hpki extend does.

Outputs are written atomically and never overwrite an existing file without
--force; inputs are never modified, and an output that is an input (any
spelling, hard or symbolic link) is refused even with --force. A new output
gets 0666 minus the umask; a replaced one keeps its mode, owner and group.

Exit codes: 0 signed, 1 signing failed (role refused, TSA or card error),
3 usage error or unreadable input.`,
		Example: `  hpki sign letter.pdf --key doctor.key --cert doctor.pem --chain chain-sign.pem
  hpki sign letter.pdf --p12 doctor.p12 --level T --tsa http://127.0.0.1:3161/ --tsa-trust tsa-root.pem
  HPKI_PIN=… hpki sign *.pdf --pkcs11-module /usr/lib/HpkiSigP11.so --require-role 医師`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSign(cmd, f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "cades", "signature format: cades, xades (XML) or pades (PDF; chosen by itself for a file starting with %PDF-)")
	fl.StringVar(&f.level, "level", "B", "baseline level: B, T, LT or LTA (T and up need --tsa)")
	fl.StringVar(&f.packaging, "packaging", "", "CAdES: detached (default) or enveloping; XAdES: enveloped (default), enveloping or detached")
	fl.StringVar(&f.xmlID, "xml-id", "", "XAdES enveloped: sign only the element with this Id (default: the whole document)")
	fl.StringVar(&f.c14n, "c14n", "exc", "XAdES canonicalization: exc (exclusive C14N), c14n (inclusive 1.0) or c14n11 (1.1)")
	fl.StringVar(&f.mimeType, "mime-type", "", "XAdES: add a DataObjectFormat with this MIME type for the signed data")
	fl.BoolVar(&f.refKeyInfo, "reference-keyinfo", false, "XAdES: also sign ds:KeyInfo, as the e-prescription profile does")
	fl.StringVar(&f.hash, "hash", "sha256", "digest: sha256, sha384 or sha512")
	fl.StringVar(&f.key, "key", "", "private key file (PEM/DER, unencrypted)")
	fl.StringVar(&f.cert, "cert", "", "signer certificate (with --key)")
	fl.StringArrayVar(&f.chain, "chain", nil, "CA certificates to include (repeatable)")
	fl.StringVar(&f.p12, "p12", "", "PKCS#12 file with key and certificates")
	fl.StringVar(&f.passwordFile, "password-file", "", "file holding the PKCS#12 password (else env HPKI_P12_PASSWORD, else prompt)")
	fl.StringVar(&f.pkcs11.Module, "pkcs11-module", "", "PKCS#11 library of the HPKI card (or env HPKI_PKCS11_MODULE)")
	fl.StringVar(&f.pkcs11.TokenLabel, "token-label", "", "token label (e.g. \"HPKI Application\")")
	fl.StringVar(&f.pkcs11.TokenSerial, "token-serial", "", "token serial number")
	fl.StringVar(&f.pkcs11.KeyLabel, "key-label", "", "find the key by this label when it cannot be found by its certificate")
	fl.StringVar(&f.pkcs11.PINFile, "pin-file", "", "file holding the card PIN (else env HPKI_PIN, else prompt)")
	fl.StringVar(&f.tsaURL, "tsa", "", "RFC 3161 TSA URL (level T)")
	fl.StringVar(&f.tsaUser, "tsa-user", "", "TSA basic-auth user (password from env HPKI_TSA_PASSWORD)")
	fl.StringArrayVar(&f.tsaTrust, "tsa-trust", nil, "trust anchors for the TSA certificate (default: the embedded HPKI anchors)")
	fl.DurationVar(&f.tsaTimeout, "tsa-timeout", 30*time.Second, "TSA request timeout")
	fl.StringVar(&f.policy, "policy", "", "signature policy OID (CAdES-EPES)")
	fl.StringArrayVar(&f.roles, "require-role", nil, "refuse unless the certificate has this HPKI role (repeatable, any of; English or Japanese)")
	fl.BoolVar(&f.allowNonHPKI, "allow-non-hpki", false, "allow non-HPKI or authentication certificates (with a warning)")
	fl.BoolVar(&f.pss, "pss", false, "use RSASSA-PSS instead of PKCS#1 v1.5")
	fl.StringVarP(&f.out, "out", "o", "", "output file (one input only; default FILE.p7s)")
	fl.BoolVar(&f.force, "force", false, "overwrite existing output files")
	f.tf.register(cmd)
	f.rf.register(cmd)
	f.pdf.register(cmd)
	_ = cmd.RegisterFlagCompletionFunc("level", cobra.FixedCompletions([]string{"B", "T", "LT", "LTA"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("packaging", cobra.FixedCompletions([]string{"detached", "enveloping", "enveloped"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"cades", "xades", "pades"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func parseHash(s string) (crypto.Hash, error) {
	switch strings.ToLower(strings.ReplaceAll(s, "-", "")) {
	case "sha256":
		return crypto.SHA256, nil
	case "sha384":
		return crypto.SHA384, nil
	case "sha512":
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("--hash must be sha256, sha384 or sha512, not %q", s)
}

// loadCredential opens the key source the flags name.
func loadCredential(cmd *cobra.Command, f signFlags) (sign.Credential, func() error, error) {
	noop := func() error { return nil }
	if f.pkcs11.Module == "" {
		f.pkcs11.Module = os.Getenv("HPKI_PKCS11_MODULE")
	}
	sources := 0
	for _, set := range []bool{f.key != "" || f.cert != "", f.p12 != "", f.pkcs11.Module != ""} {
		if set {
			sources++
		}
	}
	if sources != 1 {
		return sign.Credential{}, noop, usageError(errors.New("give exactly one key source: --key with --cert, --p12, or --pkcs11-module"))
	}
	switch {
	case f.pkcs11.Module != "":
		f.pkcs11.Role = strings.Join(f.roles, ",")
		s, cert, chain, closer, err := openPKCS11Signer(f.pkcs11, cmd.ErrOrStderr())
		if err != nil {
			return sign.Credential{}, noop, err
		}
		return sign.Credential{Signer: s, Certificate: cert, Chain: chain}, closer, nil
	case f.p12 != "":
		pw, err := secret.Source{File: f.passwordFile, Env: "HPKI_P12_PASSWORD", Prompt: "Password for " + f.p12 + ": "}.Read()
		if err != nil {
			return sign.Credential{}, noop, usageError(fmt.Errorf("PKCS#12 password: %w", err))
		}
		defer secret.Zero(pw)
		c, err := keyfile.LoadPKCS12(f.p12, pw)
		if err != nil {
			return sign.Credential{}, noop, usageError(err)
		}
		chain := c.Chain
		if len(f.chain) > 0 {
			more, err := trust.ReadFiles(f.chain...)
			if err != nil {
				return sign.Credential{}, noop, usageError(fmt.Errorf("--chain: %w", err))
			}
			chain = append(chain, more...)
		}
		return sign.Credential{Signer: c.Signer, Certificate: c.Certificate, Chain: chain}, noop, nil
	}
	if f.key == "" || f.cert == "" {
		return sign.Credential{}, noop, usageError(errors.New("--key and --cert go together"))
	}
	c, err := keyfile.Load(f.key, f.cert, f.chain...)
	if err != nil {
		return sign.Credential{}, noop, usageError(err)
	}
	return sign.Credential{Signer: c.Signer, Certificate: c.Certificate, Chain: c.Chain}, noop, nil
}

// newTSAClient builds the TSA client of --tsa. HPKI_TSA_PASSWORD is read
// only when a user is given (--tsa-user, or user@ in the URL), and the
// credential rules of tsa.Client are checked here, before any PIN is
// asked for: credentials never go in clear to another machine.
func newTSAClient(url, user string, trustFiles []string, timeout time.Duration, h crypto.Hash) (*tsa.Client, error) {
	c := &tsa.Client{URL: url, Hash: h, Username: user, Timeout: timeout}
	if user != "" || strings.Contains(url, "@") {
		c.Password = os.Getenv("HPKI_TSA_PASSWORD")
	}
	if err := c.CheckCredentials(); err != nil {
		return nil, usageError(fmt.Errorf("--tsa: %w", err))
	}
	store := trust.Default()
	if len(trustFiles) > 0 {
		var err error
		if store, err = trust.Load(trustFiles...); err != nil {
			return nil, usageError(fmt.Errorf("--tsa-trust: %w", err))
		}
	}
	c.Roots, c.Intermediates = store.Roots(), store.Intermediates()
	return c, nil
}

func runSign(cmd *cobra.Command, f signFlags, files []string) error {
	switch f.format {
	case "cades", "xades", "pades":
	default:
		return usageError(fmt.Errorf("--format must be cades, xades or pades, not %q", f.format))
	}
	// PAdES for --format pades, and for PDFs (by content) unless another
	// format was asked for.
	isPDF := make([]bool, len(files))
	for i, in := range files {
		isPDF[i] = f.format == "pades" || (!cmd.Flags().Changed("format") && isPDFFile(in))
	}
	h, err := parseHash(f.hash)
	if err != nil {
		return usageError(err)
	}
	c14nAlg, ok := map[string]string{"exc": xmlsig.AlgExcC14N, "c14n": xmlsig.AlgC14N10, "c14n11": xmlsig.AlgC14N11}[f.c14n]
	if !ok {
		return usageError(fmt.Errorf("--c14n must be exc, c14n or c14n11, not %q", f.c14n))
	}
	opts := sign.CAdESOptions{Hash: h, AllowNonHPKI: f.allowNonHPKI, PSS: f.pss}
	switch strings.ToUpper(f.level) {
	case "B":
		opts.Level = sign.LevelB
	case "T", "LT", "LTA":
		opts.Level = sign.LevelT
	default:
		return usageError(fmt.Errorf("--level must be B, T, LT or LTA, not %q", f.level))
	}
	if f.format == "xades" {
		if f.packaging == "" {
			f.packaging = "enveloped"
		}
		if f.packaging != "enveloped" && f.packaging != "enveloping" && f.packaging != "detached" {
			return usageError(fmt.Errorf("--packaging must be enveloped, enveloping or detached for XAdES, not %q", f.packaging))
		}
	} else {
		switch f.packaging {
		case "", "detached":
			opts.Packaging = sign.Detached
		case "enveloping":
			opts.Packaging = sign.Enveloping
		default:
			return usageError(fmt.Errorf("--packaging must be detached or enveloping for CAdES, not %q", f.packaging))
		}
	}
	if opts.RequireRole, err = hcrole.ParseRequirement(f.roles...); err != nil {
		return usageError(fmt.Errorf("--require-role: %w", err))
	}
	if f.policy != "" {
		if opts.PolicyOID, err = parseOID(f.policy); err != nil {
			return usageError(fmt.Errorf("--policy: %w", err))
		}
	}
	if opts.Level == sign.LevelT {
		if f.tsaURL == "" {
			return usageError(fmt.Errorf("--level %s needs --tsa URL", strings.ToUpper(f.level)))
		}
		if opts.TSA, err = newTSAClient(f.tsaURL, f.tsaUser, f.tsaTrust, f.tsaTimeout, crypto.SHA256); err != nil {
			return err
		}
	}
	// LT and LTA: the new signature is extended before it is written.
	var ext *extend.Options
	if lvl := strings.ToUpper(f.level); lvl == "LT" || lvl == "LTA" {
		vo, err := validationOptions(&f.tf, f.tsaTrust, &f.rf)
		if err != nil {
			return err
		}
		ext = &extend.Options{To: sign.Level(lvl), TSA: opts.TSA, Verify: vo}
	}
	if f.out != "" && len(files) > 1 {
		return usageError(errors.New("-o names one output: with several inputs, each gets FILE.p7s"))
	}
	// Check every input and output before asking for a PIN.
	outs := make([]string, len(files))
	for i, in := range files {
		st, err := os.Stat(in)
		if err != nil {
			return usageError(fmt.Errorf("input: %w", err))
		}
		if st.IsDir() {
			return usageError(fmt.Errorf("input %s is a directory", in))
		}
		outs[i] = in + ".p7s"
		if f.format == "xades" {
			outs[i] = signedXMLName(in, f.packaging)
		}
		if isPDF[i] {
			outs[i] = pdfSignedName(in)
		}
		if f.out != "" {
			outs[i] = f.out
		}
		if !f.force {
			if _, err := os.Lstat(outs[i]); err == nil {
				return usageError(fmt.Errorf("%s exists (use --force to overwrite)", outs[i]))
			}
		}
	}
	// No output may replace an input, whatever --force says and however
	// the two names are spelled (hard links, symbolic links, ./x).
	for _, o := range outs {
		for _, in := range files {
			if err := notSameFile(o, in, "the input"); err != nil {
				return err
			}
		}
	}
	cred, closer, err := loadCredential(cmd, f)
	if err != nil {
		return err
	}
	defer closer()
	warnings, err := sign.Preflight(cred.Certificate, opts.RequireRole, opts.AllowNonHPKI)
	if err != nil {
		return failure(err)
	}
	// Expired, not yet valid, or revoked (when status can be had: online,
	// or --crl/--ocsp): refused before anything is signed or written.
	vo, err := validationOptions(&f.tf, f.tsaTrust, &f.rf)
	if err != nil {
		return err
	}
	more, err := verify.New(vo).CheckSigner(cmd.Context(), cred.Certificate, cred.Chain)
	if err != nil {
		return failure(err)
	}
	for _, w := range append(warnings, more...) {
		fmt.Fprintln(cmd.ErrOrStderr(), textsafe.String(w))
	}
	opts.AllowNonHPKI = true // already decided and warned above
	for i, in := range files {
		var err error
		if isPDF[i] {
			var pext *pades.ExtendOptions
			if ext != nil {
				pext = &pades.ExtendOptions{To: ext.To, Verify: ext.Verify}
				pext.TSA, _ = opts.TSA.(pades.DigestTimestamper)
			}
			err = signOnePDF(cmd.Context(), cmd.OutOrStdout(), in, outs[i], cred, opts, f.pdf, f.force, pext)
		} else if f.format == "xades" {
			err = signOneXML(cmd.Context(), cmd.OutOrStdout(), in, outs[i], cred, sign.XAdESOptions{
				ReferenceID: f.xmlID, Hash: opts.Hash, Level: opts.Level, TSA: opts.TSA, PolicyOID: opts.PolicyOID,
				RequireRole: opts.RequireRole, AllowNonHPKI: true, ReferenceKeyInfo: f.refKeyInfo,
				C14N: c14nAlg, MimeType: f.mimeType,
			}, f.packaging, f.force, ext)
		} else {
			err = signOne(cmd.Context(), cmd.OutOrStdout(), in, outs[i], cred, opts, f.force, ext)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// signedXMLName is the default output of XAdES signing: FILE.signed.xml for
// enveloped signatures, FILE.xades.xml for detached and enveloping ones.
func signedXMLName(in, packaging string) string {
	base := strings.TrimSuffix(in, ".xml")
	if packaging == "detached" || packaging == "enveloping" {
		return in + ".xades.xml"
	}
	return base + ".signed.xml"
}

func signOneXML(ctx context.Context, stdout io.Writer, in, out string, cred sign.Credential, opts sign.XAdESOptions, packaging string, force bool, ext *extend.Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var res *sign.Result
	var err error
	if packaging == "detached" {
		file, ferr := os.Open(in)
		if ferr != nil {
			return usageError(fmt.Errorf("input: %w", ferr))
		}
		defer file.Close()
		res, err = sign.SignXAdESDetached(ctx, file, filepath.Base(in), cred, opts)
	} else {
		data, rerr := readLimited(in, maxSignatureFile)
		if rerr != nil {
			return usageError(fmt.Errorf("input: %w", rerr))
		}
		if packaging == "enveloping" {
			res, err = sign.SignXAdESEnveloping(ctx, data, mime.TypeByExtension(filepath.Ext(in)), cred, opts)
		} else {
			res, err = sign.SignXAdES(ctx, data, cred, opts)
		}
	}
	if err != nil {
		return failure(fmt.Errorf("%s: %w", in, err))
	}
	what := "XAdES-B " + packaging
	if opts.Level == sign.LevelT {
		what = "XAdES-T " + packaging + ", timestamped " + res.TimestampTime.Format(time.RFC3339)
	}
	if ext != nil {
		var detached xmlsig.Detached
		if packaging == "detached" {
			detached = detachedResolver(in)
		}
		lifted, err := extend.XAdES(ctx, res.Signature, detached, *ext)
		if err != nil {
			return failure(fmt.Errorf("%s: %w", in, err))
		}
		res.Signature, what = lifted.Signature, lifted.Level+" "+packaging
	}
	if err := writeOutput(out, res.Signature, force, force, in); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signed %s → %s (%s, %s)\n", textsafe.Name(in), textsafe.Name(out), textsafe.String(what), textsafe.String(describeCert(cred.Certificate)))
	return nil
}

func signOne(ctx context.Context, stdout io.Writer, in, out string, cred sign.Credential, opts sign.CAdESOptions, force bool, ext *extend.Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	file, err := os.Open(in)
	if err != nil {
		return usageError(fmt.Errorf("input: %w", err))
	}
	defer file.Close()
	res, err := sign.SignCAdES(ctx, file, cred, opts)
	if err != nil {
		return failure(fmt.Errorf("%s: %w", in, err))
	}
	what := "CAdES-B"
	if opts.Level == sign.LevelT {
		what = "CAdES-T, timestamped " + res.TimestampTime.Format(time.RFC3339)
	}
	if ext != nil {
		var content io.ReadSeeker
		if opts.Packaging != sign.Enveloping {
			content = file
		}
		lifted, err := extend.CAdES(ctx, res.Signature, content, *ext)
		if err != nil {
			return failure(fmt.Errorf("%s: %w", in, err))
		}
		res.Signature, what = lifted.Signature, lifted.Level
	}
	if err := writeOutput(out, res.Signature, force, force, in); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "signed %s → %s (%s, %s)\n", textsafe.Name(in), textsafe.Name(out), textsafe.String(what), textsafe.String(describeCert(cred.Certificate)))
	return nil
}

// writeOutput writes a signature atomically: a new file 0666 minus the
// umask, a replaced one keeping its mode, owner and group. It refuses to
// replace an existing file unless overwrite, and a read-only one (no write
// permission bit) unless force.
func writeOutput(out string, data []byte, overwrite, force bool, from ...string) error {
	err := atomicfile.WriteFile(out, data, atomicfile.Options{Perm: permFrom(from...), Overwrite: overwrite || force, ReplaceReadOnly: force})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, atomicfile.ErrExists), errors.Is(err, atomicfile.ErrReadOnly), errors.Is(err, atomicfile.ErrNotRegular):
		return usageError(err)
	}
	return failure(err)
}

// permFrom is the mode of a new output made from the files from (the
// signed document, the signature extended): never wider than any of them,
// so a record kept 0600 does not give a 0644 signature that carries or
// describes it; the umask applies on top. 0 (atomicfile's default 0666)
// when from is empty or unreadable.
func permFrom(from ...string) os.FileMode {
	perm := os.FileMode(0o666)
	for _, name := range from {
		st, err := os.Stat(name)
		if err != nil {
			return 0
		}
		perm &= st.Mode().Perm() | 0o600 // the owner may always read and write what they make
	}
	return perm
}

// notSameFile refuses (exit 3) when out names the same file as other
// (os.SameFile: any spelling, hard or symbolic link): a command must
// never replace what it reads with what it writes. what names other in
// the message.
func notSameFile(out, other, what string) error {
	so, err := os.Stat(out)
	if err != nil {
		return nil // no such output yet: nothing to replace
	}
	si, err := os.Stat(other)
	if err != nil {
		return nil
	}
	if os.SameFile(so, si) {
		return usageError(fmt.Errorf("output %s is %s %s: refusing to replace it with its own signature", out, what, other))
	}
	return nil
}

func describeCert(c *x509.Certificate) string {
	roles, _ := hcrole.FromCertificate(c)
	var rs []string
	for _, r := range roles {
		rs = append(rs, r.String())
	}
	if len(rs) == 0 {
		return c.Subject.CommonName
	}
	return c.Subject.CommonName + ", " + strings.Join(rs, ", ")
}
