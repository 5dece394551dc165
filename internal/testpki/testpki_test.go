package testpki

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
)

func TestCommittedPKI(t *testing.T) {
	p := MustLoad(t)
	roots := x509.NewCertPool()
	roots.AddCert(p.Root.Cert)
	at := time.Date(2045, 6, 1, 0, 0, 0, 0, time.UTC) // valid until at least 2045
	tests := []struct {
		name  string
		cred  *Credential
		kind  hcrole.CertKind
		roles []string
		valid bool
	}{
		{"doctor", p.Doctor, hcrole.Signing, []string{"Medical Doctor"}, true},
		{"pharmacist", p.Pharmacist, hcrole.Signing, []string{"Pharmacist"}, true},
		{"dentist", p.Dentist, hcrole.Signing, []string{"Dentist"}, true},
		{"director", p.Director, hcrole.Signing, []string{"Medical Doctor", "Director of Hospital"}, true},
		{"doctor-auth", p.DoctorAuth, hcrole.Authentication, []string{"Medical Doctor"}, true},
		{"doctor-ec", p.DoctorEC, hcrole.Signing, []string{"Medical Doctor"}, true},
		{"nonhpki", p.NonHPKI, hcrole.NotHPKI, nil, true},
		{"expired", p.Expired, hcrole.Signing, []string{"Medical Doctor"}, false},
		{"stranger", p.Stranger, hcrole.Signing, []string{"Medical Doctor"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prof := hcrole.Classify(tc.cred.Cert)
			if prof.Kind != tc.kind {
				t.Fatalf("kind %v, want %v (%v)", prof.Kind, tc.kind, prof.Reasons)
			}
			if len(prof.Roles) != len(tc.roles) {
				t.Fatalf("roles %v, want %v", prof.Roles, tc.roles)
			}
			for i, r := range prof.Roles {
				if r.Text != tc.roles[i] {
					t.Errorf("role %d = %q, want %q", i, r.Text, tc.roles[i])
				}
			}
			inter := x509.NewCertPool()
			for _, c := range tc.cred.Chain {
				inter.AddCert(c)
			}
			_, err := tc.cred.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			if (err == nil) != tc.valid {
				t.Fatalf("verify at %s: %v, want valid=%v", at, err, tc.valid)
			}
		})
	}
	if cn, o := hcrole.JapaneseName(p.Doctor.Cert); cn != "試験 医師太郎" || o != "試験病院" {
		t.Errorf("Kanji names = %q, %q", cn, o)
	}
	crl, err := x509.ParseRevocationList(p.CRL)
	if err != nil || crl.CheckSignatureFrom(p.SignCA.Cert) != nil {
		t.Fatalf("CRL: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(p.Revoked.Cert.SerialNumber) != 0 {
		t.Fatal("CRL does not list the revoked certificate")
	}
	if p.TSA.Cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(p.TSANoEKU.Cert.ExtKeyUsage) != 0 {
		t.Fatal("TSA EKU setup wrong")
	}
}

func TestGenerateWithOtherDates(t *testing.T) {
	if testing.Short() {
		t.Skip("key generation")
	}
	from := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err := Generate(Options{CAFrom: from, CAUntil: from.AddDate(5, 0, 0), EEFrom: from, EEUntil: from.AddDate(2, 0, 0), RSABits: 1024})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Doctor.Cert.NotAfter.Equal(from.AddDate(2, 0, 0)) || !p.SignCA.Cert.NotBefore.Equal(from) {
		t.Fatalf("dates not applied: %s %s", p.Doctor.Cert.NotAfter, p.SignCA.Cert.NotBefore)
	}
	if len(p.Doctor.Chain) != 1 || !p.Doctor.Chain[0].Equal(p.SignCA.Cert) {
		t.Fatal("doctor chain is not [SignCA]")
	}
}
