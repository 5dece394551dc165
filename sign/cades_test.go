package sign

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/internal/testtsa"
	"github.com/hpki-jp/hpki/tsa"
)

var letter = bytes.Repeat([]byte("referral letter 紹介状 "), 2000)

func cred(c *testpki.Credential) Credential {
	return Credential{Signer: c.Key, Certificate: c.Cert, Chain: c.Chain}
}

func testTSA(t testing.TB) *tsa.Client {
	t.Helper()
	p := testpki.MustLoad(t)
	return testtsa.Client(t, p.TSA, p.TSARoot, nil)
}

// countingSigner counts how often the key is used.
type countingSigner struct {
	crypto.Signer
	n atomic.Int32
}

func (c *countingSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	c.n.Add(1)
	return c.Signer.Sign(r, d, o)
}

func TestRefusalsNeverTouchTheKey(t *testing.T) {
	p := testpki.MustLoad(t)
	pharm, _ := hcrole.ParseRequirement("Pharmacist")
	doctor, _ := hcrole.ParseRequirement("医師")
	tests := []struct {
		name  string
		c     *testpki.Credential
		opts  CAdESOptions
		allow bool
		warn  bool
	}{
		{"missing role", p.Doctor, CAdESOptions{RequireRole: pharm}, false, false},
		{"non-HPKI refused", p.NonHPKI, CAdESOptions{}, false, false},
		{"authentication certificate refused", p.DoctorAuth, CAdESOptions{}, false, false},
		{"non-HPKI with role requirement", p.NonHPKI, CAdESOptions{RequireRole: doctor, AllowNonHPKI: true}, false, false},
		{"role present", p.Doctor, CAdESOptions{RequireRole: doctor}, true, false},
		{"non-HPKI allowed with a warning", p.NonHPKI, CAdESOptions{AllowNonHPKI: true}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cs := &countingSigner{Signer: tc.c.Key}
			res, err := SignCAdES(context.Background(), bytes.NewReader(letter), Credential{Signer: cs, Certificate: tc.c.Cert}, tc.opts)
			if !tc.allow {
				if !errors.Is(err, ErrRoleRefused) {
					t.Fatalf("err = %v", err)
				}
				if cs.n.Load() != 0 {
					t.Fatalf("key used %d times for a refused signature", cs.n.Load())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cs.n.Load() != 1 {
				t.Fatalf("key used %d times", cs.n.Load())
			}
			if tc.warn != (len(res.Warnings) > 0) {
				t.Fatalf("warnings %v", res.Warnings)
			}
		})
	}
}

func TestSignedAttributes(t *testing.T) {
	p := testpki.MustLoad(t)
	res, err := SignCAdES(context.Background(), bytes.NewReader(letter), cred(p.Doctor), CAdESOptions{PolicyOID: []int{1, 2, 3, 4}})
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(res.Signature)
	if err != nil {
		t.Fatal(err)
	}
	si := sd.SignerInfos[0]
	for _, oid := range [][]int{cms.OIDContentType, cms.OIDMessageDigest, cms.OIDSigningCertificateV2, cms.OIDSigningTime, cms.OIDSignaturePolicyID} {
		if si.CountSignedAttr(oid) != 1 {
			t.Errorf("signed attribute %v appears %d times", oid, si.CountSignedAttr(oid))
		}
	}
	if sd.Content != nil || len(sd.Certificates) != 2 {
		t.Fatalf("detached=%v certificates=%d", sd.Content == nil, len(sd.Certificates))
	}
}

// OpenSSL accepts our signatures: detached and enveloping, B-B and B-T,
// RSA PKCS#1 v1.5, RSA-PSS and ECDSA; it prints signingCertificateV2, and
// `openssl ts -verify` accepts the signature timestamp.
func TestOpenSSLAcceptsOurCAdES(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	docFile := filepath.Join(dir, "letter.txt")
	os.WriteFile(docFile, letter, 0o600)
	ts := testTSA(t)
	tests := []struct {
		name string
		c    *testpki.Credential
		opts CAdESOptions
	}{
		{"detached B-B RSA", p.Doctor, CAdESOptions{}},
		{"enveloping B-B RSA", p.Doctor, CAdESOptions{Packaging: Enveloping}},
		{"detached B-T RSA", p.Doctor, CAdESOptions{Level: LevelT, TSA: ts}},
		{"enveloping B-T RSA", p.Doctor, CAdESOptions{Level: LevelT, TSA: ts, Packaging: Enveloping}},
		{"detached B-B RSA-PSS", p.Doctor, CAdESOptions{PSS: true}},
		{"detached B-T ECDSA SHA-384", p.DoctorEC, CAdESOptions{Level: LevelT, TSA: ts, Hash: crypto.SHA384}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := SignCAdES(context.Background(), bytes.NewReader(letter), cred(tc.c), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			sigFile := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".p7s")
			os.WriteFile(sigFile, res.Signature, 0o600)
			args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile, "-CAfile", testpki.Path("root.pem"), "-purpose", "any", "-out", filepath.Join(dir, "out")}
			if tc.opts.Packaging != Enveloping {
				args = append(args, "-content", docFile)
			}
			if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil || !strings.Contains(string(out), "Verification successful") {
				t.Fatalf("openssl cms -verify: %v\n%s", err, out)
			}
			if tc.opts.Packaging == Enveloping {
				if got, _ := os.ReadFile(filepath.Join(dir, "out")); !bytes.Equal(got, letter) {
					t.Fatal("openssl extracted other content")
				}
			}
			out, err := exec.Command(openssl, "cms", "-cmsout", "-print", "-inform", "DER", "-in", sigFile).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "id-smime-aa-signingCertificateV2") {
				t.Fatalf("cmsout -print lacks signingCertificateV2: %v\n%.2000s", err, out)
			}
			if tc.opts.Level != LevelT {
				return
			}
			// openssl ts -verify on the token, with the data = signature value.
			sd, _ := cms.Parse(res.Signature)
			si := sd.SignerInfos[0]
			tok := si.UnsignedAttr(cms.OIDSignatureTimeStamp)[0].Values[0].FullBytes
			tokFile, valFile := filepath.Join(dir, "tok"), filepath.Join(dir, "val")
			os.WriteFile(tokFile, tok, 0o600)
			os.WriteFile(valFile, si.Signature, 0o600)
			out, err = exec.Command(openssl, "ts", "-verify", "-token_in", "-in", tokFile, "-data", valFile, "-CAfile", testpki.Path("tsa-root.pem")).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verification: OK") {
				t.Fatalf("openssl ts -verify: %v\n%s", err, out)
			}
			// And the token does not verify over other data.
			os.WriteFile(valFile, append(si.Signature, 0), 0o600)
			if out, err := exec.Command(openssl, "ts", "-verify", "-token_in", "-in", tokFile, "-data", valFile, "-CAfile", testpki.Path("tsa-root.pem")).CombinedOutput(); err == nil {
				t.Fatalf("openssl accepted the token over other data: %s", out)
			}
			_ = i
		})
	}
}

