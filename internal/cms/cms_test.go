package cms

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// opensslSign makes a CMS signature of data with OpenSSL and the test doctor.
func opensslSign(t *testing.T, data []byte, extra ...string) []byte {
	t.Helper()
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out")
	os.WriteFile(in, data, 0o600)
	args := append([]string{"cms", "-sign", "-binary", "-md", "sha256", "-in", in, "-out", out, "-outform", "DER",
		"-signer", testpki.Path("doctor.pem"), "-inkey", testpki.Path("doctor.key"), "-certfile", testpki.Path("chain-sign.pem")}, extra...)
	if b, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, b)
	}
	der, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestParseOpenSSLSignatures(t *testing.T) {
	p := testpki.MustLoad(t)
	data := bytes.Repeat([]byte("referral letter "), 4096)
	tests := []struct {
		name     string
		args     []string
		detached bool
	}{
		{"detached", nil, true},
		{"enveloping", []string{"-nodetach"}, false},
		{"enveloping streamed BER", []string{"-nodetach", "-stream"}, false},
		{"cades detached", []string{"-cades"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			der := opensslSign(t, data, tc.args...)
			sd, err := Parse(der)
			if err != nil {
				t.Fatal(err)
			}
			if tc.detached != (sd.Content == nil) {
				t.Fatalf("detached=%v but content %d bytes", tc.detached, len(sd.Content))
			}
			if !tc.detached && !bytes.Equal(sd.Content, data) {
				t.Fatal("content differs")
			}
			if len(sd.SignerInfos) != 1 {
				t.Fatalf("%d signer infos", len(sd.SignerInfos))
			}
			si := &sd.SignerInfos[0]
			certs, err := sd.X509Certificates()
			if err != nil {
				t.Fatal(err)
			}
			signer := CertificateFor(si.SID, certs)
			if signer == nil || !signer.Equal(p.Doctor.Cert) {
				t.Fatal("signer certificate not found by sid")
			}
			md, err := OctetStringValue(si.SignedAttr(OIDMessageDigest))
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(data); !bytes.Equal(md, sum[:]) {
				t.Fatal("message digest differs")
			}
			h, _ := HashFromOID(si.DigestAlgorithm.Algorithm)
			d := h.New()
			d.Write(si.SignedAttrsForSignature())
			if err := VerifySignature(signer.PublicKey, si.SignatureAlgorithm, h, d.Sum(nil), si.Signature); err != nil {
				t.Fatal(err)
			}
			if tc.name == "cades detached" {
				if _, err := CheckSigningCertificate(si.SignedAttr(OIDSigningCertificateV2), signer); err != nil {
					t.Fatal(err)
				}
			}
			// Re-encoding keeps the signed bytes: parse again and compare.
			re, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			sd2, err := Parse(re)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(sd2.SignerInfos[0].SignedAttrsRaw, si.SignedAttrsRaw) || !bytes.Equal(sd2.SignerInfos[0].Signature, si.Signature) {
				t.Fatal("re-encoding changed signed bytes")
			}
			if !tc.detached && tc.name != "enveloping streamed BER" && !bytes.Equal(re, der) {
				t.Fatal("DER input did not re-encode identically")
			}
		})
	}
}

func TestBuildAndVerify(t *testing.T) {
	p := testpki.MustLoad(t)
	for _, tc := range []struct {
		name string
		cred *testpki.Credential
		hash crypto.Hash
		pss  bool
	}{
		{"rsa sha256", p.Doctor, crypto.SHA256, false},
		{"rsa sha512", p.Doctor, crypto.SHA512, false},
		{"rsa pss", p.Doctor, crypto.SHA256, true},
		{"ecdsa", p.DoctorEC, crypto.SHA256, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, _ := NewAttribute(OIDContentType, OIDData)
			st, _ := SigningTimeAttr(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
			sc, _ := SigningCertificateV2Attr(tc.cred.Cert, tc.hash)
			si, err := NewSignerInfo(tc.cred.Key, tc.cred.Cert, []Attribute{ct, st, sc}, SignOptions{Hash: tc.hash, PSS: tc.pss})
			if err != nil {
				t.Fatal(err)
			}
			d := tc.hash.New()
			d.Write(si.SignedAttrsForSignature())
			if err := VerifySignature(tc.cred.Cert.PublicKey, si.SignatureAlgorithm, tc.hash, d.Sum(nil), si.Signature); err != nil {
				t.Fatal(err)
			}
			if _, err := CheckSigningCertificate(si.SignedAttr(OIDSigningCertificateV2), tc.cred.Cert); err != nil {
				t.Fatal(err)
			}
			if _, err := CheckSigningCertificate(si.SignedAttr(OIDSigningCertificateV2), p.Pharmacist.Cert); err == nil {
				t.Fatal("signing certificate attribute matched another certificate")
			}
			got, err := SigningTime(si.SignedAttr(OIDSigningTime))
			if err != nil || !got.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
				t.Fatalf("signing time %v %v", got, err)
			}
			d.Write([]byte("x"))
			if err := VerifySignature(tc.cred.Cert.PublicKey, si.SignatureAlgorithm, tc.hash, d.Sum(nil), si.Signature); err == nil {
				t.Fatal("signature verified over other data")
			}
		})
	}
}

func TestParseHostile(t *testing.T) {
	good := opensslSign(t, []byte("x"), "-nodetach")
	for name, in := range map[string][]byte{
		"empty":        {},
		"garbage":      []byte("hello world"),
		"truncated":    good[:len(good)/2],
		"trailing":     append(append([]byte{}, good...), 1, 2, 3),
		"not signed":   {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x00},
		"deep nesting": bytes.Repeat([]byte{0x30, 0x80}, 200),
		"bad length":   {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x00},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse(in); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	p := testpki.MustLoad(f)
	ct, _ := NewAttribute(OIDContentType, OIDData)
	si, _ := NewSignerInfo(p.Doctor.Key, p.Doctor.Cert, []Attribute{ct}, SignOptions{Hash: crypto.SHA256})
	sd := &SignedData{Version: 1, ContentType: OIDData, Content: []byte("hi"), Certificates: [][]byte{p.Doctor.Cert.Raw}, SignerInfos: []SignerInfo{*si}}
	der, _ := sd.Marshal()
	f.Add(der)
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) {
		sd, err := Parse(in)
		if err != nil {
			return
		}
		if _, err := sd.Marshal(); err != nil {
			t.Fatalf("parsed but does not re-encode: %v", err)
		}
		sd.X509Certificates()
	})
}
