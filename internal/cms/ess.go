package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/hpki-jp/hpki/internal/der"
)

// ESSCertIDv2 identifies a certificate by hash (RFC 5035).
type ESSCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  IssuerSerial `asn1:"optional"`
}

// ESSCertID identifies a certificate by SHA-1 hash (RFC 2634).
type ESSCertID struct {
	CertHash     []byte
	IssuerSerial IssuerSerial `asn1:"optional"`
}

// IssuerSerial is GeneralNames (with a directoryName) and a serial number.
type IssuerSerial struct {
	Issuer []asn1.RawValue
	Serial *big.Int
}

type signingCertificateV2 struct {
	Certs    []ESSCertIDv2
	Policies asn1.RawValue `asn1:"optional"`
}

type signingCertificate struct {
	Certs    []ESSCertID
	Policies asn1.RawValue `asn1:"optional"`
}

func issuerSerialOf(c *x509.Certificate) IssuerSerial {
	// GeneralName directoryName [4] EXPLICIT Name.
	return IssuerSerial{
		Issuer: []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: c.RawIssuer}},
		Serial: c.SerialNumber,
	}
}

// SigningCertificateV2Attr returns the signing-certificate-v2 attribute for
// cert, hashed with h (SHA-256 leaves the algorithm out, as DER requires).
func SigningCertificateV2Attr(cert *x509.Certificate, h crypto.Hash) (Attribute, error) {
	id := ESSCertIDv2{IssuerSerial: issuerSerialOf(cert)}
	if h != crypto.SHA256 {
		alg, err := DigestAlgorithm(h)
		if err != nil {
			return Attribute{}, err
		}
		id.HashAlgorithm = alg
	}
	hh := h.New()
	hh.Write(cert.Raw)
	id.CertHash = hh.Sum(nil)
	return NewAttribute(OIDSigningCertificateV2, signingCertificateV2{Certs: []ESSCertIDv2{id}})
}

// CertIDMatch says how a signing-certificate attribute relates to a cert.
type CertIDMatch struct {
	// V2 is true for signing-certificate-v2, false for v1.
	V2   bool
	Hash crypto.Hash
}

// CheckSigningCertificate verifies that the first ESSCertID(v2) of a
// signing-certificate(-v2) attribute designates cert: its hash over the
// whole certificate, and the issuer/serial when present.
func CheckSigningCertificate(attr *Attribute, cert *x509.Certificate) (CertIDMatch, error) {
	v, err := attr.Value()
	if err != nil {
		return CertIDMatch{}, err
	}
	var hashAlg pkix.AlgorithmIdentifier
	var certHash []byte
	var is IssuerSerial
	m := CertIDMatch{}
	switch {
	case attr.Type.Equal(OIDSigningCertificateV2):
		m.V2 = true
		var ok bool
		if certHash, is, ok = signingCertificateV2Fast(v.FullBytes); !ok {
			var sc signingCertificateV2
			if rest, err := asn1.Unmarshal(v.FullBytes, &sc); err != nil || len(rest) != 0 || len(sc.Certs) == 0 {
				return CertIDMatch{}, formatErr("signing-certificate-v2: %v", err)
			}
			hashAlg, certHash, is = sc.Certs[0].HashAlgorithm, sc.Certs[0].CertHash, sc.Certs[0].IssuerSerial
		}
		m.Hash = crypto.SHA256
		if len(hashAlg.Algorithm) > 0 {
			if m.Hash, err = HashFromOID(hashAlg.Algorithm); err != nil {
				return m, err
			}
		}
	case attr.Type.Equal(OIDSigningCertificate):
		var sc signingCertificate
		if rest, err := asn1.Unmarshal(v.FullBytes, &sc); err != nil || len(rest) != 0 || len(sc.Certs) == 0 {
			return m, formatErr("signing-certificate: %v", err)
		}
		certHash, is, m.Hash = sc.Certs[0].CertHash, sc.Certs[0].IssuerSerial, crypto.SHA1
	default:
		return m, fmt.Errorf("attribute %s is not a signing-certificate attribute", attr.Type)
	}
	hh := m.Hash.New()
	hh.Write(cert.Raw)
	if !bytes.Equal(hh.Sum(nil), certHash) {
		return m, fmt.Errorf("signing certificate hash does not match the signer's certificate")
	}
	if is.Serial != nil {
		if is.Serial.Cmp(cert.SerialNumber) != 0 {
			return m, fmt.Errorf("signing certificate serial number does not match the signer's certificate")
		}
		found := false
		for _, gn := range is.Issuer {
			if gn.Class == asn1.ClassContextSpecific && gn.Tag == 4 && SameName(gn.Bytes, cert.RawIssuer) {
				found = true
			}
		}
		if !found {
			return m, fmt.Errorf("signing certificate issuer does not match the signer's certificate")
		}
	}
	return m, nil
}

