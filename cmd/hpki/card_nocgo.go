//go:build !cgo

package main

import (
	"crypto"
	"crypto/x509"
	"io"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/pkcs11"
)

// cardSupport tells whether this build can use PKCS#11 tokens.
const cardSupport = false

func init() { register(newCardCmd) }

// newCardCmd of a build without cgo: hpki card list says there is no card
// support (exit 3).
func newCardCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "card",
		Short: "HPKI IC cards and other PKCS#11 tokens (not in this build)",
	}
	var out outputFlags
	var module string
	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens and the certificates on them (not in this build)",
		Args:  exactArgs(0),
		RunE: func(*cobra.Command, []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			return usageError(pkcs11.ErrNoCardSupport)
		},
	}
	out.register(list)
	list.Flags().StringVar(&module, "pkcs11-module", "", "PKCS#11 library (not in this build)")
	cmd.AddCommand(list)
	return cmd
}

// openPKCS11Signer of a build without cgo: no card support (exit 3).
func openPKCS11Signer(pkcs11KeyOptions, io.Writer) (crypto.Signer, *x509.Certificate, []*x509.Certificate, func() error, error) {
	return nil, nil, nil, nil, usageError(pkcs11.ErrNoCardSupport)
}
