package sign

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"

	"github.com/digitorus/pkcs7"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// Our hand-built CAdES SignedData (internal/cms; why it is not built with
// github.com/digitorus/pkcs7 is in docs/dependencies.md) is read and its
// signature, message digest and path checked by that independent CMS
// implementation: RSA and ECDSA, detached and enveloping, level T.
func TestCAdESReadByDigitorusPKCS7(t *testing.T) {
	p := testpki.MustLoad(t)
	roots := x509.NewCertPool()
	roots.AddCert(p.Root.Cert)
	for _, tc := range []struct {
		name string
		who  *testpki.Credential
		opts CAdESOptions
	}{
		{"RSA detached", p.Doctor, CAdESOptions{}},
		{"RSA enveloping", p.Doctor, CAdESOptions{Packaging: Enveloping}},
		{"ECDSA detached", p.DoctorEC, CAdESOptions{}},
		{"RSA level T", p.Doctor, CAdESOptions{Level: LevelT, TSA: testTSA(t)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := SignCAdES(context.Background(), bytes.NewReader(letter), cred(tc.who), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			p7, err := pkcs7.Parse(res.Signature)
			if err != nil {
				t.Fatalf("digitorus/pkcs7 cannot parse our signature: %v", err)
			}
			if tc.opts.Packaging != Enveloping {
				p7.Content = letter
			} else if !bytes.Equal(p7.Content, letter) {
				t.Fatal("enveloped content differs")
			}
			if err := p7.VerifyWithChain(roots); err != nil {
				t.Fatalf("digitorus/pkcs7 does not verify our signature: %v", err)
			}
			if !p7.GetOnlySigner().Equal(tc.who.Cert) {
				t.Fatal("another signer")
			}
			p7.Content = append([]byte("X"), letter...)
			if err := p7.Verify(); err == nil {
				t.Fatal("digitorus/pkcs7 verified our signature over other content")
			}
		})
	}
}
