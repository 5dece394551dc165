package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/hpki-jp/hpki/revocation"
)

// RevocationCheck reports how the revocation status of one certificate
// was established.
type RevocationCheck struct {
	// Certificate is the subject of the checked certificate.
	Certificate string `json:"certificate"`
	// Status is "good", "revoked", or "not checked".
	Status string `json:"status"`
	// Source is "CRL" or "OCSP"; Origin is "embedded", "given" or "fetched".
	Source     string     `json:"source,omitempty"`
	Origin     string     `json:"origin,omitempty"`
	ThisUpdate *time.Time `json:"thisUpdate,omitempty"`
	RevokedAt  *time.Time `json:"revokedAt,omitempty"`
	// At is the time the status had to be proven for.
	At time.Time `json:"at"`
	// selfContained: data embedded in the signature settles the status
	// (the mark of B-LT).
	selfContained bool
}

// ValidationData is what a validation used: the certificates of every
// path (signer and TSAs) and the revocation data (DER CRLs and OCSP
// responses) that established their status. Extending a signature to
// B-LT embeds it.
type ValidationData struct {
	Certificates []*x509.Certificate
	CRLs, OCSPs  [][]byte
}

func (d *ValidationData) addCert(c *x509.Certificate) {
	for _, x := range d.Certificates {
		if bytes.Equal(x.Raw, c.Raw) {
			return
		}
	}
	d.Certificates = append(d.Certificates, c)
}

func (d *ValidationData) addRevocation(i *revocation.Info) {
	list := &d.CRLs
	if i.Source == revocation.SourceOCSP {
		list = &d.OCSPs
	}
	for _, x := range *list {
		if bytes.Equal(x, i.Raw) {
			return
		}
	}
	*list = append(*list, i.Raw)
}

// material is the validation data available for one signature: embedded
// in it, or given by the caller. Each piece of revocation data is hashed
// once (revData) and listed once, however often the signature repeats it,
// so the checks of a path cost no more than the data's size.
type material struct {
	certs []*x509.Certificate
	crls  []originData
	ocsps []originData
	// crlAt and ocspAt map a hash to its entry in crls or ocsps.
	crlAt, ocspAt map[[32]byte]int
}

// revData is revocation data (DER) with its SHA-256, computed once.
type revData struct {
	raw []byte
	sum [32]byte
}

// hashed returns ders with their hashes.
func hashed(ders [][]byte) []revData {
	out := make([]revData, len(ders))
	for i, d := range ders {
		out[i] = revData{d, sha256.Sum256(d)}
	}
	return out
}

type originData struct {
	revData
	origin string
}

// newMaterial starts from the caller's data (Options.CRLs/OCSPResponses,
// hashed once per Verifier).
func (v *Verifier) newMaterial() *material {
	m := &material{crlAt: map[[32]byte]int{}, ocspAt: map[[32]byte]int{}}
	m.add(nil, v.givenCRLs, v.givenOCSPs, "given")
	return m
}

func (m *material) clone() *material {
	return &material{
		certs:  append([]*x509.Certificate{}, m.certs...),
		crls:   append([]originData{}, m.crls...),
		ocsps:  append([]originData{}, m.ocsps...),
		crlAt:  maps.Clone(m.crlAt),
		ocspAt: maps.Clone(m.ocspAt),
	}
}

// addEmbedded adds data the signature carries.
func (m *material) addEmbedded(certs []*x509.Certificate, crls, ocsps []revData) {
	m.add(certs, crls, ocsps, "embedded")
}

// add lists each piece of data once; data the signature carries counts as
// embedded even when the caller gave the same bytes.
func (m *material) add(certs []*x509.Certificate, crls, ocsps []revData, origin string) {
	m.certs = append(m.certs, certs...)
	put := func(list *[]originData, at map[[32]byte]int, d revData) {
		if i, ok := at[d.sum]; ok {
			if origin == "embedded" {
				(*list)[i].origin = origin
			}
			return
		}
		at[d.sum] = len(*list)
		*list = append(*list, originData{d, origin})
	}
	for _, c := range crls {
		put(&m.crls, m.crlAt, c)
	}
	for _, o := range ocsps {
		put(&m.ocsps, m.ocspAt, o)
	}
}

// revocationOutcome is the result of checking a path's revocation status.
type revocationOutcome struct {
	ind      Indication
	sub      SubIndication
	err      string
	warnings []string
	checks   []RevocationCheck
}

// evidence is one piece of checked revocation data about a certificate.
type evidence struct {
	info   *revocation.Info
	origin string // "embedded", "given" or "fetched"
}

