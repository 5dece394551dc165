package main

import (
	"bytes"
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

	"github.com/hpki-jp/hpki/docformat"
	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/atomicfile"
	"github.com/hpki-jp/hpki/internal/secret"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/keyfile"
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
	report                         outputFlags
	pdf                            pdfSignFlags
	tf                             trustFlags
	rf                             revocationFlags
}

func newSignCmd() *cobra.Command {
	var f signFlags
	cmd := &cobra.Command{
		Use:   "sign FILE...",
		Short: "Sign documents (CAdES, XAdES or PAdES) with an HPKI card or a software key",
		Long:  signLong,
		Example: `  hpki sign letter.pdf --key doctor.key --cert doctor.pem --chain chain-sign.pem
  hpki sign letter.pdf --p12 doctor.p12 --level T --tsa http://127.0.0.1:3161/ --tsa-trust tsa-root.pem
  HPKI_PIN=… hpki sign *.pdf --pkcs11-module /usr/lib/HpkiSigP11.so --require-role 医師`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runSign(cmd, f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "auto", "signature format: auto (by content: xades for XML, pades for PDF, cades for other files), cades, xades or pades")
	fl.StringVar(&f.level, "level", "", "baseline level: B, T, LT or LTA (T and up need --tsa; default T with --tsa, else B)")
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
	fl.StringArrayVar(&f.tsaTrust, "tsa-trust", nil, "trust anchors for the TSA certificate (default: --trust)")
	fl.DurationVar(&f.tsaTimeout, "tsa-timeout", 30*time.Second, "TSA request timeout")
	fl.StringVar(&f.policy, "policy", "", "signature policy OID (CAdES-EPES)")
	fl.StringArrayVar(&f.roles, "require-role", nil, "refuse unless the certificate has this HPKI role (repeatable, any of; English or Japanese)")
	fl.BoolVar(&f.allowNonHPKI, "allow-non-hpki", false, "allow non-HPKI or authentication certificates (with a warning)")
	fl.BoolVar(&f.pss, "pss", false, "use RSASSA-PSS instead of PKCS#1 v1.5")
	fl.StringVarP(&f.out, "out", "o", "", "output file (one input only; default FILE.p7s; - for stdout, the report then goes to stderr)")
	fl.BoolVar(&f.force, "force", false, "overwrite existing output files")
	f.report.register(cmd)
	f.tf.register(cmd)
	f.rf.register(cmd)
	f.pdf.register(cmd)
	_ = cmd.RegisterFlagCompletionFunc("level", cobra.FixedCompletions([]string{"B", "T", "LT", "LTA"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("packaging", cobra.FixedCompletions([]string{"detached", "enveloping", "enveloped"}, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"auto", "cades", "xades", "pades"}, cobra.ShellCompDirectiveNoFileComp))
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
		if _, err := hcrole.ParseRequirement(f.roles...); err != nil {
			return sign.Credential{}, noop, usageError(fmt.Errorf("--require-role: %w", err))
		}
		f.pkcs11.Role = strings.Join(f.roles, ",")
		s, cert, chain, closer, err := openPKCS11Signer(f.pkcs11, cmd.ErrOrStderr())
		if err != nil {
			return sign.Credential{}, noop, err
		}
		return sign.Credential{Signer: s, Certificate: cert, Chain: chain}, closer, nil
	case f.p12 != "":
		pw, err := secret.Source{File: f.passwordFile, Env: "HPKI_P12_PASSWORD", Prompt: sayf("Password for %s: ", f.p12)}.Read()
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
		if c.Password == "" && user != "" {
			// An empty password would be sent as "user:"; a TSA
			// answers that with 401 only after the PIN was asked for.
			return nil, usageError(errors.New("--tsa-user needs its password in the environment variable HPKI_TSA_PASSWORD, which is empty or not set"))
		}
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

// signInput is one document to sign: a named file, or the bytes read from
// stdin ("-").
type signInput struct {
	name   string
	data   []byte // stdin only
	format string // "cades", "xades" or "pades"
	pack   string // packaging of that format
	out    string
}

func (s signInput) stdin() bool { return s.name == "-" }

// open returns the document as a ReadSeeker (and a closer).
func (s signInput) open() (io.ReadSeeker, func(), error) {
	if s.stdin() {
		return bytes.NewReader(s.data), func() {}, nil
	}
	f, err := os.Open(s.name)
	if err != nil {
		return nil, nil, usageError(fmt.Errorf("input: %w", err))
	}
	return f, func() { f.Close() }, nil
}

// read returns the whole document.
func (s signInput) read() ([]byte, error) {
	if s.stdin() {
		return s.data, nil
	}
	data, err := readLimited(s.name, maxSignatureFile)
	if err != nil {
		return nil, usageError(fmt.Errorf("input: %w", err))
	}
	return data, nil
}

// pickFormat is the signature format of a document: --format when given,
// else by its content (docformat.Detect): XAdES for XML, PAdES (signed
// inside itself) for PDF, CAdES for other files. --format cades makes a
// detached CAdES signature of a PDF.
func pickFormat(flag string, head []byte, name string) (string, error) {
	if flag != "auto" && flag != "" {
		return flag, nil
	}
	switch docformat.Detect(head) {
	case docformat.XML:
		return "xades", nil
	case docformat.PDF:
		return "pades", nil
	}
	return "cades", nil
}

// checkPackaging validates --packaging for a format and returns the
// packaging to use.
func checkPackaging(format, packaging string) (string, error) {
	if format == "pades" {
		if packaging != "" {
			return "", usageError(fmt.Errorf("--packaging %s: a PDF is signed inside itself (--format cades makes a CAdES signature of it)", packaging))
		}
		return "", nil
	}
	if format == "xades" {
		switch packaging {
		case "":
			return "enveloped", nil
		case "enveloped", "enveloping", "detached":
			return packaging, nil
		}
		return "", usageError(fmt.Errorf("--packaging must be enveloped, enveloping or detached for XAdES, not %q", packaging))
	}
	switch packaging {
	case "", "detached":
		return "detached", nil
	case "enveloping":
		return packaging, nil
	}
	return "", usageError(fmt.Errorf("--packaging must be detached or enveloping for CAdES, not %q", packaging))
}

func runSign(cmd *cobra.Command, f signFlags, files []string) error {
	if err := f.report.validate(); err != nil {
		return err
	}
	switch f.format {
	case "auto", "cades", "xades", "pades":
	default:
		return usageError(fmt.Errorf("--format must be auto, cades, xades or pades, not %q", f.format))
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
	// A TSA given without a level asks for a timestamp: level T. A TSA
	// given with --level B is a contradiction, not a silent no-op.
	switch {
	case f.level == "" && f.tsaURL != "":
		f.level = "T"
	case f.level == "":
		f.level = "B"
	case strings.EqualFold(f.level, "B") && f.tsaURL != "":
		return usageError(errors.New("--tsa is not used at --level B: leave --level out (or use T, LT, LTA) for a timestamped signature"))
	}
	switch strings.ToUpper(f.level) {
	case "B":
		opts.Level = sign.LevelB
	case "T", "LT", "LTA":
		opts.Level = sign.LevelT
	default:
		return usageError(fmt.Errorf("--level must be B, T, LT or LTA, not %q", f.level))
	}
	if opts.RequireRole, err = hcrole.ParseRequirement(f.roles...); err != nil {
		return usageError(fmt.Errorf("--require-role: %w", err))
	}
	if f.policy != "" {
		if opts.PolicyOID, err = parseOID(f.policy); err != nil {
			return usageError(fmt.Errorf("--policy: %w", err))
		}
	}
	// --tsa-trust defaults to --trust, as in hpki verify.
	tsaTrust := f.tsaTrust
	if len(tsaTrust) == 0 {
		tsaTrust = f.tf.trust
	}
	if opts.Level == sign.LevelT {
		if f.tsaURL == "" {
			return usageError(fmt.Errorf("--level %s needs --tsa URL", strings.ToUpper(f.level)))
		}
		if opts.TSA, err = newTSAClient(f.tsaURL, f.tsaUser, tsaTrust, f.tsaTimeout, crypto.SHA256); err != nil {
			return err
		}
	}
	// LT and LTA: the new signature is extended before it is written.
	var ext *extend.Options
	if lvl := strings.ToUpper(f.level); lvl == "LT" || lvl == "LTA" {
		vo, err := validationOptions(&f.tf, tsaTrust, &f.rf)
		if err != nil {
			return err
		}
		ext = &extend.Options{To: sign.Level(lvl), TSA: opts.TSA, Verify: vo}
	}
	if f.out != "" && len(files) > 1 {
		return usageError(errors.New("-o names one output: with several inputs, each gets its default name (FILE.p7s, FILE.signed.xml, FILE.signed.pdf)"))
	}
	// Check every input and output before asking for a PIN.
	ins := make([]signInput, len(files))
	for i, name := range files {
		in := signInput{name: name}
		var head []byte
		if in.stdin() {
			if len(files) > 1 {
				return usageError(errors.New("- (stdin) is the only input when given"))
			}
			if f.out == "" {
				return usageError(errors.New("signing stdin needs -o FILE (or -o - for stdout)"))
			}
			data, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), maxSignatureFile+1))
			if err != nil {
				return usageError(fmt.Errorf("reading stdin: %w", err))
			}
			if len(data) > maxSignatureFile {
				return usageError(fmt.Errorf("stdin: larger than %d bytes", maxSignatureFile))
			}
			in.data, head = data, data
		} else {
			st, err := os.Stat(name)
			if err != nil {
				return usageError(fmt.Errorf("input: %w", err))
			}
			if st.IsDir() {
				return usageError(fmt.Errorf("input %s is a directory", name))
			}
			if head, err = readHead(name); err != nil {
				return usageError(fmt.Errorf("input: %w", err))
			}
		}
		if in.format, err = pickFormat(f.format, head, name); err != nil {
			return err
		}
		if in.pack, err = checkPackaging(in.format, f.packaging); err != nil {
			return err
		}
		if in.stdin() && in.format == "xades" && in.pack == "detached" {
			return usageError(errors.New("a detached XAdES signature names its document: sign a file, not stdin"))
		}
		in.out = name + ".p7s"
		switch in.format {
		case "xades":
			in.out = signedXMLName(name, in.pack)
		case "pades":
			in.out = pdfSignedName(name)
		}
		if f.out != "" {
			in.out = f.out
		}
		if in.out != "-" && !f.force {
			if _, err := os.Lstat(in.out); err == nil {
				return usageError(fmt.Errorf("%s exists (use --force to overwrite)", in.out))
			}
		}
		ins[i] = in
	}
	// No output may replace an input, whatever --force says and however
	// the two names are spelled (hard links, symbolic links, ./x).
	for _, o := range ins {
		for _, in := range files {
			if o.out == "-" || in == "-" {
				continue
			}
			if err := notSameFile(o.out, in, "the input"); err != nil {
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
	vo, err := validationOptions(&f.tf, tsaTrust, &f.rf)
	if err != nil {
		return err
	}
	more, err := verify.New(vo).CheckSigner(cmd.Context(), cred.Certificate, cred.Chain)
	if err != nil {
		return failure(err)
	}
	warnings = append(warnings, more...)
	for _, w := range warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), textsafe.String(localizeError(w)))
	}
	opts.AllowNonHPKI = true // already decided and warned above
	// The report goes to stderr when the signature goes to stdout.
	report := cmd.OutOrStdout()
	if f.out == "-" {
		report = cmd.ErrOrStderr()
	}
	var results []any
	for _, in := range ins {
		var res *writeResult
		var err error
		switch in.format {
		case "pades":
			var pext *pades.ExtendOptions
			if ext != nil {
				pext = &pades.ExtendOptions{To: ext.To, Verify: ext.Verify}
				pext.TSA, _ = opts.TSA.(pades.DigestTimestamper)
			}
			res, err = signOnePDF(cmd.Context(), cmd.OutOrStdout(), in, cred, opts, f.pdf, f.force, pext)
		case "xades":
			res, err = signOneXML(cmd.Context(), cmd.OutOrStdout(), in, cred, sign.XAdESOptions{
				ReferenceID: f.xmlID, Hash: opts.Hash, Level: opts.Level, TSA: opts.TSA, PolicyOID: opts.PolicyOID,
				RequireRole: opts.RequireRole, AllowNonHPKI: true, ReferenceKeyInfo: f.refKeyInfo,
				C14N: c14nAlg, MimeType: f.mimeType,
			}, f.force, ext)
		default:
			o := opts
			if in.pack == "enveloping" {
				o.Packaging = sign.Enveloping
			} else {
				o.Packaging = sign.Detached
			}
			res, err = signOne(cmd.Context(), cmd.OutOrStdout(), in, cred, o, f.force, ext)
		}
		if err != nil {
			return err
		}
		res.Warnings = warnings
		if f.report.text() {
			fmt.Fprintln(report, signedLine(res))
		} else {
			results = append(results, res)
		}
	}
	if !f.report.text() {
		if err := f.report.emit(report, results...); err != nil {
			return failure(err)
		}
	}
	return nil
}

// readHead reads the first docformat.SniffLen bytes of a file.
func readHead(name string) ([]byte, error) {
	file, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	buf := make([]byte, docformat.SniffLen)
	n, err := io.ReadFull(file, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, err
	}
	return buf[:n], nil
}

// signedLine is the text report of one signature written.
func signedLine(r *writeResult) string {
	what := r.Level
	if r.Packaging != "" {
		what += " " + r.Packaging
	}
	if r.ProvenTime != nil {
		what += ", " + tr("timestamped ", "タイムスタンプ ") + localTime(*r.ProvenTime)
	}
	signer := r.Signer.Subject
	for _, role := range r.Signer.Roles {
		signer += ", " + role.Code
	}
	if r.Field != "" {
		what += tr(", field ", "、フィールド ") + r.Field
	}
	return fmt.Sprintf(tr("signed %s → %s (%s, %s)", "署名しました %s → %s (%s, %s)"), textsafe.Name(r.Input), textsafe.Name(r.Output), textsafe.String(what), textsafe.String(signer))
}

// signedLevel names the level a new signature was made at.
func signedLevel(format string, level sign.Level) string {
	if level == sign.LevelT {
		return format + "-BASELINE-T"
	}
	return format + "-BASELINE-B"
}

// writeSignature writes a signature to out, or to stdout for "-".
func writeSignature(stdout io.Writer, out string, data []byte, force bool, from ...string) error {
	if out == "-" {
		if _, err := stdout.Write(data); err != nil {
			return failure(fmt.Errorf("writing stdout: %w", err))
		}
		return nil
	}
	var named []string
	for _, f := range from {
		if f != "-" {
			named = append(named, f)
		}
	}
	return writeOutput(out, data, force, force, named...)
}

// extendedResult fills r from the validation of an extended signature.
func extendedResult(r *writeResult, lifted *extend.Result) {
	r.Level = lifted.Level
	if lifted.Report != nil && len(lifted.Report.Signatures) > 0 {
		s := lifted.Report.Signatures[0]
		r.ProvenTime = utcPtr(s.BestSignatureTime)
		r.RenewBy = s.RenewBy
	}
}

func signOneXML(ctx context.Context, stdout io.Writer, in signInput, cred sign.Credential, opts sign.XAdESOptions, force bool, ext *extend.Options) (*writeResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var res *sign.Result
	var err error
	if in.pack == "detached" {
		file, closer, ferr := in.open()
		if ferr != nil {
			return nil, ferr
		}
		defer closer()
		res, err = sign.SignXAdESDetached(ctx, file, filepath.Base(in.name), cred, opts)
	} else {
		data, rerr := in.read()
		if rerr != nil {
			return nil, rerr
		}
		if in.pack == "enveloping" {
			res, err = sign.SignXAdESEnveloping(ctx, data, mime.TypeByExtension(filepath.Ext(in.name)), cred, opts)
		} else {
			res, err = sign.SignXAdES(ctx, data, cred, opts)
		}
	}
	if err != nil {
		return nil, failure(fmt.Errorf("%s: %w", in.name, err))
	}
	r := &writeResult{Input: in.name, Output: in.out, Format: "XAdES", Packaging: in.pack, Level: signedLevel("XAdES", opts.Level), Signer: summarizeSigner(cred.Certificate), ProvenTime: utcPtr(res.TimestampTime)}
	if ext != nil {
		var detached xmlsig.Detached
		if in.pack == "detached" {
			detached = detachedResolver(in.name)
		}
		lifted, err := extend.XAdES(ctx, res.Signature, detached, *ext)
		if err != nil {
			return nil, failure(fmt.Errorf("%s: %w", in.name, err))
		}
		res.Signature = lifted.Signature
		extendedResult(r, lifted)
	}
	if err := writeSignature(stdout, in.out, res.Signature, force, in.name); err != nil {
		return nil, err
	}
	return r, nil
}

func signOne(ctx context.Context, stdout io.Writer, in signInput, cred sign.Credential, opts sign.CAdESOptions, force bool, ext *extend.Options) (*writeResult, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	file, closer, err := in.open()
	if err != nil {
		return nil, err
	}
	defer closer()
	res, err := sign.SignCAdES(ctx, file, cred, opts)
	if err != nil {
		return nil, failure(fmt.Errorf("%s: %w", in.name, err))
	}
	r := &writeResult{Input: in.name, Output: in.out, Format: "CAdES", Packaging: in.pack, Level: signedLevel("CAdES", opts.Level), Signer: summarizeSigner(cred.Certificate), ProvenTime: utcPtr(res.TimestampTime)}
	if ext != nil {
		var content io.ReadSeeker
		if opts.Packaging != sign.Enveloping {
			content = file
		}
		lifted, err := extend.CAdES(ctx, res.Signature, content, *ext)
		if err != nil {
			return nil, failure(fmt.Errorf("%s: %w", in.name, err))
		}
		res.Signature = lifted.Signature
		extendedResult(r, lifted)
	}
	if err := writeSignature(stdout, in.out, res.Signature, force, in.name); err != nil {
		return nil, err
	}
	return r, nil
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

// signLong is the help text of the command (translated in i18n_ja.go).
const signLong = `Sign one or more documents. The format follows the content (--format auto):
an XML document gets XAdES, FILE.signed.xml (enveloped: the whole document or
the element --xml-id) or FILE.xades.xml (--packaging detached, or enveloping:
the file inside the signature); a PDF (a file with the %PDF- header) is
signed inside itself, PAdES, as an incremental update that keeps every
original byte: FILE.signed.pdf (--visible, --field, --certify, --reason,
--location; LT/LTA add a DSS and a document timestamp); any other file gets
CAdES, FILE.p7s (detached unless --packaging enveloping). --format cades,
xades or pades forces a format (--format cades makes a detached CAdES
signature of a PDF). FILE - reads the document from stdin (with -o; -o -
writes the signature or signed PDF to stdout and the report to stderr). The key is loaded once: one PIN for the batch where
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

--output json prints the result (input, output, format, level, signer,
the time the timestamp proves); several inputs give an array, --output jsonl
one line each.

Exit codes: 0 signed, 1 signing failed (role refused, TSA or card error),
3 usage error or unreadable input.`
