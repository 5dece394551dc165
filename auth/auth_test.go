package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

// testNow is the fixed clock of these tests, inside every test
// certificate's validity.
var testNow = time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)

type env struct {
	pki     *testpki.PKI
	revoked *testpki.Credential
	crl     []byte
	now     time.Time
}

func newEnv(t *testing.T) *env { return newEnvAt(t, testNow) }

// newEnvAt makes the test environment with its clock at now (the CRL of the
// authentication CA issued an hour before).
func newEnvAt(t *testing.T, now time.Time) *env {
	t.Helper()
	p := testpki.MustLoad(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := p.AuthenticationWithRoles("TEST REVOKED Jiro", "試験 次郎", "MD0999", []hcrole.Role{{Scheme: hcrole.SchemeNational, Text: "Medical Doctor"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	crl, err := testpki.MakeCRL(p.AuthCA, []x509.RevocationListEntry{{SerialNumber: rev.Cert.SerialNumber, RevocationTime: now.Add(-48 * time.Hour)}}, now.Add(-time.Hour), now.Add(24*time.Hour), 7)
	if err != nil {
		t.Fatal(err)
	}
	return &env{pki: p, revoked: rev, crl: crl, now: now}
}

func (e *env) verifier(opts verify.Options) *verify.Verifier {
	opts.Trust = trust.New([]*x509.Certificate{e.pki.Root.Cert}, nil)
	if opts.Now == nil {
		opts.Now = func() time.Time { return e.now }
	}
	if opts.Fetcher == nil {
		opts.Offline = true
		opts.CRLs = [][]byte{e.crl}
	}
	return verify.New(opts)
}

func (e *env) service(t *testing.T, req hcrole.Requirement) *Service {
	t.Helper()
	s, err := NewService(ServiceOptions{
		Origin:        "https://ehr.example:8443",
		Authenticator: New(Options{Verifier: e.verifier(verify.Options{}), RequireRole: req}),
		Now:           func() time.Time { return e.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIdentify(t *testing.T) {
	e := newEnv(t)
	a := New(Options{Verifier: e.verifier(verify.Options{}), RequireRole: mustReq(t, "医師")})
	id, err := a.Identify(context.Background(), e.pki.DoctorAuth.Cert, e.pki.DoctorAuth.Chain)
	if err != nil {
		t.Fatal(err)
	}
	if id.Subject != "TEST DOCTOR Taro" || id.SubjectJa == "" || id.HolderID != "MD0001" || len(id.Roles) != 1 || id.Roles[0].Ja != "医師" || id.Roles[0].Scheme != "1.2.392.100495.1.6.1.1" || len(id.CertificateSHA256) != 64 || id.Serial == "" || !strings.Contains(id.Issuer, "AuthCA") {
		t.Fatalf("identity %+v", id)
	}
	if !id.Owns(e.pki.Doctor.Cert, e.pki.Doctor.Chain) || id.Owns(e.pki.Pharmacist.Cert, e.pki.Pharmacist.Chain) {
		t.Fatal("Owns: the doctor's signing certificate is theirs, the pharmacist's is not")
	}
	testOwnsStrict(t, e.pki, id)
	if !id.HasRole(mustReq(t, "Medical Doctor")) || id.HasRole(mustReq(t, "薬剤師")) {
		t.Fatal("HasRole")
	}
}

func mustReq(t *testing.T, s ...string) hcrole.Requirement {
	t.Helper()
	r, err := hcrole.ParseRequirement(s...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestIdentifyRefusals(t *testing.T) {
	e := newEnv(t)
	stale, err := testpki.MakeCRL(e.pki.AuthCA, nil, testNow.Add(-72*time.Hour), testNow.Add(-time.Hour), 3)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		cred   *testpki.Credential
		opts   verify.Options
		req    hcrole.Requirement
		reason Reason
	}{
		{"signing certificate", e.pki.Doctor, verify.Options{}, hcrole.Requirement{}, ReasonCertificateKind},
		{"CA certificate", e.pki.AuthCA, verify.Options{}, hcrole.Requirement{}, ReasonCertificateKind},
		{"not HPKI", e.pki.NonHPKI, verify.Options{}, hcrole.Requirement{}, ReasonCertificateKind},
		{"revoked", e.revoked, verify.Options{}, hcrole.Requirement{}, ReasonRevoked},
		{"wrong role", e.pki.DoctorAuth, verify.Options{}, mustReq(t, "薬剤師"), ReasonRole},
		{"no fresh status", e.pki.DoctorAuth, verify.Options{Offline: true, CRLs: [][]byte{stale}, Fetcher: &revocation.Fetcher{}}, hcrole.Requirement{}, ReasonCertificateInvalid},
		{"no status at all", e.pki.DoctorAuth, verify.Options{Offline: true, Fetcher: &revocation.Fetcher{}}, hcrole.Requirement{}, ReasonCertificateInvalid},
		{"untrusted root", e.pki.DoctorAuth, verify.Options{}, hcrole.Requirement{}, ReasonCertificateInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := e.verifier(c.opts)
			if c.name == "untrusted root" {
				v = verify.New(verify.Options{Trust: trust.New([]*x509.Certificate{e.pki.OtherRoot.Cert}, nil), Offline: true, CRLs: [][]byte{e.crl}, Now: func() time.Time { return e.now }})
			}
			_, err := New(Options{Verifier: v, RequireRole: c.req}).Identify(context.Background(), c.cred.Cert, c.cred.Chain)
			if ReasonOf(err) != c.reason || !errors.Is(err, ErrRefused) {
				t.Fatalf("got %v (reason %q), want reason %q", err, ReasonOf(err), c.reason)
			}
		})
	}
}

// TestIdentifyOnline fetches the authentication CA's CRL from its
// distribution point (routed to a local server), once: the Fetcher caches it.
func TestIdentifyOnline(t *testing.T) {
	e := newEnv(t)
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.Handle("/ca-auth.crl", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		revocation.CRLHandler(func() []byte { return e.crl }).ServeHTTP(w, r)
	}))
	mux.Handle("/", http.NotFoundHandler())
	addr := testpki.Serve(t, mux)
	f := &revocation.Fetcher{HTTPClient: testpki.Routes(map[string]string{"crl.hpki-test.invalid": addr, "ocsp.hpki-test.invalid": addr}), Now: func() time.Time { return e.now }}
	a := New(Options{Verifier: e.verifier(verify.Options{Fetcher: f})})
	for i := 0; i < 3; i++ {
		if _, err := a.Identify(context.Background(), e.pki.DoctorAuth.Cert, e.pki.DoctorAuth.Chain); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Identify(context.Background(), e.revoked.Cert, e.revoked.Chain); ReasonOf(err) != ReasonRevoked {
		t.Fatalf("revoked: %v", err)
	}
	if n := hits.Load(); n < 1 || n > 2 {
		t.Fatalf("CRL fetched %d times, want it cached", n)
	}
}

func login(t *testing.T, s *Service, cred *testpki.Credential, origin string, at time.Time) (*Session, error) {
	t.Helper()
	c, err := s.Challenge()
	if err != nil {
		t.Fatal(err)
	}
	req, err := SignLogin(cred.Key, cred.Cert, cred.Chain, origin, c, at)
	if err != nil {
		t.Fatal(err)
	}
	return s.Login(context.Background(), req)
}

func TestChallengeResponse(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, mustReq(t, "医師"))
	sess, err := login(t, s, e.pki.DoctorAuth, s.Origin(), e.now)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := s.Lookup(sess.Token); !ok || id.HolderID != "MD0001" {
		t.Fatalf("lookup: %v %+v", ok, id)
	}
	if _, ok := s.Lookup(sess.Token + "x"); ok {
		t.Fatal("a wrong token found a session")
	}
	e.now = e.now.Add(16 * time.Minute)
	if _, ok := s.Lookup(sess.Token); ok {
		t.Fatal("session outlived its TTL")
	}
	e.now = testNow
	sess, _ = login(t, s, e.pki.DoctorAuth, s.Origin(), e.now)
	s.Logout(sess.Token)
	if _, ok := s.Lookup(sess.Token); ok {
		t.Fatal("session outlived logout")
	}
}

func TestLoginRefusals(t *testing.T) {
	e := newEnv(t)
	s := e.service(t, hcrole.Requirement{})
	ctx := context.Background()
	sign := func(cred *testpki.Credential, origin string, at time.Time) LoginRequest {
		c, err := s.Challenge()
		if err != nil {
			t.Fatal(err)
		}
		r, err := SignLogin(cred.Key, cred.Cert, cred.Chain, origin, c, at)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	check := func(name string, req LoginRequest, want Reason) {
		t.Helper()
		if _, err := s.Login(ctx, req); ReasonOf(err) != want {
			t.Errorf("%s: got %v, want reason %q", name, err, want)
		}
	}

	// Replay: the same signed request twice.
	good := sign(e.pki.DoctorAuth, s.Origin(), e.now)
	if _, err := s.Login(ctx, good); err != nil {
		t.Fatal(err)
	}
	check("replay", good, ReasonUnknownNonce)

	// A nonce the server never issued.
	forged := sign(e.pki.DoctorAuth, s.Origin(), e.now)
	forged.Nonce = strings.Repeat("A", 43)
	check("unknown nonce", forged, ReasonUnknownNonce)

	// Relay: evil.example obtained this server's challenge and had the
	// client sign it; the client signs the origin it talks to.
	check("relay to another origin", sign(e.pki.DoctorAuth, "https://evil.example", e.now), ReasonWrongOrigin)
	// Changing the origin field back breaks the signature (and the nonce
	// is gone after the first attempt: a fresh one here).
	relayed := sign(e.pki.DoctorAuth, "https://evil.example", e.now)
	relayed.Origin = s.Origin()
	check("relay, origin rewritten", relayed, ReasonBadSignature)

	// Expired nonce.
	late := sign(e.pki.DoctorAuth, s.Origin(), e.now)
	e.now = e.now.Add(3 * time.Minute)
	late.Time = e.now.Format(TimeLayout) // even re-signed times cannot revive it
	check("expired nonce", late, ReasonExpired)
	e.now = testNow

	// Signed time far from the server's clock.
	check("clock skew", sign(e.pki.DoctorAuth, s.Origin(), e.now.Add(-10*time.Minute)), ReasonClockSkew)

	// Wrong key: the doctor's authentication certificate, another key.
	wrong := sign(e.pki.DoctorAuth, s.Origin(), e.now)
	other := sign(e.pki.Pharmacist, s.Origin(), e.now)
	wrong.Signature = other.Signature
	check("wrong key", wrong, ReasonBadSignature)

	// A signing certificate used for login, with its own key.
	check("signing certificate", sign(e.pki.Doctor, s.Origin(), e.now), ReasonCertificateKind)

	// A revoked authentication certificate.
	check("revoked certificate", sign(e.revoked, s.Origin(), e.now), ReasonRevoked)

	// Malformed fields.
	bad := sign(e.pki.DoctorAuth, s.Origin(), e.now)
	bad.Time = "2030-01-01 09:00:00"
	check("space in time", bad, ReasonMalformed)
	bad = sign(e.pki.DoctorAuth, s.Origin(), e.now)
	bad.Certificate = []byte("junk")
	check("junk certificate", bad, ReasonMalformed)
}

func TestChallengeBounded(t *testing.T) {
	e := newEnv(t)
	s, err := NewService(ServiceOptions{Origin: "https://ehr.example", Authenticator: New(Options{Verifier: e.verifier(verify.Options{})}), MaxPending: 3, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := s.Challenge(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Challenge(); ReasonOf(err) != ReasonBusy {
		t.Fatalf("4th challenge: %v", err)
	}
	e.now = e.now.Add(time.Hour)
	if _, err := s.Challenge(); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
}

func TestToBeSignedAndOrigin(t *testing.T) {
	got, err := ToBeSigned("https://ehr.example", "bm9uY2U", "2030-01-01T09:00:00Z")
	if err != nil || string(got) != "hpki-login-v1\norigin=https://ehr.example\nnonce=bm9uY2U\ntime=2030-01-01T09:00:00Z" {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range [][3]string{{"https://a\nnonce=x", "n", "t"}, {"o", "", "t"}, {"o", "n", "t t"}, {"o", "n", strings.Repeat("x", 513)}} {
		if _, err := ToBeSigned(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("ToBeSigned(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{
		"HTTPS://EHR.Example:443/x?y": "https://ehr.example",
		"http://127.0.0.1:8080/":      "http://127.0.0.1:8080",
		"https://[::1]:8443":          "https://[::1]:8443",
	} {
		if got, err := Origin(in); err != nil || got != want {
			t.Errorf("Origin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"ftp://x", "https://u:p@x", "/relative", "https://"} {
		if _, err := Origin(bad); err == nil {
			t.Errorf("Origin(%q) accepted", bad)
		}
	}
	if _, err := NewService(ServiceOptions{Origin: "https://EHR.example/", Authenticator: &Authenticator{}}); err == nil {
		t.Error("a non-canonical origin was accepted")
	}
}

// testOwnsStrict: the signing certificate must name the same subject AND
// come from a CA of the same certification authority (same certifying key,
// names equal but the CN): a look-alike CA of another root key, with the
// very same names, issuing the doctor's very subject name, is not theirs;
// nor is a certificate without its issuing CA, nor an identity without a
// validated path.
func testOwnsStrict(t *testing.T, p *testpki.PKI, id *Identity) {
	t.Helper()
	if id.Owns(p.Doctor.Cert, nil) {
		t.Fatal("Owns without the issuing CA")
	}
	if NewIdentity(p.DoctorAuth.Cert).Owns(p.Doctor.Cert, p.Doctor.Chain) {
		t.Fatal("Owns of an identity without a validated path")
	}
	mk := func(tmpl, parent *x509.Certificate, pub any, key any) *x509.Certificate {
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	rootKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	caKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now()
	// Another root with the real root's very name; a sign CA under it with
	// the real sign CA's very name; the doctor's very subject under that.
	root := mk(&x509.Certificate{SerialNumber: big.NewInt(1), RawSubject: p.Root.Cert.RawSubject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, &x509.Certificate{RawSubject: p.Root.Cert.RawSubject}, &rootKey.PublicKey, rootKey)
	root = mk(&x509.Certificate{SerialNumber: big.NewInt(1), RawSubject: p.Root.Cert.RawSubject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, root, &rootKey.PublicKey, rootKey)
	ca := mk(&x509.Certificate{SerialNumber: big.NewInt(2), RawSubject: p.SignCA.Cert.RawSubject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, root, &caKey.PublicKey, rootKey)
	leaf := mk(&x509.Certificate{SerialNumber: big.NewInt(3), RawSubject: p.Doctor.Cert.RawSubject, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageContentCommitment}, ca, p.Doctor.Cert.PublicKey, caKey)
	if !bytes.Equal(leaf.RawSubject, p.Doctor.Cert.RawSubject) || !bytes.Equal(ca.RawSubject, p.SignCA.Cert.RawSubject) || !bytes.Equal(ca.RawIssuer, p.SignCA.Cert.RawIssuer) {
		t.Fatal("look-alike names differ")
	}
	if id.Owns(leaf, []*x509.Certificate{ca}) {
		t.Fatal("Owns: a same-named certificate from a look-alike CA of another root key")
	}
	// The real sign CA offered as the issuer of the look-alike leaf: its
	// key does not verify the leaf.
	if id.Owns(leaf, p.Doctor.Chain) {
		t.Fatal("Owns: a chain CA whose key did not sign the certificate")
	}
}
