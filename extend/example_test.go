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

// exampleWorld is what the examples use: the committed test HPKI, its
// TSA and the signing CA's OCSP responder on 127.0.0.1 (standing in for
// the one the certificates name), until stop is called.
type exampleWorld struct {
	doctor *keyfile.Credential
	tsa    sign.Timestamper
	verify verify.Options
	stop   func()
}

func newExampleWorld() (*exampleWorld, error) {
	at := func(name string) string { return filepath.Join("..", "testdata", "certs", name) }
	doctor, err := keyfile.Load(at("doctor.key"), at("doctor.pem"), at("chain-sign.pem"))
	if err != nil {
		return nil, err
	}
	tsaCred, err := keyfile.Load(at("tsa.key"), at("tsa.pem"))
	if err != nil {
		return nil, err
	}
	tsaTrust, err := trust.Load(at("tsa-root.pem"))
	if err != nil {
		return nil, err
	}
	ca, err := trust.ReadFiles(at("ca-sign.pem"))
	if err != nil {
		return nil, err
	}
	ocspCred, err := keyfile.Load(at("ocsp.key"), at("ocsp.pem"))
	if err != nil {
		return nil, err
	}
	anchors, err := trust.Load(at("root.pem"))
	if err != nil {
		return nil, err
	}
	tsaSrv := httptest.NewServer(&tsa.Server{Signer: tsaCred.Signer, Cert: tsaCred.Certificate})
	ocspSrv := httptest.NewServer(&revocation.Responder{Issuer: ca[0], Cert: ocspCred.Certificate, Signer: ocspCred.Signer})
	u, _ := url.Parse(ocspSrv.URL)
	return &exampleWorld{
		doctor: doctor,
		tsa:    &tsa.Client{URL: tsaSrv.URL, Roots: tsaTrust.Roots()},
		verify: verify.Options{
			Trust:    anchors,
			TSATrust: tsaTrust,
			Fetcher:  &revocation.Fetcher{Resolve: map[string]string{"ocsp.hpki-test.invalid": u.Host}},
		},
		stop: func() { tsaSrv.Close(); ocspSrv.Close() },
	}, nil
}

// sign makes a B-B CAdES signature of content as the test doctor.
func (w *exampleWorld) sign(content []byte) ([]byte, error) {
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(content),
		sign.Credential{Signer: w.doctor.Signer, Certificate: w.doctor.Certificate, Chain: w.doctor.Chain}, sign.CAdESOptions{})
	if err != nil {
		return nil, err
	}
	return res.Signature, nil
}

func ExampleCAdES() {
	w, err := newExampleWorld()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.stop()
	letter := []byte("referral letter")
	sig, err := w.sign(letter)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Embed the validation data (B-LT). A B-B signature first needs a
	// signature timestamp, so a TSA is given too. Revocation data proves
	// a status only at or after its issue: the doctor's status after the
	// signature timestamp comes from the signing CA's OCSP responder.
	lt, err := extend.CAdES(context.Background(), sig, bytes.NewReader(letter), extend.Options{
		To:     sign.LevelLT,
		TSA:    w.tsa,
		Verify: w.verify,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(lt.Level)
	// Output: CAdES-BASELINE-LT
}

func ExampleExtender() {
	w, err := newExampleWorld()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer w.stop()
	// One Extender for many records: each is validated in full before and
	// after, while the CA certificates and revocation data the checks use
	// are verified once.
	e, err := extend.NewExtender(extend.Options{To: sign.LevelLTA, TSA: w.tsa, Verify: w.verify})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, letter := range []string{"referral letter 1", "referral letter 2"} {
		sig, err := w.sign([]byte(letter))
		if err != nil {
			fmt.Println(err)
			return
		}
		lta, err := e.CAdES(context.Background(), sig, bytes.NewReader([]byte(letter)))
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(lta.Level)
	}
	// Output:
	// CAdES-BASELINE-LTA
	// CAdES-BASELINE-LTA
}
