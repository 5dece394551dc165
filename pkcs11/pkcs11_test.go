//go:build cgo

package pkcs11

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	p11 "github.com/miekg/pkcs11"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/softhsm"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

// countingAPI wraps the binding and counts C_Login calls.
type countingAPI struct {
	*p11.Ctx
	logins atomic.Int32
}

func (c *countingAPI) Login(sh p11.SessionHandle, userType uint, pin string) error {
	c.logins.Add(1)
	return c.Ctx.Login(sh, userType, pin)
}

// card provisions a SoftHSM2 token with the test doctor and opens it.
func card(t *testing.T, alwaysAuth bool) (*Module, *countingAPI, TokenInfo) {
	t.Helper()
	p := testpki.MustLoad(t)
	module := softhsm.NewToken(t, softhsm.TokenLabel)
	softhsm.Import(t, module, softhsm.TokenLabel, p.Doctor, []byte{1, 2, 3}, alwaysAuth)
	ctx := p11.New(module)
	if ctx == nil {
		t.Fatal("cannot load SoftHSM2")
	}
	api := &countingAPI{Ctx: ctx}
	m, err := open(module, api)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	tok, err := m.FindToken(softhsm.TokenLabel, "")
	if err != nil {
		t.Fatal(err)
	}
	return m, api, tok
}

func pinFunc(pin string, calls *int) PINFunc {
	return func(PINRequest) ([]byte, error) {
		*calls++
		return []byte(pin), nil
	}
}

func TestSignOnSoftHSM(t *testing.T) {
	p := testpki.MustLoad(t)
	for _, alwaysAuth := range []bool{false, true} {
		name := "session login"
		if alwaysAuth {
			name = "CKA_ALWAYS_AUTHENTICATE"
		}
		t.Run(name, func(t *testing.T) {
			m, api, tok := card(t, alwaysAuth)
			prompts := 0
			s, err := m.OpenSigner(SignerOptions{Token: tok, PIN: pinFunc(softhsm.UserPIN, &prompts)})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if !s.Certificate().Equal(p.Doctor.Cert) || len(s.Chain()) != 1 || s.AlwaysAuthenticate() != alwaysAuth {
				t.Fatalf("cert %s chain %d alwaysAuth %v", s.Certificate().Subject, len(s.Chain()), s.AlwaysAuthenticate())
			}
			for i := 0; i < 3; i++ {
				sum := sha256.Sum256([]byte{byte(i)})
				sig, err := s.Sign(rand.Reader, sum[:], crypto.SHA256)
				if err != nil {
					t.Fatal(err)
				}
				if err := rsa.VerifyPKCS1v15(p.Doctor.Cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig); err != nil {
					t.Fatal(err)
				}
			}
			want := int32(1) // one session login
			if alwaysAuth {
				want = 4 // plus one context-specific login per signature
			}
			if api.logins.Load() != want || int32(prompts) != want {
				t.Fatalf("logins %d prompts %d, want %d", api.logins.Load(), prompts, want)
			}
		})
	}
}

