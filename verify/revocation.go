package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"sort"
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
// in it, or given by the caller.
type material struct {
	certs []*x509.Certificate
	crls  []originData
	ocsps []originData
}

type originData struct {
	raw    []byte
	origin string
}

// newMaterial starts from the caller's data (Options.CRLs/OCSPResponses).
func (v *Verifier) newMaterial() *material {
	m := &material{}
	for _, c := range v.opts.CRLs {
		m.crls = append(m.crls, originData{c, "given"})
	}
	for _, o := range v.opts.OCSPResponses {
		m.ocsps = append(m.ocsps, originData{o, "given"})
	}
	return m
}

func (m *material) clone() *material {
	return &material{
		certs: append([]*x509.Certificate{}, m.certs...),
		crls:  append([]originData{}, m.crls...),
		ocsps: append([]originData{}, m.ocsps...),
	}
}

func (m *material) addEmbedded(certs []*x509.Certificate, crls, ocsps [][]byte) {
	m.certs = append(m.certs, certs...)
	for _, c := range crls {
		m.crls = append(m.crls, originData{c, "embedded"})
	}
	for _, o := range ocsps {
		m.ocsps = append(m.ocsps, originData{o, "embedded"})
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

// candidates returns the checked revocation data about cert from m.
func (v *Verifier) candidates(m *material, cert, issuer *x509.Certificate) (infos []*revocation.Info, origins []string, warnings []string) {
	for _, d := range m.crls {
		crl, err := v.checkedCRL(d.raw, issuer)
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
		infos, origins = append(infos, info), append(origins, d.origin)
	}
	for _, d := range m.ocsps {
		info, err := v.checkedOCSP(d.raw, cert, issuer)
		if err != nil {
			if !isAboutAnother(err) {
				warnings = append(warnings, fmt.Sprintf("%s OCSP response ignored: %v", d.origin, err))
			}
			continue
		}
		infos, origins = append(infos, info), append(origins, d.origin)
	}
	// Data embedded in the signature first: when it suffices, the
	// signature is self-contained (B-LT) whatever else was given.
	idx := make([]int, len(infos))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return origins[idx[a]] == "embedded" && origins[idx[b]] != "embedded" })
	sortedInfos, sortedOrigins := make([]*revocation.Info, len(idx)), make([]string, len(idx))
	for k, i := range idx {
		sortedInfos[k], sortedOrigins[k] = infos[i], origins[i]
	}
	return sortedInfos, sortedOrigins, warnings
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
func (v *Verifier) checkedCRL(der []byte, issuer *x509.Certificate) (*revocation.CRL, error) {
	if name, err := revocation.CRLIssuer(der); err == nil && !bytes.Equal(name, issuer.RawSubject) {
		return revocation.ParseCRL(der, issuer) // refused on the issuer name alone, as cheaply
	}
	key := pairKey(der, issuer.Raw)
	if e, ok := v.revs.Load(key); ok {
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
func (v *Verifier) checkedOCSP(der []byte, cert, issuer *x509.Certificate) (*revocation.Info, error) {
	key := pairKey(der, append(append([]byte{}, cert.Raw...), issuer.Raw...))
	if e, ok := v.revs.Load(key); ok {
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

func pairKey(a, b []byte) [64]byte {
	var k [64]byte
	x, y := sha256.Sum256(a), sha256.Sum256(b)
	copy(k[:32], x[:])
	copy(k[32:], y[:])
	return k
}

// remember caches a revocation check result of estimated size cost,
// within the Verifier's entry count and byte budget.
func (v *Verifier) remember(key [64]byte, val any, cost int64) {
	if v.admit(&v.nrevs, cost) {
		v.revs.Store(key, val)
	}
}

func isAboutAnother(err error) bool {
	return err != nil && bytes.Contains([]byte(err.Error()), []byte("about another certificate"))
}

// checkRevocation establishes the status at time at of every certificate
// of chain but the anchor. proven says whether at is a time proven by a
// timestamp (a revoked signer is then TOTAL_FAILED/REVOKED, else
// INDETERMINATE/REVOKED_NO_POE). lenient turns missing revocation data into
// a warning (used for the newest timestamp's TSA, checked at the
// validation time). Data that was used, fetched or not, is added to vd.
func (v *Verifier) checkRevocation(ctx context.Context, chain []*x509.Certificate, at time.Time, proven, lenient bool, m *material, vd *ValidationData) revocationOutcome {
	var out revocationOutcome
	fail := func(ind Indication, sub SubIndication, msg string) {
		if out.ind == "" || severity(ind) > severity(out.ind) {
			out.ind, out.sub, out.err = ind, sub, msg
		}
	}
	for i := 0; i+1 < len(chain); i++ {
		cert, issuer := chain[i], chain[i+1]
		check := RevocationCheck{Certificate: cert.Subject.CommonName, Status: "not checked", At: at.UTC()}
		if revocation.NoCheck(cert) {
			continue
		}
		infos, origins, warns := v.candidates(m, cert, issuer)
		out.warnings = append(out.warnings, warns...)
		pick := choose(infos, at)
		if pick < 0 && !v.opts.Offline && revocation.Checkable(cert) {
			info, err := v.fetcher().Fetch(ctx, cert, issuer)
			if err != nil {
				out.warnings = append(out.warnings, fmt.Sprintf("fetching the status of %q: %s", cert.Subject.CommonName, strings.ReplaceAll(err.Error(), "\n", "; ")))
			} else {
				infos, origins = append(infos, info), append(origins, "fetched")
				pick = choose(infos, at)
			}
		}
		if pick < 0 {
			out.checks = append(out.checks, check)
			why := "no revocation data"
			if len(infos) > 0 {
				why = "no revocation data recent enough"
			}
			msg := fmt.Sprintf("%s proves the status of %q at %s", why, cert.Subject.CommonName, at.UTC().Format(time.RFC3339))
			switch {
			case !revocation.Checkable(cert) && i > 0:
				// A CA certificate without CRL or OCSP pointers: its
				// status comes from its issuer's practice; listed as
				// not checked.
			case !revocation.Checkable(cert):
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
		info := infos[pick]
		vd.addRevocation(info)
		tu := info.ThisUpdate.UTC()
		check.Source, check.Origin, check.ThisUpdate = string(info.Source), origins[pick], &tu
		check.Status = info.Status.String()
		if info.Status == revocation.Revoked {
			ra := info.RevokedAt.UTC()
			check.RevokedAt = &ra
		}
		out.checks = append(out.checks, check)
		if info.Status == revocation.Revoked && !info.RevokedAt.After(at) {
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
			out.warnings = append(out.warnings, fmt.Sprintf("%q was revoked on %s, after %s: the signature is proven to predate the revocation", cert.Subject.CommonName, info.RevokedAt.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339)))
		}
	}
	return out
}

// choose returns the index of the data that decides the status at time
// at: a revocation at or before at wins; otherwise any data covering at.
func choose(infos []*revocation.Info, at time.Time) int {
	best := -1
	for i, info := range infos {
		if info.Status == revocation.Unknown {
			continue
		}
		if info.Status == revocation.Revoked && !info.RevokedAt.After(at) {
			return i
		}
		if info.CoversTime(at) && best < 0 {
			best = i
		}
	}
	return best
}

func (v *Verifier) fetcher() *revocation.Fetcher {
	if v.opts.Fetcher != nil {
		return v.opts.Fetcher
	}
	return defaultFetcher
}

var defaultFetcher = &revocation.Fetcher{}
