package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
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
//
// document must not be modified during the call. The report shares no
// memory with it: the caller may reuse its buffer as soon as VerifyXAdES
// returns.
func (v *Verifier) VerifyXAdES(ctx context.Context, document []byte, detached xmlsig.Detached) (*Report, error) {
	if detached != nil {
		// The parse borrows document's bytes (xmlsig.ParseSurveyed): the
		// caller's resolver gets URIs of its own.
		given := detached
		detached = func(uri string) (io.Reader, error) { return given(strings.Clone(uri)) }
	}
	rep, err := v.verifyXAdES(ctx, document, detached)
	detachReport(rep)
	return rep, err
}

func (v *Verifier) verifyXAdES(ctx context.Context, document []byte, detached xmlsig.Detached) (*Report, error) {
	required, err := parseRequiredPaths(v.opts.RequireCovered)
	if err != nil {
		return nil, err
	}
	doc, survey, release, err := xmlsig.ParseSurveyed(document)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	defer release()
	if err := survey.CheckReferences(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	now := v.validationTime()
	rep := &Report{Format: "XAdES", ValidationTime: now.UTC()}
	sigs := survey.Signatures
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: no ds:Signature in the document", ErrUnreadable)
	}
	ix := survey.IX
	checker := xmlsig.NewChecker(doc, ix, detached)
	checker.KeepData = v.opts.KeepSignedData
	checker.Budget = canonBudget(len(document))
	required = append(required, layoutRequirements(doc)...)
	for i, sig := range sigs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sr := v.checkXMLSignature(ctx, checker, len(document), sig, required, now)
		sr.ID = sig.SelectAttrValue("Id", fmt.Sprintf("S%d", i+1))
		rep.Signatures = append(rep.Signatures, sr)
	}
	if len(ix.Duplicates) > 0 {
		rep.Errors = append(rep.Errors, "duplicate Id attributes: "+strings.Join(ix.Duplicates, ", "))
	}
	rep.summarise()
	return rep, nil
}

// canonBudget bounds the bytes canonicalized while verifying a document
// of n bytes (all references of all signatures together, after
// memoisation): 32·n + 64 MiB. Real signatures canonicalize each part of
// the document a few times; exceeding the budget is a resource limit
// (INDETERMINATE), never a verdict on the signature.
func canonBudget(n int) int64 { return 32*int64(n) + 64<<20 }

// archiveBudget bounds the archive-timestamp input kept in memory for one
// signature of a document of n bytes (each archive timestamp covers the
// signed data and every property before it): 6·n + 32 MiB, dozens of
// renewals of a real record. Past it the signature is INDETERMINATE with
// the limit named.
func archiveBudget(n int) int64 { return 6*int64(n) + 32<<20 }

func b64(el *etree.Element) ([]byte, error) {
	s := xmlsig.Text(el)
	// The decoder skips CR and LF itself: when it accepts s, the text
	// without white space would decode to the same bytes, with a copy.
	if der, err := base64.StdEncoding.DecodeString(s); err == nil {
		return der, nil
	}
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
}

// TypeCountersignedSignature is the Reference Type of a XAdES
// counter-signature's reference to its parent's ds:SignatureValue.
const TypeCountersignedSignature = "http://uri.etsi.org/01903#CountersignedSignature"

