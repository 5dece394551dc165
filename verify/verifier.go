package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/xmlsig"
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
	// CRLs and OCSPResponses are revocation data (DER) the caller gives,
	// used beside the data embedded in the signature.
	CRLs, OCSPResponses [][]byte
	// Offline forbids fetching revocation data: only embedded and given
	// data are used.
	Offline bool
	// Fetcher gets revocation data online (default: a Fetcher with its
	// defaults). Unused when Offline.
	Fetcher *revocation.Fetcher
	// MaxRevocationAge, when positive, refuses revocation data issued
	// longer than this before the time it must prove the status at (for
	// services that want a bound on offline data). Zero: no bound beyond
	// the freshness rules.
	MaxRevocationAge time.Duration
	// CacheBytes bounds the memory the Verifier's caches may hold, by an
	// estimate of each entry's size (default DefaultCacheBytes). An entry
	// estimated above a quarter of it is never cached.
	CacheBytes int64
	// RequireCovered lists locations (simple absolute paths, see
	// xmlsig.ParsePath: "/Document/PrescriptionData",
	// "/Q{urn:x}Document[1]/Q{urn:x}PrescriptionData") that every XAdES
	// signature (counter-signatures aside) must cover: each element of the
	// document at such a location must be, or lie inside, an element a
	// verified reference of the signature points at — outside the
	// signature's own ds:Object — and at least one must exist. Otherwise
	// the signature is TOTAL_FAILED/SIG_CONSTRAINTS_FAILURE. The layouts
	// of DefaultLayouts add their paths by themselves when the document
	// root says what the document is. An invalid path makes VerifyXAdES
	// return an error.
	RequireCovered []string
	// MayBeAbsent, when set, says which detached data (by reference URI,
	// in SignedInfo or in a signed ds:Manifest) may be missing: such a
	// reference left unchecked is listed in Covers as not checked, with a
	// warning, and does not change the indication. Any other unchecked
	// reference makes the signature INDETERMINATE/SIGNED_DATA_NOT_FOUND.
	MayBeAbsent func(uri string) bool
	// KeepSignedData keeps, in SignatureReport.SignedData, the exact
	// octets each XAdES reference digested (memory: the size of the
	// distinct covered data), and the content an enveloping CAdES
	// signature carries.
	KeepSignedData bool
}

// DefaultCacheBytes is the default bound on the memory held by a
// Verifier's caches (Options.CacheBytes).
const DefaultCacheBytes = 256 << 20

// Verifier validates signatures. It caches certificate parsing, the checks
// of revocation data (each CRL once per issuer, each OCSP response once per
// certificate) and path building results across documents, keyed by the certificate's hash and
// the trust store's fingerprint; a cached path is reused only at times
// inside the validity of every certificate on it, so the cache can never
// make a signature pass that a fresh validation would fail. A Verifier is
// safe for concurrent use.
//
// The caches are bounded: at most maxCachedCerts entries, and
// Options.CacheBytes in all by an estimate of each entry's memory, the
// least recently used evicted first (so memory stays flat over any number
// of distinct documents); an entry estimated above a quarter of the budget
// is not cached. Cached objects hold
// their own copies of the bytes they were parsed from, never the caller's
// signature buffer, so a cache entry cannot keep a large input alive.
type Verifier struct {
	opts Options
	// cache holds parsed certificates (certKey), paths (pathKey),
	// revocation checks (revKey) and parsed tokens (tokenKey).
	cache *boundedCache
	// givenCRLs and givenOCSPs are Options.CRLs/OCSPResponses, hashed once.
	givenCRLs, givenOCSPs []revData
}

// cachedBytes returns the estimated memory held by the caches.
func (v *Verifier) cachedBytes() int64 {
	n, _ := v.cache.size()
	return n
}

// Estimated memory of cache entries: parsed structures cost a few times
// their DER, plus a fixed overhead.
func certCost(der []byte) int64  { return 4*int64(len(der)) + 2048 }
func tokenCost(der []byte) int64 { return 6*int64(len(der)) + 4096 }
func errorCost(err error) int64  { return 256 + int64(len(err.Error())) }
func chainCost(chain []*x509.Certificate) int64 {
	n := int64(256)
	for _, c := range chain {
		n += 64 + int64(len(c.Raw))
	}
	return n
}

type pathKey struct {
	leaf  [32]byte
	store [32]byte
}

