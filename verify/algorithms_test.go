package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/beevik/etree"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/xmlsig"
)

// SHA-3 digests and RSASSA-PSS: CMS made by OpenSSL (SHA3-256 with
// PKCS#1 v1.5, SHA-256 with PSS) verify, and a changed content fails.
func TestSHA3AndPSSFromOpenSSL(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	content := filepath.Join(dir, "doc.txt")
	os.WriteFile(content, doc, 0o600)
	leaf := filepath.Join(dir, "doctor.pem")
	os.WriteFile(leaf, pemBytes(p.Doctor.Cert.Raw), 0o600)
	for name, args := range map[string][]string{
		"sha3-256":    {"-md", "sha3-256"},
		"sha256, PSS": {"-md", "sha256", "-keyopt", "rsa_padding_mode:pss"},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, "sig.p7s")
			cmd := exec.Command(openssl, append([]string{"cms", "-sign", "-binary", "-cades", "-in", content, "-signer", leaf,
				"-inkey", testpki.Path("doctor.key"), "-certfile", testpki.Path("ca-sign.pem"), "-outform", "DER", "-out", out}, args...)...)
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("openssl cms -sign: %v\n%s", err, msg)
			}
			sig, _ := os.ReadFile(out)
			for _, tc := range []struct {
				content []byte
				ind     Indication
			}{{doc, TotalPassed}, {append(bytes.Clone(doc), '!'), TotalFailed}} {
				r, err := New(opts(t)).VerifyCAdES(context.Background(), sig, bytes.NewReader(tc.content), "doc.txt")
				if err != nil {
					t.Fatal(err)
				}
				if r.Indication != tc.ind {
					t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
				}
			}
		})
	}
}

// XML: the rsa-sha256-MGF1 (RSASSA-PSS) SignatureMethod and a SHA3-256
// DigestMethod verify; the PSS value under the PKCS#1 v1.5 method, or a
// changed document, fails.
func TestXMLPSSAndSHA3(t *testing.T) {
	p := testpki.MustLoad(t)
	signed := xmlsecSign(t, dsigTemplate("", tEnvelope+tExcC14N, ""))
	build := func(method string, pss bool, change string) []byte {
		return edit(t, signed, func(d *etree.Document) {
			if change != "" {
				d.FindElement("//Note").SetText(change)
			}
			sig := d.FindElement("//Signature")
			ref := sig.FindElement("SignedInfo/Reference")
			ref.FindElement("DigestMethod").CreateAttr("Algorithm", xmlsig.AlgSHA3_256)
			var buf bytes.Buffer
			if err := xmlsig.ReferenceData(&buf, d, d.Root(), sig, true, xmlsig.AlgExcC14N, ""); err != nil {
				t.Fatal(err)
			}
			h := crypto.SHA3_256.New()
			h.Write(buf.Bytes())
			ref.FindElement("DigestValue").SetText(base64.StdEncoding.EncodeToString(h.Sum(nil)))
			si := sig.FindElement("SignedInfo")
			si.FindElement("SignatureMethod").CreateAttr("Algorithm", method)
			canon, err := xmlsig.Canonicalize(si, xmlsig.AlgExcC14N, "")
			if err != nil {
				t.Fatal(err)
			}
			sum := crypto.SHA256.New()
			sum.Write(canon)
			var v []byte
			if pss {
				v, err = rsa.SignPSS(rand.Reader, p.Doctor.Key.(*rsa.PrivateKey), crypto.SHA256, sum.Sum(nil), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
			} else {
				v, err = p.Doctor.Key.Sign(rand.Reader, sum.Sum(nil), crypto.SHA256)
			}
			if err != nil {
				t.Fatal(err)
			}
			sig.FindElement("SignatureValue").SetText(base64.StdEncoding.EncodeToString(v))
		})
	}
	for _, tc := range []struct {
		name string
		doc  []byte
		ind  Indication
	}{
		{"PSS, SHA3-256 digest", build(xmlsig.AlgRSAPSSSHA256, true, ""), TotalPassed},
		{"PKCS#1 v1.5, SHA3-256 digest", build(xmlsig.AlgRSASHA256, false, ""), TotalPassed},
		{"PSS value under the PKCS#1 v1.5 method", build(xmlsig.AlgRSASHA256, true, ""), TotalFailed},
		{"PKCS#1 v1.5 value under the PSS method", build(xmlsig.AlgRSAPSSSHA256, false, ""), TotalFailed},
	} {
		r := verifyXML(t, tc.doc, nil, nil)
		if r.Indication != tc.ind {
			t.Errorf("%s: %s/%s %v", tc.name, r.Indication, r.SubIndication, r.Signatures[0].Errors)
		}
	}
	// A change after signing (the SHA3 digest no longer matches).
	changed := bytes.Replace(build(xmlsig.AlgRSAPSSSHA256, true, ""), []byte("a note"), []byte("a forged note"), 1)
	if r := verifyXML(t, changed, nil, nil); r.Indication != TotalFailed || r.SubIndication != HashFailure {
		t.Errorf("changed: %s/%s", r.Indication, r.SubIndication)
	}
}

func pemBytes(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
