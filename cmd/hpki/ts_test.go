package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

func TestTimestampCommand(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	doc := writeDoc(t, dir, "letter.pdf", "%PDF-1.7 referral letter")
	other := writeDoc(t, dir, "other.pdf", "%PDF-1.7 another letter")
	tsaRoot := testpki.Path("tsa-root.pem")
	if code, out, errOut := runCLI(t, "ts", doc, "--tsa", tsaURL, "--tsa-trust", tsaRoot); code != 0 || !strings.Contains(out, "letter.pdf.tsr") {
		t.Fatalf("ts: %d %s %s", code, out, errOut)
	}
	tsr := doc + ".tsr"
	// Never overwritten without --force.
	if code, _, _ := runCLI(t, "ts", doc, "--tsa", tsaURL, "--tsa-trust", tsaRoot); code != 3 {
		t.Fatalf("ts again: %d", code)
	}
	code, out, errOut := runCLI(t, "ts", "verify", tsr, "--content", doc, "--tsa-trust", tsaRoot, "--output", "json")
	var r tsResult
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || !r.Valid || r.Hash != "SHA-256" {
		t.Fatalf("ts verify: %d %s %s", code, out, errOut)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"another file", []string{"ts", "verify", tsr, "--content", other, "--tsa-trust", tsaRoot}, 1, "NOT valid"},
		{"untrusted TSA", []string{"ts", "verify", tsr, "--content", doc, "--tsa-trust", testpki.Path("root.pem")}, 1, "NOT valid"},
		{"not a timestamp", []string{"ts", "verify", doc, "--content", doc, "--tsa-trust", tsaRoot}, 3, ""},
		{"no content", []string{"ts", "verify", tsr, "--tsa-trust", tsaRoot}, 3, ""},
		{"no tsa", []string{"ts", doc}, 3, ""},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(out, tt.want) {
			t.Errorf("%s: exit %d %s %s", tt.name, code, out, errOut)
		}
		if tt.code == 3 {
			assertOneLineError(t, errOut)
		}
	}
	// stdin and stdout.
	data, _ := os.ReadFile(doc)
	code, resp, errOut := runCLIIn(t, data, "ts", "-", "-o", "-", "--tsa", tsaURL, "--tsa-trust", tsaRoot)
	if code != 0 || len(resp) < 100 {
		t.Fatalf("ts - -o -: %d %s", code, errOut)
	}
	if code, out, _ := runCLIIn(t, data, "ts", "verify", tsr, "--content", "-", "--tsa-trust", tsaRoot); code != 0 || !strings.Contains(out, "timestamp OK") {
		t.Fatalf("ts verify --content -: %d %s", code, out)
	}

	// OpenSSL reads and verifies what hpki ts writes.
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	if b, err := exec.Command(openssl, "ts", "-verify", "-data", doc, "-in", tsr, "-CAfile", tsaRoot).CombinedOutput(); err != nil || !strings.Contains(string(b), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v %s", err, b)
	}
	if b, err := exec.Command(openssl, "ts", "-verify", "-data", other, "-in", tsr, "-CAfile", tsaRoot).CombinedOutput(); err == nil {
		t.Fatalf("openssl verified another file: %s", b)
	}
	if b, err := exec.Command(openssl, "ts", "-reply", "-in", tsr, "-text").CombinedOutput(); err != nil || !strings.Contains(string(b), "Status: Granted") {
		t.Fatalf("openssl ts -reply: %v %s", err, b)
	}

	// hpki verifies what OpenSSL's TSA makes.
	cfg := filepath.Join(dir, "tsa.cnf")
	os.WriteFile(cfg, []byte(`[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = `+filepath.Join(dir, "serial")+`
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
ess_cert_id_alg = sha256
accuracy = secs:1
`), 0o600)
	os.WriteFile(filepath.Join(dir, "serial"), []byte("01\n"), 0o600)
	tsq := filepath.Join(dir, "req.tsq")
	if b, err := exec.Command(openssl, "ts", "-query", "-data", doc, "-sha256", "-cert", "-out", tsq).CombinedOutput(); err != nil {
		t.Fatalf("openssl ts -query: %v %s", err, b)
	}
	otsr := filepath.Join(dir, "openssl.tsr")
	if b, err := exec.Command(openssl, "ts", "-reply", "-config", cfg, "-queryfile", tsq, "-signer", testpki.Path("tsa.pem"), "-inkey", testpki.Path("tsa.key"), "-out", otsr).CombinedOutput(); err != nil {
		t.Fatalf("openssl ts -reply: %v %s", err, b)
	}
	if code, out, errOut := runCLI(t, "ts", "verify", otsr, "--content", doc, "--tsa-trust", tsaRoot); code != 0 {
		t.Fatalf("hpki ts verify of an OpenSSL timestamp: %d %s %s", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "ts", "verify", otsr, "--content", other, "--tsa-trust", tsaRoot); code != 1 {
		t.Fatalf("hpki ts verify of an OpenSSL timestamp, another file: %d", code)
	}
}
