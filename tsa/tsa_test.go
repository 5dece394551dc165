package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

func testServer(t testing.TB, cred *testpki.Credential) (*Server, *httptest.Server) {
	t.Helper()
	s := &Server{Signer: cred.Key, Cert: cred.Cert, SerialFile: filepath.Join(t.TempDir(), "serial")}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

func tsaRoots(t testing.TB) *x509.CertPool {
	p := testpki.MustLoad(t)
	pool := x509.NewCertPool()
	pool.AddCert(p.TSARoot.Cert)
	return pool
}

func TestClientServerRoundTrip(t *testing.T) {
	p := testpki.MustLoad(t)
	_, hs := testServer(t, p.TSA)
	c := &Client{URL: hs.URL, Roots: tsaRoots(t)}
	tok, err := c.TimestampData(context.Background(), []byte("signature value"))
	if err != nil {
		t.Fatal(err)
	}
	if !tok.SignerCert.Equal(p.TSA.Cert) || !tok.Policy.Equal(DefaultPolicy) || tok.Accuracy != time.Second {
		t.Fatalf("token %+v", tok)
	}
	if time.Since(tok.GenTime) > time.Minute || !strings.Contains(tok.TSAName, "HPKI TEST TSA") {
		t.Fatalf("genTime %s tsa %q", tok.GenTime, tok.TSAName)
	}
	// The same token re-parsed verifies for the same data only.
	again, err := ParseToken(tok.Raw)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("signature value"))
	if _, _, err := again.Verify(crypto.SHA256, sum[:], VerifyOptions{Roots: tsaRoots(t)}); err != nil {
		t.Fatal(err)
	}
	other := sha256.Sum256([]byte("other"))
	if _, _, err := again.Verify(crypto.SHA256, other[:], VerifyOptions{Roots: tsaRoots(t)}); ReasonOf(err) != ImprintMismatch {
		t.Fatalf("other data: %v", err)
	}
}

func TestVerifyFailures(t *testing.T) {
	p := testpki.MustLoad(t)
	sum := sha256.Sum256([]byte("x"))
	issue := func(cred *testpki.Credential) *Token {
		t.Helper()
		s := &Server{Signer: cred.Key, Cert: cred.Cert}
		req, _ := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, CertReq: true})
		tok, err := ParseResponse(s.Respond(req))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	otherRoots := x509.NewCertPool()
	otherRoots.AddCert(p.Root.Cert)
	tests := []struct {
		name   string
		tok    *Token
		opts   VerifyOptions
		reason Reason
	}{
		{"TSA certificate without EKU", issue(p.TSANoEKU), VerifyOptions{Roots: tsaRoots(t)}, NoEKU},
		{"wrong TSA root", issue(p.TSA), VerifyOptions{Roots: otherRoots}, ChainFailed},
		{"no roots", issue(p.TSA), VerifyOptions{}, ChainFailed},
		{"after TSA expiry", issue(p.TSA), VerifyOptions{Roots: tsaRoots(t), CurrentTime: p.TSA.Cert.NotAfter.Add(time.Hour)}, ChainFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := tc.tok.Verify(crypto.SHA256, sum[:], tc.opts)
			if ReasonOf(err) != tc.reason {
				t.Fatalf("err = %v, want reason %v", err, tc.reason)
			}
		})
	}
	t.Run("non-critical EKU", func(t *testing.T) {
		tmpl := &x509.Certificate{Subject: p.TSA.Cert.Subject, NotBefore: p.TSA.Cert.NotBefore, NotAfter: p.TSA.Cert.NotAfter,
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}
		cred, err := testpki.IssueCert(tmpl, p.TSARoot, p.TSA.Key)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := issue(cred).Verify(crypto.SHA256, sum[:], VerifyOptions{Roots: tsaRoots(t)}); ReasonOf(err) != EKUNotCritical {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("tampered TSTInfo", func(t *testing.T) {
		tok := issue(p.TSA)
		raw := bytes.Clone(tok.Raw)
		i := bytes.Index(raw, sum[:])
		raw[i] ^= 1
		bad, err := ParseToken(raw)
		if err != nil {
			t.Fatal(err)
		}
		flipped := bytes.Clone(sum[:])
		flipped[0] ^= 1
		if _, _, err := bad.Verify(crypto.SHA256, flipped, VerifyOptions{Roots: tsaRoots(t)}); ReasonOf(err) != BadSignature {
			t.Fatalf("err = %v", err)
		}
	})
}

func sha256Alg() (a struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}) {
	a.Algorithm = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	return a
}

func TestServerRejections(t *testing.T) {
	p := testpki.MustLoad(t)
	s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}
	sum := sha256.Sum256([]byte("x"))
	md5ish := asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	mk := func(r timeStampReq) []byte { b, _ := asn1.Marshal(r); return b }
	tests := []struct {
		name string
		req  []byte
		fail string
	}{
		{"garbage", []byte("hello"), "badDataFormat"},
		{"empty", nil, "badDataFormat"},
		{"unknown hash", mk(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: algOf(md5ish), HashedMessage: sum[:16]}}), "badAlg"},
		{"wrong imprint length", mk(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:10]}}), "badDataFormat"},
		{"unoffered policy", mk(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, ReqPolicy: asn1.ObjectIdentifier{1, 2, 3}}), "unacceptedPolicy"},
		{"version 2", mk(timeStampReq{Version: 2, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}}), "badDataFormat"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseResponse(s.Respond(tc.req))
			se, ok := err.(*StatusError)
			if !ok || se.Status != StatusRejection || len(se.FailInfo) != 1 || se.FailInfo[0] != tc.fail {
				t.Fatalf("err = %v, want rejection %s", err, tc.fail)
			}
		})
	}
}

