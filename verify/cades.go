package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/cms"
)

// ErrUnreadable is wrapped when the input is not a signature at all; the
// CLI maps it to exit code 3.
var ErrUnreadable = errors.New("unreadable signature")

// VerifyCAdES validates a CAdES (or plain CMS) signature with a new
// Verifier. See Verifier.VerifyCAdES.
func VerifyCAdES(ctx context.Context, sig []byte, content io.Reader, opts Options) (*Report, error) {
	return New(opts).VerifyCAdES(ctx, sig, content, "")
}

// VerifyCAdES validates every signer (and counter-signer) of a CAdES
// signature in DER, BER or PEM. content is the detached content (nil for
// an enveloping signature); contentName names it in the report. The error
// is non-nil only when sig is not a CMS signature at all (ErrUnreadable) or
// content cannot be read; every validation outcome is in the Report.
func (v *Verifier) VerifyCAdES(ctx context.Context, sig []byte, content io.Reader, contentName string) (*Report, error) {
	if block, _ := pem.Decode(sig); block != nil {
		sig = block.Bytes
	}
	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	if len(sd.SignerInfos) == 0 {
		return nil, fmt.Errorf("%w: no signer in the SignedData", ErrUnreadable)
	}
	now := v.validationTime()
	rep := &Report{Format: "CAdES", ValidationTime: now.UTC()}
	// Hash the content once per digest algorithm in use.
	digests, covers, err := digestContent(sd, content, contentName)
	if err != nil {
		return nil, err
	}
	var bag []*x509.Certificate
	for _, raw := range sd.Certificates {
		if len(raw) == 0 || raw[0] != 0x30 {
			continue
		}
		c, err := v.parseCert(raw)
		if err != nil {
			rep.Errors = append(rep.Errors, "unparseable certificate in the signature: "+err.Error())
			continue
		}
		bag = append(bag, c)
	}
	for i := range sd.SignerInfos {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		si := &sd.SignerInfos[i]
		id := fmt.Sprintf("S%d", i+1)
		sr := v.checkSignerInfo(si, sd.ContentType, digests, bag, now, false)
		sr.ID = id
		sr.Covers = covers
		rep.Signatures = append(rep.Signatures, sr)
		v.counterSignatures(rep, si, id, bag, now)
	}
	rep.summarise()
	return rep, nil
}

// digestContent hashes the content for every digest algorithm of the
// signers. Detached content without a reader gives nil digests.
func digestContent(sd *cms.SignedData, content io.Reader, name string) (map[crypto.Hash][]byte, []string, error) {
	var hashes []crypto.Hash
	seen := map[crypto.Hash]bool{}
	for i := range sd.SignerInfos {
		h, err := cms.HashFromOID(sd.SignerInfos[i].DigestAlgorithm.Algorithm)
		if err == nil && !seen[h] {
			seen[h] = true
			hashes = append(hashes, h)
		}
	}
	var src io.Reader
	var covers []string
	switch {
	case sd.Content != nil:
		src = bytes.NewReader(sd.Content)
		covers = []string{fmt.Sprintf("enveloped content (%d bytes, type %s)", len(sd.Content), contentTypeName(sd.ContentType))}
		if content != nil {
			covers[0] += "; the --content file was not used"
		}
	case content != nil:
		src = content
		if name == "" {
			name = "detached content"
		}
		covers = []string{name}
	default:
		return nil, []string{"detached content (not given)"}, nil
	}
	ws := make([]io.Writer, len(hashes))
	hs := make(map[crypto.Hash]interface {
		io.Writer
		Sum([]byte) []byte
	})
	for i, h := range hashes {
		hh := h.New()
		hs[h] = hh
		ws[i] = hh
	}
	if _, err := io.Copy(io.MultiWriter(ws...), src); err != nil {
		return nil, nil, fmt.Errorf("reading the signed content: %w", err)
	}
	out := make(map[crypto.Hash][]byte, len(hs))
	for h, hh := range hs {
		out[h] = hh.Sum(nil)
	}
	return out, covers, nil
}

