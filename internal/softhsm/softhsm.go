//go:build cgo

// Package softhsm provisions SoftHSM2 tokens for tests: a token in a
// temporary directory, loaded with a test credential laid out as on an HPKI
// IC card (key and end-entity certificate with the same CKA_ID, CA
// certificates beside them).
package softhsm

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	p11 "github.com/miekg/pkcs11"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// Card labels, as on HPKI cards.
const (
	TokenLabel = "HPKI Application"
	KeyLabel   = "Private key of HPKI"
	CertLabel  = "HPKI END ENTITY CERTIFICATE"
	CALabel    = "HPKI CA CERTIFICATE"
	UserPIN    = "1234"
	SOPIN      = "12345678"
)

// ModulePath returns the SoftHSM2 PKCS#11 library, or ends the test (fail
// in CI, skip elsewhere) when SoftHSM2 is not installed.
func ModulePath(tb testing.TB) string {
	tb.Helper()
	for _, p := range []string{"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so", "/usr/local/lib/softhsm/libsofthsm2.so"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	peer.Missing(tb, "SoftHSM2 PKCS#11 library", "apt-get install softhsm2")
	return ""
}

// NewToken initialises an empty token labelled label in a temporary
// directory and points SOFTHSM2_CONF at it for the rest of the test.
func NewToken(tb testing.TB, label string) string {
	tb.Helper()
	module := ModulePath(tb)
	util := peer.Require(tb, "softhsm2-util", "apt-get install softhsm2")
	dir := tb.TempDir()
	tokens := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		tb.Fatal(err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	tb.Setenv("SOFTHSM2_CONF", conf)
	out, err := exec.Command(util, "--init-token", "--free", "--label", label, "--pin", UserPIN, "--so-pin", SOPIN).CombinedOutput()
	if err != nil {
		tb.Fatalf("softhsm2-util --init-token: %v\n%s", err, out)
	}
	return module
}

// Import stores cred's key and certificate (same CKA_ID) and its chain on
// the token labelled label; alwaysAuth sets CKA_ALWAYS_AUTHENTICATE on the
// key, as on HPKI cards.
func Import(tb testing.TB, module, label string, cred *testpki.Credential, id []byte, alwaysAuth bool) {
	tb.Helper()
	ctx := p11.New(module)
	if ctx == nil {
		tb.Fatalf("loading %s failed", module)
	}
	if err := ctx.Initialize(); err != nil {
		tb.Fatal(err)
	}
	defer func() { ctx.Finalize(); ctx.Destroy() }()
	slot, err := findSlot(ctx, label)
	if err != nil {
		tb.Fatal(err)
	}
	sh, err := ctx.OpenSession(slot, p11.CKF_SERIAL_SESSION|p11.CKF_RW_SESSION)
	if err != nil {
		tb.Fatal(err)
	}
	defer ctx.CloseSession(sh)
	if err := ctx.Login(sh, p11.CKU_USER, UserPIN); err != nil {
		tb.Fatal(err)
	}
	defer ctx.Logout(sh)
	keyTemp := []*p11.Attribute{
		p11.NewAttribute(p11.CKA_CLASS, p11.CKO_PRIVATE_KEY),
		p11.NewAttribute(p11.CKA_TOKEN, true),
		p11.NewAttribute(p11.CKA_PRIVATE, true),
		p11.NewAttribute(p11.CKA_SENSITIVE, true),
		p11.NewAttribute(p11.CKA_SIGN, true),
		p11.NewAttribute(p11.CKA_ID, id),
		p11.NewAttribute(p11.CKA_LABEL, KeyLabel),
		p11.NewAttribute(p11.CKA_ALWAYS_AUTHENTICATE, alwaysAuth),
	}
	switch k := cred.Key.(type) {
	case *rsa.PrivateKey:
		k.Precompute()
		keyTemp = append(keyTemp,
			p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_RSA),
			p11.NewAttribute(p11.CKA_MODULUS, k.N.Bytes()),
			p11.NewAttribute(p11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(k.E)).Bytes()),
			p11.NewAttribute(p11.CKA_PRIVATE_EXPONENT, k.D.Bytes()),
			p11.NewAttribute(p11.CKA_PRIME_1, k.Primes[0].Bytes()),
			p11.NewAttribute(p11.CKA_PRIME_2, k.Primes[1].Bytes()),
			p11.NewAttribute(p11.CKA_EXPONENT_1, k.Precomputed.Dp.Bytes()),
			p11.NewAttribute(p11.CKA_EXPONENT_2, k.Precomputed.Dq.Bytes()),
			p11.NewAttribute(p11.CKA_COEFFICIENT, k.Precomputed.Qinv.Bytes()),
		)
	case *ecdsa.PrivateKey:
		params := map[string][]byte{"P-256": {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}}[k.Curve.Params().Name]
		keyTemp = append(keyTemp,
			p11.NewAttribute(p11.CKA_KEY_TYPE, p11.CKK_EC),
			p11.NewAttribute(p11.CKA_EC_PARAMS, params),
			p11.NewAttribute(p11.CKA_VALUE, k.D.Bytes()),
		)
	default:
		tb.Fatalf("key type %T", cred.Key)
	}
	if _, err := ctx.CreateObject(sh, keyTemp); err != nil {
		tb.Fatalf("importing key: %v", err)
	}
	addCert := func(c *x509.Certificate, id []byte, label string) {
		if _, err := ctx.CreateObject(sh, []*p11.Attribute{
			p11.NewAttribute(p11.CKA_CLASS, p11.CKO_CERTIFICATE),
			p11.NewAttribute(p11.CKA_CERTIFICATE_TYPE, p11.CKC_X_509),
			p11.NewAttribute(p11.CKA_TOKEN, true),
			p11.NewAttribute(p11.CKA_PRIVATE, false),
			p11.NewAttribute(p11.CKA_ID, id),
			p11.NewAttribute(p11.CKA_LABEL, label),
			p11.NewAttribute(p11.CKA_SUBJECT, c.RawSubject),
			p11.NewAttribute(p11.CKA_ISSUER, c.RawIssuer),
			p11.NewAttribute(p11.CKA_SERIAL_NUMBER, c.SerialNumber.Bytes()),
			p11.NewAttribute(p11.CKA_VALUE, c.Raw),
		}); err != nil {
			tb.Fatalf("importing certificate: %v", err)
		}
	}
	addCert(cred.Cert, id, CertLabel)
	for i, c := range cred.Chain {
		addCert(c, []byte{0xca, byte(i)}, CALabel)
	}
}

func findSlot(ctx *p11.Ctx, label string) (uint, error) {
	slots, err := ctx.GetSlotList(true)
	if err != nil {
		return 0, err
	}
	for _, s := range slots {
		ti, err := ctx.GetTokenInfo(s)
		if err == nil && trim(ti.Label) == label {
			return s, nil
		}
	}
	return 0, fmt.Errorf("no token labelled %q", label)
}

func trim(s string) string {
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == 0) {
		s = s[:len(s)-1]
	}
	return s
}
