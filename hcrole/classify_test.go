package hcrole_test

import (
	"crypto/x509"
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/testpki"
)

func TestClassifyTestHPKI(t *testing.T) {
	p := testpki.MustLoad(t)
	tests := []struct {
		name   string
		cert   *x509.Certificate
		kind   hcrole.CertKind
		reason string
	}{
		{"doctor", p.Doctor.Cert, hcrole.Signing, "HPKI signing"},
		{"auth", p.DoctorAuth.Cert, hcrole.Authentication, "HPKI authentication"},
		{"nonhpki", p.NonHPKI.Cert, hcrole.NotHPKI, "no HPKI certificate policy"},
		{"ca", p.SignCA.Cert, hcrole.NotHPKI, "CA certificate"},
		{"tsa", p.TSA.Cert, hcrole.NotHPKI, "no HPKI certificate policy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prof := hcrole.Classify(tc.cert)
			if prof.Kind != tc.kind {
				t.Fatalf("kind %v, want %v: %v", prof.Kind, tc.kind, prof.Reasons)
			}
			if !strings.Contains(strings.Join(prof.Reasons, "|"), tc.reason) {
				t.Fatalf("reasons %v lack %q", prof.Reasons, tc.reason)
			}
		})
	}
}

func TestClassifySigningPolicyWithoutNonRepudiation(t *testing.T) {
	p := testpki.MustLoad(t)
	tmpl := *p.Doctor.Cert
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	tmpl.ExtraExtensions = nil
	for _, e := range p.Doctor.Cert.Extensions {
		if !e.Id.Equal(asn1OID(2, 5, 29, 15)) && !e.Id.Equal(asn1OID(2, 5, 29, 35)) && !e.Id.Equal(asn1OID(2, 5, 29, 14)) && !e.Id.Equal(asn1OID(2, 5, 29, 19)) && !e.Id.Equal(asn1OID(2, 5, 29, 31)) && !e.Id.Equal(asn1OID(1, 3, 6, 1, 5, 5, 7, 1, 1)) {
			tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, e)
		}
	}
	tmpl.SerialNumber = nil
	tmpl.SubjectKeyId = nil
	c, err := testpki.IssueCert(&tmpl, p.SignCA, p.Doctor.Key)
	if err != nil {
		t.Fatal(err)
	}
	prof := hcrole.Classify(c.Cert)
	if prof.Kind != hcrole.NotHPKI || !strings.Contains(strings.Join(prof.Reasons, "|"), "lacks nonRepudiation") {
		t.Fatalf("kind %v reasons %v", prof.Kind, prof.Reasons)
	}
}

func asn1OID(v ...int) asn1.ObjectIdentifier { return v }

func TestJapaneseNameAbsent(t *testing.T) {
	p := testpki.MustLoad(t)
	if cn, o := hcrole.JapaneseName(p.NonHPKI.Cert); cn != "" || o != "" {
		t.Fatalf("got %q %q", cn, o)
	}
}

func FuzzClassify(f *testing.F) {
	p := testpki.MustLoad(f)
	for _, c := range []*x509.Certificate{p.Doctor.Cert, p.Director.Cert, p.NonHPKI.Cert, p.DoctorAuth.Cert} {
		f.Add(c.Raw)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return
		}
		prof := hcrole.Classify(cert)
		if prof.Kind != hcrole.NotHPKI && len(prof.Reasons) == 0 {
			t.Fatal("HPKI kind without a reason")
		}
		hcrole.JapaneseName(cert)
	})
}
