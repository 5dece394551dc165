//go:build cgo

package main

import (
	"crypto"
	"crypto/x509"
	"errors"

	"github.com/hpki-jp/hpki/internal/secret"
	"github.com/hpki-jp/hpki/pkcs11"
)

// authCardSigner is the card's authentication key with its certificate.
type authCardSigner interface {
	crypto.Signer
	Certificate() *x509.Certificate
	Chain() []*x509.Certificate
}

// openAuthCard opens the authentication key of the card behind module
// (its own PKCS#11 library and PIN). Errors are CLI errors: a wrong PIN is
// a failure (exit 1, never retried), anything else a usage error.
func openAuthCard(module, tokenLabel, pinFile string) (authCardSigner, func(), error) {
	m, err := pkcs11.Open(module)
	if err != nil {
		return nil, nil, usageError(err)
	}
	tok, err := m.FindToken(tokenLabel, "")
	if err != nil {
		m.Close()
		return nil, nil, usageError(err)
	}
	s, err := m.OpenSigner(pkcs11.SignerOptions{Token: tok, Authentication: true, PIN: authPIN(pinFile)})
	if err != nil {
		m.Close()
		if errors.Is(err, pkcs11.ErrWrongPIN) {
			return nil, nil, failure(err)
		}
		return nil, nil, usageError(err)
	}
	return s, func() { s.Close(); m.Close() }, nil
}

// isWrongPIN reports whether err is a card's refusal of the PIN.
func isWrongPIN(err error) bool { return errors.Is(err, pkcs11.ErrWrongPIN) }

// authPIN asks for the authentication PIN, never the signing PIN's
// variable: the card keeps them apart.
func authPIN(file string) pkcs11.PINFunc {
	return func(r pkcs11.PINRequest) ([]byte, error) {
		prompt := sayf("Authentication PIN for %q: ", r.Token.Label)
		if len(r.Token.PINState) > 0 {
			prompt = sayf("[card PIN state: %v] %s", r.Token.PINState, prompt)
		}
		return secret.Source{File: file, Env: "HPKI_AUTH_PIN", Prompt: prompt}.Read()
	}
}
