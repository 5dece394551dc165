//go:build cgo

package serve

import (
	"crypto"
	"crypto/rsa"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/internal/softhsm"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/pkcs11"
)

// TestTLSClientCertificateCard: the SoftHSM2 "card" (CKM_RSA_PKCS only, as
// real cards) logs in over TLS 1.2 with rsa_pkcs1_sha256 and can sign with
// the server-held key of the same person; over TLS 1.3 the card cannot
// make the RSA-PSS CertificateVerify and no certificate is sent.
func TestTLSClientCertificateCard(t *testing.T) {
	f, serverCert := tlsFixture(t)
	module := softhsm.NewToken(t, softhsm.TokenLabel)
	softhsm.Import(t, module, softhsm.TokenLabel, f.p.DoctorAuth, []byte{3}, true)
	m, err := pkcs11.Open(module)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := m.FindToken(softhsm.TokenLabel, "")
	if err != nil {
		t.Fatal(err)
	}
	pins := 0
	sg, err := m.OpenSigner(pkcs11.SignerOptions{Token: tok, Authentication: true, PIN: func(pkcs11.PINRequest) ([]byte, error) { pins++; return []byte(softhsm.UserPIN), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer sg.Close()
	card := &noPSS{Signer: sg}

	hc := clientFor(serverCert, auth.CardTLSConfig(card, sg.Certificate(), sg.Chain(), nil))
	resp, err := hc.Get(f.base + "/v1/auth/session")
	if err != nil {
		t.Fatal(err)
	}
	var id auth.Identity
	_ = json.NewDecoder(resp.Body).Decode(&id)
	resp.Body.Close()
	if resp.StatusCode != 200 || id.HolderID != "MD0001" || resp.TLS.Version != tls.VersionTLS12 {
		t.Fatalf("card over TLS: %d %+v version %x", resp.StatusCode, id, resp.TLS.Version)
	}
	if pins != 2 {
		t.Fatalf("%d PIN requests, want 2 (session, then the handshake signature)", pins)
	}
	// Same connection: sign with the doctor's server-held key.
	f.hc = hc
	var sr SignResponse
	if code := f.call(t, "POST", "/v1/sign", "", SignRequest{Content: []byte("x")}, &sr); code != 200 || !strings.Contains(sr.Signer.Subject, "TEST DOCTOR Taro") {
		t.Fatalf("sign over TLS login: %d", code)
	}

	// TLS 1.3 with a PKCS#1-only key: the handshake cannot use the card.
	cfg := auth.CardTLSConfig(card, sg.Certificate(), sg.Chain(), nil)
	cfg.MaxVersion = tls.VersionTLS13
	cfg.MinVersion = tls.VersionTLS13
	resp, err = clientFor(serverCert, cfg).Get(f.base + "/v1/auth/session")
	// Go's client refuses the handshake (its message speaks of the key size:
	// no TLS 1.3 signature scheme fits a PKCS#1-only RSA key).
	if err == nil {
		resp.Body.Close()
		t.Fatalf("TLS 1.3 with a PKCS#1-only card key: %d, want a failed handshake", resp.StatusCode)
	}
	if card.psss != 0 {
		t.Fatalf("the card was asked for %d RSA-PSS signatures", card.psss)
	}
}

// noPSS is a card that refuses RSA-PSS, as HPKI cards do (SoftHSM2 could
// do it), counting the PSS requests.
type noPSS struct {
	*pkcs11.Signer
	psss int
}

func (c *noPSS) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if _, ok := opts.(*rsa.PSSOptions); ok {
		c.psss++
		return nil, errors.New("card: CKM_RSA_PKCS only")
	}
	return c.Signer.Sign(r, digest, opts)
}

// TestSignWithHSMKey: the server-held key is on a PKCS#11 token (SoftHSM2
// standing in for an HSM); a logged-in doctor signs with it.
func TestSignWithHSMKey(t *testing.T) {
	p := testpki.MustLoad(t)
	module := softhsm.NewToken(t, softhsm.TokenLabel)
	softhsm.Import(t, module, softhsm.TokenLabel, p.Doctor, []byte{4}, false)
	m, err := pkcs11.Open(module)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := m.FindToken(softhsm.TokenLabel, "")
	if err != nil {
		t.Fatal(err)
	}
	sg, err := m.OpenSigner(pkcs11.SignerOptions{Token: tok, PIN: func(pkcs11.PINRequest) ([]byte, error) { return []byte(softhsm.UserPIN), nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer sg.Close()
	f := newFixture(t, func(c *Config) {
		c.Keys = []SigningKey{{Signer: sg, Certificate: sg.Certificate(), Chain: p.Doctor.Chain}}
	})
	tok2 := f.login(t, p.DoctorAuth)
	var sr SignResponse
	if code := f.call(t, "POST", "/v1/sign", tok2, SignRequest{Content: []byte("x"), Packaging: "enveloping"}, &sr); code != 200 {
		t.Fatalf("sign with the HSM key: %d", code)
	}
	var rep verifyReport
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: sr.Signature}, &rep); code != 200 || rep.Indication != "TOTAL_PASSED" {
		t.Fatalf("verify: %d %s", code, rep.Indication)
	}
}