func algOf(oid asn1.ObjectIdentifier) (a struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}) {
	a.Algorithm = oid
	return a
}

func TestClientErrors(t *testing.T) {
	p := testpki.MustLoad(t)
	ok, hs := testServer(t, p.TSA)
	roots := tsaRoots(t)
	replayed := func() []byte {
		sum := sha256.Sum256([]byte("x"))
		req, _ := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, Nonce: big.NewInt(42), CertReq: true})
		return ok.Respond(req)
	}()
	handler := func(status int, ct string, body []byte) *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(status)
			w.Write(body)
		}))
		t.Cleanup(s.Close)
		return s
	}
	tests := []struct {
		name string
		c    *Client
		want string
	}{
		{"HTTP error", &Client{URL: handler(500, "text/plain", nil).URL, Roots: roots}, "HTTP 500"},
		{"wrong content type", &Client{URL: handler(200, "text/html", []byte("<html>")).URL, Roots: roots}, "content type"},
		{"garbage", &Client{URL: handler(200, "application/timestamp-reply", []byte("garbage")).URL, Roots: roots}, "malformed"},
		{"replayed response", &Client{URL: handler(200, "application/timestamp-reply", replayed).URL, Roots: roots}, "nonce"},
		{"rejection", &Client{URL: handler(200, "application/timestamp-reply", reject(FailSystemFailure, "down")).URL, Roots: roots}, "rejection (systemFailure): down"},
		{"wrong roots", &Client{URL: hs.URL, Roots: x509.NewCertPool()}, "chain"},
		{"no roots", &Client{URL: hs.URL}, "trust anchors"},
		{"connection refused", &Client{URL: "http://127.0.0.1:1/", Roots: roots, Timeout: 2 * time.Second}, "request to"},
		{"clock skew", &Client{URL: hs.URL, Roots: roots, Now: func() time.Time { return time.Now().Add(time.Hour) }}, "away from our clock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.c.TimestampData(context.Background(), []byte("data"))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestSerialsUniqueAndPersistent(t *testing.T) {
	p := testpki.MustLoad(t)
	file := filepath.Join(t.TempDir(), "serial")
	seen := map[string]bool{}
	var mu sync.Mutex
	for round := 0; round < 2; round++ { // a restart between rounds
		s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert, SerialFile: file}
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := s.nextSerial()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if seen[n.String()] {
					t.Errorf("serial %s issued twice", n)
				}
				seen[n.String()] = true
			}()
		}
		wg.Wait()
	}
	if len(seen) != 40 {
		t.Fatalf("%d serials", len(seen))
	}
}

func TestHTTPMethodAndContentType(t *testing.T) {
	p := testpki.MustLoad(t)
	_, hs := testServer(t, p.TSA)
	if r, _ := http.Get(hs.URL); r.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", r.StatusCode)
	}
	if r, _ := http.Post(hs.URL, "text/plain", strings.NewReader("x")); r.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain: %d", r.StatusCode)
	}
}

