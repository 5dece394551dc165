package cms

import (
	"bytes"
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CAdES-C and CAdES-X timestamps of ETSI TS 101 733 (RFC 5126 §6.3.5,
// §6.3.6), found in CAdES-A archives of the 2010s.
var (
	OIDCompleteCertRefs   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 21}
	OIDCompleteRevRefs    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 22}
	OIDESCTimeStamp       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 25}
	OIDCertCRLTimestamp   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 26}
	OIDArchiveTimeStampV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 48}
)

// attrTypeAndValues appends, for each unsigned attribute of si of type
// oid (in their order), the DER of its attrType and of its attrValues SET
// — not the enclosing SEQUENCE (TS 101 733 §6.3.5 note).
func attrTypeAndValues(out *bytes.Buffer, si *SignerInfo, oid asn1.ObjectIdentifier) error {
	for i := range si.UnsignedAttrs {
		a := &si.UnsignedAttrs[i]
		if !a.Type.Equal(oid) {
			continue
		}
		der, err := a.marshal()
		if err != nil {
			return err
		}
		// der is SEQUENCE { type, SET }: drop the SEQUENCE header.
		var seq asn1.RawValue
		if _, err := asn1.Unmarshal(der, &seq); err != nil {
			return err
		}
		out.Write(seq.Bytes)
	}
	return nil
}

// ESCTimeStampInput is what an escTimeStamp (CAdES-X type 1) covers: the
// signature value, then the signature-time-stamp, complete-certificate-
// references and complete-revocation-references attributes.
func ESCTimeStampInput(si *SignerInfo) ([]byte, error) {
	var out bytes.Buffer
	out.Write(si.Signature)
	for _, oid := range []asn1.ObjectIdentifier{OIDSignatureTimeStamp, OIDCompleteCertRefs, OIDCompleteRevRefs} {
		if err := attrTypeAndValues(&out, si, oid); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// CertCRLTimestampInput is what a certCRLTimestamp (CAdES-X type 2)
// covers: the complete-certificate-references and
// complete-revocation-references attributes. It does not cover the
// signature value, so it is no proof of existence of the signature.
func CertCRLTimestampInput(si *SignerInfo) ([]byte, error) {
	var out bytes.Buffer
	for _, oid := range []asn1.ObjectIdentifier{OIDCompleteCertRefs, OIDCompleteRevRefs} {
		if err := attrTypeAndValues(&out, si, oid); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// maxValidationValues bounds the certificates and revocation values read
// from the certificate-values and revocation-values attributes of one
// SignerInfo.
const maxValidationValues = 10000

// ValidationValues reads the CAdES-XL certificate-values and
// revocation-values unsigned attributes of si (older archives carry their
// validation data there rather than in the SignedData): certificates, CRLs
// and OCSP responses, each as DER. A BasicOCSPResponse is wrapped into a
// successful OCSPResponse, the form the rest of hpki reads. Values that do
// not parse are skipped: they are unsigned data and only ever help.
func (si *SignerInfo) ValidationValues() (certs, crls, ocsps [][]byte) {
	n := 0
	elements := func(b []byte) [][]byte {
		var out [][]byte
		for len(b) > 0 && n < maxValidationValues {
			var e asn1.RawValue
			rest, err := asn1.Unmarshal(b, &e)
			if err != nil {
				break
			}
			out = append(out, e.FullBytes)
			b = rest
			n++
		}
		return out
	}
	for _, a := range si.UnsignedAttrs {
		if !a.Type.Equal(OIDCertificateValues) && !a.Type.Equal(OIDRevocationValues) {
			continue
		}
		for _, raw := range a.Values {
			var v asn1.RawValue
			if rest, err := asn1.Unmarshal(raw.FullBytes, &v); err != nil || len(rest) != 0 || v.Class != asn1.ClassUniversal || v.Tag != asn1.TagSequence {
				continue
			}
			switch {
			case a.Type.Equal(OIDCertificateValues):
				certs = append(certs, elements(v.Bytes)...)
			default:
				rest := v.Bytes
				for len(rest) > 0 {
					var f asn1.RawValue
					var err error
					if rest, err = asn1.Unmarshal(rest, &f); err != nil || f.Class != asn1.ClassContextSpecific {
						break
					}
					var seq asn1.RawValue
					if _, err := asn1.Unmarshal(f.Bytes, &seq); err != nil {
						continue
					}
					switch f.Tag {
					case 0:
						crls = append(crls, elements(seq.Bytes)...)
					case 1:
						for _, basic := range elements(seq.Bytes) {
							if resp, err := wrapBasicOCSP(basic); err == nil {
								ocsps = append(ocsps, resp)
							}
						}
					}
				}
			}
		}
	}
	return certs, crls, ocsps
}

var oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}

// wrapBasicOCSP wraps a BasicOCSPResponse into an OCSPResponse with status
// successful.
func wrapBasicOCSP(basic []byte) ([]byte, error) {
	type responseBytes struct {
		Type     asn1.ObjectIdentifier
		Response []byte
	}
	return asn1.Marshal(struct {
		Status asn1.Enumerated
		Bytes  responseBytes `asn1:"explicit,tag:0"`
	}{0, responseBytes{oidOCSPBasic, basic}})
}

// ValidationValuesAttrs returns the CAdES-XL certificate-values and
// revocation-values attribute values (TS 101 733 §6.3.3, §6.3.4) holding
// certs, crls and the BasicOCSPResponse of each OCSPResponse in ocsps; nil
// for an empty list. They carry validation data in the unsigned
// attributes, where adding it changes nothing an archive-time-stamp-v2
// already covers (the SignedData's certificates and crls fields are).
func ValidationValuesAttrs(certs, crls, ocsps [][]byte) (certValues, revValues []byte, err error) {
	if len(certs) > 0 {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(l *cryptobyte.Builder) {
			for _, c := range certs {
				l.AddBytes(c)
			}
		})
		if certValues, err = b.Bytes(); err != nil {
			return nil, nil, err
		}
	}
	if len(crls) == 0 && len(ocsps) == 0 {
		return certValues, nil, nil
	}
	var basics [][]byte
	for _, o := range ocsps {
		var resp struct {
			Status asn1.Enumerated
			Bytes  struct {
				Type     asn1.ObjectIdentifier
				Response []byte
			} `asn1:"explicit,tag:0"`
		}
		if rest, err := asn1.Unmarshal(o, &resp); err != nil || len(rest) != 0 || resp.Status != 0 || !resp.Bytes.Type.Equal(oidOCSPBasic) {
			return nil, nil, formatErr("OCSP response without a basic response: %v", err)
		}
		basics = append(basics, resp.Bytes.Response)
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
		for i, list := range [][][]byte{crls, basics} {
			if len(list) == 0 {
				continue
			}
			s.AddASN1(cbasn1.Tag(i).ContextSpecific().Constructed(), func(e *cryptobyte.Builder) {
				e.AddASN1(cbasn1.SEQUENCE, func(l *cryptobyte.Builder) {
					for _, v := range list {
						l.AddBytes(v)
					}
				})
			})
		}
	})
	revValues, err = b.Bytes()
	return certValues, revValues, err
}
