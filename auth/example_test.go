package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"path/filepath"
	"time"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/keyfile"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

// The exact text a card signs to log in (CKM_RSA_PKCS over the SHA-256
// DigestInfo of these bytes): the origin the client connected to, the
// server's one-time nonce, and the client's clock.
func ExampleToBeSigned() {
	origin, _ := auth.Origin("HTTPS://EHR.example:443/login")
	tbs, _ := auth.ToBeSigned(origin, "q2hJ7pQ4b5oL4cJxk8cJ0m3s0dXzZk6Yw8H2n4k1r0A", "2030-01-01T09:00:00Z")
	fmt.Println(string(tbs))
	// Output:
	// hpki-login-v1
	// origin=https://ehr.example
	// nonce=q2hJ7pQ4b5oL4cJxk8cJ0m3s0dXzZk6Yw8H2n4k1r0A
	// time=2030-01-01T09:00:00Z
}

// A whole login against a Service: the server issues a challenge, the
// card's authentication key signs it for the server's origin, the server
// checks everything and opens a session. (The test HPKI's key file stands
// in for the card; a CRL of the authentication CA gives the status now.)
func ExampleService() {
	certs := filepath.Join("..", "testdata", "certs")
	card, err := keyfile.Load(filepath.Join(certs, "doctor-auth.key"), filepath.Join(certs, "doctor-auth.pem"), filepath.Join(certs, "ca-auth.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	anchors, err := trust.Load(filepath.Join(certs, "root.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	// The authentication CA's CRL current at that time (empty).
	ca, err := keyfile.Load(filepath.Join(certs, "ca-auth.key"), filepath.Join(certs, "ca-auth.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
	}, ca.Certificate, ca.Signer)
	if err != nil {
		fmt.Println(err)
		return
	}
	v := verify.New(verify.Options{Trust: anchors, Offline: true, CRLs: [][]byte{crl}, Now: func() time.Time { return now }})
	doctor, _ := hcrole.ParseRequirement("医師")
	svc, _ := auth.NewService(auth.ServiceOptions{
		Origin:        "https://ehr.example",
		Authenticator: auth.New(auth.Options{Verifier: v, RequireRole: doctor}),
		Now:           func() time.Time { return now },
	})

	c, _ := svc.Challenge()                                                                            // server → client
	req, _ := auth.SignLogin(card.Signer, card.Certificate, card.Chain, "https://ehr.example", c, now) // the card signs
	sess, err := svc.Login(context.Background(), req)                                                  // client → server
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sess.Identity.Subject, sess.Identity.SubjectJa, sess.Identity.HolderID, sess.Identity.Roles[0].Ja)
	_, err = svc.Login(context.Background(), req) // the same request again
	fmt.Println(auth.ReasonOf(err))
	// Output:
	// TEST DOCTOR Taro 試験 医師太郎 MD0001 医師
	// unknown_nonce
}