// OpenSSL verifies tokens of our server, and our verifier accepts tokens of
// OpenSSL's TSA.
func TestOpenSSLInterop(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.WriteFile(data, []byte("the signature value to timestamp"), 0o600)
	run := func(args ...string) []byte {
		t.Helper()
		out, err := exec.Command(openssl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	t.Run("openssl verifies our token", func(t *testing.T) {
		_, hs := testServer(t, p.TSA)
		query := filepath.Join(dir, "q.tsq")
		run("ts", "-query", "-data", data, "-sha256", "-cert", "-out", query)
		q, _ := os.ReadFile(query)
		resp, err := http.Post(hs.URL, "application/timestamp-query", bytes.NewReader(q))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body bytes.Buffer
		body.ReadFrom(resp.Body)
		reply := filepath.Join(dir, "r.tsr")
		os.WriteFile(reply, body.Bytes(), 0o600)
		out := run("ts", "-verify", "-queryfile", query, "-in", reply, "-CAfile", testpki.Path("tsa-root.pem"))
		if !strings.Contains(string(out), "Verification: OK") {
			t.Fatalf("openssl: %s", out)
		}
		out = run("ts", "-verify", "-data", data, "-in", reply, "-CAfile", testpki.Path("tsa-root.pem"))
		if !strings.Contains(string(out), "Verification: OK") {
			t.Fatalf("openssl: %s", out)
		}
	})
	t.Run("we verify OpenSSL's token", func(t *testing.T) {
		conf := filepath.Join(dir, "tsa.cnf")
		os.WriteFile(conf, []byte(fmt.Sprintf(`[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = %s/serial
signer_cert = %s
signer_key = %s
certs = %s
signer_digest = sha256
default_policy = 1.3.6.1.4.1.32473.3161.2
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`, dir, testpki.Path("tsa.pem"), testpki.Path("tsa.key"), testpki.Path("tsa.pem"))), 0o600)
		os.WriteFile(filepath.Join(dir, "serial"), []byte("01\n"), 0o600)
		query := filepath.Join(dir, "q2.tsq")
		run("ts", "-query", "-data", data, "-sha256", "-cert", "-out", query)
		reply := filepath.Join(dir, "r2.tsr")
		run("ts", "-reply", "-config", conf, "-queryfile", query, "-out", reply)
		der, _ := os.ReadFile(reply)
		tok, err := ParseResponse(der)
		if err != nil {
			t.Fatal(err)
		}
		content, _ := os.ReadFile(data)
		sum := sha256.Sum256(content)
		cert, _, err := tok.Verify(crypto.SHA256, sum[:], VerifyOptions{Roots: tsaRoots(t)})
		if err != nil {
			t.Fatal(err)
		}
		if !cert.Equal(p.TSA.Cert) || !tok.Policy.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 3161, 2}) {
			t.Fatalf("cert %s policy %s", cert.Subject, tok.Policy)
		}
	})
}

func FuzzParseToken(f *testing.F) {
	p := testpki.MustLoad(f)
	s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}
	sum := sha256.Sum256([]byte("x"))
	req, _ := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, CertReq: true})
	resp := s.Respond(req)
	tok, _ := ParseResponse(resp)
	f.Add(tok.Raw)
	f.Fuzz(func(t *testing.T, in []byte) {
		tok, err := ParseToken(in)
		if err != nil {
			return
		}
		tok.VerifySignature(nil)
	})
}

func FuzzParseResponse(f *testing.F) {
	f.Add(reject(FailBadAlg, "x"))
	f.Add([]byte{0x30, 0x03, 0x30, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) { ParseResponse(in) })
}

func FuzzServerRespond(f *testing.F) {
	p := testpki.MustLoad(f)
	s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}
	sum := sha256.Sum256([]byte("x"))
	req, _ := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}})
	f.Add(req)
	f.Fuzz(func(t *testing.T, in []byte) {
		out := s.Respond(in)
		if _, err := ParseResponse(out); err != nil {
			if _, ok := err.(*StatusError); !ok {
				t.Fatalf("server answered something unparseable: %v", err)
			}
		}
	})
}

func BenchmarkTokenVerify(b *testing.B) {
	p := testpki.MustLoad(b)
	s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}
	sum := sha256.Sum256([]byte("x"))
	req, _ := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, CertReq: true})
	tok, _ := ParseResponse(s.Respond(req))
	roots := tsaRoots(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t, err := ParseToken(tok.Raw)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := t.Verify(crypto.SHA256, sum[:], VerifyOptions{Roots: roots}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServerRespond(b *testing.B) {
	p := testpki.MustLoad(b)
	s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}
	sum := sha256.Sum256([]byte("x"))
	req, _ := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, CertReq: true})
	for i := 0; i < b.N; i++ {
		s.Respond(req)
	}
}
