package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/trust"
)

func TestCheckCertificateNow(t *testing.T) {
	p := testpki.MustLoad(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	current, err := testpki.MakeCRL(p.SignCA, []x509.RevocationListEntry{{SerialNumber: p.Revoked.Cert.SerialNumber, RevocationTime: p.RevokedAt}}, now.Add(-time.Hour), now.Add(time.Hour), 5)
	if err != nil {
		t.Fatal(err)
	}
	store := trust.New([]*x509.Certificate{p.Root.Cert}, nil)
	cases := []struct {
		name string
		cert *testpki.Credential
		crls [][]byte
		at   time.Time
		sub  SubIndication // "" valid
	}{
		{"valid", p.Doctor, [][]byte{current}, now, ""},
		{"revoked", p.Revoked, [][]byte{current}, now, RevokedNoPOE},
		{"after the signer expired", p.Doctor, [][]byte{p.CRL}, time.Date(2046, 6, 1, 0, 0, 0, 0, time.UTC), OutOfBoundsNoPOE},
		{"no fresh status", p.Doctor, [][]byte{p.CRL}, time.Date(2045, 12, 31, 12, 0, 0, 0, time.UTC), TryLater},
		{"expired", p.Expired, [][]byte{current}, now, OutOfBoundsNoPOE},
		{"untrusted root", p.Stranger, [][]byte{current}, now, NoCertificateChainFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := New(Options{Trust: store, Offline: true, CRLs: c.crls, At: c.at})
			st, err := v.CheckCertificateNow(context.Background(), c.cert.Cert, c.cert.Chain)
			var ce *CertificateError
			switch {
			case c.sub == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.sub == "" && (len(st.Chain) != 3 || len(st.Revocation) == 0 || st.Revocation[0].Status != "good"):
				t.Fatalf("status %+v", st)
			case c.sub != "" && (!errors.As(err, &ce) || ce.SubIndication != c.sub || !errors.Is(err, ErrCertificateInvalid)):
				t.Fatalf("got %v, want %s", err, c.sub)
			}
		})
	}
}
