package cms

import (
	"encoding/asn1"
	"testing"
)

// certificate-values and revocation-values (CAdES-XL) are read: the
// certificates, the CRLs, and each BasicOCSPResponse as an OCSPResponse.
func TestValidationValues(t *testing.T) {
	cert := []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	crl := []byte{0x30, 0x03, 0x02, 0x01, 0x02}
	basic := []byte{0x30, 0x03, 0x02, 0x01, 0x03}
	certValues, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(append([]byte{}, cert...), cert...)})
	crlVals, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: crl})
	ocspVals, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: basic})
	f0, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: crlVals})
	f1, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: ocspVals})
	revValues, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(f0, f1...)})
	si := &SignerInfo{}
	si.AddUnsignedAttr(OIDCertificateValues, certValues)
	si.AddUnsignedAttr(OIDRevocationValues, revValues)
	certs, crls, ocsps := si.ValidationValues()
	if len(certs) != 2 || len(crls) != 1 || len(ocsps) != 1 {
		t.Fatalf("%d certificates, %d CRLs, %d OCSP", len(certs), len(crls), len(ocsps))
	}
	var resp struct {
		Status asn1.Enumerated
		Bytes  struct {
			Type     asn1.ObjectIdentifier
			Response []byte
		} `asn1:"explicit,tag:0"`
	}
	if _, err := asn1.Unmarshal(ocsps[0], &resp); err != nil || resp.Status != 0 || string(resp.Bytes.Response) != string(basic) {
		t.Fatalf("wrapped OCSP response: %v %+v", err, resp)
	}
	// Damaged values are skipped, never a panic.
	bad := &SignerInfo{}
	bad.AddUnsignedAttr(OIDRevocationValues, []byte{0x30, 0x02, 0xa0, 0x05})
	bad.AddUnsignedAttr(OIDCertificateValues, []byte{0x30, 0x01, 0x30})
	bad.ValidationValues()
}
