// Package keyfile forwards to the exported package
// github.com/hpki-jp/hpki/keyfile, where the loader now lives.
//
// Deprecated: import github.com/hpki-jp/hpki/keyfile.
package keyfile

import "github.com/hpki-jp/hpki/keyfile"

// Credential is keyfile.Credential.
type Credential = keyfile.Credential

// The loaders of package keyfile.
var (
	Load       = keyfile.Load
	LoadPKCS12 = keyfile.LoadPKCS12
	ReadKey    = keyfile.ReadKey
	ParseKey   = keyfile.ParseKey
)
