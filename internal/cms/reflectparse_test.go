package cms

// The CMS parser as it was written with encoding/asn1's reflection, kept
// to check the hand-written one against (FuzzParseDifferential).

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
)

type rawContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type rawEncap struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"explicit,optional,tag:0"`
}

type rawSignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo rawEncap
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      asn1.RawValue
}

type rawSignerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

func parseDERReflect(der []byte) (*SignedData, error) {
	var ci rawContentInfo
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil {
		return nil, formatErr("ContentInfo: %v", err)
	}
	if len(rest) != 0 {
		return nil, formatErr("%d trailing bytes after ContentInfo", len(rest))
	}
	if !ci.ContentType.Equal(OIDSignedData) {
		return nil, formatErr("content type %s is not SignedData", ci.ContentType)
	}
	var raw rawSignedData
	if rest, err = asn1.Unmarshal(ci.Content.Bytes, &raw); err != nil || len(rest) != 0 {
		return nil, formatErr("SignedData: %v", err)
	}
	sd := &SignedData{Version: raw.Version, ContentType: raw.EncapContentInfo.EContentType}
	if raw.DigestAlgorithms.Tag != asn1.TagSet || raw.SignerInfos.Tag != asn1.TagSet {
		return nil, formatErr("SignedData digestAlgorithms or signerInfos is not a SET")
	}
	for _, e := range splitElements(raw.DigestAlgorithms.Bytes) {
		var ai pkix.AlgorithmIdentifier
		if rest, err := asn1.Unmarshal(e, &ai); err != nil || len(rest) != 0 {
			return nil, formatErr("digest algorithm: %v", err)
		}
		sd.DigestAlgorithms = append(sd.DigestAlgorithms, ai)
	}
	if raw.EncapContentInfo.EContent.FullBytes != nil {
		var content []byte
		if rest, err := asn1.Unmarshal(raw.EncapContentInfo.EContent.Bytes, &content); err != nil || len(rest) != 0 {
			return nil, formatErr("eContent is not an OCTET STRING: %v", err)
		}
		if content == nil {
			content = []byte{}
		}
		sd.Content = content
	}
	if raw.Certificates.FullBytes != nil {
		sd.Certificates = splitElements(raw.Certificates.Bytes)
		if sd.Certificates == nil && len(raw.Certificates.Bytes) > 0 {
			return nil, formatErr("certificates are not a sequence of elements")
		}
	}
	if raw.CRLs.FullBytes != nil {
		sd.CRLs = splitElements(raw.CRLs.Bytes)
		if sd.CRLs == nil && len(raw.CRLs.Bytes) > 0 {
			return nil, formatErr("crls are not a sequence of elements")
		}
	}
	elems := splitElements(raw.SignerInfos.Bytes)
	if elems == nil && len(raw.SignerInfos.Bytes) > 0 {
		return nil, formatErr("signerInfos are not a sequence of elements")
	}
	for _, e := range elems {
		si, err := parseSignerInfoReflect(e)
		if err != nil {
			return nil, err
		}
		sd.SignerInfos = append(sd.SignerInfos, *si)
	}
	return sd, nil
}

// parseSignerInfoReflect is ParseSignerInfo as encoding/asn1 read it.
func parseSignerInfoReflect(der []byte) (*SignerInfo, error) {
	var r rawSignerInfo
	if rest, err := asn1.Unmarshal(der, &r); err != nil || len(rest) != 0 {
		return nil, formatErr("SignerInfo: %v", err)
	}
	si := &SignerInfo{
		Version:            r.Version,
		DigestAlgorithm:    r.DigestAlgorithm,
		SignatureAlgorithm: r.SignatureAlgorithm,
		Signature:          r.Signature,
		rawSID:             r.SID.FullBytes,
	}
	switch {
	case r.SID.Class == asn1.ClassUniversal && r.SID.Tag == asn1.TagSequence:
		var ias struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		if rest, err := asn1.Unmarshal(r.SID.FullBytes, &ias); err != nil || len(rest) != 0 {
			return nil, formatErr("SignerIdentifier issuerAndSerialNumber: %v", err)
		}
		si.SID.IssuerAndSerial = &IssuerAndSerial{RawIssuer: ias.Issuer.FullBytes, Serial: ias.Serial}
	case r.SID.Class == asn1.ClassContextSpecific && r.SID.Tag == 0 && !r.SID.IsCompound:
		si.SID.SubjectKeyID = append([]byte{}, r.SID.Bytes...)
	default:
		return nil, formatErr("unknown SignerIdentifier choice")
	}
	if r.SignedAttrs.FullBytes != nil {
		if !r.SignedAttrs.IsCompound {
			return nil, formatErr("signedAttrs is not constructed")
		}
		si.SignedAttrsRaw = r.SignedAttrs.FullBytes
		attrs, err := parseAttributesReflect(r.SignedAttrs.Bytes)
		if err != nil {
			return nil, fmt.Errorf("signed attributes: %w", err)
		}
		si.SignedAttrs = attrs
	}
	if r.UnsignedAttrs.FullBytes != nil {
		attrs, err := parseAttributesReflect(r.UnsignedAttrs.Bytes)
		if err != nil {
			return nil, fmt.Errorf("unsigned attributes: %w", err)
		}
		si.UnsignedAttrs = attrs
	}
	return si, nil
}

func parseAttributesReflect(b []byte) ([]Attribute, error) {
	elems := splitElements(b)
	if elems == nil && len(b) > 0 {
		return nil, formatErr("attributes are not a sequence of elements")
	}
	out := make([]Attribute, 0, len(elems))
	for _, e := range elems {
		var a struct {
			Type   asn1.ObjectIdentifier
			Values asn1.RawValue
		}
		if rest, err := asn1.Unmarshal(e, &a); err != nil || len(rest) != 0 {
			return nil, formatErr("attribute: %v", err)
		}
		if a.Values.Tag != asn1.TagSet || a.Values.Class != asn1.ClassUniversal {
			return nil, formatErr("attribute %s values are not a SET", a.Type)
		}
		vals := splitElements(a.Values.Bytes)
		if vals == nil && len(a.Values.Bytes) > 0 {
			return nil, formatErr("attribute %s values are malformed", a.Type)
		}
		attr := Attribute{Type: a.Type}
		for _, v := range vals {
			var rv asn1.RawValue
			if _, err := asn1.Unmarshal(v, &rv); err != nil {
				return nil, formatErr("attribute %s value: %v", a.Type, err)
			}
			attr.Values = append(attr.Values, rv)
		}
		out = append(out, attr)
	}
	return out, nil
}