// zeroReader yields n zero bytes without holding them.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > z.n {
		p = p[:z.n]
	}
	clear(p)
	z.n -= int64(len(p))
	return len(p), nil
}

// Detached content is hashed as a stream: signing 256 MB allocates far less
// than the content.
func TestDetachedContentIsStreamed(t *testing.T) {
	p := testpki.MustLoad(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := SignCAdES(context.Background(), &zeroReader{n: 256 << 20}, cred(p.Doctor), CAdESOptions{}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Fatalf("signing 256 MB allocated %d MB", alloc>>20)
	}
}

func TestAddTimestampKeepsSignedBytes(t *testing.T) {
	p := testpki.MustLoad(t)
	res, err := SignCAdES(context.Background(), bytes.NewReader(letter), cred(p.Doctor), CAdESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ext, err := AddTimestamp(context.Background(), res.Signature, testTSA(t))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := cms.Parse(res.Signature)
	b, _ := cms.Parse(ext)
	if !bytes.Equal(a.SignerInfos[0].SignedAttrsRaw, b.SignerInfos[0].SignedAttrsRaw) || !bytes.Equal(a.SignerInfos[0].Signature, b.SignerInfos[0].Signature) {
		t.Fatal("signed bytes changed")
	}
	if len(b.SignerInfos[0].UnsignedAttr(cms.OIDSignatureTimeStamp)) != 1 {
		t.Fatal("no timestamp added")
	}
}

func BenchmarkSignCAdES(b *testing.B) {
	b.ReportAllocs()
	p := testpki.MustLoad(b)
	doc := bytes.Repeat([]byte("x"), 50<<10)
	b.SetBytes(int64(len(doc)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := SignCAdES(context.Background(), bytes.NewReader(doc), cred(p.Doctor), CAdESOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}
