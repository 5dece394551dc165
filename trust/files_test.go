package trust_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/trust"
)

// Certificate files as OpenSSL and everyday tools write them are read:
// text before the blocks, trust settings after the certificate, DER with a
// trailing newline, PKCS#7 bundles. Each must yield exactly the
// certificates it holds, and files without one still fail.
func TestEverydayCertificateFilesFromOpenSSL(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	leaf, chain := testpki.Path("doctor.pem"), testpki.Path("chain-sign.pem")
	run := func(out string, args ...string) string {
		t.Helper()
		path := filepath.Join(dir, out)
		cmd := exec.Command(openssl, args...)
		res, err := cmd.Output()
		if err != nil {
			t.Fatalf("openssl %v: %v", args, err)
		}
		if err := os.WriteFile(path, res, 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	run("doctor.cer", "x509", "-in", leaf, "-outform", "DER")
	der, _ := os.ReadFile(filepath.Join(dir, "doctor.cer"))
	os.WriteFile(filepath.Join(dir, "doctor-nl.crt"), append(bytes.Clone(der), '\r', '\n'), 0o600)
	os.WriteFile(filepath.Join(dir, "two.der"), append(bytes.Clone(der), der...), 0o600)
	run("doctor-text.pem", "x509", "-in", leaf, "-text")
	run("root-trusted.pem", "x509", "-in", testpki.Path("root.pem"), "-trustout", "-addtrust", "anyExtendedKeyUsage")
	run("root-rejected.pem", "x509", "-in", testpki.Path("root.pem"), "-trustout", "-addreject", "emailProtection")
	run("chain.p7b", "crl2pkcs7", "-nocrl", "-certfile", leaf, "-outform", "DER")
	run("chain-p7b.pem", "crl2pkcs7", "-nocrl", "-certfile", leaf)
	// openssl pkcs12 -nokeys writes "Bag Attributes" before each block.
	p12 := filepath.Join(dir, "doctor.p12")
	if out, err := exec.Command(openssl, "pkcs12", "-export", "-in", leaf, "-inkey", testpki.Path("doctor.key"),
		"-certfile", chain, "-passout", "pass:test", "-out", p12).CombinedOutput(); err != nil {
		t.Fatalf("openssl pkcs12 -export: %v\n%s", err, out)
	}
	run("bags.pem", "pkcs12", "-in", p12, "-nokeys", "-passin", "pass:test")
	// openssl ca output: the text dump, then the certificate.
	caText := run("ca-style.pem", "x509", "-in", chain, "-text")
	run("crl-text.pem", "crl", "-in", testpki.Path("ca-sign.crl.pem"), "-text")

	tests := []struct {
		file string
		want int // certificates; 0: an error
	}{
		{"doctor.cer", 1},
		{"doctor-nl.crt", 1},
		{"two.der", 2},
		{"doctor-text.pem", 1},
		{"root-trusted.pem", 1},
		{"chain.p7b", 2},
		{"chain-p7b.pem", 2},
		{"bags.pem", 3},
		{filepath.Base(caText), 1},
		{"crl-text.pem", 0}, // a CRL is no certificate
	}
	if _, err := trust.ReadFile(filepath.Join(dir, "root-rejected.pem")); err == nil || !strings.Contains(err.Error(), "rejected") {
		t.Errorf("a certificate its file marks as rejected was read: %v", err)
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			certs, err := trust.ReadFile(filepath.Join(dir, tc.file))
			if tc.want == 0 {
				if err == nil || !errors.Is(err, trust.ErrNotCertificate) {
					t.Fatalf("read %d certificates, err %v; want ErrNotCertificate", len(certs), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(certs) != tc.want {
				t.Fatalf("got %d certificates, want %d", len(certs), tc.want)
			}
		})
	}
	// The certificate of the text form is the one the file holds.
	certs, _ := trust.ReadFile(filepath.Join(dir, "doctor-text.pem"))
	want, _ := trust.ReadFile(leaf)
	if !certs[0].Equal(want[0]) {
		t.Fatal("the text form yielded another certificate")
	}
	// CRLs: the text form and DER with a trailing newline.
	crlDER, _ := os.ReadFile(testpki.Path("ca-sign.crl"))
	for name, data := range map[string][]byte{
		"text": mustRead(t, filepath.Join(dir, "crl-text.pem")),
		"der":  append(bytes.Clone(crlDER), '\n'),
	} {
		crls, err := revocation.ParseCRLFile(data)
		if err != nil || len(crls) != 1 {
			t.Errorf("CRL %s: %d CRLs, %v", name, len(crls), err)
		}
	}
	if _, err := revocation.ParseCRLFile(mustRead(t, leaf)); err == nil {
		t.Error("a certificate file read as a CRL")
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The negative side of the lenient reading: damaged certificates inside the
// tolerated wrappers still fail, and trailing bytes that are not padding
// are refused.
func TestEverydayCertificateFilesStillRefuseDamage(t *testing.T) {
	data := mustRead(t, testpki.Path("root.pem"))
	block, _ := pem.Decode(data)
	bad := bytes.Clone(block.Bytes)
	bad[len(bad)/2] ^= 0xff
	corrupt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: bad[:len(bad)-10]})
	for name, in := range map[string][]byte{
		"text then truncated block": append([]byte("Certificate:\n    Data:\n"), corrupt...),
		"der then junk":             append(bytes.Clone(block.Bytes), 'x', 'y'),
		"der then half a cert":      append(bytes.Clone(block.Bytes), block.Bytes[:50]...),
		"only text":                 []byte("Bag Attributes\n    localKeyID: 01\nsubject=/CN=x\n"),
		"key block after text":      []byte("Key Attributes\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
	} {
		if certs, err := trust.ParseCertificates(in); err == nil {
			t.Errorf("%s: read %d certificates", name, len(certs))
		}
	}
}

// newCert issues a certificate for tests of anchor rules.
func newCert(t *testing.T, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

// An anchor is a name and a key (RFC 5280 §6.1.1 d): a self-signed anchor
// without basicConstraints serves, with a warning. Everything else about
// CA-ness stays strict.
func TestAnchorWithoutBasicConstraints(t *testing.T) {
	from := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl := func(serial int64, cn string, ca, bc bool) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: from, NotAfter: from.AddDate(20, 0, 0),
			BasicConstraintsValid: bc, IsCA: ca,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		}
	}
	bare, bareKey := newCert(t, tmpl(1, "bare root", false, false), nil, nil)
	notCA, notCAKey := newCert(t, tmpl(2, "root saying cA=false", false, true), nil, nil)
	leafOf := func(parent *x509.Certificate, key *ecdsa.PrivateKey) *x509.Certificate {
		c, _ := newCert(t, tmpl(10, "leaf", false, true), parent, key)
		return c
	}
	bareInter, bareInterKey := newCert(t, tmpl(3, "intermediate without basicConstraints", false, false), bare, bareKey)
	goodInter, goodInterKey := newCert(t, tmpl(4, "intermediate", true, true), bare, bareKey)
	// An anchor without basicConstraints that is not self-signed.
	issuedBare, issuedBareKey := newCert(t, tmpl(5, "issued, no basicConstraints", false, false), goodInter, goodInterKey)

	tests := []struct {
		name    string
		anchor  *x509.Certificate
		leaf    *x509.Certificate
		extra   []*x509.Certificate
		ok      bool
		warning bool
	}{
		{"bare self-signed anchor", bare, leafOf(bare, bareKey), nil, true, true},
		{"through a proper intermediate", bare, leafOf(goodInter, goodInterKey), []*x509.Certificate{goodInter}, true, true},
		{"intermediate without basicConstraints", bare, leafOf(bareInter, bareInterKey), []*x509.Certificate{bareInter}, false, false},
		{"anchor saying cA=false", notCA, leafOf(notCA, notCAKey), nil, false, false},
		{"bare anchor not self-signed", issuedBare, leafOf(issuedBare, issuedBareKey), nil, false, false},
		{"another root's leaf", bare, leafOf(notCA, notCAKey), nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := trust.New([]*x509.Certificate{tc.anchor}, nil)
			chains, err := s.Verify(tc.leaf, tc.extra, at)
			if (err == nil) != tc.ok {
				t.Fatalf("verify: %v, want ok=%v", err, tc.ok)
			}
			if !tc.ok {
				return
			}
			end := chains[0][len(chains[0])-1]
			if !end.Equal(tc.anchor) {
				t.Fatalf("path ends at %s", end.Subject)
			}
			if w := s.AnchorWarning(end); (w != "") != tc.warning || (w != "" && !strings.Contains(w, "basicConstraints")) {
				t.Fatalf("warning %q, want one: %v", w, tc.warning)
			}
		})
	}
	// The store's own copy of the anchor is untouched.
	if bare.BasicConstraintsValid || bare.IsCA {
		t.Fatal("the caller's certificate was changed")
	}
	if w := trust.Default().AnchorWarning(bare); w != "" {
		t.Fatalf("a store warned about a certificate it does not hold: %q", w)
	}
}
