package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/xmlsig"
)

// VerifyXAdES validates every ds:Signature of an XML document with a new
// Verifier. See Verifier.VerifyXAdES.
func VerifyXAdES(ctx context.Context, document []byte, detached xmlsig.Detached, opts Options) (*Report, error) {
	return New(opts).VerifyXAdES(ctx, document, detached)
}

// VerifyXAdES validates every ds:Signature in document. References are
// resolved only by Id inside the document, as the whole document, or
// through detached (files the caller gives); nothing is fetched. The report
// lists exactly what each signature covers. The error is non-nil only for
// input that is not a well-formed, acceptable XML document (ErrUnreadable).
func (v *Verifier) VerifyXAdES(ctx context.Context, document []byte, detached xmlsig.Detached) (*Report, error) {
	doc, err := xmlsig.Parse(document)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	now := v.validationTime()
	rep := &Report{Format: "XAdES", ValidationTime: now.UTC()}
	sigs := xmlsig.Find(doc.Root(), xmlsig.NSDSig, "Signature")
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: no ds:Signature in the document", ErrUnreadable)
	}
	ix := xmlsig.Index(doc)
	for i, sig := range sigs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sr := v.checkXMLSignature(ctx, doc, ix, sig, detached, now)
		sr.ID = sig.SelectAttrValue("Id", fmt.Sprintf("S%d", i+1))
		rep.Signatures = append(rep.Signatures, sr)
	}
	if len(ix.Duplicates) > 0 {
		rep.Errors = append(rep.Errors, "duplicate Id attributes: "+strings.Join(ix.Duplicates, ", "))
	}
	rep.summarise()
	return rep, nil
}

func b64(el *etree.Element) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xmlsig.Text(el)), ""))
}