// candidates returns the checked revocation data about cert from m, with a
// warning for each piece that is about cert but fails its checks.
func (v *Verifier) candidates(m *material, cert, issuer *x509.Certificate) (out []evidence, warnings []string) {
	for _, d := range m.crls {
		crl, err := v.checkedCRL(d.revData, issuer)
		if errors.Is(err, revocation.ErrOtherIssuer) {
			continue // about another CA
		}
		var info *revocation.Info
		if err == nil {
			info, err = crl.Status(cert)
		}
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s CRL ignored: %v", d.origin, err))
			continue
		}
		out = append(out, evidence{info, d.origin})
	}
	for _, d := range m.ocsps {
		info, err := v.checkedOCSP(d.revData, cert, issuer)
		if err != nil {
			if !isAboutAnother(err) {
				warnings = append(warnings, fmt.Sprintf("%s OCSP response ignored: %v", d.origin, err))
			}
			continue
		}
		out = append(out, evidence{info, d.origin})
	}
	return out, warnings
}

// freshness says what revocation data may prove a certificate's status at
// a time: the one place of the freshness rules (EN 319 102-1 past
// signature validation; the grace period of JIS X 5092/5093).
type freshness struct {
	// at is the time the status must be proven for.
	at time.Time
	// current: at is the validation time itself, not a time a proof of
	// existence gives.
	current bool
	// online: the certificate's own CRL/OCSP service may be asked.
	online bool
	// maxAge, when positive, refuses data issued longer than that before at.
	maxAge time.Duration
}

// issued is when revocation data states the status: the CRL's thisUpdate,
// the OCSP SingleResponse's thisUpdate (never later than producedAt).
func issued(i *revocation.Info) time.Time { return i.ThisUpdate }

// decisive reports whether e proves a revocation at or before f.at. A
// revocation is permanent, so data of any age and origin that passed its
// checks proves it.
func (f freshness) decisive(e evidence) bool {
	return e.info.Status == revocation.Revoked && !e.info.RevokedAt.After(f.at)
}

// accept says whether e may prove that cert was not revoked at f.at, and if
// not, why. The rules:
//   - status unknown proves nothing;
//   - "not revoked" from data issued after the certificate expired proves
//     nothing (CAs drop expired certificates from their lists);
//   - with maxAge, data issued longer than maxAge before the time is refused;
//   - at a time proven by a POE (not current), the data must have been
//     issued at or after that time (to the second): older data cannot know
//     of a revocation between its issue and that time;
//   - at the current time with the service reachable (online), the
//     signature's own (embedded) data is not used: status comes from the
//     certificate's service, or from data the caller gave; offline, data
//     whose validity (thisUpdate to nextUpdate) covers the time is used.
func (f freshness) accept(e evidence, cert *x509.Certificate) (bool, string) {
	i := e.info
	when := issued(i)
	switch {
	case i.Status == revocation.Unknown:
		return false, "its status is unknown"
	case when.After(cert.NotAfter):
		return false, fmt.Sprintf("issued %s, after the certificate expired (%s): expired certificates are dropped from revocation lists", when.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339))
	case f.maxAge > 0 && when.Before(f.at.Add(-f.maxAge)):
		return false, fmt.Sprintf("issued %s, more than the maximum revocation age (%s) before %s", when.UTC().Format(time.RFC3339), f.maxAge, f.at.UTC().Format(time.RFC3339))
	case !f.current:
		if when.Before(f.at.Truncate(time.Second)) {
			return false, fmt.Sprintf("issued %s, before %s, the time it must prove: data issued at or after that time is needed", when.UTC().Format(time.RFC3339), f.at.UTC().Format(time.RFC3339))
		}
		return true, ""
	case f.online && e.origin == "embedded":
		return false, "the signature's own data is not used for the current status while the CA's service can be asked"
	case !i.CoversTime(f.at):
		return false, fmt.Sprintf("valid from %s to %s, which does not cover %s", when.UTC().Format(time.RFC3339), i.NextUpdate.UTC().Format(time.RFC3339), f.at.UTC().Format(time.RFC3339))
	}
	return true, ""
}

// decide picks the evidence that settles the status at f.at: a proven
// revocation at or before it wins; otherwise the newest acceptable data.
// It returns -1 when nothing settles it, with the reasons each piece was
// refused.
func (f freshness) decide(ev []evidence, cert *x509.Certificate) (pick int, refused []string) {
	pick = -1
	for i, e := range ev {
		if f.decisive(e) {
			return i, nil
		}
	}
	for i, e := range ev {
		if ok, why := f.accept(e, cert); !ok {
			refused = append(refused, fmt.Sprintf("%s %s ignored: %s", e.origin, e.info.Source, why))
			continue
		}
		if pick < 0 || issued(e.info).After(issued(ev[pick].info)) {
			pick = i
		}
	}
	return pick, refused
}