type pathEntry struct {
	chain    []*x509.Certificate
	from, to time.Time
}

// maxCachedCerts bounds the number of entries of the cache.
const maxCachedCerts = 100000

// New returns a Verifier with opts.
func New(opts Options) *Verifier {
	if opts.Trust == nil {
		opts.Trust = trust.Default()
	}
	if opts.TSATrust == nil {
		opts.TSATrust = opts.Trust
	}
	budget := opts.CacheBytes
	if budget <= 0 {
		budget = DefaultCacheBytes
	}
	return &Verifier{opts: opts, cache: newBoundedCache(budget, maxCachedCerts), givenCRLs: hashed(opts.CRLs), givenOCSPs: hashed(opts.OCSPResponses)}
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

// parseCert parses DER, caching by hash. The certificate is parsed from a
// copy of der (x509.Certificate keeps slices of what it parsed), so that
// neither the cache nor the caller's reports pin the signature it came from.
func (v *Verifier) parseCert(der []byte) (*x509.Certificate, error) {
	key := certKey(sha256.Sum256(der))
	if c, ok := v.cache.load(key); ok {
		return c.(*x509.Certificate), nil
	}
	c, err := x509.ParseCertificate(bytes.Clone(der))
	if err != nil {
		return nil, err
	}
	v.cache.store(key, c, certCost(der))
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
	if e, ok := v.cache.load(key); ok {
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
	v.cache.store(key, pe, chainCost(chain))
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

// unwrapOctetString returns the content of raw when raw is an OCTET STRING
// holding a SEQUENCE (some producers wrap the timestamp token of an
// attribute value in an extra OCTET STRING), else raw. The token is then
// read and checked as the producer wrote it inside.
func unwrapOctetString(raw []byte) []byte {
	if len(raw) == 0 || raw[0] != 0x04 {
		return raw
	}
	var inner []byte
	if rest, err := asn1.Unmarshal(raw, &inner); err != nil || len(rest) != 0 || len(inner) == 0 || inner[0] != 0x30 {
		return raw
	}
	return inner
}

// parsedToken is a timestamp token parsed once per Verifier: the token, its
// SignedData (for unsigned attributes such as ats-hash-index-v3) and the
// certificates and revocation values it carries.
type parsedToken struct {
	tok         *tsa.Token
	sd          *cms.SignedData
	certs       []*x509.Certificate
	crls, ocsps []revData
	err         error
}

// token parses a timestamp token, caching the result by its hash (parsing
// is a pure function of the bytes; nothing is verified here). The token is
// parsed from a copy of raw, which is usually a slice of a larger
// signature that the cache must not keep alive.
func (v *Verifier) token(raw []byte) *parsedToken {
	key := tokenKey(sha256.Sum256(raw))
	if e, ok := v.cache.load(key); ok {
		return e.(*parsedToken)
	}
	raw = bytes.Clone(unwrapOctetString(raw))
	pt := &parsedToken{}
	if pt.tok, pt.err = tsa.ParseTokenWith(raw, v.parseCert); pt.err == nil {
		if pt.sd = pt.tok.SignedData(); pt.sd != nil {
			// Every certificate of the bag parsed (or the token would
			// not have), each once per Verifier.
			pt.certs = pt.tok.Certificates
			crls, ocsps := pt.sd.RevocationValues()
			pt.crls, pt.ocsps = hashed(crls), hashed(ocsps)
		}
	}
	cost := tokenCost(raw)
	if pt.err != nil {
		cost = errorCost(pt.err)
	}
	v.cache.store(key, pt, cost)
	return pt
}

// timestampResult is the outcome of one timestamp.
type timestampResult struct {
	report Timestamp
	valid  bool
	// until is when the first certificate of the TSA's path expires.
	until time.Time
	// warnings about the TSA's revocation status.
	warnings []string
}

// stamp is one timestamp token of a signature with the data it must cover.
type stamp struct {
	kind string // Timestamp.Type
	raw  []byte
	data []byte
	// err is set when the covered data could not be computed.
	err error
	// digest, when set, hashes the covered data instead of data (archive
	// timestamps share most of their input; see archiveContext).
	digest func(crypto.Hash) ([]byte, error)
	// pos is where the token sits among the signature's unsigned data
	// (CAdES: attribute and value index; XAdES: the unsigned signature
	// property's index; a PDF's later document timestamps come after
	// everything the CMS holds).
	pos stampPos
	// covers, for an archive timestamp, tells which positions its input
	// covered; nil means every position before its own.
	covers func(stampPos) bool
}

// stampPos is the position of a timestamp token in its signature.
type stampPos [2]int

// covering reports whether the archive timestamp st covered the token at
// p: only a token it covered is proven to have existed at its time.
func (st stamp) covering(p stampPos) bool {
	if st.covers != nil {
		return st.covers(p)
	}
	return p[0] < st.pos[0]
}

// imprint returns the hash (h) of the data the stamp must cover.
func (st stamp) imprint(h crypto.Hash) ([]byte, error) {
	if st.digest != nil {
		return st.digest(h)
	}
	d := h.New()
	d.Write(st.data)
	return d.Sum(nil), nil
}

// checkTimestampAt validates a timestamp token over data at time control,
// the time up to which a later timestamp (or the validation time) proves it
// existed: imprint, TSA signature and EKU, the TSA certificate valid at
// genTime, the TSA path valid at control and its revocation status at
// control. lenient relaxes missing TSA revocation data to a warning.
func (v *Verifier) checkTimestampAt(ctx context.Context, st stamp, control time.Time, lenient bool, m *material, vd *ValidationData) timestampResult {
	r := timestampResult{report: Timestamp{Type: st.kind, Indication: TotalFailed}}
	failed := func(ind Indication, sub SubIndication, msg string) timestampResult {
		r.report.Indication, r.report.SubInd = ind, sub
		r.report.Errors = append(r.report.Errors, msg)
		return r
	}
	pt := v.token(st.raw)
	if pt.err != nil {
		return failed(TotalFailed, FormatFailure, pt.err.Error())
	}
	tok := pt.tok
	r.report.GenTime = tok.GenTime
	r.report.TSA = tok.TSAName
	if st.err != nil {
		if errors.Is(st.err, xmlsig.ErrNotGiven) {
			return failed(Indeterminate, SignedDataNotFound, st.err.Error())
		}
		return failed(TotalFailed, HashFailure, st.err.Error())
	}
	sum, err := st.imprint(tok.HashAlgorithm)
	if err != nil {
		return failed(TotalFailed, HashFailure, err.Error())
	}
	if err := tok.CheckImprint(tok.HashAlgorithm, sum); err != nil {
		return failed(TotalFailed, HashFailure, err.Error())
	}
	extra := append(append([]*x509.Certificate{}, tok.Certificates...), m.certs...)
	cert, err := tok.VerifySignature(extra)
	if err != nil {
		switch tsa.ReasonOf(err) {
		case tsa.BadSignature:
			return failed(TotalFailed, SigCryptoFailure, err.Error())
		case tsa.NoEKU, tsa.EKUNotCritical:
			return failed(Indeterminate, ChainConstraintsFailure, err.Error())
		case tsa.NoCertificate:
			return failed(Indeterminate, NoSigningCertificateFound, err.Error())
		}
		return failed(TotalFailed, FormatFailure, err.Error())
	}
	if tok.GenTime.Before(cert.NotBefore) || tok.GenTime.After(cert.NotAfter) {
		return failed(Indeterminate, OutOfBoundsNoPOE, "the TSA certificate was not valid at the timestamp's genTime")
	}
	if tok.GenTime.After(control) {
		return failed(Indeterminate, TimestampOrderFailure, "timestamp genTime is after the time it must be proven at")
	}
	chain, err := v.path(v.opts.TSATrust, cert, extra, control)
	if err != nil {
		pf := err.(*pathFailure)
		return failed(Indeterminate, pf.sub, "TSA certificate: "+err.Error())
	}
	if w := v.opts.TSATrust.AnchorWarning(chain[len(chain)-1]); w != "" {
		r.warnings = append(r.warnings, "TSA "+w)
	}
	for _, c := range chain {
		vd.addCert(c)
		if r.until.IsZero() || c.NotAfter.Before(r.until) {
			r.until = c.NotAfter
		}
	}
	rev := v.checkRevocation(ctx, chain, control, true, lenient, lenient, m, vd)
	r.report.Revocation = rev.checks
	r.warnings = append(r.warnings, rev.warnings...)
	if rev.ind != "" {
		sub := rev.sub
		if sub == Revoked {
			sub = RevokedNoPOE
		}
		return failed(Indeterminate, sub, "TSA certificate: "+rev.err)
	}
	r.report.Indication = TotalPassed
	r.valid = true
	return r
}
