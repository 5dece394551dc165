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

func init() {
	register(newCardCmd)
	jaHelp[cardListNoCgoLong] = `この版はカードを使えません: PKCS#11 には cgo が必要です。CGO_ENABLED=1 で
作った版か、ソフトウェア鍵（--key/--cert または --p12）を使ってください。

終了コード: 3（カードを使えない版）。`
}

// cardListNoCgoLong is the long help of hpki card list in a build without
// cgo (translated in init).
const cardListNoCgoLong = `This build has no card support: PKCS#11 needs cgo. Use a build made with
CGO_ENABLED=1, or a software key (--key/--cert or --p12).

Exit codes: 3 (no card support in this build).`

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
		Long:  cardListNoCgoLong,
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