// checkXMLSignature validates one ds:Signature.
func (v *Verifier) checkXMLSignature(ctx context.Context, doc *etree.Document, ix *xmlsig.IDIndex, sig *etree.Element, detached xmlsig.Detached, now time.Time) SignatureReport {
	sr := SignatureReport{BestSignatureTime: now.UTC(), Signer: Signer{Roles: []Role{}, HPKI: "none"}}
	fail := func(ind Indication, sub SubIndication, format string, args ...any) SignatureReport {
		if sr.Indication == "" || severity(ind) > severity(sr.Indication) {
			sr.Indication, sr.SubIndication = ind, sub
		}
		sr.Errors = append(sr.Errors, fmt.Sprintf(format, args...))
		return sr
	}
	if len(ix.Duplicates) > 0 {
		return fail(TotalFailed, FormatFailure, "the document has duplicate Id attributes (%s): a signature wrapping attempt or a broken document", strings.Join(ix.Duplicates, ", "))
	}
	si := xmlsig.Child(sig, xmlsig.NSDSig, "SignedInfo")
	sv := xmlsig.Child(sig, xmlsig.NSDSig, "SignatureValue")
	if si == nil || sv == nil {
		return fail(TotalFailed, FormatFailure, "ds:Signature needs exactly one SignedInfo and one SignatureValue")
	}
	cm := xmlsig.Child(si, xmlsig.NSDSig, "CanonicalizationMethod")
	smEl := xmlsig.Child(si, xmlsig.NSDSig, "SignatureMethod")
	if cm == nil || smEl == nil {
		return fail(TotalFailed, FormatFailure, "SignedInfo lacks CanonicalizationMethod or SignatureMethod")
	}
	h, keyKind, err := xmlsig.SignatureAlgorithm(smEl.SelectAttrValue("Algorithm", ""))
	if err != nil {
		return fail(Indeterminate, CryptoConstraintsFailure, "%v", err)
	}
	sr.DigestAlgorithm = hashName(h)
	// Qualifying properties of this signature.
	sigID := sig.SelectAttrValue("Id", "")
	var qp, signedProps *etree.Element
	for _, obj := range xmlsig.Children(sig, xmlsig.NSDSig, "Object") {
		for _, q := range obj.ChildElements() {
			if q.Tag == "QualifyingProperties" && (xmlsig.NS(q) == xmlsig.NSXAdES132 || xmlsig.NS(q) == xmlsig.NSXAdES141) {
				if sigID != "" && q.SelectAttrValue("Target", "") != "#"+sigID {
					return fail(TotalFailed, FormatFailure, "QualifyingProperties target %q is not this signature", q.SelectAttrValue("Target", ""))
				}
				qp = q
			}
		}
	}
	if qp != nil {
		signedProps = xmlsig.Child(qp, xmlsig.NSXAdES132, "SignedProperties")
	}
	// Signer certificate from KeyInfo, designated by SigningCertificate(V2).
	var certs []*x509.Certificate
	if ki := xmlsig.Child(sig, xmlsig.NSDSig, "KeyInfo"); ki != nil {
		for _, xd := range xmlsig.Children(ki, xmlsig.NSDSig, "X509Data") {
			for _, xc := range xmlsig.Children(xd, xmlsig.NSDSig, "X509Certificate") {
				der, err := b64(xc)
				if err != nil {
					continue
				}
				if c, err := v.parseCert(der); err == nil {
					certs = append(certs, c)
				}
			}
		}
	}
	cert, level, err := signingCertificate(signedProps, certs)
	if err != nil {
		return fail(Indeterminate, NoSigningCertificateFound, "%v", err)
	}
	v.describeSigner(&sr, cert)
	if signedProps != nil {
		for _, id := range xmlsig.Find(signedProps, xmlsig.NSXAdES132, "Identifier") {
			if p := id.Parent(); p != nil && xmlsig.Is(p, xmlsig.NSXAdES132, "SigPolicyId") {
				sr.SignaturePolicy = strings.TrimPrefix(xmlsig.Text(id), "urn:oid:")
			}
		}
		if st := xmlsig.Child(xmlsig.Child(signedProps, xmlsig.NSXAdES132, "SignedSignatureProperties"), xmlsig.NSXAdES132, "SigningTime"); st != nil {
			if t, err := time.Parse(time.RFC3339, xmlsig.Text(st)); err == nil {
				t = t.UTC()
				sr.ClaimedSigningTime = &t
			}
		}
	}
	// The signature value over the canonical SignedInfo.
	canon, err := xmlsig.Canonicalize(si, cm.SelectAttrValue("Algorithm", ""), inclusivePrefixes(cm))
	if err != nil {
		return fail(TotalFailed, FormatFailure, "%v", err)
	}
	sigBytes, err := b64(sv)
	if err != nil {
		return fail(TotalFailed, FormatFailure, "SignatureValue is not base64")
	}
	d := h.New()
	d.Write(canon)
	if err := verifyXMLSignatureValue(cert, keyKind, h, d.Sum(nil), sigBytes); err != nil {
		return fail(TotalFailed, SigCryptoFailure, "the signature value does not verify with the signer's key: %v", err)
	}
	// References: each digest, and the binding of SignedProperties by URI.
	propsBound := false
	var covered []*etree.Element
	for _, refEl := range xmlsig.Children(si, xmlsig.NSDSig, "Reference") {
		ref, err := xmlsig.CheckReference(refEl, doc, ix, sig, detached)
		if err != nil {
			return fail(TotalFailed, FormatFailure, "%v", err)
		}
		if ref.Hash == crypto.SHA1 {
			sr.Warnings = append(sr.Warnings, "reference "+ref.URI+" uses SHA-1")
		}
		if ref.Target != nil && ref.Target == signedProps {
			propsBound = true
			if !ref.Match {
				return fail(TotalFailed, HashFailure, "SignedProperties were changed after signing")
			}
			continue
		}
		if ref.Target != nil && xmlsig.Is(ref.Target, xmlsig.NSDSig, "KeyInfo") {
			if !ref.Match {
				return fail(TotalFailed, HashFailure, "KeyInfo was changed after signing")
			}
			continue
		}
		if !ref.Checked {
			sr.Covers = append(sr.Covers, ref.Covers)
			fail(Indeterminate, SignedDataNotFound, "%s: give the file to check it", ref.URI)
			continue
		}
		if !ref.Match {
			sr.Covers = append(sr.Covers, ref.Covers)
			return fail(TotalFailed, HashFailure, "%s was changed after signing (digest mismatch)", ref.Covers)
		}
		sr.Covers = append(sr.Covers, ref.Covers)
		if ref.Target != nil {
			covered = append(covered, ref.Target)
			if xmlsig.Is(ref.Target, xmlsig.NSDSig, "Manifest") {
				if bad := checkManifest(&sr, ref.Target, doc, ix, sig, detached); bad != nil {
					return fail(bad.ind, bad.sub, "%s", bad.msg)
				}
			}
		}
	}
	sr.Warnings = append(sr.Warnings, uncoveredLookalikes(doc, covered)...)
	if signedProps != nil && !propsBound {
		return fail(TotalFailed, FormatFailure, "SignedProperties are not bound by a Reference URI to their Id: they are not signed")
	}
	if len(sr.Covers) == 0 {
		return fail(TotalFailed, FormatFailure, "the signature covers no document content")
	}
	// Timestamps, in document order: signature timestamps over the
	// canonical SignatureValue, archive timestamps over ArchiveInput.
	var stamps []stamp
	m := v.newMaterial()
	if qp != nil {
		for _, usp := range xmlsig.Find(qp, xmlsig.NSXAdES132, "UnsignedSignatureProperties") {
			for _, st := range usp.ChildElements() {
				isSig := xmlsig.Is(st, xmlsig.NSXAdES132, "SignatureTimeStamp")
				if !isSig && !xmlsig.IsArchiveTimeStamp(st) {
					continue
				}
				alg := xmlsig.AlgC14N10
				if c := xmlsig.Child(st, xmlsig.NSDSig, "CanonicalizationMethod"); c != nil {
					alg = c.SelectAttrValue("Algorithm", alg)
				}
				kind := "signature"
				var data []byte
				var derr error
				if isSig {
					data, derr = xmlsig.Canonicalize(sv, alg, "")
				} else {
					kind = "archive"
					data, derr = xmlsig.ArchiveInput(doc, sig, detached, st, alg)
				}
				for _, et := range xmlsig.Children(st, xmlsig.NSXAdES132, "EncapsulatedTimeStamp") {
					if raw, err := b64(et); err == nil {
						stamps = append(stamps, stamp{kind: kind, raw: raw, data: data, err: derr})
					}
				}
			}
		}
		// Validation data: CertificateValues, RevocationValues, and the
		// TimeStampValidationData of XAdES 1.4.1.
		var embedded []*x509.Certificate
		for _, val := range xmlsig.EncapsulatedValues(qp, xmlsig.NSXAdES132, "EncapsulatedX509Certificate") {
			if der, err := base64.StdEncoding.DecodeString(val); err == nil {
				if c, err := v.parseCert(der); err == nil {
					embedded = append(embedded, c)
				}
			}
		}
		m.addEmbedded(embedded, hashed(decodeAll(xmlsig.EncapsulatedValues(qp, xmlsig.NSXAdES132, "EncapsulatedCRLValue"))), hashed(decodeAll(xmlsig.EncapsulatedValues(qp, xmlsig.NSXAdES132, "EncapsulatedOCSPValue"))))
	}
	for _, st := range stamps {
		if pt := v.token(st.raw); pt.err == nil {
			m.addEmbedded(pt.certs, pt.crls, pt.ocsps)
		}
	}
	v.finish(ctx, &sr, cert, certs, h, level, stamps, m)
	return sr
}

