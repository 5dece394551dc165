package revocation

import (
	"os"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

func FuzzParseCRLFile(f *testing.F) {
	for _, name := range []string{"ca-sign.crl", "ca-sign.crl.pem"} {
		if b, err := os.ReadFile(testpki.Path(name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Certificate Revocation List (CRL):\n-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		crls, err := ParseCRLFile(in)
		if err == nil && len(crls) == 0 {
			t.Fatal("no error and no CRL")
		}
	})
}
