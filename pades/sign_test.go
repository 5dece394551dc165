package pades

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

func loadPKI(t testing.TB) *testpki.PKI {
	t.Helper()
	p, err := testpki.Load(testpki.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func cred(c *testpki.Credential) sign.Credential {
	return sign.Credential{Signer: c.Key, Certificate: c.Cert, Chain: c.Chain}
}

func signBytes(t testing.TB, pdf []byte, c sign.Credential, opts SignOptions) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, c, opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), pdf) {
		t.Fatal("the signed file does not start with the original bytes")
	}
	return out.Bytes()
}

func TestSignKeepsOriginal(t *testing.T) {
	p := loadPKI(t)
	out := signBytes(t, samplePDF("Referral letter"), cred(p.Doctor), SignOptions{})
	if d := os.Getenv("PADES_DUMP"); d != "" {
		os.WriteFile(d, out, 0o644)
	}
}
