package cms

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
)

// OIDs of signed attributes that CheckSignedAttrs knows.
var (
	OIDCMSAlgorithmProtection = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 52}
	OIDContentHints           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 4}
	OIDContentReference       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 10}
	OIDContentIdentifier      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 7}
	OIDSignerLocation         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 17}
	OIDSignerAttributes       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 18}
	OIDSignerAttributesV2     = asn1.ObjectIdentifier{0, 4, 0, 19122, 1, 1}
	OIDMimeType               = asn1.ObjectIdentifier{0, 4, 0, 1733, 2, 1}
)

// singleValued lists the signed attributes that may appear at most once
// among a SignerInfo's signed attributes, each with exactly one value:
// RFC 5652 §11.1–11.3 (content-type, message-digest, signing-time),
// RFC 2634/5035 (signing-certificate(-v2), content-hints, content-reference,
// content-identifier), RFC 6211 §2 (cmsAlgorithmProtection) and
// ETSI EN 319 122-1 §5.2 (signature-policy-identifier, signer-location,
// signer-attributes(-v2), mime-type).
var singleValued = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{OIDContentType, "content-type"},
	{OIDMessageDigest, "message-digest"},
	{OIDSigningTime, "signing-time"},
	{OIDSigningCertificate, "signing-certificate"},
	{OIDSigningCertificateV2, "signing-certificate-v2"},
	{OIDSignaturePolicyID, "signature-policy-identifier"},
	{OIDCMSAlgorithmProtection, "cmsAlgorithmProtection"},
	{OIDContentHints, "content-hints"},
	{OIDContentReference, "content-reference"},
	{OIDContentIdentifier, "content-identifier"},
	{OIDSignerLocation, "signer-location"},
	{OIDSignerAttributes, "signer-attributes"},
	{OIDSignerAttributesV2, "signer-attributes-v2"},
	{OIDMimeType, "mime-type"},
}

// CheckSignedAttrs is the one place where the structure of a SignerInfo's
// signed attributes is checked before anything in them is trusted:
//
//   - every attribute has at least one value (RFC 5652 §5.3: SET OF with
//     SIZE (1..MAX));
//   - a single-valued attribute (content-type, message-digest,
//     signing-time, signing-certificate(-v2), signature-policy-identifier,
//     cmsAlgorithmProtection, content-hints, content-reference,
//     content-identifier, signer-location, signer-attributes(-v2),
//     mime-type) appears at most once, with exactly one value: a verifier
//     must never pick one of two signing-times silently;
//   - a cmsAlgorithmProtection attribute (RFC 6211) names exactly the
//     SignerInfo's digestAlgorithm and signatureAlgorithm
//     (CheckAlgorithmProtection).
//
// It does not check which attributes are required; callers do. A non-nil
// error wraps ErrFormat and is a FORMAT_FAILURE of the signature.
func (si *SignerInfo) CheckSignedAttrs() error {
	for i := range si.SignedAttrs {
		if len(si.SignedAttrs[i].Values) == 0 {
			return formatErr("signed attribute %s has no value", si.SignedAttrs[i].Type)
		}
	}
	for _, sv := range singleValued {
		n := 0
		for i := range si.SignedAttrs {
			a := &si.SignedAttrs[i]
			if !a.Type.Equal(sv.oid) {
				continue
			}
			n++
			if len(a.Values) != 1 {
				return formatErr("signed attribute %s (%s) has %d values; it must have exactly one", sv.name, sv.oid, len(a.Values))
			}
		}
		if n > 1 {
			return formatErr("signed attribute %s (%s) appears %d times; it may appear only once", sv.name, sv.oid, n)
		}
	}
	if a := si.SignedAttr(OIDCMSAlgorithmProtection); a != nil {
		if err := si.CheckAlgorithmProtection(a); err != nil {
			return err
		}
	}
	return nil
}

// cmsAlgorithmProtection is the RFC 6211 attribute value (IMPLICIT tags).
type cmsAlgorithmProtection struct {
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignatureAlgorithm pkix.AlgorithmIdentifier `asn1:"optional,tag:1"`
	MACAlgorithm       pkix.AlgorithmIdentifier `asn1:"optional,tag:2"`
}

// CheckAlgorithmProtection checks a cmsAlgorithmProtection attribute
// (RFC 6211 §2) against the SignerInfo: its digestAlgorithm and
// signatureAlgorithm must be the SignerInfo's, and it must not name a MAC
// algorithm. Algorithm identifiers are compared by OID and parameters,
// absent parameters being equal to NULL ones (RFC 4055 allows both for
// RSA and the hash functions). A mismatch means the signature may have been
// moved to other algorithms than the signer used: the error wraps
// ErrFormat (RFC 6211: the signature "MUST be considered invalid").
func (si *SignerInfo) CheckAlgorithmProtection(attr *Attribute) error {
	v, err := attr.Value()
	if err != nil {
		return err
	}
	var p cmsAlgorithmProtection
	if rest, err := asn1.Unmarshal(v.FullBytes, &p); err != nil || len(rest) != 0 {
		return formatErr("cmsAlgorithmProtection: %v", err)
	}
	if len(p.MACAlgorithm.Algorithm) != 0 {
		return formatErr("cmsAlgorithmProtection names a MAC algorithm in a signature")
	}
	if len(p.SignatureAlgorithm.Algorithm) == 0 {
		return formatErr("cmsAlgorithmProtection has no signatureAlgorithm")
	}
	if !SameAlgorithm(p.DigestAlgorithm, si.DigestAlgorithm) {
		return formatErr("cmsAlgorithmProtection digest algorithm %s differs from the SignerInfo's %s", p.DigestAlgorithm.Algorithm, si.DigestAlgorithm.Algorithm)
	}
	if !SameAlgorithm(p.SignatureAlgorithm, si.SignatureAlgorithm) {
		return formatErr("cmsAlgorithmProtection signature algorithm %s differs from the SignerInfo's %s", p.SignatureAlgorithm.Algorithm, si.SignatureAlgorithm.Algorithm)
	}
	return nil
}

// SameAlgorithm reports whether two AlgorithmIdentifiers name the same
// algorithm with the same parameters, absent parameters being equal to
// NULL.
func SameAlgorithm(a, b pkix.AlgorithmIdentifier) bool {
	if !a.Algorithm.Equal(b.Algorithm) {
		return false
	}
	pa, pb := algParams(a), algParams(b)
	return bytes.Equal(pa, pb)
}

// algParams returns the DER parameters, nil when absent or NULL.
func algParams(a pkix.AlgorithmIdentifier) []byte {
	raw := a.Parameters.FullBytes
	if raw == nil && (a.Parameters.Tag != 0 || len(a.Parameters.Bytes) > 0) {
		enc, err := asn1.Marshal(a.Parameters)
		if err != nil {
			return []byte{0xff} // unencodable: equal to nothing sensible
		}
		raw = enc
	}
	if bytes.Equal(raw, []byte{0x05, 0x00}) {
		return nil
	}
	if len(raw) == 0 {
		return nil
	}
	return raw
}
