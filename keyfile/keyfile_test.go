package keyfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("nope"), 0o600)
	tests := []struct {
		name, key, cert string
		chain           []string
		wantErr         string
	}{
		{"doctor (chain in the file and given: once)", testpki.Path("doctor.key"), testpki.Path("doctor.pem"), []string{testpki.Path("chain-sign.pem")}, ""},
		{"ecdsa (chain from the certificate file)", testpki.Path("doctor-ec.key"), testpki.Path("doctor-ec.pem"), nil, ""},
		{"key of another cert", testpki.Path("pharmacist.key"), testpki.Path("doctor.pem"), nil, "does not belong"},
		{"garbage key", garbage, testpki.Path("doctor.pem"), nil, "not a private key"},
		{"garbage cert", testpki.Path("doctor.key"), garbage, nil, "not a certificate"},
		{"missing key", filepath.Join(dir, "none"), testpki.Path("doctor.pem"), nil, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.key, tc.cert, tc.chain...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Chain) != 1 || c.Chain[0].Subject.CommonName != "HPKI-TEST-SignCA-forNonRepudiation" {
				t.Fatalf("chain %v", c.Chain)
			}
		})
	}
}

func TestLoadPKCS12FromOpenSSL(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	p12 := filepath.Join(t.TempDir(), "doctor.p12")
	out, err := exec.Command(openssl, "pkcs12", "-export", "-inkey", testpki.Path("doctor.key"), "-in", testpki.Path("doctor.pem"),
		"-certfile", testpki.Path("chain-sign.pem"), "-passout", "pass:test-password", "-out", p12).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	c, err := LoadPKCS12(p12, []byte("test-password"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Certificate.Subject.CommonName != "TEST DOCTOR Taro" || len(c.Chain) != 1 {
		t.Fatalf("cert %s chain %d", c.Certificate.Subject, len(c.Chain))
	}
	_, err = LoadPKCS12(p12, []byte("wrong"))
	if err == nil || !strings.Contains(err.Error(), "wrong password") || strings.Contains(err.Error(), "wrong\"") {
		t.Fatalf("wrong password: %v", err)
	}
}

func FuzzParseKey(f *testing.F) {
	data, _ := os.ReadFile(testpki.Path("doctor.key"))
	f.Add(data)
	f.Fuzz(func(t *testing.T, in []byte) { ParseKey(in) })
}