func contentTypeName(oid []int) string {
	if cms.OIDData.Equal(oid) {
		return "data"
	}
	return fmt.Sprint(oid)
}

// counterSignatures validates the counter-signatures of si, recursively.
func (v *Verifier) counterSignatures(rep *Report, si *cms.SignerInfo, parentID string, bag []*x509.Certificate, now time.Time) {
	n := 0
	for _, attr := range si.UnsignedAttr(cms.OIDCounterSignature) {
		for _, val := range attr.Values {
			n++
			id := fmt.Sprintf("%s/counter%d", parentID, n)
			csi, err := cms.ParseSignerInfo(val.FullBytes)
			if err != nil {
				rep.Signatures = append(rep.Signatures, SignatureReport{ID: id, Indication: TotalFailed, SubIndication: FormatFailure, Errors: []string{err.Error()}})
				continue
			}
			h, err := cms.HashFromOID(csi.DigestAlgorithm.Algorithm)
			var digests map[crypto.Hash][]byte
			if err == nil {
				d := h.New()
				d.Write(si.Signature)
				digests = map[crypto.Hash][]byte{h: d.Sum(nil)}
			}
			sr := v.checkSignerInfo(csi, nil, digests, bag, now, true)
			sr.ID = id
			sr.Covers = []string{"the signature value of " + parentID}
			rep.Signatures = append(rep.Signatures, sr)
			v.counterSignatures(rep, csi, id, bag, now)
		}
	}
}

// cryptoSunset says until when a weak algorithm is acceptable, when a proof
// of existence shows the signature was made before that date.
var cryptoSunset = map[string]time.Time{
	"SHA-1":    time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
	"RSA-1024": time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC),
}