// retryAfter is when newer data than any in ev is due (the latest
// nextUpdate), zero when none says.
func retryAfter(ev []evidence) time.Time {
	var t time.Time
	for _, e := range ev {
		if e.info.NextUpdate.After(t) {
			t = e.info.NextUpdate
		}
	}
	return t
}

// checkedCRL parses and checks a CRL against issuer once per Verifier.
// revocation.ParseCRL checks the issuer name and the signature before it
// parses the entries, and keeps its own copy of the DER; the cache holds
// the result within the Verifier's byte budget (a junk CRL leaves only its
// error message behind).
//
// A CRL of another CA is recognised from its outer structure before
// anything is hashed: with K timestamps each checking the CRLs of a
// signature, another CA's CRL of N bytes costs O(K), not O(K·N).
// errOtherIssuerCRL is checkedCRL's answer for a CRL of another CA: the
// callers skip it, so it is not worth formatting two distinguished names.
var errOtherIssuerCRL = fmt.Errorf("%w: the CRL is issued by another CA", revocation.ErrOtherIssuer)

func (v *Verifier) checkedCRL(d revData, issuer *x509.Certificate) (*revocation.CRL, error) {
	der := d.raw
	if name, err := revocation.CRLIssuer(der); err == nil && !bytes.Equal(name, issuer.RawSubject) {
		return nil, errOtherIssuerCRL // refused on the issuer name alone, without naming the names
	}
	key := pairKey(d.sum, issuer.Raw)
	if e, ok := v.cache.load(key); ok {
		r := e.(crlResult)
		return r.crl, r.err
	}
	crl, err := revocation.ParseCRL(der, issuer)
	cost := int64(512)
	switch {
	case err != nil:
		cost += errorCost(err)
	case crl != nil:
		cost += crlCost(der)
	}
	v.remember(key, crlResult{crl, err}, cost)
	return crl, err
}

// checkedOCSP checks an OCSP response (no nonce: embedded or given data)
// once per Verifier. The response is checked from a copy of der, so that
// the cached Info does not pin the signature it came from.
func (v *Verifier) checkedOCSP(d revData, cert, issuer *x509.Certificate) (*revocation.Info, error) {
	der := d.raw
	key := pairKey(d.sum, append(append([]byte{}, cert.Raw...), issuer.Raw...))
	if e, ok := v.cache.load(key); ok {
		r := e.(ocspResult)
		return r.info, r.err
	}
	info, err := revocation.CheckOCSP(bytes.Clone(der), cert, issuer, nil)
	cost := int64(512)
	if err != nil {
		cost += errorCost(err)
	} else {
		cost += 4*int64(len(der)) + 2048
	}
	v.remember(key, ocspResult{info, err}, cost)
	return info, err
}

// crlCost estimates the memory of a parsed CRL: its copy of the DER, the
// parsed entries (a few hundred bytes for each entry of a few dozen) and
// the serial number index.
func crlCost(der []byte) int64 { return 8*int64(len(der)) + 4096 }

type crlResult struct {
	crl *revocation.CRL
	err error
}

type ocspResult struct {
	info *revocation.Info
	err  error
}

// pairKey is the cache key of data (by its hash) checked against b.
func pairKey(x [32]byte, b []byte) revKey {
	var k revKey
	y := sha256.Sum256(b)
	copy(k[:32], x[:])
	copy(k[32:], y[:])
	return k
}

// remember caches a revocation check result of estimated size cost,
// within the Verifier's entry count and byte budget.
func (v *Verifier) remember(key revKey, val any, cost int64) {
	v.cache.store(key, val, cost)
}

func isAboutAnother(err error) bool {
	return err != nil && bytes.Contains([]byte(err.Error()), []byte("about another certificate"))
}