// SigningTime decodes a signing-time attribute (UTCTime or GeneralizedTime).
func SigningTime(attr *Attribute) (time.Time, error) {
	v, err := attr.Value()
	if err != nil {
		return time.Time{}, err
	}
	t, err := timeValue(v.FullBytes)
	if err != nil {
		return time.Time{}, formatErr("signing-time: %v", err)
	}
	return t, nil
}

// timeValue reads a DER UTCTime or GeneralizedTime with nothing after it
// (what asn1.Unmarshal into a time.Time accepts).
func timeValue(b []byte) (time.Time, error) {
	f := der.NewFields(b)
	t, err := f.Time()
	if err == nil && !f.Empty() {
		err = asn1.SyntaxError{Msg: "trailing data"}
	}
	return t, err
}

// SigningTimeAttr returns a signing-time attribute (UTCTime until 2049, as
// RFC 5652 requires).
func SigningTimeAttr(t time.Time) (Attribute, error) {
	t = t.UTC().Truncate(time.Second)
	if t.Year() >= 1950 && t.Year() < 2050 {
		return NewAttribute(OIDSigningTime, t)
	}
	return NewAttribute(OIDSigningTime, asn1.RawValue{Tag: asn1.TagGeneralizedTime, Bytes: []byte(t.Format("20060102150405Z"))})
}

// SignaturePolicyID is the signature-policy-identifier of CAdES-EPES.
type SignaturePolicyID struct {
	SigPolicyID   asn1.ObjectIdentifier
	SigPolicyHash struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashValue     []byte
	}
	Qualifiers asn1.RawValue `asn1:"optional"`
}

// SignaturePolicyAttr returns a signature-policy-identifier attribute for
// the policy OID and the hash of the policy document.
func SignaturePolicyAttr(oid asn1.ObjectIdentifier, h crypto.Hash, policyHash []byte) (Attribute, error) {
	alg, err := DigestAlgorithm(h)
	if err != nil {
		return Attribute{}, err
	}
	var p SignaturePolicyID
	p.SigPolicyID = oid
	p.SigPolicyHash.HashAlgorithm = alg
	p.SigPolicyHash.HashValue = policyHash
	return NewAttribute(OIDSignaturePolicyID, p)
}

// SignaturePolicy decodes a signature-policy-identifier attribute. An
// implied policy (NULL) gives a nil OID.
func SignaturePolicy(attr *Attribute) (asn1.ObjectIdentifier, error) {
	v, err := attr.Value()
	if err != nil {
		return nil, err
	}
	if v.Tag == asn1.TagNull {
		return nil, nil
	}
	var p SignaturePolicyID
	if rest, err := asn1.Unmarshal(v.FullBytes, &p); err != nil || len(rest) != 0 {
		return nil, formatErr("signature-policy-identifier: %v", err)
	}
	return p.SigPolicyID, nil
}

// OctetStringValue decodes an attribute whose single value is an OCTET
// STRING (message-digest): the bytes of the value itself, not a copy.
func OctetStringValue(attr *Attribute) ([]byte, error) {
	v, err := attr.Value()
	if err != nil {
		return nil, err
	}
	e, rest, err := der.Top(v.FullBytes, asn1.TagOctetString, false)
	if err == nil && len(rest) != 0 {
		err = asn1.SyntaxError{Msg: "trailing data"}
	}
	if err != nil {
		return nil, formatErr("attribute %s is not an OCTET STRING: %v", attr.Type, err)
	}
	return e.Body, nil
}

// OIDValue decodes an attribute whose single value is an OID (content-type).
func OIDValue(attr *Attribute) (asn1.ObjectIdentifier, error) {
	v, err := attr.Value()
	if err != nil {
		return nil, err
	}
	e, rest, err := der.Top(v.FullBytes, asn1.TagOID, false)
	var o asn1.ObjectIdentifier
	if err == nil {
		o, err = der.OID(e.Body)
	}
	if err == nil && len(rest) != 0 {
		err = asn1.SyntaxError{Msg: "trailing data"}
	}
	if err != nil {
		return nil, formatErr("attribute %s is not an OID: %v", attr.Type, err)
	}
	return o, nil
}

// MarshalIssuerSerial returns the DER IssuerSerial (GeneralNames with the
// issuer as directoryName, and the serial number) of cert, as XAdES
// IssuerSerialV2 carries it.
func MarshalIssuerSerial(cert *x509.Certificate) ([]byte, error) {
	return asn1.Marshal(issuerSerialOf(cert))
}

// ParseIssuerSerial decodes a DER IssuerSerial and reports whether it
// designates cert.
func ParseIssuerSerial(der []byte, cert *x509.Certificate) (bool, error) {
	var is IssuerSerial
	if rest, err := asn1.Unmarshal(der, &is); err != nil || len(rest) != 0 {
		return false, formatErr("IssuerSerial: %v", err)
	}
	if is.Serial == nil || is.Serial.Cmp(cert.SerialNumber) != 0 {
		return false, nil
	}
	for _, gn := range is.Issuer {
		if gn.Class == asn1.ClassContextSpecific && gn.Tag == 4 && SameName(gn.Bytes, cert.RawIssuer) {
			return true, nil
		}
	}
	return false, nil
}
