package pades_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net/http/httptest"
	"os"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
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

func ExampleExtend() {
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
	// The test TSA, on 127.0.0.1 for the example's duration.
	srv := httptest.NewServer(&tsa.Server{Signer: p.TSA.Key, Cert: p.TSA.Cert})
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(p.TSARoot.Cert)
	ts := &tsa.Client{URL: srv.URL, Roots: roots}
	var bt bytes.Buffer
	if _, err := pades.Sign(context.Background(), bytes.NewReader(letter), int64(len(letter)), &bt,
		sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain},
		pades.SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: ts}}); err != nil {
		fmt.Println(err)
		return
	}
	// The signing CA's CRL issued after the signature timestamp proves
	// the status then; it goes into the DSS with the certificates.
	crl, _ := testpki.MakeCRL(p.SignCA, nil, time.Now().Add(time.Minute), time.Now().Add(7*24*time.Hour), 2)
	var lta bytes.Buffer
	res, err := pades.Extend(context.Background(), bytes.NewReader(bt.Bytes()), int64(bt.Len()), &lta, pades.ExtendOptions{
		To:  sign.LevelLTA,
		TSA: ts,
		Verify: verify.Options{
			Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
			TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
			CRLs:     [][]byte{crl},
			Offline:  true,
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Level, len(res.Report.Signatures), bytes.HasPrefix(lta.Bytes(), bt.Bytes()))
	// Output:
	// PAdES-BASELINE-LTA 2 true
}
