package pades_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

func ExampleSign() {
	p, err := testpki.Load(testpki.Dir())
	if err != nil {
		fmt.Println(err)
		return
	}
	letter, err := os.ReadFile("../testdata/pdf/referral-letter.pdf")
	if err != nil {
		fmt.Println(err)
		return
	}
	// Sign (B-B, visible): the output is the input followed by one
	// incremental update.
	var signed bytes.Buffer
	res, err := pades.Sign(context.Background(), bytes.NewReader(letter), int64(len(letter)), &signed,
		sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain},
		pades.SignOptions{Visible: &pades.Appearance{Page: 1, X: 330, Y: 60, W: 230, H: 80}, Reason: "紹介状"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("field:", res.Field, "original kept:", bytes.HasPrefix(signed.Bytes(), letter))

	// Verify with the test HPKI as trust anchor and its CRL.
	crl, _ := testpki.MakeCRL(p.SignCA, nil, p.SignCA.Cert.NotBefore, p.SignCA.Cert.NotAfter, 1)
	v := verify.New(verify.Options{Trust: trust.New([]*x509.Certificate{p.Root.Cert}, nil), CRLs: [][]byte{crl}, Offline: true})
	rep, err := pades.Verify(context.Background(), bytes.NewReader(signed.Bytes()), int64(signed.Len()), v)
	if err != nil {
		fmt.Println(err)
		return
	}
	s := rep.Signatures[0]
	fmt.Println(rep.Indication, s.Level, s.Signer.SubjectJa, s.Signer.Roles[0].Ja)
	// Output:
	// field: Signature1 original kept: true
	// TOTAL_PASSED PAdES-BASELINE-B 試験 医師太郎 医師
}
