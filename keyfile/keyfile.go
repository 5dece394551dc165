// Package keyfile loads software signing credentials: a private key in PEM
// (PKCS#8, PKCS#1 or SEC 1) or DER with its certificate and chain, or a
// PKCS#12 file. Keys are for tests, demos and server-side signing; physicians
// sign with their IC card through package pkcs11.
//
// Security contract: encrypted PEM keys are refused (a protected software
// key is a PKCS#12 file); files are bounded in size; a credential is
// returned only when its key matches its certificate. The PKCS#12 password
// is the caller's: it is not kept, and the caller zeroes it.
package keyfile

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/hpki-jp/hpki/trust"
)

// maxFile bounds key and PKCS#12 files.
const maxFile = 1 << 20

func readSmall(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxFile)
	}
	return data, nil
}

// ReadKey reads an unencrypted private key file.
func ReadKey(name string) (crypto.Signer, error) {
	data, err := readSmall(name)
	if err != nil {
		return nil, fmt.Errorf("reading key: %w", err)
	}
	k, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return k, nil
}

// ParseKey parses a PEM or DER private key: PKCS#8, PKCS#1 RSA or SEC 1 EC.
// Encrypted PEM keys are refused (use PKCS#12 for protected software keys).
func ParseKey(data []byte) (crypto.Signer, error) {
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Headers["Proc-Type"] != "" || block.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errors.New("encrypted PEM keys are not supported; use a PKCS#12 file (--p12)")
		}
		der = block.Bytes
	} else if len(data) == 0 || data[0] != 0x30 {
		return nil, errors.New("not a private key (expected PEM or DER)")
	}
	var key any
	var err error
	if key, err = x509.ParsePKCS8PrivateKey(der); err != nil {
		if key, err = x509.ParsePKCS1PrivateKey(der); err != nil {
			if key, err = x509.ParseECPrivateKey(der); err != nil {
				return nil, errors.New("not a private key (PKCS#8, PKCS#1 or SEC 1)")
			}
		}
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key type %T cannot sign", key)
	}
	return s, nil
}

// Credential is a software signing key with its certificate and chain.
type Credential struct {
	Signer      crypto.Signer
	Certificate *x509.Certificate
	// Chain holds the issuing CAs (issuer first).
	Chain []*x509.Certificate
}

// Load reads a key, a certificate file (the first certificate is the
// signer's, any others join the chain) and optional chain files, and checks
// that key and certificate belong together.
func Load(keyFile, certFile string, chainFiles ...string) (*Credential, error) {
	key, err := ReadKey(keyFile)
	if err != nil {
		return nil, err
	}
	certs, err := trust.ReadFile(certFile)
	if err != nil {
		return nil, err
	}
	chain := append([]*x509.Certificate(nil), certs[1:]...)
	if len(chainFiles) > 0 {
		more, err := trust.ReadFiles(chainFiles...)
		if err != nil {
			return nil, err
		}
		for _, m := range more {
			if !containsCert(chain, m) {
				chain = append(chain, m)
			}
		}
	}
	c := &Credential{Signer: key, Certificate: certs[0], Chain: chain}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadPKCS12 reads a PKCS#12 file protected by password.
func LoadPKCS12(name string, password []byte) (*Credential, error) {
	data, err := readSmall(name)
	if err != nil {
		return nil, fmt.Errorf("reading PKCS#12: %w", err)
	}
	key, cert, cas, err := pkcs12.DecodeChain(data, string(password))
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, fmt.Errorf("%s: wrong password", name)
		}
		return nil, fmt.Errorf("%s: not a readable PKCS#12 file: %w", name, err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: key type %T cannot sign", name, key)
	}
	var chain []*x509.Certificate
	for _, ca := range cas {
		if !ca.Equal(cert) && !containsCert(chain, ca) {
			chain = append(chain, ca)
		}
	}
	c := &Credential{Signer: s, Certificate: cert, Chain: chain}
	if err := c.check(); err != nil {
		return nil, err
	}
	return c, nil
}

func containsCert(list []*x509.Certificate, c *x509.Certificate) bool {
	for _, x := range list {
		if x.Equal(c) {
			return true
		}
	}
	return false
}

func (c *Credential) check() error {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	if e, ok := c.Signer.Public().(equaler); !ok || !e.Equal(c.Certificate.PublicKey) {
		return errors.New("the private key does not belong to the certificate")
	}
	return nil
}
