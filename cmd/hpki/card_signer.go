package main

import (
	"crypto"
	"crypto/x509"
	"errors"
	"io"
)

// pkcs11KeyOptions selects a signing credential on a PKCS#11 token (an HPKI
// IC card or an HSM).
type pkcs11KeyOptions struct {
	Module      string // --pkcs11-module or env HPKI_PKCS11_MODULE
	TokenLabel  string // --token-label
	TokenSerial string // --token-serial
	KeyLabel    string // --key-label (fallback when the key cannot be found by its certificate)
	PINFile     string // --pin-file; else env HPKI_PIN; else a no-echo prompt
	Role        string // --require-role value(s), to choose among several signing certificates
}

// openPKCS11Signer opens the token and returns a signer for the HPKI signing
// key, its certificate and chain, and a function that closes the session.
func openPKCS11Signer(o pkcs11KeyOptions, prompt io.Writer) (crypto.Signer, *x509.Certificate, []*x509.Certificate, func() error, error) {
	return nil, nil, nil, nil, errors.New("PKCS#11 signing is not available in this build")
}
