package main

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/serve"
	"github.com/hpki-jp/hpki/verify"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// crlsNow writes CRLs of both test CAs valid now (and the signing CA's
// next one) and returns their names.
func crlsNow(t *testing.T) []string {
	t.Helper()
	p := testpki.MustLoad(t)
	now := time.Now()
	var names []string
	for i, ca := range []*testpki.Credential{p.AuthCA, p.SignCA} {
		var entries []x509.RevocationListEntry
		if ca == p.SignCA {
			entries = []x509.RevocationListEntry{{SerialNumber: p.Revoked.Cert.SerialNumber, RevocationTime: p.RevokedAt}}
		}
		der, err := testpki.MakeCRL(ca, entries, now.Add(-time.Hour), now.Add(24*time.Hour), int64(10+i))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, writeDoc(t, t.TempDir(), "now.crl", string(der)))
	}
	return append(names, testpki.FreshCRLFile(t))
}

// TestServeCLI runs hpki serve in this process, logs in with hpki auth
// login (key file), signs through the API, verifies with the Python
// standard-library client of the README, and stops the server with SIGTERM.
func TestServeCLI(t *testing.T) {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--offline", "--trust", testpki.Path("root.pem"), "--tsa-trust", testpki.Path("tsa-root.pem"),
		"--sign-key", testpki.Path("doctor.key") + ":" + testpki.Path("doctor.pem"), "--tsa", testTSA(t)}
	for _, c := range crlsNow(t) {
		args = append(args, "--crl", c)
	}
	var out, errs syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(args, strings.NewReader(""), &out, &errs) }()
	var base string
	for deadline := time.Now().Add(30 * time.Second); base == "" && time.Now().Before(deadline); {
		select {
		case code := <-done:
			t.Fatalf("serve exited %d: %s", code, errs.String())
		case <-time.After(10 * time.Millisecond):
		}
		if line, _, ok := strings.Cut(out.String(), "\n"); ok {
			_, rest, _ := strings.Cut(line, "listening on ")
			base = strings.TrimSuffix(strings.Fields(rest)[0], "/")
		}
	}
	if base == "" {
		t.Fatal("serve did not start")
	}
	if !strings.Contains(errs.String(), "warning: serving plain HTTP on a loopback address") {
		t.Fatalf("no plain-HTTP warning: %q", errs.String())
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
			<-done
		}
	})

	// Login with the authentication key file.
	code, token, stderr := runCLI(t, "auth", "login", base, "--key", testpki.Path("doctor-auth.key"), "--cert", testpki.Path("doctor-auth.pem"))
	if code != 0 || len(strings.TrimSpace(token)) < 40 || !strings.Contains(stderr, "TEST DOCTOR Taro") {
		t.Fatalf("auth login: %d %q %q", code, token, stderr)
	}
	token = strings.TrimSpace(token)
	// The signing certificate is refused before anything is sent.
	if code, _, stderr := runCLI(t, "auth", "login", base, "--key", testpki.Path("doctor.key"), "--cert", testpki.Path("doctor.pem")); code != 3 || !strings.Contains(stderr, "signing (署名用)") {
		t.Fatalf("auth login with the signing key: %d %q", code, stderr)
	}

	// Login with the card (SoftHSM2; a build without cgo says it has no card support).
	testCardLogin(t, base)

	doc := []byte("紹介状 referral letter\n")
	body, _ := json.Marshal(serve.SignRequest{Content: doc, Level: "T"})
	req, _ := http.NewRequest("POST", base+"/v1/sign", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sr serve.SignResponse
	err = json.NewDecoder(resp.Body).Decode(&sr)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("sign: %d %v", resp.StatusCode, err)
	}
	dir := t.TempDir()
	sigFile := filepath.Join(dir, "letter.txt.p7s")
	contentFile := writeDoc(t, dir, "letter.txt", string(doc))
	if err := os.WriteFile(sigFile, sr.Signature, 0o600); err != nil {
		t.Fatal(err)
	}

	// The README's Python client.
	py := peer.Require(t, "python3", "apt-get install python3")
	cmd := exec.Command(py, "../../docs/examples/ehr_client.py", base, sigFile, contentFile)
	got, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(got), "TOTAL_PASSED") || !strings.Contains(string(got), "医師") {
		t.Fatalf("python client: %v\n%s", err, got)
	}
	cmd = exec.Command(py, "../../docs/examples/ehr_client.py", base, sigFile, writeDoc(t, dir, "other.txt", "forged"))
	if got, err := cmd.CombinedOutput(); err == nil || !strings.HasPrefix(string(got), string(verify.TotalFailed)) {
		t.Fatalf("python client, forged content: %v\n%s", err, got)
	}

	// JSON log lines on stderr, without the token.
	sc := bufio.NewScanner(strings.NewReader(errs.String()))
	lines := 0
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil && m["msg"] == "request" {
			lines++
		}
	}
	if lines < 3 || strings.Contains(errs.String(), token) {
		t.Fatalf("%d request log lines; token logged: %v", lines, strings.Contains(errs.String(), token))
	}

	// SIGTERM: graceful stop, exit 0.
	stopped = true
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errs.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop on SIGTERM")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still serving")
	}
}

// TestServePlainHTTPRefused: without TLS, a non-loopback address is a
// usage error (exit 3) unless --insecure-http; nothing is listened on.
func TestServePlainHTTPRefused(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:0", ":0"} {
		code, _, stderr := runCLI(t, "serve", "--addr", addr, "--origin", "https://ehr.example", "--offline", "--trust", testpki.Path("root.pem"))
		if code != 3 || !strings.Contains(stderr, "--insecure-http") {
			t.Fatalf("serve --addr %s without TLS: %d %q", addr, code, stderr)
		}
		assertOneLineError(t, stderr)
	}
}

// TestReadmePythonClient: the README shows docs/examples/ehr_client.py
// verbatim (the tests run that file).
func TestReadmePythonClient(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	py, err := os.ReadFile("../../docs/examples/ehr_client.py")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, py) {
		t.Fatal("README.md does not show docs/examples/ehr_client.py as it is")
	}
}
