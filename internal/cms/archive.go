package cms

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Validation data in SignedData (CAdES B-LT, EN 319 122-1 §5.5.1).

// AddCertificates appends the DER certificates not already in the bag.
func (sd *SignedData) AddCertificates(certs ...[]byte) {
	for _, c := range certs {
		if !containsBytes(sd.Certificates, c) {
			sd.Certificates = append(sd.Certificates, c)
		}
	}
}

// AddCRL appends a DER CRL (RevocationInfoChoice crl) unless present.
func (sd *SignedData) AddCRL(crl []byte) {
	if !containsBytes(sd.CRLs, crl) {
		sd.CRLs = append(sd.CRLs, crl)
	}
}

// AddOCSPResponse appends an OCSPResponse as RevocationInfoChoice other
// with id-ri-ocsp-response (RFC 5940), unless present.
func (sd *SignedData) AddOCSPResponse(resp []byte) error {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(o *cryptobyte.Builder) {
		o.AddASN1ObjectIdentifier(OIDOtherRevInfoOCSP)
		o.AddBytes(resp)
	})
	enc, err := b.Bytes()
	if err != nil {
		return err
	}
	if !containsBytes(sd.CRLs, enc) {
		sd.CRLs = append(sd.CRLs, enc)
	}
	return nil
}

// RevocationValues splits the crls field into CRLs and OCSP responses;
// other formats are skipped.
func (sd *SignedData) RevocationValues() (crls, ocsps [][]byte) {
	for _, raw := range sd.CRLs {
		switch {
		case len(raw) > 0 && raw[0] == 0x30:
			crls = append(crls, raw)
		case len(raw) > 0 && raw[0] == 0xa1:
			var other struct {
				Format asn1.ObjectIdentifier
				Info   asn1.RawValue
			}
			if _, err := asn1.UnmarshalWithParams(raw, &other, "tag:1"); err == nil && other.Format.Equal(OIDOtherRevInfoOCSP) {
				ocsps = append(ocsps, other.Info.FullBytes)
			}
		}
	}
	return crls, ocsps
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

// Archive timestamps v3 (EN 319 122-1 §5.5.2, §5.5.3).

// atsHashIndexV3 is ATSHashIndexV3; the algorithm is omitted when SHA-256.
type atsHashIndexV3 struct {
	Certificates [][]byte
	CRLs         [][]byte
	UnsignedAttr [][]byte
}

// ATSHashIndexV3 builds the ats-hash-index-v3 value for si as the
// signature stands: the hash (h) of every certificate, every revocation
// value, and every unsigned attribute value (attrType || attrValue) of si.
func ATSHashIndexV3(sd *SignedData, si *SignerInfo, h crypto.Hash) ([]byte, error) {
	alg, err := DigestAlgorithm(h)
	if err != nil {
		return nil, err
	}
	sum := func(parts ...[]byte) []byte {
		d := h.New()
		for _, p := range parts {
			d.Write(p)
		}
		return d.Sum(nil)
	}
	var idx atsHashIndexV3
	for _, c := range sd.Certificates {
		idx.Certificates = append(idx.Certificates, sum(c))
	}
	for _, c := range sd.CRLs {
		idx.CRLs = append(idx.CRLs, sum(c))
	}
	for _, parts := range unsignedAttrValueParts(si) {
		idx.UnsignedAttr = append(idx.UnsignedAttr, sum(parts[0], parts[1]))
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
		if h != crypto.SHA256 {
			addAlg(s, alg)
		}
		for _, list := range [][][]byte{idx.Certificates, idx.CRLs, idx.UnsignedAttr} {
			s.AddASN1(cbasn1.SEQUENCE, func(l *cryptobyte.Builder) {
				for _, v := range list {
					l.AddASN1OctetString(v)
				}
			})
		}
	})
	return b.Bytes()
}

// unsignedAttrValueParts returns (attrType DER, attrValue DER) pairs.
func unsignedAttrValueParts(si *SignerInfo) [][2][]byte {
	var out [][2][]byte
	for _, a := range si.UnsignedAttrs {
		t, err := asn1.Marshal(a.Type)
		if err != nil {
			continue
		}
		for _, v := range a.Values {
			enc := v.FullBytes
			if enc == nil {
				enc, _ = asn1.Marshal(v)
			}
			out = append(out, [2][]byte{t, enc})
		}
	}
	return out
}

