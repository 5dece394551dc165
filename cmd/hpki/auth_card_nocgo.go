//go:build !cgo

package main

import (
	"crypto"
	"crypto/x509"

	"github.com/hpki-jp/hpki/pkcs11"
)

// authCardSigner is the card's authentication key with its certificate.
type authCardSigner interface {
	crypto.Signer
	Certificate() *x509.Certificate
	Chain() []*x509.Certificate
}

// openAuthCard of a build without cgo: no card support (exit 3); login
// with a key file (--key/--cert) still works.
func openAuthCard(string, string, string) (authCardSigner, func(), error) {
	return nil, nil, usageError(pkcs11.ErrNoCardSupport)
}

// isWrongPIN of a build without cgo: there is no card to refuse a PIN.
func isWrongPIN(error) bool { return false }