// checkSignerInfo validates one SignerInfo. eContentType is nil for a
// counter-signature (which must not carry content-type).
func (v *Verifier) checkSignerInfo(si *cms.SignerInfo, eContentType []int, digests map[crypto.Hash][]byte, bag []*x509.Certificate, now time.Time, counter bool) SignatureReport {
	sr := SignatureReport{BestSignatureTime: now.UTC(), Signer: Signer{Roles: []Role{}, HPKI: hcrole.NotHPKI.String()}}
	fail := func(ind Indication, sub SubIndication, format string, args ...any) SignatureReport {
		if sr.Indication == "" || severity(ind) > severity(sr.Indication) {
			sr.Indication, sr.SubIndication = ind, sub
		}
		sr.Errors = append(sr.Errors, fmt.Sprintf(format, args...))
		return sr
	}
	// The signer certificate, by sid only.
	cert := cms.CertificateFor(si.SID, bag)
	if cert == nil {
		cert = cms.CertificateFor(si.SID, v.opts.Trust.IntermediateCertificates())
	}
	if cert == nil {
		return fail(Indeterminate, NoSigningCertificateFound, "the signer's certificate (named by the SignerInfo sid) is not in the signature")
	}
	v.describeSigner(&sr, cert)
	h, err := cms.HashFromOID(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return fail(Indeterminate, CryptoConstraintsFailure, "%v", err)
	}
	sr.DigestAlgorithm = hashName(h)
	if si.SignedAttrsRaw == nil {
		return fail(TotalFailed, FormatFailure, "no signed attributes: not a CAdES signature")
	}
	// content-type and message-digest.
	if counter {
		if si.SignedAttr(cms.OIDContentType) != nil {
			return fail(TotalFailed, FormatFailure, "a counter-signature must not carry content-type")
		}
	} else {
		ct := si.SignedAttr(cms.OIDContentType)
		if ct == nil || si.CountSignedAttr(cms.OIDContentType) != 1 {
			return fail(TotalFailed, FormatFailure, "content-type must appear exactly once among the signed attributes")
		}
		o, err := cms.OIDValue(ct)
		if err != nil || !o.Equal(eContentType) {
			return fail(TotalFailed, FormatFailure, "content-type attribute %v differs from the encapsulated content type %v", o, eContentType)
		}
	}
	mdAttr := si.SignedAttr(cms.OIDMessageDigest)
	if mdAttr == nil || si.CountSignedAttr(cms.OIDMessageDigest) != 1 {
		return fail(TotalFailed, FormatFailure, "message-digest must appear exactly once among the signed attributes")
	}
	md, err := cms.OctetStringValue(mdAttr)
	if err != nil {
		return fail(TotalFailed, FormatFailure, "%v", err)
	}
	if st := si.SignedAttr(cms.OIDSigningTime); st != nil {
		if t, err := cms.SigningTime(st); err == nil {
			t = t.UTC()
			sr.ClaimedSigningTime = &t
		}
	}
	if pa := si.SignedAttr(cms.OIDSignaturePolicyID); pa != nil {
		if oid, err := cms.SignaturePolicy(pa); err == nil && oid != nil {
			sr.SignaturePolicy = oid.String()
		}
	}
	// Signing certificate reference (ESS signing-certificate(-v2)).
	level := "CAdES-BASELINE-B"
	sc := si.SignedAttr(cms.OIDSigningCertificateV2)
	if sc == nil {
		sc = si.SignedAttr(cms.OIDSigningCertificate)
	}
	if sc == nil {
		level = "CMS"
		sr.Warnings = append(sr.Warnings, "no signing-certificate(-v2) attribute: a plain CMS signature, not CAdES; the signer certificate is identified by the sid only")
	} else if m, err := cms.CheckSigningCertificate(sc, cert); err != nil {
		return fail(Indeterminate, NoSigningCertificateFound, "signing-certificate attribute: %v", err)
	} else if !m.V2 {
		sr.Warnings = append(sr.Warnings, "signing-certificate v1 (SHA-1 certificate hash) is used instead of v2")
	}
	// The signature itself.
	d := h.New()
	d.Write(si.SignedAttrsForSignature())
	if err := cms.VerifySignature(cert.PublicKey, si.SignatureAlgorithm, h, d.Sum(nil), si.Signature); err != nil {
		return fail(TotalFailed, SigCryptoFailure, "the signature value does not verify with the signer's key: %v", err)
	}
	// Content digest.
	switch got, ok := digests[h]; {
	case digests == nil:
		fail(Indeterminate, SignedDataNotFound, "detached signature: give the signed file with --content")
	case !ok:
		fail(Indeterminate, CryptoConstraintsFailure, "digest algorithm %v unavailable", h)
	case !bytes.Equal(got, md):
		return fail(TotalFailed, HashFailure, "the content does not match the signed message digest: it was changed or is not the signed file")
	}
	var tokens [][]byte
	for _, attr := range si.UnsignedAttr(cms.OIDSignatureTimeStamp) {
		for _, val := range attr.Values {
			tokens = append(tokens, val.FullBytes)
		}
	}
	v.finish(&sr, cert, bag, h, level, tokens, si.Signature)
	return sr
}