// Without the context-specific login, the token refuses to sign: the path
// this package takes for CKA_ALWAYS_AUTHENTICATE is really exercised.
func TestAlwaysAuthenticateIsEnforcedByTheToken(t *testing.T) {
	m, _, tok := card(t, true)
	prompts := 0
	s, err := m.OpenSigner(SignerOptions{Token: tok, PIN: pinFunc(softhsm.UserPIN, &prompts)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.alwaysAuth = false // pretend we did not notice the attribute
	sum := sha256.Sum256([]byte("x"))
	if _, err := s.Sign(rand.Reader, sum[:], crypto.SHA256); err == nil {
		t.Fatal("SoftHSM2 signed without the context-specific login")
	}
}

func TestWrongPINIsNotRetried(t *testing.T) {
	for _, alwaysAuth := range []bool{false, true} {
		t.Run(map[bool]string{false: "session", true: "context-specific"}[alwaysAuth], func(t *testing.T) {
			m, api, tok := card(t, alwaysAuth)
			const wrong = "9999"
			calls := 0
			pin := func(r PINRequest) ([]byte, error) {
				calls++
				if alwaysAuth && !r.ContextSpecific {
					return []byte(softhsm.UserPIN), nil
				}
				return []byte(wrong), nil
			}
			s, err := m.OpenSigner(SignerOptions{Token: tok, PIN: pin})
			if !alwaysAuth {
				if !errors.Is(err, ErrWrongPIN) {
					t.Fatalf("err = %v", err)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				sum := sha256.Sum256([]byte("x"))
				_, err = s.Sign(rand.Reader, sum[:], crypto.SHA256)
				if !errors.Is(err, ErrWrongPIN) {
					t.Fatalf("err = %v", err)
				}
			}
			want := int32(1)
			if alwaysAuth {
				want = 2 // the good session login, then one refused context login
			}
			if api.logins.Load() != want || int32(calls) != want {
				t.Fatalf("C_Login called %d times, PIN asked %d times, want %d", api.logins.Load(), calls, want)
			}
			if strings.Contains(err.Error(), wrong) || !strings.Contains(err.Error(), "not retried") {
				t.Fatalf("error %q", err)
			}
		})
	}
}

func TestSelection(t *testing.T) {
	m, _, tok := card(t, false)
	prompts := 0
	pharm, _ := hcrole.ParseRequirement("Pharmacist")
	if _, err := m.OpenSigner(SignerOptions{Token: tok, Role: pharm, PIN: pinFunc(softhsm.UserPIN, &prompts)}); !errors.Is(err, ErrNoKey) {
		t.Fatalf("pharmacist on a doctor's card: %v", err)
	}
	if _, err := m.FindToken("HPKI2.0", ""); !errors.Is(err, ErrNoToken) {
		t.Fatalf("absent token: %v", err)
	}
	s, err := m.OpenSigner(SignerOptions{Token: tok, KeyLabel: softhsm.KeyLabel, PIN: pinFunc(softhsm.UserPIN, &prompts)})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	certs, err := m.Certificates(tok)
	if err != nil || len(certs) != 2 {
		t.Fatalf("certificates %d %v", len(certs), err)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("not a library"), 0o600)
	for name, path := range map[string]string{
		"empty path":      "",
		"missing file":    filepath.Join(dir, "nope.so"),
		"directory":       dir,
		"text file":       text,
		"not PKCS#11 ELF": "/bin/ls",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Open(path); !errors.Is(err, ErrModule) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// A CAdES made through the token has exactly the structure of the software
// path and passes openssl cms -verify.
func TestCAdESThroughTheToken(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	p := testpki.MustLoad(t)
	m, _, tok := card(t, true)
	prompts := 0
	s, err := m.OpenSigner(SignerOptions{Token: tok, PIN: pinFunc(softhsm.UserPIN, &prompts)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	doc := []byte("referral letter signed with the card")
	card, err := sign.SignCAdES(context.Background(), bytes.NewReader(doc), sign.Credential{Signer: s, Certificate: s.Certificate(), Chain: s.Chain()}, sign.CAdESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	soft, err := sign.SignCAdES(context.Background(), bytes.NewReader(doc), sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, sign.CAdESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := cms.Parse(card.Signature)
	b, _ := cms.Parse(soft.Signature)
	if len(a.SignerInfos[0].SignedAttrs) != len(b.SignerInfos[0].SignedAttrs) || len(a.Certificates) != len(b.Certificates) {
		t.Fatal("card and software signatures differ in structure")
	}
	for i := range a.SignerInfos[0].SignedAttrs {
		if !a.SignerInfos[0].SignedAttrs[i].Type.Equal(b.SignerInfos[0].SignedAttrs[i].Type) {
			t.Fatalf("attribute %d: %v vs %v", i, a.SignerInfos[0].SignedAttrs[i].Type, b.SignerInfos[0].SignedAttrs[i].Type)
		}
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "doc"), doc, 0o600)
	os.WriteFile(filepath.Join(dir, "sig"), card.Signature, 0o600)
	out, err := exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", filepath.Join(dir, "sig"), "-content", filepath.Join(dir, "doc"),
		"-CAfile", testpki.Path("root.pem"), "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
}

// DigestInfo matches what crypto/rsa puts inside a PKCS#1 v1.5 signature.
func TestDigestInfo(t *testing.T) {
	p := testpki.MustLoad(t)
	key := p.Doctor.Key.(*rsa.PrivateKey)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		d := h.New()
		d.Write([]byte("x"))
		digest := d.Sum(nil)
		di, err := DigestInfo(h, digest)
		if err != nil {
			t.Fatal(err)
		}
		sig, _ := rsa.SignPKCS1v15(nil, key, h, digest)
		em := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(key.E)), key.N).Bytes()
		if !bytes.HasSuffix(em, di) || em[len(em)-len(di)-1] != 0 {
			t.Fatalf("%v: DigestInfo differs from crypto/rsa's", h)
		}
	}
	if _, err := DigestInfo(crypto.SHA256, []byte{1}); err == nil {
		t.Fatal("short digest accepted")
	}
}

func BenchmarkSignSoftHSM(b *testing.B) {
	p := testpki.MustLoad(b)
	module := softhsm.NewToken(b, softhsm.TokenLabel)
	softhsm.Import(b, module, softhsm.TokenLabel, p.Doctor, []byte{1}, false)
	m, err := Open(module)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Close()
	tok, _ := m.FindToken(softhsm.TokenLabel, "")
	s, err := m.OpenSigner(SignerOptions{Token: tok, PIN: func(PINRequest) ([]byte, error) { return []byte(softhsm.UserPIN), nil }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sum := sha256.Sum256([]byte("x"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Sign(rand.Reader, sum[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}

func BenchmarkSignSoftwareKey(b *testing.B) {
	p := testpki.MustLoad(b)
	sum := sha256.Sum256([]byte("x"))
	for i := 0; i < b.N; i++ {
		if _, err := p.Doctor.Key.Sign(rand.Reader, sum[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}
