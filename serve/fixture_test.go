package serve

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/internal/testtsa"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

// fixture is a running server on 127.0.0.1 with the committed test HPKI,
// offline, with CRLs issued for now, a local TSA, and the doctor's
// signing key held by the server.
type fixture struct {
	p    *testpki.PKI
	tsa  *tsa.Client
	srv  *Server
	base string
	hc   *http.Client
	// nurse is an authentication credential of a holder whose signing key
	// the server does not hold.
	nurse *testpki.Credential
	stop  func() error
}

// verifyOptions are the validation options of the test HPKI at now:
// offline, with CRLs of both CAs that cover now, and the signing CA's next
// CRL (for signatures timestamped now).
func verifyOptions(t testing.TB, p *testpki.PKI) verify.Options {
	t.Helper()
	now := time.Now()
	authCRL, err := testpki.MakeCRL(p.AuthCA, nil, now.Add(-time.Hour), now.Add(24*time.Hour), 2)
	if err != nil {
		t.Fatal(err)
	}
	signCRL, err := testpki.MakeCRL(p.SignCA, []x509.RevocationListEntry{{SerialNumber: p.Revoked.Cert.SerialNumber, RevocationTime: p.RevokedAt}}, now.Add(-time.Hour), now.Add(24*time.Hour), 3)
	if err != nil {
		t.Fatal(err)
	}
	return verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		Offline:  true,
		CRLs:     [][]byte{authCRL, signCRL, p.FreshCRL(t)},
	}
}

func newFixture(t testing.TB, mut func(*Config)) *fixture {
	t.Helper()
	p := testpki.MustLoad(t)
	f := &fixture{p: p, tsa: testtsa.Client(t, p.TSA, p.TSARoot, nil), hc: &http.Client{Timeout: time.Minute}}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if f.nurse, err = p.AuthenticationWithRoles("TEST NURSE Hanako", "試験 花子", "NS0001", []hcrole.Role{{Scheme: hcrole.SchemeNational, Text: "Nurse"}}, key); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.base = "http://" + ln.Addr().String()
	vo := verifyOptions(t, p)
	origin, _ := auth.Origin(f.base)
	svc, err := auth.NewService(auth.ServiceOptions{Origin: origin, Authenticator: auth.New(auth.Options{Verifier: verify.New(vo)})})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Verify: vo,
		Auth:   svc,
		TSA:    f.tsa,
		Keys:   []SigningKey{{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, {Signer: p.Pharmacist.Key, Certificate: p.Pharmacist.Cert, Chain: p.Pharmacist.Chain}},
	}
	if mut != nil {
		mut(&cfg)
	}
	if f.srv, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(ctx, ln, nil, 10*time.Second) }()
	f.stop = func() error { cancel(); return <-done }
	t.Cleanup(func() {
		if ctx.Err() == nil {
			if err := f.stop(); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		}
	})
	return f
}

// call sends a JSON request (GET when in is nil) and decodes a JSON
// answer into out, returning the status.
func (f *fixture) call(t testing.TB, method, path, token string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// letter signs a 50 KB letter as the doctor, at level B-T.
func (f *fixture) letter(t testing.TB) (content, sig []byte) {
	t.Helper()
	content = bytes.Repeat([]byte("紹介状 referral letter. "), 50*1024/28)
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(content), sign.Credential{Signer: f.p.Doctor.Key, Certificate: f.p.Doctor.Cert, Chain: f.p.Doctor.Chain}, sign.CAdESOptions{Level: sign.LevelT, TSA: f.tsa})
	if err != nil {
		t.Fatal(err)
	}
	return content, res.Signature
}

func (f *fixture) login(t testing.TB, cred *testpki.Credential) string {
	t.Helper()
	s, err := auth.Login(context.Background(), f.hc, f.base, cred.Key, cred.Cert, cred.Chain)
	if err != nil {
		t.Fatal(err)
	}
	return s.Token
}
