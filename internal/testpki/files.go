package testpki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// keyBanner precedes every committed private key.
const keyBanner = "# TEST ONLY — NOT FOR PRODUCTION. Key of the hpki test HPKI, published on purpose.\n"

// files maps each credential to its file base name; a key file is written
// where the bool is true.
func (p *PKI) files() []struct {
	name string
	cred **Credential
	key  bool
} {
	return []struct {
		name string
		cred **Credential
		key  bool
	}{
		{"root", &p.Root, true}, {"ca-sign", &p.SignCA, true}, {"ca-auth", &p.AuthCA, true},
		{"doctor", &p.Doctor, true}, {"pharmacist", &p.Pharmacist, true}, {"dentist", &p.Dentist, true},
		{"director", &p.Director, true}, {"nonhpki", &p.NonHPKI, true}, {"revoked", &p.Revoked, true},
		{"expired", &p.Expired, true}, {"doctor-auth", &p.DoctorAuth, true}, {"doctor-ec", &p.DoctorEC, true},
		{"ocsp", &p.OCSP, true}, {"tsa-root", &p.TSARoot, true}, {"tsa", &p.TSA, true},
		{"tsa-noeku", &p.TSANoEKU, true}, {"other-root", &p.OtherRoot, true}, {"stranger", &p.Stranger, true},
	}
}

// WriteDir writes the PKI as PEM files (keys as unencrypted PKCS#8 PEM,
// marked TEST ONLY), the CRL in DER and PEM, and chain-sign.pem.
func (p *PKI) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range p.files() {
		c := *f.cred
		// End-entity files carry the certificate followed by its chain,
		// as a certificate exported with its chain does.
		ders := [][]byte{c.Cert.Raw}
		for _, ca := range c.Chain {
			ders = append(ders, ca.Raw)
		}
		if err := writePEM(filepath.Join(dir, f.name+".pem"), "", "CERTIFICATE", ders...); err != nil {
			return err
		}
		if f.key {
			der, err := x509.MarshalPKCS8PrivateKey(c.Key)
			if err != nil {
				return fmt.Errorf("testpki: %s key: %w", f.name, err)
			}
			if err := writePEM(filepath.Join(dir, f.name+".key"), keyBanner, "PRIVATE KEY", der); err != nil {
				return err
			}
		}
	}
	if err := writePEM(filepath.Join(dir, "chain-sign.pem"), "", "CERTIFICATE", p.SignCA.Cert.Raw); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "ca-sign.crl"), p.CRL, 0o644); err != nil {
		return err
	}
	return writePEM(filepath.Join(dir, "ca-sign.crl.pem"), "", "X509 CRL", p.CRL)
}

func writePEM(name, banner, typ string, ders ...[]byte) error {
	data := []byte(banner)
	for _, der := range ders {
		data = append(data, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})...)
	}
	return os.WriteFile(name, data, 0o644)
}

// Load reads a PKI written by WriteDir.
func Load(dir string) (*PKI, error) {
	p := &PKI{}
	for _, f := range p.files() {
		cert, err := readCert(filepath.Join(dir, f.name+".pem"))
		if err != nil {
			return nil, err
		}
		c := &Credential{Cert: cert}
		if f.key {
			if c.Key, err = readKey(filepath.Join(dir, f.name+".key")); err != nil {
				return nil, err
			}
		}
		*f.cred = c
	}
	// Chains: the issuing CA, excluding roots.
	for _, c := range []*Credential{p.Doctor, p.Pharmacist, p.Dentist, p.Director, p.Revoked, p.Expired, p.DoctorEC, p.OCSP} {
		c.Chain = []*x509.Certificate{p.SignCA.Cert}
	}
	p.DoctorAuth.Chain = []*x509.Certificate{p.AuthCA.Cert}
	var err error
	if p.CRL, err = os.ReadFile(filepath.Join(dir, "ca-sign.crl")); err != nil {
		return nil, err
	}
	crl, err := x509.ParseRevocationList(p.CRL)
	if err != nil {
		return nil, fmt.Errorf("testpki: ca-sign.crl: %w", err)
	}
	if len(crl.RevokedCertificateEntries) > 0 {
		p.RevokedAt = crl.RevokedCertificateEntries[0].RevocationTime
	}
	return p, nil
}

func readCert(name string) (*x509.Certificate, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("testpki: %s: no PEM block", name)
	}
	return x509.ParseCertificate(block.Bytes)
}

func readKey(name string) (crypto.Signer, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("testpki: %s: no PEM block", name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("testpki: key is not a signer")
	}
	return s, nil
}

// Dir returns the absolute path of the repository's testdata/certs.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "certs")
}

// Path returns the absolute path of a file in testdata/certs.
func Path(name string) string { return filepath.Join(Dir(), name) }

var (
	loadOnce sync.Once
	loaded   *PKI
	loadErr  error
)

// MustLoad returns the committed test HPKI, loaded once per test binary.
func MustLoad(tb testing.TB) *PKI {
	tb.Helper()
	loadOnce.Do(func() { loaded, loadErr = Load(Dir()) })
	if loadErr != nil {
		tb.Fatalf("loading the test HPKI from %s: %v (run `make certs`)", Dir(), loadErr)
	}
	return loaded
}

// FreshCRL returns a CRL of the signing CA listing Revoked (revoked at
// p.RevokedAt, keyCompromise) as p.CRL does, but issued a minute from now,
// with a nextUpdate a week later: the CA's next CRL. Revocation data proves
// a status only at times at or before its issue (the freshness rule), so a
// long-term validation of a signature timestamped now waits for the CA's
// next CRL (the grace period); tests stand for that wait with this CRL,
// whatever second boundary the test crosses between this call and its
// timestamp.
func (p *PKI) FreshCRL(tb testing.TB) []byte {
	tb.Helper()
	at := time.Now().UTC().Add(time.Minute)
	crl, err := MakeCRL(p.SignCA, []x509.RevocationListEntry{{
		SerialNumber: p.Revoked.Cert.SerialNumber, RevocationTime: p.RevokedAt, ReasonCode: 1,
	}}, at, at.Add(7*24*time.Hour), at.Unix())
	if err != nil {
		tb.Fatal(err)
	}
	return crl
}

// FreshCRLFile writes FreshCRL of the committed test HPKI to a temporary
// file and returns its name (for --crl in CLI tests).
func FreshCRLFile(tb testing.TB) string {
	tb.Helper()
	name := filepath.Join(tb.TempDir(), "ca-sign-now.crl")
	if err := os.WriteFile(name, MustLoad(tb).FreshCRL(tb), 0o644); err != nil {
		tb.Fatal(err)
	}
	return name
}