type problem struct {
	ind Indication
	sub SubIndication
	msg string
}

// checkManifest checks the references of a signed ds:Manifest. XML-DSig
// leaves their validation to the application: here each one given (an
// element of the document, or a file the caller provides) must match, and
// each file not given is listed in Covers as not checked, with a warning,
// without changing the indication. Nested manifests are not followed.
func checkManifest(sr *SignatureReport, m *etree.Element, doc *etree.Document, ix *xmlsig.IDIndex, sig *etree.Element, detached xmlsig.Detached) *problem {
	refs := xmlsig.Children(m, xmlsig.NSDSig, "Reference")
	if len(refs) == 0 {
		return &problem{TotalFailed, FormatFailure, "signed Manifest has no Reference"}
	}
	for _, refEl := range refs {
		ref, err := xmlsig.CheckReference(refEl, doc, ix, sig, detached)
		if err != nil {
			return &problem{TotalFailed, FormatFailure, "Manifest: " + err.Error()}
		}
		entry := "manifest: " + ref.Covers
		sr.Covers = append(sr.Covers, entry)
		switch {
		case !ref.Checked:
			sr.Warnings = append(sr.Warnings, entry)
		case !ref.Match:
			return &problem{TotalFailed, HashFailure, ref.Covers + " listed in the signed Manifest was changed after signing (digest mismatch)"}
		}
	}
	return nil
}

// decodeAll decodes base64 values, skipping broken ones.
func decodeAll(vals []string) [][]byte {
	var out [][]byte
	for _, v := range vals {
		if der, err := base64.StdEncoding.DecodeString(v); err == nil {
			out = append(out, der)
		}
	}
	return out
}

// uncoveredLookalikes warns about elements of the same name as a covered
// element that no reference of this signature covers: unsigned content
// beside signed content, a classic wrapping trick. Consumers must use only
// what Covers lists.
func uncoveredLookalikes(doc *etree.Document, covered []*etree.Element) []string {
	var out []string
	inside := func(el *etree.Element) bool {
		for p := el; p != nil; p = p.Parent() {
			for _, c := range covered {
				if p == c {
					return true
				}
			}
			if xmlsig.Is(p, xmlsig.NSDSig, "Signature") {
				return true
			}
		}
		return false
	}
	for _, c := range covered {
		if c == doc.Root() {
			continue
		}
		n := 0
		for _, el := range xmlsig.Find(doc.Root(), xmlsig.NS(c), c.Tag) {
			if !inside(el) {
				n++
			}
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%d other %s element(s) in the document are not covered by this signature: do not rely on them", n, c.Tag))
		}
	}
	return out
}

