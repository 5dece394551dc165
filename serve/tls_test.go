package serve

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
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
	"github.com/hpki-jp/hpki/internal/testpki"
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

type verifyReport struct {
	Indication string `json:"indication"`
}

// TestPlainHTTP: plain HTTP is allowed (with a warning) on loopback only;
// elsewhere it needs the explicit insecure flag.
func TestPlainHTTP(t *testing.T) {
	for _, c := range []struct {
		host     string
		insecure bool
		ok       bool
	}{
		{"127.0.0.1", false, true}, {"127.0.0.2", false, true}, {"::1", false, true}, {"localhost", false, true},
		{"", false, false}, {"0.0.0.0", false, false}, {"::", false, false}, {"192.0.2.1", false, false}, {"example.org", false, false},
		{"0.0.0.0", true, true}, {"192.0.2.1", true, true},
	} {
		warning, err := PlainHTTP(c.host, c.insecure)
		if (err == nil) != c.ok || (err == nil && warning == "") || (err != nil && !errors.Is(err, ErrPlainHTTP)) {
			t.Errorf("PlainHTTP(%q, %v) = %q, %v", c.host, c.insecure, warning, err)
		}
	}
}