// finish completes a signature report with what every format shares:
// signature timestamps over tsData as proofs of existence, the best
// signature time, the algorithm policy, the signer's path at that time, the
// HPKI role policy, and the final indication. level is the level reached
// without timestamps ("…-B" becomes "…-T" with a valid one).
func (v *Verifier) finish(sr *SignatureReport, cert *x509.Certificate, bag []*x509.Certificate, h crypto.Hash, level string, tokens [][]byte, tsData []byte) {
	fail := func(ind Indication, sub SubIndication, format string, args ...any) {
		if sr.Indication == "" || severity(ind) > severity(sr.Indication) {
			sr.Indication, sr.SubIndication = ind, sub
		}
		sr.Errors = append(sr.Errors, fmt.Sprintf(format, args...))
	}
	var best time.Time
	for _, raw := range tokens {
		tr := v.checkTimestamp("signature", raw, tsData)
		if tr.valid && sr.ClaimedSigningTime != nil && sr.ClaimedSigningTime.After(tr.report.GenTime.Add(tokenSlack)) {
			tr.report.Errors = append(tr.report.Errors, "the claimed signing-time is after this timestamp")
			sr.Warnings = append(sr.Warnings, "claimed signing-time "+sr.ClaimedSigningTime.Format(time.RFC3339)+" is later than the signature timestamp")
		}
		sr.Timestamps = append(sr.Timestamps, tr.report)
		if !tr.valid {
			sr.Warnings = append(sr.Warnings, "a signature timestamp failed validation and is ignored: "+strings.Join(tr.report.Errors, "; "))
			continue
		}
		if best.IsZero() || tr.report.GenTime.Before(best) {
			best = tr.report.GenTime
		}
	}
	if !best.IsZero() {
		sr.BestSignatureTime = best
		level = strings.Replace(level, "-BASELINE-B", "-BASELINE-T", 1)
	}
	sr.Level = level
	// Algorithm policy at the best signature time.
	if h == crypto.SHA1 && !sr.BestSignatureTime.Before(cryptoSunset["SHA-1"]) {
		fail(Indeterminate, CryptoConstraintsFailure, "SHA-1 is not acceptable for a signature without proof of existence before %s", cryptoSunset["SHA-1"].Format("2006-01-02"))
	}
	if bits := cms.KeyBits(cert.PublicKey); isRSA(cert) && bits < 2048 && !sr.BestSignatureTime.Before(cryptoSunset["RSA-1024"]) {
		fail(Indeterminate, CryptoConstraintsFailure, "RSA-%d is too weak for a signature without proof of existence before %s", bits, cryptoSunset["RSA-1024"].Format("2006-01-02"))
	}
	// Certification path at the best signature time.
	if _, err := v.path(v.opts.Trust, cert, bag, sr.BestSignatureTime); err != nil {
		pf := err.(*pathFailure)
		fail(pf.ind, pf.sub, "signer certificate: %v", pf.err)
	}
	// HPKI role policy.
	if err := v.opts.RequireRole.Check(rolesOf(cert)); err != nil {
		fail(TotalFailed, SigConstraintsFailure, "%v", err)
	}
	if sr.Signer.HPKI != hcrole.Signing.String() {
		sr.Warnings = append(sr.Warnings, "the signer's certificate is not an HPKI signing (署名用) certificate")
	}
	if sr.Indication == "" {
		sr.Indication = TotalPassed
	}
}

// tokenSlack tolerates clock differences between signer and TSA.
const tokenSlack = 5 * time.Minute

func isRSA(c *x509.Certificate) bool { return c.PublicKeyAlgorithm == x509.RSA }

func rolesOf(cert *x509.Certificate) []hcrole.Role {
	roles, _ := hcrole.FromCertificate(cert)
	return roles
}

// describeSigner fills the Signer part of the report.
func (v *Verifier) describeSigner(sr *SignatureReport, cert *x509.Certificate) {
	prof := hcrole.Classify(cert)
	cn, _ := hcrole.JapaneseName(cert)
	sr.Signer = Signer{
		Subject:   cert.Subject.String(),
		SubjectJa: cn,
		Issuer:    cert.Issuer.String(),
		Serial:    strings.ToUpper(new(big.Int).Set(cert.SerialNumber).Text(16)),
		HPKI:      prof.Kind.String(),
		Roles:     []Role{},
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
	}
	for _, r := range prof.Roles {
		sr.Signer.Roles = append(sr.Signer.Roles, Role{Code: r.Text, Ja: r.Ja(), Scheme: r.Scheme.String()})
	}
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	}
	return h.String()
}

// severity orders indications from best to worst.
func severity(i Indication) int {
	switch i {
	case TotalPassed:
		return 1
	case Indeterminate:
		return 2
	case TotalFailed:
		return 3
	}
	return 0
}

// summarise sets the report's indication to the worst of its signatures.
func (r *Report) summarise() {
	r.Indication = TotalPassed
	for _, s := range r.Signatures {
		if severity(s.Indication) > severity(r.Indication) {
			r.Indication, r.SubIndication = s.Indication, s.SubIndication
		}
	}
	if len(r.Signatures) == 0 {
		r.Indication, r.SubIndication = TotalFailed, FormatFailure
	}
}
