//go:build cgo

package main

import (
	"crypto"
	"crypto/x509"
	"errors"
	"io"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/secret"
	"github.com/hpki-jp/hpki/pkcs11"
)

// pinPrompt asks for the card PIN from --pin-file, HPKI_PIN or the terminal,
// saying which token and why.
func pinPrompt(file string) pkcs11.PINFunc {
	return func(r pkcs11.PINRequest) ([]byte, error) {
		prompt := sayf("PIN for %q: ", r.Token.Label)
		if r.ContextSpecific {
			prompt = sayf("PIN for %q (the card asks for it for each signature; signature %d): ", r.Token.Label, r.Signature)
		}
		if len(r.Token.PINState) > 0 {
			prompt = sayf("[card PIN state: %v] %s", r.Token.PINState, prompt)
		}
		return secret.Source{File: file, Env: "HPKI_PIN", Prompt: prompt}.Read()
	}
}

// openPKCS11Signer opens the token and returns a signer for the HPKI signing
// key, its certificate and chain, and a function that closes the session.
func openPKCS11Signer(o pkcs11KeyOptions, prompt io.Writer) (crypto.Signer, *x509.Certificate, []*x509.Certificate, func() error, error) {
	if o.Module == "" {
		o.Module = envModule()
	}
	var specs []string
	if o.Role != "" {
		specs = append(specs, o.Role)
	}
	req, err := hcrole.ParseRequirement(specs...)
	if err != nil {
		return nil, nil, nil, nil, usageError(err)
	}
	m, err := pkcs11.Open(o.Module)
	if err != nil {
		return nil, nil, nil, nil, usageError(err)
	}
	tok, err := m.FindToken(o.TokenLabel, o.TokenSerial)
	if err != nil {
		m.Close()
		return nil, nil, nil, nil, usageError(err)
	}
	s, err := m.OpenSigner(pkcs11.SignerOptions{Token: tok, Role: req, KeyLabel: o.KeyLabel, PIN: pinPrompt(o.PINFile)})
	if err != nil {
		m.Close()
		if errors.Is(err, pkcs11.ErrWrongPIN) {
			return nil, nil, nil, nil, failure(err)
		}
		return nil, nil, nil, nil, usageError(err)
	}
	closer := func() error {
		s.Close()
		return m.Close()
	}
	return s, s.Certificate(), s.Chain(), closer, nil
}
