// Package testats builds CAdES archive-time-stamp-v2 test vectors with
// tools independent of hpki: OpenSSL signs (openssl cms -sign) and
// timestamps (openssl ts -reply), and testdata/tools/atsv2.py (Python
// standard library only) computes the message imprint over the file's
// own encodings and inserts unsigned attributes without re-encoding
// anything else. hpki's parsers and hash code are not used, so a test
// built with it checks hpki against a second reading of ETSI TS 101 733.
//
// TEST ONLY: nothing here is used by the library itself.
package testats

import (
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// Script is the path of the independent imprint builder.
func Script() string { return filepath.Join(testpki.Dir(), "..", "tools", "atsv2.py") }

// Tools holds the peers and a scratch directory.
type Tools struct {
	tb      testing.TB
	dir     string
	python  string
	openssl string
	n       int
}

// New finds python3 and openssl (a missing one fails the test in CI).
func New(tb testing.TB) *Tools {
	tb.Helper()
	return &Tools{
		tb:      tb,
		dir:     tb.TempDir(),
		python:  peer.Require(tb, "python3", "apt-get install python3"),
		openssl: peer.Require(tb, "openssl", "apt-get install openssl"),
	}
}

// File writes data to a new scratch file and returns its path.
func (x *Tools) File(data []byte) string {
	x.tb.Helper()
	x.n++
	p := filepath.Join(x.dir, "f"+strconv.Itoa(x.n))
	if err := os.WriteFile(p, data, 0o600); err != nil {
		x.tb.Fatal(err)
	}
	return p
}

// PEM writes certificates (and a PKCS#8 key when key is not nil) as PEM.
func (x *Tools) PEM(key crypto.Signer, certs ...*x509.Certificate) string {
	x.tb.Helper()
	var out []byte
	if key != nil {
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			x.tb.Fatal(err)
		}
		out = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return x.File(out)
}

func (x *Tools) run(prog string, args ...string) []byte {
	x.tb.Helper()
	out, err := exec.Command(prog, args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		x.tb.Fatalf("%s %v: %v\n%s", filepath.Base(prog), args, err, msg)
	}
	return out
}

// Sign makes a CAdES-B with openssl cms -sign -cades (SHA-256) over
// content: detached DER, or enveloping BER with indefinite lengths
// (-stream) when ber.
func (x *Tools) Sign(content []byte, certPEM, keyPEM, chainPEM string, ber bool) []byte {
	x.tb.Helper()
	out := filepath.Join(x.dir, "sig"+strconv.Itoa(x.n))
	args := []string{"cms", "-sign", "-cades", "-binary", "-md", "sha256", "-in", x.File(content),
		"-signer", certPEM, "-inkey", keyPEM, "-certfile", chainPEM, "-outform", "DER", "-out", out}
	if ber {
		args = append(args, "-nodetach", "-stream")
	}
	x.run(x.openssl, args...)
	sig, err := os.ReadFile(out)
	if err != nil {
		x.tb.Fatal(err)
	}
	return sig
}

// Imprint returns the SHA-256 archive-time-stamp-v2 imprint of sig (for a
// token added now, covering every unsigned attribute of the first
// signer); content is the detached content (nil when enveloped); bare
// selects the v1.8.x Annex K reading (no [1] tag over the attributes).
func (x *Tools) Imprint(sig, content []byte, bare bool) []byte {
	x.tb.Helper()
	args := []string{Script(), "imprint", x.File(sig)}
	if content != nil {
		args = append(args, "--content", x.File(content))
	}
	if bare {
		args = append(args, "--bare")
	}
	d, err := hex.DecodeString(strings.TrimSpace(string(x.run(x.python, args...))))
	if err != nil || len(d) != 32 {
		x.tb.Fatalf("imprint %q: %v", d, err)
	}
	return d
}

// Add inserts an unsigned attribute (oid, one DER value) into the first
// signer of sig: appended when at < 0, else before the at-th attribute.
func (x *Tools) Add(sig []byte, oid string, value []byte, at int) []byte {
	x.tb.Helper()
	out := filepath.Join(x.dir, "add"+strconv.Itoa(x.n))
	args := []string{Script(), "add", x.File(sig), oid, x.File(value), out}
	if at >= 0 {
		args = append(args, "--at", strconv.Itoa(at))
	}
	x.run(x.python, args...)
	b, err := os.ReadFile(out)
	if err != nil {
		x.tb.Fatal(err)
	}
	return b
}

// Token has openssl ts -reply sign a SHA-256 digest with the TSA whose
// certificate and key are the PEM files tsaCert and tsaKey (genTime: the
// current time). It returns the DER TimeStampToken.
func (x *Tools) Token(digest []byte, tsaCert, tsaKey string) []byte {
	x.tb.Helper()
	serial := x.File([]byte("01\n"))
	conf := x.File([]byte("[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = " + serial + "\nsigner_cert = " + tsaCert +
		"\nsigner_key = " + tsaKey + "\nsigner_digest = sha256\ndefault_policy = 1.3.6.1.4.1.32473.3161.2\ndigests = sha256\ness_cert_id_alg = sha256\n"))
	q := filepath.Join(x.dir, "q"+strconv.Itoa(x.n))
	tok := filepath.Join(x.dir, "tok"+strconv.Itoa(x.n))
	x.run(x.openssl, "ts", "-query", "-digest", hex.EncodeToString(digest), "-sha256", "-cert", "-out", q)
	x.run(x.openssl, "ts", "-reply", "-config", conf, "-queryfile", q, "-token_out", "-out", tok)
	b, err := os.ReadFile(tok)
	if err != nil {
		x.tb.Fatal(err)
	}
	return b
}