func inclusivePrefixes(cm *etree.Element) string {
	for _, c := range cm.ChildElements() {
		if c.Tag == "InclusiveNamespaces" {
			return c.SelectAttrValue("PrefixList", "")
		}
	}
	return ""
}

// signingCertificate finds the signer's certificate among certs: the one
// SigningCertificateV2 (or v1) designates by digest (and issuer/serial).
// Without qualifying properties (plain XML-DSig) the single KeyInfo
// certificate whose signature verifies is used, reported as level XML-DSig.
func signingCertificate(signedProps *etree.Element, certs []*x509.Certificate) (*x509.Certificate, string, error) {
	if len(certs) == 0 {
		return nil, "", fmt.Errorf("no certificate in KeyInfo")
	}
	if signedProps == nil {
		return certs[0], "XML-DSig", nil
	}
	ssp := xmlsig.Child(signedProps, xmlsig.NSXAdES132, "SignedSignatureProperties")
	if ssp == nil {
		return nil, "", fmt.Errorf("SignedProperties lack SignedSignatureProperties")
	}
	ref := xmlsig.Child(ssp, xmlsig.NSXAdES132, "SigningCertificateV2")
	v2 := ref != nil
	if ref == nil {
		ref = xmlsig.Child(ssp, xmlsig.NSXAdES132, "SigningCertificate")
	}
	if ref == nil {
		return nil, "", fmt.Errorf("no SigningCertificate(V2) among the signed properties")
	}
	certEls := xmlsig.Children(ref, xmlsig.NSXAdES132, "Cert")
	if len(certEls) == 0 {
		return nil, "", fmt.Errorf("SigningCertificate has no Cert")
	}
	first := certEls[0]
	cd := xmlsig.Child(first, xmlsig.NSXAdES132, "CertDigest")
	if cd == nil {
		return nil, "", fmt.Errorf("SigningCertificate Cert has no CertDigest")
	}
	dm := xmlsig.Child(cd, xmlsig.NSDSig, "DigestMethod")
	if dm == nil {
		return nil, "", fmt.Errorf("CertDigest has no DigestMethod")
	}
	h, err := xmlsig.DigestAlgorithm(dm.SelectAttrValue("Algorithm", ""))
	if err != nil {
		return nil, "", err
	}
	want, err := b64(xmlsig.Child(cd, xmlsig.NSDSig, "DigestValue"))
	if err != nil {
		return nil, "", fmt.Errorf("CertDigest is not base64")
	}
	for _, c := range certs {
		d := h.New()
		d.Write(c.Raw)
		if string(d.Sum(nil)) != string(want) {
			continue
		}
		if v2 {
			if isv2 := xmlsig.Child(first, xmlsig.NSXAdES132, "IssuerSerialV2"); isv2 != nil {
				der, err := b64(isv2)
				if err != nil {
					return nil, "", fmt.Errorf("IssuerSerialV2 is not base64")
				}
				if ok, err := cms.ParseIssuerSerial(der, c); err != nil || !ok {
					return nil, "", fmt.Errorf("IssuerSerialV2 does not match the certificate of CertDigest")
				}
			}
		} else if is := xmlsig.Child(first, xmlsig.NSXAdES132, "IssuerSerial"); is != nil {
			serial, ok := new(big.Int).SetString(xmlsig.Text(xmlsig.Child(is, xmlsig.NSDSig, "X509SerialNumber")), 10)
			if !ok || serial.Cmp(c.SerialNumber) != 0 {
				return nil, "", fmt.Errorf("IssuerSerial does not match the certificate of CertDigest")
			}
		}
		return c, "XAdES-BASELINE-B", nil
	}
	return nil, "", fmt.Errorf("no KeyInfo certificate matches the signed SigningCertificate digest")
}

// verifyXMLSignatureValue checks an XML-DSig signature value (ECDSA as r||s).
func verifyXMLSignatureValue(cert *x509.Certificate, keyKind string, h crypto.Hash, digest, sig []byte) error {
	switch pub := cert.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if keyKind != "ECDSA" {
			return fmt.Errorf("signature method does not fit an ECDSA key")
		}
		if len(sig)%2 != 0 {
			return cms.ErrSignature
		}
		n := len(sig) / 2
		der, _ := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
		if !ecdsa.VerifyASN1(pub, digest, der) {
			return cms.ErrSignature
		}
		return nil
	default:
		if keyKind != "RSA" {
			return fmt.Errorf("signature method does not fit the key")
		}
		alg, _ := cms.SignatureAlgorithm(cert.PublicKey, h, false)
		return cms.VerifySignature(cert.PublicKey, alg, h, digest, sig)
	}
}
