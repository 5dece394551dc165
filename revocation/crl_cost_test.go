package revocation

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"errors"
	"math/big"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/cms/cmstest"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	runtime.GC()
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// A CRL the issuer did not sign, or of another issuer, is refused before its
// entries are parsed: the cost does not grow with its size (issue 11
// item 4, a 60 MB junk CRL took 2.5–3 GB).
func TestParseCRLJunkCostsNoParsing(t *testing.T) {
	p := testpki.MustLoad(t)
	for _, tc := range []struct {
		name   string
		issuer []byte
		err    error
		text   string
	}{
		{"junk in the signing CA's name", p.SignCA.Cert.RawSubject, ErrInvalid, "signature does not verify"},
		{"junk in another CA's name", p.AuthCA.Cert.RawSubject, ErrOtherIssuer, "is not"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, size := range []int{1 << 20, 16 << 20} {
				junk := cmstest.JunkCRL(tc.issuer, size)
				var err error
				n := allocated(func() { _, err = ParseCRL(junk, p.SignCA.Cert) })
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.text) {
					t.Fatalf("%d bytes: err = %v", size, err)
				}
				t.Logf("%d byte junk CRL: %d bytes allocated", len(junk), n)
				if n > 64<<10 {
					t.Fatalf("%d byte junk CRL: %d bytes allocated before refusing it", len(junk), n)
				}
			}
		})
	}
	big := make([]byte, MaxCRLSize+1)
	if _, err := ParseCRL(big, p.SignCA.Cert); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("oversized CRL: %v", err)
	}
}

// The outline check agrees with crypto/x509 on what is signed: CRLs signed
// with RSASSA-PSS or many entries still pass, and the parsed CRL does not
// alias the caller's buffer.
func TestParseCRLSignedVariants(t *testing.T) {
	p := testpki.MustLoad(t)
	this, next := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC)
	var entries []x509.RevocationListEntry
	for i := 0; i < 5000; i++ {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(int64(1000000 + i)), RevocationTime: this, ReasonCode: 1})
	}
	entries = append(entries, x509.RevocationListEntry{SerialNumber: p.Revoked.Cert.SerialNumber, RevocationTime: this, ReasonCode: 1})
	pss, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{SignatureAlgorithm: x509.SHA256WithRSAPSS, Number: big.NewInt(2), ThisUpdate: this, NextUpdate: next, RevokedCertificateEntries: entries[len(entries)-1:]}, p.SignCA.Cert, p.SignCA.Key)
	if err != nil {
		t.Fatal(err)
	}
	many, err := testpki.MakeCRL(p.SignCA, entries, this, next, 3)
	if err != nil {
		t.Fatal(err)
	}
	for name, der := range map[string][]byte{"RSASSA-PSS": pss, "5001 entries": many, "committed": p.CRL} {
		t.Run(name, func(t *testing.T) {
			buf := bytes.Clone(der)
			crl, err := ParseCRL(buf, p.SignCA.Cert)
			if err != nil {
				t.Fatal(err)
			}
			for i := range buf {
				buf[i] = 0
			}
			for _, c := range []struct {
				cert *x509.Certificate
				want Status
			}{{p.Revoked.Cert, Revoked}, {p.Doctor.Cert, Good}} {
				info, err := crl.Status(c.cert)
				if err != nil || info.Status != c.want {
					t.Fatalf("%s: %v %v", c.cert.Subject.CommonName, info, err)
				}
				if !bytes.Equal(info.Raw, der) {
					t.Fatal("the CRL's bytes changed with the caller's buffer")
				}
			}
		})
	}
}
