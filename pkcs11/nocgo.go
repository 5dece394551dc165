//go:build !cgo

// Package pkcs11 signs with HPKI IC cards and HSMs through their PKCS#11
// library. This build was made without cgo (CGO_ENABLED=0): PKCS#11
// libraries are C libraries, so it has no card support, and the package
// holds only ErrNoCardSupport.
package pkcs11

import "errors"

// ErrNoCardSupport is returned by builds without cgo for every use of a
// card or other PKCS#11 token.
var ErrNoCardSupport = errors.New("this build has no card support (PKCS#11 needs cgo; use a build made with CGO_ENABLED=1, or a software key with --key/--cert or --p12)")
