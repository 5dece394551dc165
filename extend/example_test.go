package extend_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

func ExampleCAdES() {
	p, err := testpki.Load(testpki.Dir())
	if err != nil {
		fmt.Println(err)
		return
	}
	letter := []byte("referral letter")
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(letter),
		sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, sign.CAdESOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Embed the validation data (B-LT). A B-B signature first needs a
	// signature timestamp, so a TSA is given too: the test TSA, on
	// 127.0.0.1 for the example's duration.
	srv := httptest.NewServer(&tsa.Server{Signer: p.TSA.Key, Cert: p.TSA.Cert})
	defer srv.Close()
	tsaRoots := x509.NewCertPool()
	tsaRoots.AddCert(p.TSARoot.Cert)
	// Revocation data proves a status only at or before its issue: the
	// signing CA's CRL published after the signature timestamp (here a
	// minute from now) is the one to embed.
	nextCRL, err := testpki.MakeCRL(p.SignCA, nil, time.Now().Add(time.Minute), time.Now().Add(7*24*time.Hour), 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	lt, err := extend.CAdES(context.Background(), res.Signature, bytes.NewReader(letter), extend.Options{
		To:  sign.LevelLT,
		TSA: &tsa.Client{URL: srv.URL, Roots: tsaRoots},
		Verify: verify.Options{
			Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
			TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
			CRLs:     [][]byte{nextCRL}, // the revocation data to embed
			Offline:  true,
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(lt.Level)
	// Output: CAdES-BASELINE-LT
}
