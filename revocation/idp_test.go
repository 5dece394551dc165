package revocation

import (
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// A CRL partition covers only the certificates that point at it: one that
// names another distribution point is no proof about a certificate
// (RFC 5280 §6.3.3 (b)(2)(i)), nor is a CA-only CRL about an end entity.
func TestCRLPartitionScope(t *testing.T) {
	p := testpki.MustLoad(t)
	now := time.Now()
	crlWith := func(ext pkix.Extension) []byte {
		der, err := testpki.MakeCRL(p.SignCA, nil, now, now.Add(time.Hour), 9, ext)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	own := p.Revoked.Cert.CRLDistributionPoints[0]
	tests := []struct {
		name string
		ext  pkix.Extension
		err  string
	}{
		{"partition the certificate points at", testpki.IssuingDistributionPoint(own, false), ""},
		{"another partition", testpki.IssuingDistributionPoint("http://crl.hpki-test.invalid/other-partition.crl", false), "not a CRL distribution point of the certificate"},
		{"CA certificates only", testpki.IssuingDistributionPoint("", true), "another kind of certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := CheckCRL(crlWith(tc.ext), p.Revoked.Cert, p.SignCA.Cert)
			switch {
			case tc.err == "" && (err != nil || info.Status != Good):
				t.Fatalf("want a usable CRL, got %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("want an error containing %q, got %v (info %+v)", tc.err, err, info)
			}
		})
	}
}