// CheckATSHashIndexV3 parses an ats-hash-index-v3 value and checks that
// every hash it lists still names an element of the signature: nothing
// the archive timestamp covered was removed or changed. It returns the
// index algorithm.
func CheckATSHashIndexV3(sd *SignedData, si *SignerInfo, index []byte) (crypto.Hash, error) {
	input := cryptobyte.String(index)
	var seq cryptobyte.String
	if !input.ReadASN1(&seq, cbasn1.SEQUENCE) || !input.Empty() {
		return 0, formatErr("ats-hash-index-v3 is not a SEQUENCE")
	}
	h := crypto.SHA256
	if seq.PeekASN1Tag(cbasn1.SEQUENCE) {
		// Either the AlgorithmIdentifier or the first list: an
		// AlgorithmIdentifier starts with an OID.
		var first cryptobyte.String
		peek := seq
		if peek.ReadASN1(&first, cbasn1.SEQUENCE) && first.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
			var ai pkix.AlgorithmIdentifier
			var raw cryptobyte.String
			seq.ReadASN1Element(&raw, cbasn1.SEQUENCE)
			if _, err := asn1.Unmarshal(raw, &ai); err != nil {
				return 0, formatErr("ats-hash-index-v3 algorithm: %v", err)
			}
			var err error
			if h, err = HashFromOID(ai.Algorithm); err != nil {
				return 0, err
			}
		}
	}
	var lists [3][][]byte
	for i := range lists {
		var l cryptobyte.String
		if !seq.ReadASN1(&l, cbasn1.SEQUENCE) {
			return 0, formatErr("ats-hash-index-v3 list %d missing", i+1)
		}
		for !l.Empty() {
			var v cryptobyte.String
			if !l.ReadASN1(&v, cbasn1.OCTET_STRING) {
				return 0, formatErr("ats-hash-index-v3 entry is not an OCTET STRING")
			}
			lists[i] = append(lists[i], v)
		}
	}
	if !seq.Empty() {
		return 0, formatErr("trailing data in ats-hash-index-v3")
	}
	sum := func(parts ...[]byte) []byte {
		d := h.New()
		for _, p := range parts {
			d.Write(p)
		}
		return d.Sum(nil)
	}
	var have [3][][]byte
	for _, c := range sd.Certificates {
		have[0] = append(have[0], sum(c))
	}
	for _, c := range sd.CRLs {
		have[1] = append(have[1], sum(c))
	}
	for _, parts := range unsignedAttrValueParts(si) {
		have[2] = append(have[2], sum(parts[0], parts[1]))
	}
	names := [3]string{"certificate", "revocation value", "unsigned attribute"}
	for i := range lists {
		for _, want := range lists[i] {
			if !containsBytes(have[i], want) {
				return 0, fmt.Errorf("%w: a %s covered by the archive timestamp was removed or changed", ErrFormat, names[i])
			}
		}
	}
	return h, nil
}

// ATSv3Input is the data whose hash is the message imprint of an
// archive-time-stamp-v3: eContentType, the content hash (made with the
// index algorithm), the SignerInfo's version, sid, digestAlgorithm,
// signedAttrs, signatureAlgorithm and signature, and the ats-hash-index-v3.
func ATSv3Input(sd *SignedData, si *SignerInfo, contentHash, index []byte) ([]byte, error) {
	var out bytes.Buffer
	ct, err := asn1.Marshal(sd.ContentType)
	if err != nil {
		return nil, err
	}
	out.Write(ct)
	out.Write(contentHash)
	sid, err := si.sidBytes()
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1Int64(int64(si.Version))
	b.AddBytes(sid)
	addAlg(&b, si.DigestAlgorithm)
	b.AddBytes(si.SignedAttrsRaw)
	addAlg(&b, si.SignatureAlgorithm)
	b.AddASN1OctetString(si.Signature)
	fields, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	out.Write(fields)
	out.Write(index)
	return out.Bytes(), nil
}
