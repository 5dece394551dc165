package hcrole_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"unicode/utf8"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// FuzzJapaneseName reads the Kanji names from fuzzed subjectAltName bytes
// put into a copy of a test certificate: never a panic, and only valid
// UTF-8 comes out.
func FuzzJapaneseName(f *testing.F) {
	p := testpki.MustLoad(f)
	base := p.Doctor.Cert
	for _, c := range []*x509.Certificate{p.Doctor.Cert, p.Director.Cert, p.Pharmacist.Cert, p.NonHPKI.Cert} {
		for _, e := range c.Extensions {
			if e.Id.Equal([]int{2, 5, 29, 17}) {
				f.Add(e.Value)
			}
		}
	}
	f.Add([]byte{0x30, 0x06, 0xa4, 0x04, 0x30, 0x02, 0x31, 0x00})
	f.Fuzz(func(t *testing.T, san []byte) {
		cert := *base
		cert.Extensions = []pkix.Extension{{Id: []int{2, 5, 29, 17}, Value: san}}
		cn, o := hcrole.JapaneseName(&cert)
		if !utf8.ValidString(cn) || !utf8.ValidString(o) {
			t.Fatalf("invalid UTF-8: %q %q", cn, o)
		}
	})
}