// checkRevocation establishes the status at time at of every certificate
// of chain but the anchor, under the freshness rules (freshness.accept).
// proven says whether at is a time proven by a timestamp (a revoked signer
// is then TOTAL_FAILED/REVOKED, else INDETERMINATE/REVOKED_NO_POE); current
// says whether at is the validation time itself. lenient turns missing
// revocation data into a warning (used for the newest timestamp's TSA,
// checked at the validation time). Data that was used, fetched or not, is
// added to vd.
func (v *Verifier) checkRevocation(ctx context.Context, chain []*x509.Certificate, at time.Time, proven, current, lenient bool, m *material, vd *ValidationData) revocationOutcome {
	var out revocationOutcome
	fail := func(ind Indication, sub SubIndication, msg string) {
		if out.ind == "" || severity(ind) > severity(out.ind) {
			out.ind, out.sub, out.err = ind, sub, msg
		}
	}
	f := freshness{at: at, current: current, online: !v.opts.Offline, maxAge: v.opts.MaxRevocationAge}
	for i := 0; i+1 < len(chain); i++ {
		cert, issuer := chain[i], chain[i+1]
		check := RevocationCheck{Certificate: cert.Subject.CommonName, Status: "not checked", At: at.UTC()}
		if revocation.NoCheck(cert) {
			continue
		}
		ev, warns := v.candidates(m, cert, issuer)
		out.warnings = append(out.warnings, warns...)
		pick, refused := f.decide(ev, cert)
		var fetchErr error
		if pick < 0 && f.online && revocation.Checkable(cert) {
			since := time.Time{}
			if !current {
				since = at.Truncate(time.Second)
			}
			info, err := v.fetcher().FetchSince(ctx, cert, issuer, since)
			if err != nil {
				fetchErr = err
			} else {
				ev = append(ev, evidence{info, "fetched"})
				pick, refused = f.decide(ev, cert)
			}
		}
		if pick < 0 {
			out.checks = append(out.checks, check)
			why := "no revocation data"
			if len(ev) > 0 {
				why = "no revocation data fresh enough"
			}
			msg := fmt.Sprintf("%s proves the status of %q at %s", why, cert.Subject.CommonName, at.UTC().Format(time.RFC3339))
			if len(refused) > 0 {
				msg += " (" + strings.Join(refused, "; ") + ")"
			}
			if fetchErr != nil {
				msg += "; fetching it failed: " + strings.ReplaceAll(fetchErr.Error(), "\n", "; ")
			}
			if ra := retryAfter(ev); !current && ra.After(at) {
				msg += fmt.Sprintf("; the CA has published nothing newer yet: retry after %s", ra.UTC().Format(time.RFC3339))
			}
			switch {
			case !revocation.Checkable(cert) && len(ev) == 0 && i > 0:
				// A CA certificate without CRL or OCSP pointers: its
				// status comes from its issuer's practice; listed as
				// not checked.
			case !revocation.Checkable(cert) && len(ev) == 0:
				out.warnings = append(out.warnings, fmt.Sprintf("%q names no CRL or OCSP service: its revocation status was not checked", cert.Subject.CommonName))
			case lenient:
				out.warnings = append(out.warnings, msg+"; not checked")
			default:
				if v.opts.Offline {
					msg += " (offline: give --crl/--ocsp or embed it with hpki extend --to LT)"
				}
				fail(Indeterminate, TryLater, msg)
			}
			continue
		}
		for _, r := range refused {
			out.warnings = append(out.warnings, fmt.Sprintf("status of %q: %s", cert.Subject.CommonName, r))
		}
		e := ev[pick]
		info := e.info
		vd.addRevocation(info)
		tu := info.ThisUpdate.UTC()
		check.Source, check.Origin, check.ThisUpdate = string(info.Source), e.origin, &tu
		check.Status = info.Status.String()
		if info.Status == revocation.Revoked {
			ra := info.RevokedAt.UTC()
			check.RevokedAt = &ra
		}
		// Self-contained (the mark of B-LT): the signature's own data
		// settles the status of a past time.
		for _, x := range ev {
			if ok, _ := f.accept(x, cert); ok && x.origin == "embedded" && !current {
				check.selfContained = true
			}
		}
		out.checks = append(out.checks, check)
		if f.decisive(e) {
			msg := fmt.Sprintf("%q was revoked on %s, before %s", cert.Subject.CommonName, info.RevokedAt.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
			switch {
			case i > 0:
				fail(Indeterminate, RevokedCANoPOE, msg)
			case proven:
				fail(TotalFailed, Revoked, msg+", the time the signature is proven to exist")
			default:
				fail(Indeterminate, RevokedNoPOE, msg+", and nothing proves the signature existed earlier")
			}
		} else if info.Status == revocation.Revoked {
			if proven {
				out.warnings = append(out.warnings, fmt.Sprintf("%q was revoked on %s, after %s: the signature is proven to predate the revocation", cert.Subject.CommonName, info.RevokedAt.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
			} else {
				out.warnings = append(out.warnings, fmt.Sprintf("%q was revoked on %s, after the validation time %s", cert.Subject.CommonName, info.RevokedAt.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
			}
		}
	}
	return out
}

func (v *Verifier) fetcher() *revocation.Fetcher {
	if v.opts.Fetcher != nil {
		return v.opts.Fetcher
	}
	return defaultFetcher
}

var defaultFetcher = &revocation.Fetcher{}
