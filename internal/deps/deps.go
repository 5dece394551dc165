//go:build tools

// Package deps pins the modules the project builds on, so that go.mod keeps
// the chosen versions while packages are being added. It is never built.
package deps

import (
	_ "github.com/beevik/etree"
	_ "github.com/miekg/pkcs11"
	_ "github.com/russellhaering/goxmldsig"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/crypto/ocsp"
	_ "golang.org/x/term"
)