// checkXMLSignature validates one ds:Signature.
func (v *Verifier) checkXMLSignature(ctx context.Context, checker *xmlsig.Checker, docSize int, sig *etree.Element, required []requiredPath, now time.Time) SignatureReport {
	doc, ix, detached := checker.Doc, checker.IX, checker.Detached
	sr := SignatureReport{BestSignatureTime: now.UTC(), Signer: Signer{Roles: []Role{}, HPKI: "none"}}
	fail := func(ind Indication, sub SubIndication, format string, args ...any) SignatureReport {
		if sr.Indication == "" || severity(ind) > severity(sr.Indication) {
			sr.Indication, sr.SubIndication = ind, sub
		}
		sr.Errors = append(sr.Errors, fmt.Sprintf(format, args...))
		return sr
	}
	if len(ix.Duplicates) > 0 {
		// Only an Id that a reference uses decides what is signed, and
		// such a reference is refused (IDIndex.Lookup): duplicates no
		// reference uses are named, not fatal.
		sr.Warnings = append(sr.Warnings, "the document has duplicate Id attributes ("+strings.Join(ix.Duplicates, ", ")+"); no reference of this signature uses them (one that did would be refused as a signature wrapping attempt)")
	}
	if err := xmlsig.CheckSignatureLayout(sig); err != nil {
		return fail(TotalFailed, FormatFailure, "%v", err)
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
	// Qualifying properties of this signature (see qualifyingProperties
	// for the rules): never a silent fall-back to plain XML-DSig.
	qp, signedProps, err := qualifyingProperties(sig, si)
	if err != nil {
		return fail(TotalFailed, FormatFailure, "%v", err)
	}
	parentSig := counterSignatureParent(sig)
	// Signer certificate from KeyInfo, designated by SigningCertificate(V2).
	var certs []*x509.Certificate
	var unsupported []string // certificates crypto/x509 cannot read, and why
	ki := xmlsig.Child(sig, xmlsig.NSDSig, "KeyInfo")
	if ki != nil {
		for _, xd := range xmlsig.Children(ki, xmlsig.NSDSig, "X509Data") {
			for _, xc := range xmlsig.Children(xd, xmlsig.NSDSig, "X509Certificate") {
				der, err := b64(xc)
				if err != nil {
					unsupported = append(unsupported, "not base64")
					continue
				}
				if c, err := v.parseCert(der); err == nil {
					certs = append(certs, c)
				} else {
					unsupported = append(unsupported, err.Error())
				}
			}
		}
	}
	keyValue, kvErr := xmlsig.KeyValue(ki)
	fromKeyInfo := len(certs) > 0
	if !fromKeyInfo && signedProps != nil && qp != nil {
		// KeyInfo without a certificate: the signer's certificate may be
		// among the CertificateValues. Only the signed SigningCertificate
		// digest chooses it, as from KeyInfo.
		for _, val := range xmlsig.EncapsulatedValues(qp, xmlsig.NSXAdES132, "EncapsulatedX509Certificate") {
			if der, err := base64.StdEncoding.DecodeString(val); err == nil {
				if c, err := v.parseCert(der); err == nil {
					certs = append(certs, c)
				} else {
					unsupported = append(unsupported, err.Error())
				}
			}
		}
	}
	byKey := !fromKeyInfo && (keyValue != nil || kvErr != nil)
	if byKey {
		// KeyInfo names the key only: the certificate is one of those
		// the signature carries or the caller gave whose key is that
		// key — and, for XAdES, the one the signed SigningCertificate
		// digest designates (signingCertificate below), so that an
		// unsigned KeyValue never chooses another certificate than the
		// signed one.
		if kvErr != nil {
			return fail(Indeterminate, NoSigningCertificateFound, "KeyInfo holds no certificate and its KeyValue cannot be used: %v", kvErr)
		}
		certs = certsWithKey(keyValue, certs, v.opts.Trust.IntermediateCertificates())
		switch {
		case len(certs) == 0:
			return fail(Indeterminate, NoSigningCertificateFound, "no certificate for the KeyValue key: KeyInfo holds none, and neither the signature nor the given certificates hold one with that key")
		case signedProps == nil && len(certs) > 1:
			return fail(Indeterminate, NoSigningCertificateFound, "%d certificates carry the KeyValue key and no signed property says which one signed", len(certs))
		}
	}
	cert, level, err := signingCertificate(signedProps, certs)
	if err != nil {
		var fe *signingCertFormatError
		if errors.As(err, &fe) {
			return fail(TotalFailed, FormatFailure, "%v", err)
		}
		if byKey {
			return fail(Indeterminate, NoSigningCertificateFound, "no certificate with the KeyValue key is the one the signed SigningCertificate designates: %v", err)
		}
		if len(unsupported) > 0 {
			// Say why, rather than "no certificate": brainpool keys,
			// negative serial numbers, bad policy encodings … are
			// certificates this verifier cannot read.
			return fail(Indeterminate, NoSigningCertificateFound, "unsupported certificate in KeyInfo: %s (%v)", strings.Join(unsupported, "; "), err)
		}
		return fail(Indeterminate, NoSigningCertificateFound, "%v", err)
	}
	switch {
	case keyValue != nil && !sameKey(keyValue, cert.PublicKey):
		return fail(TotalFailed, FormatFailure, "KeyInfo's KeyValue is not the key of the signing certificate: the signer's identity is contradictory")
	case byKey:
		sr.Warnings = append(sr.Warnings, "KeyInfo holds only the signer's key (KeyValue): the signer's certificate was found by that key")
	case kvErr != nil:
		sr.Warnings = append(sr.Warnings, "KeyInfo's KeyValue was ignored: "+kvErr.Error())
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
	// The signature value over the canonical SignedInfo: checked before
	// any reference is digested.
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
	// Validation data carried by the signature, for path building.
	m := v.newMaterial()
	if qp != nil {
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
	// A cheap check before the expensive ones: a signer certificate with
	// no path to a trust anchor at all (whatever the time) cannot lead to
	// TOTAL_PASSED, so its references are not digested (a self-signed key
	// must not buy canonicalization work).
	if _, err := v.path(v.opts.Trust, cert, append(append([]*x509.Certificate{}, certs...), m.certs...), now); err != nil {
		if pf, ok := err.(*pathFailure); ok && pf.sub == NoCertificateChainFound {
			return fail(Indeterminate, NoCertificateChainFound, "signer certificate: %v (the references were not checked)", pf.err)
		}
	}
	// References: each digest, and the binding of SignedProperties.
	propsBound, keyInfoBound := false, false
	var covered []*etree.Element
	var counterOK bool
	var parentSV *etree.Element
	if parentSig != nil {
		parentSV = xmlsig.Child(parentSig, xmlsig.NSDSig, "SignatureValue")
	}
	contentRefs, outside := 0, 0
	manifests := map[*etree.Element]bool{} // each signed Manifest is checked once
	refs := xmlsig.Children(si, xmlsig.NSDSig, "Reference")
	for _, refEl := range refs {
		ref, err := checker.Check(refEl, sig)
		if err != nil {
			if errors.Is(err, xmlsig.ErrLimit) || errors.Is(err, xmlsig.ErrUnsupported) {
				return fail(Indeterminate, FormatFailure, "%v", err)
			}
			return fail(TotalFailed, FormatFailure, "%v", err)
		}
		if ref.Hash == crypto.SHA1 {
			sr.Warnings = append(sr.Warnings, "reference "+ref.URI+" uses SHA-1")
		}
		if ref.Type == xmlsig.TypeSignedProperties && (ref.Target == nil || ref.Target != signedProps) {
			return fail(TotalFailed, FormatFailure, "the Reference of type SignedProperties (%q) does not point at this signature's SignedProperties", ref.URI)
		}
		if ref.Target != nil && ref.Target == signedProps {
			propsBound = true
			if !ref.Match {
				return fail(TotalFailed, HashFailure, "SignedProperties were changed after signing")
			}
			continue
		}
		if ref.Target != nil && xmlsig.Is(ref.Target, xmlsig.NSDSig, "KeyInfo") && ref.Target.Parent() == sig {
			if !ref.Match {
				return fail(TotalFailed, HashFailure, "KeyInfo was changed after signing")
			}
			keyInfoBound = true
			continue
		}
		if ref.Type == TypeCountersignedSignature && (parentSV == nil || ref.Target != parentSV) {
			return fail(TotalFailed, FormatFailure, "the CountersignedSignature reference %q does not point at the ds:SignatureValue of the signature this counter-signature belongs to", ref.URI)
		}
		contentRefs++
		if ref.Target == nil || !isInside(ref.Target, sig) {
			outside++
		}
		entry := v.coverEntry(&sr, ref, sig, false)
		if !ref.Checked {
			if !v.mayBeAbsent(ref.URI) {
				fail(Indeterminate, SignedDataNotFound, "%s", notGiven(ref))
			}
			continue
		}
		if !ref.Match && ref.RootOnly {
			// A whole-document signature made by hpki before it
			// digested the processing instructions outside the root.
			fail(Indeterminate, FormatFailure, "%s: only the root element matches the signed digest, the processing instructions outside it (a stylesheet changes what a reader sees) are not covered; remove them to verify the signed content", entry)
			covered = append(covered, ref.Target)
			continue
		}
		if !ref.Match {
			return fail(TotalFailed, HashFailure, "%s was changed after signing (digest mismatch)", entry)
		}
		covered = append(covered, ref.Covered...) // set when transforms select other than one element
		if ref.Target != nil {
			covered = append(covered, ref.Target)
			if parentSV != nil && ref.Target == parentSV {
				counterOK = true
			}
			if xmlsig.Is(ref.Target, xmlsig.NSDSig, "Manifest") && !manifests[ref.Target] {
				manifests[ref.Target] = true
				if bad := v.checkManifest(&sr, checker, ref.Target, sig, &covered); bad != nil {
					if bad.sub != SignedDataNotFound {
						return fail(bad.ind, bad.sub, "%s", bad.msg)
					}
					fail(bad.ind, bad.sub, "%s", bad.msg)
				}
			}
		}
	}
	sr.Warnings = append(sr.Warnings, uncoveredLookalikes(doc, covered)...)
	sr.Warnings = append(sr.Warnings, unsignedObjects(sig, qp, covered)...)
	sr.Warnings = append(sr.Warnings, foreignInSignature(sig, covered)...)
	if signedProps != nil && !propsBound {
		return fail(TotalFailed, FormatFailure, "SignedProperties are not bound by a Reference URI to their Id: they are not signed")
	}
	if contentRefs == 0 {
		return fail(TotalFailed, FormatFailure, "the signature covers no document content")
	}
	if parentSig != nil && !counterOK {
		return fail(TotalFailed, FormatFailure, "the counter-signature does not cover the ds:SignatureValue of the signature it belongs to")
	}
	for _, sd := range sr.SignedData {
		if !sd.InSignature && sd.Manifest {
			outside++ // covered through a signed Manifest
		}
	}
	if parentSig == nil && sig != doc.Root() && outside == 0 {
		return fail(TotalFailed, FormatFailure, "the signature is enveloped in a document but covers only elements inside itself: nothing of the document it sits in is signed")
	}
	if parentSig == nil {
		for _, rp := range required {
			if msg := rp.check(doc, sig, covered); msg != "" {
				fail(TotalFailed, SigConstraintsFailure, "%s", msg)
			}
		}
	}
	if signedProps == nil && !keyInfoBound {
		sr.Warnings = append(sr.Warnings, "no signed data binds the signer certificate (plain XML-DSig without a signed KeyInfo): it is identified by the unsigned KeyInfo only, and another certificate for the same key could be named instead")
		if !v.opts.RequireRole.IsZero() {
			fail(TotalFailed, SigConstraintsFailure, "the role requirement cannot be met: no signed data binds the signer certificate (plain XML-DSig without a signed KeyInfo)")
		}
	}
	// Timestamps, in document order: signature timestamps over the
	// canonical SignatureValue, archive timestamps over ArchiveInput.
	var stamps []stamp
	var archiveRefs []byte
	var archiveErr error
	archived, spent := false, int64(0)
	if qp != nil && len(unsignedSignatureProperties(qp)) > 1 {
		// XAdES allows one UnsignedProperties with one
		// UnsignedSignatureProperties: with more, what an archive
		// timestamp covered is ambiguous.
		return fail(TotalFailed, FormatFailure, "more than one UnsignedSignatureProperties (or UnsignedProperties) element: XAdES allows one")
	}
	if qp != nil {
		// An archive timestamp covers the unsigned signature properties
		// its input holds (xmlsig.ArchiveInputWith): those of the first
		// UnsignedSignatureProperties before it. pos[0] is a property's
		// index in its UnsignedSignatureProperties, pos[1] is 1 in the
		// one archive inputs read.
		var inputUSP *etree.Element
		if up := xmlsig.Child(qp, xmlsig.NS(qp), "UnsignedProperties"); up != nil {
			inputUSP = xmlsig.Child(up, xmlsig.NS(qp), "UnsignedSignatureProperties")
		}
		for _, usp := range unsignedSignatureProperties(qp) {
			inInput := 0
			if usp == inputUSP {
				inInput = 1
			}
			for idx, st := range usp.ChildElements() {
				pos := stampPos{idx, inInput}
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
					if !archived {
						archiveRefs, archiveErr = xmlsig.ArchiveReferenceData(doc, sig, detached, archiveBudget(docSize))
						archived = true
					}
					if errors.Is(archiveErr, xmlsig.ErrLimit) {
						return fail(Indeterminate, FormatFailure, "%v", archiveErr)
					}
					if derr = archiveErr; derr == nil {
						data, derr = xmlsig.ArchiveInputWith(archiveRefs, sig, st, alg)
					}
					if spent += int64(len(data)); spent > archiveBudget(docSize) {
						return fail(Indeterminate, FormatFailure, "%v", fmt.Errorf("%w: the archive timestamps cover more than %d bytes together (6 times the document size plus 32 MiB): too many archive timestamps to check", xmlsig.ErrLimit, archiveBudget(docSize)))
					}
				}
				for _, et := range xmlsig.Children(st, xmlsig.NSXAdES132, "EncapsulatedTimeStamp") {
					if raw, err := b64(et); err == nil {
						s := stamp{kind: kind, raw: raw, data: data, err: derr, pos: pos}
						if kind == "archive" {
							s.covers = func(p stampPos) bool { return p[1] == 1 && (pos[1] == 0 || p[0] < pos[0]) }
						}
						stamps = append(stamps, s)
					}
				}
			}
		}
	}
	for _, st := range stamps {
		if pt := v.token(st.raw); pt.err == nil {
			m.addEmbedded(pt.certs, pt.crls, pt.ocsps)
		}
	}
	v.finish(ctx, &sr, cert, certs, h, level, stamps, m)
	return sr
}

// unsignedSignatureProperties returns the UnsignedSignatureProperties of
// qp itself (not those of counter-signatures nested in it).
func unsignedSignatureProperties(qp *etree.Element) []*etree.Element {
	var out []*etree.Element
	for _, ns := range []string{xmlsig.NSXAdES132, xmlsig.NSXAdES141} {
		for _, up := range xmlsig.Children(qp, ns, "UnsignedProperties") {
			out = append(out, xmlsig.Children(up, xmlsig.NSXAdES132, "UnsignedSignatureProperties")...)
		}
	}
	return out
}

// qualifyingProperties finds the XAdES qualifying properties of sig. The
// rules (any breach is a format failure, never a fall-back to plain
// XML-DSig): at most one xades:QualifyingProperties in sig's ds:Object
// elements (counter-signatures nested in them aside), a direct child of a
// ds:Object, whose Target is "#" + sig's Id (so sig must have an Id); no
// QualifyingPropertiesReference; exactly one SignedProperties, the child of
// that QualifyingProperties, and no other SignedProperties element in the
// signature; a SignedInfo Reference of type SignedProperties only when
// there are SignedProperties. Whether a signed Reference points at the
// SignedProperties is checked with the references.
func qualifyingProperties(sig, si *etree.Element) (qp, signedProps *etree.Element, err error) {
	var qps, sps []*etree.Element
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for _, c := range el.ChildElements() {
			if xmlsig.Is(c, xmlsig.NSDSig, "Signature") {
				continue // a counter-signature has its own properties
			}
			if ns := xmlsig.NS(c); ns == xmlsig.NSXAdES132 || ns == xmlsig.NSXAdES141 {
				switch c.Tag {
				case "QualifyingProperties":
					qps = append(qps, c)
				case "SignedProperties":
					sps = append(sps, c)
				case "QualifyingPropertiesReference":
					err = fmt.Errorf("QualifyingPropertiesReference (properties outside the signature) is not supported")
				}
			}
			walk(c)
		}
	}
	for _, obj := range xmlsig.Children(sig, xmlsig.NSDSig, "Object") {
		walk(obj)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(qps) == 0 {
		if len(sps) > 0 {
			return nil, nil, fmt.Errorf("SignedProperties outside QualifyingProperties")
		}
		for _, ref := range xmlsig.Children(si, xmlsig.NSDSig, "Reference") {
			if ref.SelectAttrValue("Type", "") == xmlsig.TypeSignedProperties {
				return nil, nil, fmt.Errorf("a Reference of type SignedProperties but no QualifyingProperties in the signature")
			}
		}
		return nil, nil, nil
	}
	if len(qps) > 1 {
		return nil, nil, fmt.Errorf("%d QualifyingProperties in one signature: exactly one is allowed", len(qps))
	}
	qp = qps[0]
	if p := qp.Parent(); p == nil || !xmlsig.Is(p, xmlsig.NSDSig, "Object") || p.Parent() != sig {
		return nil, nil, fmt.Errorf("QualifyingProperties must be a child of the signature's ds:Object")
	}
	id := sig.SelectAttrValue("Id", "")
	target := qp.SelectAttrValue("Target", "")
	if id == "" {
		return nil, nil, fmt.Errorf("QualifyingProperties (Target %q) in a ds:Signature without Id: the properties cannot be tied to it", target)
	}
	if target != "#"+id {
		return nil, nil, fmt.Errorf("QualifyingProperties target %q is not this signature (#%s)", target, id)
	}
	if len(sps) != 1 || sps[0].Parent() != qp || !xmlsig.Is(sps[0], xmlsig.NSXAdES132, "SignedProperties") {
		return nil, nil, fmt.Errorf("the signature needs exactly one xades:SignedProperties, the child of its QualifyingProperties (found %d)", len(sps))
	}
	return qp, sps[0], nil
}

// counterSignatureParent returns the ds:Signature that sig counter-signs
// (sig inside that signature's xades:CounterSignature), or nil.
func counterSignatureParent(sig *etree.Element) *etree.Element {
	p := sig.Parent()
	if p == nil || p.Tag != "CounterSignature" || (xmlsig.NS(p) != xmlsig.NSXAdES132 && xmlsig.NS(p) != xmlsig.NSXAdES141) {
		return nil
	}
	for a := p.Parent(); a != nil; a = a.Parent() {
		if xmlsig.Is(a, xmlsig.NSDSig, "Signature") {
			return a
		}
	}
	return nil
}

// isInside reports whether el is anc or lies inside it.
func isInside(el, anc *etree.Element) bool {
	for p := el; p != nil; p = p.Parent() {
		if p == anc {
			return true
		}
	}
	return false
}

// notGiven says which data a reference needs and how to give it.
func notGiven(ref *xmlsig.Reference) string {
	if ref.URI == "" {
		return "the content of a Reference without URI (the signer's application names it) was not given: give it with --content"
	}
	return ref.URI + " was not given, so not checked: give the file with --content"
}

// mayBeAbsent reports whether the caller allows the detached data uri to
// be absent (Options.MayBeAbsent).
func (v *Verifier) mayBeAbsent(uri string) bool {
	return v.opts.MayBeAbsent != nil && v.opts.MayBeAbsent(strings.Clone(uri)) // uri may share the document's bytes
}

// coverEntry records what a content reference covers in Covers and
// SignedData, and returns the Covers text.
func (v *Verifier) coverEntry(sr *SignatureReport, ref *xmlsig.Reference, sig *etree.Element, manifest bool) string {
	entry := ref.Covers
	in := ref.Target != nil && isInside(ref.Target, sig)
	if in {
		entry += ", inside this signature's own ds:Signature (ds:Object)"
	}
	if !ref.Checked && v.mayBeAbsent(ref.URI) {
		entry += " (allowed to be absent)"
	}
	if manifest {
		entry = "manifest: " + entry
	}
	sr.Covers = append(sr.Covers, entry)
	sr.SignedData = append(sr.SignedData, SignedData{URI: ref.URI, Location: ref.Location, Excluded: ref.Excluded, Partial: ref.Partial, LeftOut: ref.LeftOut,
		InSignature: in, Manifest: manifest, Checked: ref.Checked && ref.Match, Data: ref.Data})
	if ref.Partial && ref.Checked && ref.Match {
		// The file is given and matches, but only in part: whoever reads
		// the whole file reads data nobody signed.
		sr.Warnings = append(sr.Warnings, entry+": the signature covers only part of this data; what it leaves out may be changed without breaking the signature")
	}
	return entry
}

type problem struct {
	ind Indication
	sub SubIndication
	msg string
}

// checkManifest checks the references of a signed ds:Manifest. XML-DSig
// leaves their validation to the application; here they count as the
// signature's own: each one given (an element of the document, or a file
// the caller provides) must match, and a file not given makes the
// signature INDETERMINATE/SIGNED_DATA_NOT_FOUND unless Options.MayBeAbsent
// allows it. Nested manifests are not followed.
func (v *Verifier) checkManifest(sr *SignatureReport, checker *xmlsig.Checker, m, sig *etree.Element, covered *[]*etree.Element) *problem {
	refs := xmlsig.Children(m, xmlsig.NSDSig, "Reference")
	if len(refs) == 0 {
		return &problem{TotalFailed, FormatFailure, "signed Manifest has no Reference"}
	}
	var missing []string
	for _, refEl := range refs {
		ref, err := checker.Check(refEl, sig)
		if err != nil {
			if errors.Is(err, xmlsig.ErrLimit) || errors.Is(err, xmlsig.ErrUnsupported) {
				return &problem{Indeterminate, FormatFailure, "Manifest: " + err.Error()}
			}
			return &problem{TotalFailed, FormatFailure, "Manifest: " + err.Error()}
		}
		entry := v.coverEntry(sr, ref, sig, true)
		switch {
		case !ref.Checked:
			if !v.mayBeAbsent(ref.URI) {
				missing = append(missing, ref.URI)
			} else {
				sr.Warnings = append(sr.Warnings, entry)
			}
		case !ref.Match:
			return &problem{TotalFailed, HashFailure, ref.Covers + " listed in the signed Manifest was changed after signing (digest mismatch)"}
		case ref.Target != nil:
			*covered = append(*covered, ref.Target)
		default:
			*covered = append(*covered, ref.Covered...)
		}
	}
	if len(missing) > 0 {
		return &problem{Indeterminate, SignedDataNotFound, "files listed in the signed Manifest were not given, so not checked (give them with --content, or beside the signature): " + strings.Join(missing, ", ")}
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
	// One walk of the document, whatever the number of references.
	isCovered := map[*etree.Element]bool{}
	type name struct{ ns, tag string }
	names := map[name]bool{}
	var order []name
	for _, c := range covered {
		isCovered[c] = true
		if n := (name{xmlsig.NS(c), c.Tag}); c != doc.Root() && !names[n] {
			names[n] = true
			order = append(order, n)
		}
	}
	if len(order) == 0 {
		return nil
	}
	count := map[name]int{}
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		if isCovered[el] || xmlsig.Is(el, xmlsig.NSDSig, "Signature") {
			return // covered, or inside a signature
		}
		if n := (name{xmlsig.NS(el), el.Tag}); names[n] {
			count[n]++
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(doc.Root())
	var out []string
	for _, n := range order {
		if count[n] > 0 {
			out = append(out, fmt.Sprintf("%d other %s element(s) in the document are not covered by this signature: do not rely on them", count[n], n.tag))
		}
	}
	return out
}

// foreignInSignature warns about content inside sig that belongs to
// neither XML-DSig nor XAdES — an element of another namespace (in KeyInfo,
// X509Data, QualifyingProperties, UnsignedProperties …) or text among the
// child elements of a signature element — outside what a signed reference
// covers. Such content is never signed (the enveloped-signature transform
// removes the signature, and nothing else covers it), yet it lies inside
// the covered element when the signature is enveloped: it is named so that
// nobody reads it as part of the signed document. Direct children of
// ds:Object are unsignedObjects' to name.
func foreignInSignature(sig *etree.Element, covered []*etree.Element) []string {
	isCovered := map[*etree.Element]bool{}
	for _, c := range covered {
		isCovered[c] = true
	}
	own := func(el *etree.Element) bool {
		switch xmlsig.NS(el) {
		case xmlsig.NSDSig, xmlsig.NSXAdES132, xmlsig.NSXAdES141:
			return true
		}
		return false
	}
	var out []string
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		hasElements := len(el.ChildElements()) > 0
		for _, tok := range el.Child {
			switch t := tok.(type) {
			case *etree.Element:
				switch {
				case isCovered[t]:
				case xmlsig.Is(el, xmlsig.NSDSig, "Object") && !own(t):
					// named by unsignedObjects
				case !own(t):
					out = append(out, fmt.Sprintf("a %s element at %s, inside the signature, is not signed: do not rely on it", t.Tag, xmlsig.Path(t)))
				case (xmlsig.Is(t, xmlsig.NSDSig, "KeyName") || xmlsig.Is(t, xmlsig.NSDSig, "MgmtData")) && strings.TrimSpace(xmlsig.Text(t)) != "":
					// Free text by the schema: unsigned like the rest.
					out = append(out, fmt.Sprintf("the text of %s at %s, inside the signature, is not signed: do not rely on it", t.Tag, xmlsig.Path(t)))
				default:
					walk(t)
				}
			case *etree.CharData:
				if hasElements && strings.TrimSpace(t.Data) != "" {
					out = append(out, fmt.Sprintf("text inside the signature at %s is not signed: do not rely on it", xmlsig.Path(el)))
				}
			}
		}
	}
	walk(sig)
	return out
}

// unsignedObjects warns about the content of sig's ds:Object elements that
// no signed reference of sig covers: everything but the XAdES
// QualifyingProperties qp (whose unsigned properties are unsigned by
// design) and the Objects, or children of Objects, that a reference of
// SignedInfo or of a signed Manifest points at (a signed ds:Manifest,
// SignatureProperties, enveloping content). Such content travels with a
// valid signature without being signed; it is named so that nobody reads
// it as signed.
func unsignedObjects(sig, qp *etree.Element, covered []*etree.Element) []string {
	isCovered := map[*etree.Element]bool{}
	for _, c := range covered {
		isCovered[c] = true
	}
	var out []string
	for i, obj := range xmlsig.Children(sig, xmlsig.NSDSig, "Object") {
		if isCovered[obj] {
			continue
		}
		what := fmt.Sprintf("ds:Object #%d", i+1)
		if id := obj.SelectAttrValue("Id", ""); id != "" {
			what += fmt.Sprintf(" (Id %q)", id)
		}
		for _, tok := range obj.Child {
			switch t := tok.(type) {
			case *etree.Element:
				if t == qp || isCovered[t] {
					continue
				}
				out = append(out, fmt.Sprintf("%s holds a %s element that no signed reference covers: it is not signed, do not rely on it", what, t.Tag))
			case *etree.CharData:
				if strings.TrimSpace(t.Data) != "" {
					out = append(out, fmt.Sprintf("%s holds text that no signed reference covers: it is not signed, do not rely on it", what))
				}
			}
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
	ref, v2, err := signingCertificateProperty(ssp)
	if err != nil {
		return nil, "", err
	}
	certEls := xmlsig.Children(ref, xmlsig.NSXAdES132, "Cert")
	if len(certEls) == 0 {
		return nil, "", fmt.Errorf("SigningCertificate has no Cert")
	}
	first := certEls[0]
	matches := func(cert *etree.Element) bool {
		cd := xmlsig.Child(cert, xmlsig.NSXAdES132, "CertDigest")
		dm := xmlsig.Child(cd, xmlsig.NSDSig, "DigestMethod")
		if cd == nil || dm == nil {
			return false
		}
		h, err := xmlsig.DigestAlgorithm(dm.SelectAttrValue("Algorithm", ""))
		want, werr := b64(xmlsig.Child(cd, xmlsig.NSDSig, "DigestValue"))
		if err != nil || werr != nil {
			return false
		}
		for _, c := range certs {
			d := h.New()
			d.Write(c.Raw)
			if string(d.Sum(nil)) == string(want) {
				return true
			}
		}
		return false
	}
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
	for i, c := range certEls[1:] {
		if matches(c) {
			return nil, "", &signingCertFormatError{fmt.Errorf("the first Cert of %s, which must identify the signing certificate (EN 319 132-1 §5.2.2), matches no KeyInfo certificate, but Cert #%d does: which certificate signed is ambiguous", propName(v2), i+2)}
		}
	}
	return nil, "", fmt.Errorf("no KeyInfo certificate matches the signed SigningCertificate digest")
}

// signingCertFormatError marks a SigningCertificate(V2) property that is
// malformed or ambiguous (a format failure), as opposed to one that is
// well-formed but designates no available certificate.
type signingCertFormatError struct{ err error }

func (e *signingCertFormatError) Error() string { return e.err.Error() }
func (e *signingCertFormatError) Unwrap() error { return e.err }

func propName(v2 bool) string {
	if v2 {
		return "SigningCertificateV2"
	}
	return "SigningCertificate"
}

// signingCertificateProperty returns the one property of ssp (a
// SignedSignatureProperties) that designates the signing certificate, and
// whether it is SigningCertificateV2. EN 319 132-1 §5.2.2 gives exactly one
// such property: SigningCertificateV2, or the deprecated SigningCertificate
// for signatures made before it, never both (the baseline profile, §6.3,
// forbids SigningCertificate beside SigningCertificateV2), and the XAdES
// schema allows each once. Two of them could designate different
// certificates, so anything but exactly one is a format failure
// (signingCertFormatError), never a silent choice.
func signingCertificateProperty(ssp *etree.Element) (*etree.Element, bool, error) {
	v2s := xmlsig.Children(ssp, xmlsig.NSXAdES132, "SigningCertificateV2")
	v1s := xmlsig.Children(ssp, xmlsig.NSXAdES132, "SigningCertificate")
	switch {
	case len(v2s) > 0 && len(v1s) > 0:
		return nil, false, &signingCertFormatError{fmt.Errorf("both SigningCertificate and SigningCertificateV2 among the signed properties: EN 319 132-1 allows only one (SigningCertificateV2), the signing certificate is ambiguous")}
	case len(v2s) > 1:
		return nil, false, &signingCertFormatError{fmt.Errorf("%d SigningCertificateV2 properties among the signed properties: exactly one is allowed, the signing certificate is ambiguous", len(v2s))}
	case len(v1s) > 1:
		return nil, false, &signingCertFormatError{fmt.Errorf("%d SigningCertificate properties among the signed properties: exactly one is allowed, the signing certificate is ambiguous", len(v1s))}
	case len(v2s) == 1:
		return v2s[0], true, nil
	case len(v1s) == 1:
		return v1s[0], false, nil
	}
	return nil, false, fmt.Errorf("no SigningCertificate(V2) among the signed properties")
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
	case *rsa.PublicKey:
		if keyKind == "RSA-PSS" {
			// RFC 6931: MGF1 with the same hash; the salt length is the
			// hash's unless RSAPSSParams say otherwise (any is accepted).
			if err := rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto, Hash: h}); err != nil {
				return fmt.Errorf("%w: %v", cms.ErrSignature, err)
			}
			return nil
		}
		if keyKind != "RSA" {
			return fmt.Errorf("signature method does not fit the key")
		}
		alg, _ := cms.SignatureAlgorithm(cert.PublicKey, h, false)
		return cms.VerifySignature(cert.PublicKey, alg, h, digest, sig)
	default:
		return fmt.Errorf("signature method does not fit the key")
	}
}

// certsWithKey returns the distinct certificates of the lists whose public
// key is key.
func certsWithKey(key crypto.PublicKey, lists ...[]*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	seen := map[string]bool{}
	for _, list := range lists {
		for _, c := range list {
			if !seen[string(c.Raw)] && sameKey(key, c.PublicKey) {
				seen[string(c.Raw)] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// sameKey reports whether two public keys are equal.
func sameKey(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}
