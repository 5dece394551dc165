package verify

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
)

// Options configure a Verifier.
type Options struct {
	// Trust holds the anchors and known intermediates for signer
	// certificates (default: trust.Default(), the MHLW HPKI root).
	Trust *trust.Store
	// TSATrust holds the anchors for TSA certificates (default: Trust).
	TSATrust *trust.Store
	// RequireRole fails signatures whose signer lacks all of these roles.
	RequireRole hcrole.Requirement
	// At is the validation time (zero: now).
	At time.Time
	// Now is the clock used when At is zero (default time.Now).
	Now func() time.Time
}

// Verifier validates signatures. It caches certificate parsing and path
// building results across documents, keyed by the certificate's hash and
// the trust store's fingerprint; a cached path is reused only at times
// inside the validity of every certificate on it, so the cache can never
// make a signature pass that a fresh validation would fail. A Verifier is
// safe for concurrent use.
type Verifier struct {
	opts   Options
	certs  sync.Map // [32]byte → *x509.Certificate
	paths  sync.Map // pathKey → pathEntry
	ncerts int
	mu     sync.Mutex
}

type pathKey struct {
	leaf  [32]byte
	store [32]byte
}

type pathEntry struct {
	chain    []*x509.Certificate
	from, to time.Time
}

// maxCachedCerts bounds the certificate cache.
const maxCachedCerts = 100000

// New returns a Verifier with opts.
func New(opts Options) *Verifier {
	if opts.Trust == nil {
		opts.Trust = trust.Default()
	}
	if opts.TSATrust == nil {
		opts.TSATrust = opts.Trust
	}
	return &Verifier{opts: opts}
}

// validationTime returns the time the validation is made for.
func (v *Verifier) validationTime() time.Time {
	if !v.opts.At.IsZero() {
		return v.opts.At
	}
	if v.opts.Now != nil {
		return v.opts.Now()
	}
	return time.Now()
}

// parseCert parses DER, caching by hash.
func (v *Verifier) parseCert(der []byte) (*x509.Certificate, error) {
	key := sha256.Sum256(der)
	if c, ok := v.certs.Load(key); ok {
		return c.(*x509.Certificate), nil
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	if v.ncerts < maxCachedCerts {
		v.ncerts++
		v.certs.Store(key, c)
	}
	v.mu.Unlock()
	return c, nil
}

// pathFailure classifies a failed path validation.
type pathFailure struct {
	sub SubIndication
	ind Indication
	err error
}

func (p *pathFailure) Error() string { return p.err.Error() }

// path returns a certification path from cert to an anchor of store valid
// at time at, using extra as untrusted intermediates.
func (v *Verifier) path(store *trust.Store, cert *x509.Certificate, extra []*x509.Certificate, at time.Time) ([]*x509.Certificate, error) {
	key := pathKey{leaf: sha256.Sum256(cert.Raw), store: store.Fingerprint()}
	if e, ok := v.paths.Load(key); ok {
		pe := e.(pathEntry)
		if !at.Before(pe.from) && !at.After(pe.to) {
			return pe.chain, nil
		}
	}
	chains, err := store.Verify(cert, extra, at)
	if err != nil {
		return nil, classifyPathError(err, cert, at)
	}
	chain := chains[0]
	pe := pathEntry{chain: chain, from: chain[0].NotBefore, to: chain[0].NotAfter}
	for _, c := range chain[1:] {
		if c.NotBefore.After(pe.from) {
			pe.from = c.NotBefore
		}
		if c.NotAfter.Before(pe.to) {
			pe.to = c.NotAfter
		}
	}
	v.paths.Store(key, pe)
	return chain, nil
}

func classifyPathError(err error, cert *x509.Certificate, at time.Time) error {
	var inv x509.CertificateInvalidError
	var unk x509.UnknownAuthorityError
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		if at.Before(cert.NotBefore) {
			return &pathFailure{ind: TotalFailed, sub: NotYetValid, err: fmt.Errorf("certificate not yet valid at %s (valid from %s)", at.UTC().Format(time.RFC3339), cert.NotBefore.UTC().Format(time.RFC3339))}
		}
		return &pathFailure{ind: Indeterminate, sub: OutOfBoundsNoPOE, err: fmt.Errorf("a certificate on the path is expired or not yet valid at %s and no proof of existence shows the signature existed earlier: %v", at.UTC().Format(time.RFC3339), err)}
	case errors.As(err, &unk):
		return &pathFailure{ind: Indeterminate, sub: NoCertificateChainFound, err: fmt.Errorf("no path to a trust anchor: %v", err)}
	}
	return &pathFailure{ind: Indeterminate, sub: CertificateChainGeneral, err: err}
}

// timestampResult is the outcome of one timestamp.
type timestampResult struct {
	report Timestamp
	valid  bool
}

// checkTimestamp validates a signature or archive timestamp token over
// data (the signature value, or the archive input).
func (v *Verifier) checkTimestamp(kind string, raw []byte, data []byte) timestampResult {
	r := timestampResult{report: Timestamp{Type: kind, Indication: TotalFailed}}
	tok, err := tsa.ParseToken(raw)
	if err != nil {
		r.report.SubInd = FormatFailure
		r.report.Errors = append(r.report.Errors, err.Error())
		return r
	}
	r.report.GenTime = tok.GenTime
	r.report.TSA = tok.TSAName
	d := tok.HashAlgorithm.New()
	d.Write(data)
	if err := tok.CheckImprint(tok.HashAlgorithm, d.Sum(nil)); err != nil {
		r.report.SubInd = HashFailure
		r.report.Errors = append(r.report.Errors, err.Error())
		return r
	}
	var extra []*x509.Certificate
	cert, err := tok.VerifySignature(extra)
	if err != nil {
		switch tsa.ReasonOf(err) {
		case tsa.BadSignature:
			r.report.SubInd = SigCryptoFailure
		case tsa.NoEKU, tsa.EKUNotCritical:
			r.report.Indication, r.report.SubInd = Indeterminate, ChainConstraintsFailure
		case tsa.NoCertificate:
			r.report.Indication, r.report.SubInd = Indeterminate, NoSigningCertificateFound
		default:
			r.report.SubInd = FormatFailure
		}
		r.report.Errors = append(r.report.Errors, err.Error())
		return r
	}
	if _, err := v.path(v.opts.TSATrust, cert, tok.Certificates, tok.GenTime); err != nil {
		pf := err.(*pathFailure)
		r.report.Indication, r.report.SubInd = Indeterminate, pf.sub
		r.report.Errors = append(r.report.Errors, "TSA certificate: "+err.Error())
		return r
	}
	if tok.GenTime.After(v.validationTime()) {
		r.report.Indication, r.report.SubInd = Indeterminate, TimestampOrderFailure
		r.report.Errors = append(r.report.Errors, "timestamp genTime is after the validation time")
		return r
	}
	r.report.Indication = TotalPassed
	r.valid = true
	return r
}
