package revocation

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// Revocation data that could say two things is refused, never read one
// way: two issuingDistributionPoints in a CRL, an extension repeated, a
// critical extension not understood (CRL, CRL entry, OCSP response,
// SingleResponse), two SingleResponses about one certificate.
func TestAmbiguousRevocationDataRefused(t *testing.T) {
	p := testpki.MustLoad(t)
	now := time.Now().UTC().Truncate(time.Second)
	own := p.Revoked.Cert.CRLDistributionPoints[0]
	other := testpki.IssuingDistributionPoint("http://crl.hpki-test.invalid/other-partition.crl", false)
	unknownCritical := pkix.Extension{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 7}, Critical: true, Value: []byte{5, 0}}
	crl := func(exts ...pkix.Extension) []byte {
		der, err := testpki.MakeCRL(p.SignCA, nil, now, now.Add(time.Hour), 3, exts...)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	entryCRL := func(ext pkix.Extension) []byte {
		der, err := testpki.MakeCRL(p.SignCA, []x509.RevocationListEntry{{SerialNumber: p.Doctor.Cert.SerialNumber, RevocationTime: now, ExtraExtensions: []pkix.Extension{ext}}}, now, now.Add(time.Hour), 4)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	r := responder(p)
	id, err := makeCertID(crypto.SHA256, p.SignCA.Cert, p.Revoked.Cert.SerialNumber)
	if err != nil {
		t.Fatal(err)
	}
	good := singleResponse{CertID: id, Status: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0}, ThisUpdate: now, NextUpdate: now.Add(time.Hour)}
	ri, _ := asn1.MarshalWithParams(revokedInfo{Time: p.RevokedAt, Reason: 1}, "tag:1")
	revoked := good
	revoked.Status = asn1.RawValue{FullBytes: ri}
	critical := good
	critical.Extensions = []pkix.Extension{unknownCritical}
	respond := func(tbs responseData) []byte {
		tbs.ResponderID = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, IsCompound: true, Bytes: r.Cert.RawSubject}
		tbs.ProducedAt = now
		der, err := r.sign(tbs)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	checkCRL := func(der []byte) error { _, err := CheckCRL(der, p.Revoked.Cert, p.SignCA.Cert); return err }
	checkOCSP := func(der []byte) error { _, err := CheckOCSP(der, p.Revoked.Cert, p.SignCA.Cert, nil); return err }
	for _, tc := range []struct {
		name  string
		check func([]byte) error
		der   []byte
		want  string
	}{
		{"two issuingDistributionPoints, the second the certificate's", checkCRL, crl(other, testpki.IssuingDistributionPoint(own, false)), "twice"},
		{"unknown critical CRL extension", checkCRL, crl(unknownCritical), "unknown critical extension"},
		{"unknown critical CRL entry extension", checkCRL, entryCRL(unknownCritical), "unknown critical extension"},
		{"good then revoked about one certificate", checkOCSP, respond(responseData{Responses: []singleResponse{good, revoked}}), "several SingleResponses"},
		{"unknown critical SingleResponse extension", checkOCSP, respond(responseData{Responses: []singleResponse{critical}}), "unknown critical extension"},
		{"unknown critical response extension", checkOCSP, respond(responseData{Responses: []singleResponse{good}, Extensions: []pkix.Extension{unknownCritical}}), "unknown critical extension"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.check(tc.der); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	t.Run("control: one good SingleResponse", func(t *testing.T) {
		if info, err := CheckOCSP(respond(responseData{Responses: []singleResponse{good}}), p.Revoked.Cert, p.SignCA.Cert, nil); err != nil || info.Status != Good {
			t.Fatalf("%v %+v", err, info)
		}
	})
}
