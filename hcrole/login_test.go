package hcrole_test

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/testpki"
)

func TestLoginCertificate(t *testing.T) {
	p := testpki.MustLoad(t)
	doctorReq, _ := hcrole.ParseRequirement("医師")
	pharmReq, _ := hcrole.ParseRequirement("薬剤師")
	noDS := *p.DoctorAuth.Cert
	noDS.KeyUsage = x509.KeyUsageKeyEncipherment
	tests := []struct {
		name string
		cert *x509.Certificate
		req  hcrole.Requirement
		want string // "" accepted, else a word of the refusal
	}{
		{"authentication certificate", p.DoctorAuth.Cert, hcrole.Requirement{}, ""},
		{"authentication certificate, role met", p.DoctorAuth.Cert, doctorReq, ""},
		{"authentication certificate, role not met", p.DoctorAuth.Cert, pharmReq, "required HPKI role"},
		{"signing certificate", p.Doctor.Cert, hcrole.Requirement{}, "signing (署名用)"},
		{"signing certificate with its role", p.Doctor.Cert, doctorReq, "signing (署名用)"},
		{"CA", p.AuthCA.Cert, hcrole.Requirement{}, "CA certificate"},
		{"not HPKI", p.NonHPKI.Cert, hcrole.Requirement{}, "no HPKI authentication policy"},
		{"TSA", p.TSA.Cert, hcrole.Requirement{}, "time-stamping"},
		{"no digitalSignature", &noDS, hcrole.Requirement{}, "digitalSignature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.CheckLogin(tt.cert)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want a refusal saying %q", err, tt.want)
			case tt.want != "" && tt.want != "required HPKI role" && !errors.Is(err, hcrole.ErrNotLoginCertificate):
				t.Fatalf("%v does not wrap ErrNotLoginCertificate", err)
			}
		})
	}
	// The two rules are exclusive on the test HPKI's end entities.
	for _, c := range []*x509.Certificate{p.Doctor.Cert, p.DoctorAuth.Cert, p.Pharmacist.Cert, p.Director.Cert} {
		if (hcrole.LoginCertificate(c) == nil) == (hcrole.DocumentSigner(c) == nil) {
			t.Errorf("%s: both or neither of login and document signing", c.Subject.CommonName)
		}
	}
}
