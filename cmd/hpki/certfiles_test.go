package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// Certificate files as OpenSSL writes them work wherever a certificate is
// read, and a root made by `openssl x509 -req` without extensions (no
// basicConstraints, like many test TSA roots) is an anchor with a warning,
// while an intermediate without basicConstraints still fails.
func TestCLIEverydayCertificateFilesAndBareAnchors(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	ossl := func(args ...string) {
		t.Helper()
		cmd := exec.Command(openssl, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	// Everyday forms of the doctor's certificate.
	ossl("x509", "-in", testpki.Path("doctor.pem"), "-outform", "DER", "-out", "doctor.cer")
	ossl("x509", "-in", testpki.Path("doctor.pem"), "-text", "-out", "doctor-text.pem")
	ossl("x509", "-in", testpki.Path("root.pem"), "-outform", "DER", "-out", "root.crt")
	ossl("x509", "-in", testpki.Path("ca-sign.pem"), "-text", "-out", "ca-sign-text.pem")
	for _, f := range []string{"doctor.cer", "doctor-text.pem"} {
		if code, out, errOut := runCLI(t, "cert", "inspect", filepath.Join(dir, f)); code != 0 || !strings.Contains(out, "TEST DOCTOR Taro") {
			t.Errorf("cert inspect %s: exit %d\n%s%s", f, code, out, errOut)
		}
	}
	if code, out, errOut := runCLI(t, "cert", "verify", filepath.Join(dir, "doctor.cer"), "--trust", filepath.Join(dir, "root.crt"),
		"--intermediates", filepath.Join(dir, "ca-sign-text.pem")); code != 0 {
		t.Errorf("cert verify with DER and text files: exit %d\n%s%s", code, out, errOut)
	}

	// A bare root (openssl x509 -req without extensions), an intermediate
	// without basicConstraints, and leaves under each.
	cfg := filepath.Join(dir, "ext.cnf")
	os.WriteFile(cfg, []byte("[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\n[leaf]\nkeyUsage=digitalSignature\n[none]\nkeyUsage=keyCertSign,digitalSignature\n[v3root]\nsubjectKeyIdentifier=hash\nkeyUsage=keyCertSign,cRLSign\n"), 0o600)
	key := func(name string) {
		ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name+".key")
	}
	csr := func(name string) { ossl("req", "-new", "-key", name+".key", "-subj", "/CN="+name, "-out", name+".csr") }
	for _, n := range []string{"bare-root", "inter", "bare-inter", "leaf", "leaf2"} {
		key(n)
		csr(n)
	}
	// A v3 root with extensions but no basicConstraints (a v1 root was
	// always accepted; this one was refused before).
	ossl("x509", "-req", "-in", "bare-root.csr", "-signkey", "bare-root.key", "-days", "3650", "-extfile", cfg, "-extensions", "v3root", "-out", "bare-root.pem")
	issue := func(name, ca, section string) {
		ossl("x509", "-req", "-in", name+".csr", "-CA", ca+".pem", "-CAkey", ca+".key", "-CAcreateserial", "-days", "365",
			"-extfile", cfg, "-extensions", section, "-out", name+".pem")
	}
	issue("inter", "bare-root", "ca")
	issue("bare-inter", "bare-root", "none")
	issue("leaf", "inter", "leaf")
	issue("leaf2", "bare-inter", "leaf")
	if out, _ := exec.Command(openssl, "x509", "-in", filepath.Join(dir, "bare-root.pem"), "-noout", "-text").Output(); strings.Contains(string(out), "Basic Constraints") || !strings.Contains(string(out), "Version: 3") {
		t.Fatal("the test needs a v3 root without basicConstraints")
	}
	bareRoot := filepath.Join(dir, "bare-root.pem")
	code, out, errOut := runCLI(t, "cert", "verify", filepath.Join(dir, "leaf.pem"), "--trust", bareRoot,
		"--intermediates", filepath.Join(dir, "inter.pem"), "--allow-non-hpki")
	if code != 0 || !strings.Contains(errOut, "no basicConstraints") {
		t.Errorf("leaf under a bare root: exit %d, stderr %q\n%s", code, errOut, out)
	}
	if code, out, errOut := runCLI(t, "cert", "verify", filepath.Join(dir, "leaf2.pem"), "--trust", bareRoot,
		"--intermediates", filepath.Join(dir, "bare-inter.pem"), "--allow-non-hpki"); code != 1 {
		t.Errorf("intermediate without basicConstraints accepted: exit %d\n%s%s", code, out, errOut)
	}
	// openssl agrees on both.
	if out, err := exec.Command(openssl, "verify", "-CAfile", bareRoot, "-untrusted", filepath.Join(dir, "inter.pem"), filepath.Join(dir, "leaf.pem")).CombinedOutput(); err != nil {
		t.Errorf("openssl refuses the bare root: %s", out)
	}
	if out, err := exec.Command(openssl, "verify", "-CAfile", bareRoot, "-untrusted", filepath.Join(dir, "bare-inter.pem"), filepath.Join(dir, "leaf2.pem")).CombinedOutput(); err == nil {
		t.Errorf("openssl accepts the bare intermediate: %s", out)
	}
}
