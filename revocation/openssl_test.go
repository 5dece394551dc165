package revocation

import (
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// OpenSSL's OCSP responder (openssl ocsp -index, the delegated test
// responder certificate) and our client agree: our request is understood,
// and its answers for a good, a revoked and an unknown certificate are
// checked (signature, delegation, CertID, nonce) and read as OpenSSL meant
// them. Our own responder's answers are read the same by OpenSSL.
func TestOpenSSLOCSPResponderAgrees(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	// index.txt: the doctor valid, the revoked certificate revoked; the
	// pharmacist is missing, so unknown to the responder.
	line := func(st, revoked string, c *testpki.Credential) string {
		return fmt.Sprintf("%s\t%s\t%s\t%X\tunknown\t%s\n", st, c.Cert.NotAfter.UTC().Format("060102150405Z"), revoked, c.Cert.SerialNumber, "/CN="+c.Cert.Subject.CommonName)
	}
	index := line("V", "", p.Doctor) + line("R", p.RevokedAt.UTC().Format("060102150405Z")+",keyCompromise", p.Revoked)
	os.WriteFile(filepath.Join(dir, "index.txt"), []byte(index), 0o600)
	tests := []struct {
		name   string
		cert   *testpki.Credential
		status Status
		text   string
	}{
		{"good", p.Doctor, Good, ".pem: good"},
		{"revoked", p.Revoked, Revoked, ".pem: revoked"},
		{"unknown", p.Pharmacist, Unknown, ".pem: unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, nonce, err := NewRequest(tc.cert.Cert, p.SignCA.Cert)
			if err != nil {
				t.Fatal(err)
			}
			reqFile, respFile := filepath.Join(dir, tc.name+".req"), filepath.Join(dir, tc.name+".resp")
			os.WriteFile(reqFile, req, 0o600)
			out, err := exec.Command(openssl, "ocsp", "-index", filepath.Join(dir, "index.txt"),
				"-CA", testpki.Path("ca-sign.pem"), "-rsigner", testpki.Path("ocsp.pem"), "-rkey", testpki.Path("ocsp.key"),
				"-reqin", reqFile, "-respout", respFile, "-ndays", "1").CombinedOutput()
			if err != nil {
				t.Fatalf("openssl ocsp responder: %v\n%s", err, out)
			}
			resp, err := os.ReadFile(respFile)
			if err != nil {
				t.Fatal(err)
			}
			info, err := CheckOCSP(resp, tc.cert.Cert, p.SignCA.Cert, nonce)
			if err != nil {
				t.Fatalf("our client rejects OpenSSL's answer: %v", err)
			}
			if info.Status != tc.status || info.Signer.Subject.CommonName != "HPKI TEST OCSP Responder" {
				t.Fatalf("status %s by %s, want %s", info.Status, info.Signer.Subject, tc.status)
			}
			if tc.status == Revoked && !info.RevokedAt.Equal(p.RevokedAt) {
				t.Fatalf("revoked at %s, want %s", info.RevokedAt, p.RevokedAt)
			}
			// Our responder's answer to the same request, read by OpenSSL.
			r := responder(p)
			r.Now = nil // OpenSSL checks the times against its own clock
			if tc.status == Unknown {
				r.Issued = func(s *big.Int) bool { return s.Cmp(p.Pharmacist.Cert.SerialNumber) != 0 }
			}
			ours := filepath.Join(dir, tc.name+".ours")
			os.WriteFile(ours, r.Respond(req), 0o600)
			out, err = exec.Command(openssl, "ocsp", "-respin", ours, "-issuer", testpki.Path("ca-sign.pem"), "-cert", testpki.Path(certFile(p, tc.cert)),
				"-CAfile", testpki.Path("root.pem"), "-verify_other", testpki.Path("ca-sign.pem"), "-no_nonce").CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Response verify OK") || !strings.Contains(string(out), tc.text) {
				t.Fatalf("OpenSSL reading our responder: %v\n%s", err, out)
			}
		})
	}
}

func certFile(p *testpki.PKI, c *testpki.Credential) string {
	switch c {
	case p.Revoked:
		return "revoked.pem"
	case p.Pharmacist:
		return "pharmacist.pem"
	}
	return "doctor.pem"
}
