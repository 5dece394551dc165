package extend_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"path/filepath"

	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/keyfile"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

func ExampleCAdES() {
	at := func(name string) string { return filepath.Join("..", "testdata", "certs", name) } // the committed test HPKI
	doctor, err := keyfile.Load(at("doctor.key"), at("doctor.pem"), at("chain-sign.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	letter := []byte("referral letter")
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(letter),
		sign.Credential{Signer: doctor.Signer, Certificate: doctor.Certificate, Chain: doctor.Chain}, sign.CAdESOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Embed the validation data (B-LT). A B-B signature first needs a
	// signature timestamp, so a TSA is given too: the test TSA, on
	// 127.0.0.1 for the example's duration.
	tsaCred, err := keyfile.Load(at("tsa.key"), at("tsa.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	tsaSrv := httptest.NewServer(&tsa.Server{Signer: tsaCred.Signer, Cert: tsaCred.Certificate})
	defer tsaSrv.Close()
	tsaTrust, err := trust.Load(at("tsa-root.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// Revocation data proves a status only at or after its issue: the
	// doctor's status after the signature timestamp comes from the signing
	// CA's OCSP responder, here a local one standing in for the one the
	// certificate names.
	ca, _ := trust.ReadFiles(at("ca-sign.pem"))
	ocspCred, err := keyfile.Load(at("ocsp.key"), at("ocsp.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ocspSrv := httptest.NewServer(&revocation.Responder{Issuer: ca[0], Cert: ocspCred.Certificate, Signer: ocspCred.Signer})
	defer ocspSrv.Close()
	u, _ := url.Parse(ocspSrv.URL)
	anchors, err := trust.Load(at("root.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	lt, err := extend.CAdES(context.Background(), res.Signature, bytes.NewReader(letter), extend.Options{
		To:  sign.LevelLT,
		TSA: &tsa.Client{URL: tsaSrv.URL, Roots: tsaTrust.Roots()},
		Verify: verify.Options{
			Trust:    anchors,
			TSATrust: tsaTrust,
			Fetcher:  &revocation.Fetcher{Resolve: map[string]string{"ocsp.hpki-test.invalid": u.Host}},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(lt.Level)
	// Output: CAdES-BASELINE-LT
}
