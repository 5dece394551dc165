package serve

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/softhsm"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/pkcs11"
)

// tlsFixture serves the API over TLS on 127.0.0.1 with client
// certificates enabled, and returns the base URL and the server's
// certificate (to trust).
func tlsFixture(t *testing.T) (*fixture, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "hpki serve test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	f := newFixture(t, func(c *Config) { c.ClientCertificates = true })
	// Restart on TLS: the fixture's plain listener is replaced.
	if err := f.stop(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.base = "https://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- f.srv.Serve(ctx, ln, TLSConfig(tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, true), 10*time.Second)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return f, cert
}

func clientFor(server *x509.Certificate, cfg *tls.Config) *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(server)
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg.RootCAs = pool
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: cfg}}
}

// TestTLSClientCertificateCurl: a key-file client (curl --cert) logs in by
// its TLS client certificate; a signing certificate is refused.
func TestTLSClientCertificateCurl(t *testing.T) {
	curl := peer.Require(t, "curl", "apt-get install curl")
	f, serverCert := tlsFixture(t)
	dir := t.TempDir()
	ca := filepath.Join(dir, "server.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: serverCert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	get := func(who string) (int, []byte) {
		out, err := exec.Command(curl, "-sS", "--cacert", ca, "--cert", testpki.Path(who+".pem"), "--key", testpki.Path(who+".key"),
			"-w", "\n%{http_code}", f.base+"/v1/auth/session").Output()
		if err != nil {
			t.Fatalf("curl: %v", err)
		}
		o := strings.TrimSpace(string(out))
		i := strings.LastIndex(o, "\n")
		body, code := o[:i+1], o[i+1:]
		n := 0
		for _, c := range code {
			n = n*10 + int(c-'0')
		}
		return n, []byte(body)
	}
	code, body := get("doctor-auth")
	var id auth.Identity
	if err := json.Unmarshal(body, &id); err != nil || code != 200 || id.HolderID != "MD0001" {
		t.Fatalf("doctor-auth: %d %s", code, body)
	}
	code, body = get("doctor")
	var e auth.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil || code != 401 || e.Reason != auth.ReasonCertificateKind {
		t.Fatalf("doctor (signing certificate): %d %s", code, body)
	}
}

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

type verifyReport struct {
	Indication string `json:"indication"`
}
