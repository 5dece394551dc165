package pades_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/hpki-jp/hpki/keyfile"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

func ExampleSign() {
	certs := filepath.Join("..", "testdata", "certs")
	doctor, err := keyfile.Load(filepath.Join(certs, "doctor.key"), filepath.Join(certs, "doctor.pem"), filepath.Join(certs, "chain-sign.pem"))
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
		sign.Credential{Signer: doctor.Signer, Certificate: doctor.Certificate, Chain: doctor.Chain},
		pades.SignOptions{Visible: &pades.Appearance{Page: 1, X: 330, Y: 60, W: 230, H: 80}, Reason: "紹介状"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("field:", res.Field, "original kept:", bytes.HasPrefix(signed.Bytes(), letter))

	// Verify with the test HPKI as trust anchor and its CRL.
	anchors, err := trust.Load(filepath.Join(certs, "root.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	crl, err := os.ReadFile(filepath.Join(certs, "ca-sign.crl"))
	if err != nil {
		fmt.Println(err)
		return
	}
	v := verify.New(verify.Options{Trust: anchors, CRLs: [][]byte{crl}, Offline: true})
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
	certs := filepath.Join("..", "testdata", "certs")
	doctor, err := keyfile.Load(filepath.Join(certs, "doctor.key"), filepath.Join(certs, "doctor.pem"), filepath.Join(certs, "chain-sign.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	tsaKey, err := keyfile.Load(filepath.Join(certs, "tsa.key"), filepath.Join(certs, "tsa.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	tsaRoot, err := trust.ReadFile(filepath.Join(certs, "tsa-root.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	anchors, err := trust.Load(filepath.Join(certs, "root.pem"))
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
	srv := httptest.NewServer(&tsa.Server{Signer: tsaKey.Signer, Cert: tsaKey.Certificate})
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(tsaRoot[0])
	ts := &tsa.Client{URL: srv.URL, Roots: roots}
	var bt bytes.Buffer
	if _, err := pades.Sign(context.Background(), bytes.NewReader(letter), int64(len(letter)), &bt,
		sign.Credential{Signer: doctor.Signer, Certificate: doctor.Certificate, Chain: doctor.Chain},
		pades.SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: ts}}); err != nil {
		fmt.Println(err)
		return
	}
	// The signing CA's CRL issued after the signature timestamp proves
	// the status then; it goes into the DSS with the certificates.
	// (Made here with the test CA's key; in practice it is fetched.)
	ca, err := keyfile.Load(filepath.Join(certs, "ca-sign.key"), filepath.Join(certs, "ca-sign.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(2), ThisUpdate: time.Now().Add(time.Minute), NextUpdate: time.Now().Add(7 * 24 * time.Hour),
	}, ca.Certificate, ca.Signer)
	if err != nil {
		fmt.Println(err)
		return
	}
	var lta bytes.Buffer
	res, err := pades.Extend(context.Background(), bytes.NewReader(bt.Bytes()), int64(bt.Len()), &lta, pades.ExtendOptions{
		To:  sign.LevelLTA,
		TSA: ts,
		Verify: verify.Options{
			Trust:    anchors,
			TSATrust: trust.New(tsaRoot, nil),
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
