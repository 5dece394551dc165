//go:build cgo

package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/certinfo"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/pkcs11"
)

// cardSupport tells whether this build can use PKCS#11 tokens.
const cardSupport = true

func init() { register(newCardCmd) }

func newCardCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "card",
		Short: "HPKI IC cards and other PKCS#11 tokens",
	}
	cmd.AddCommand(newCardListCmd())
	return cmd
}

// cardToken is one token in `hpki card list --output json`.
type cardToken struct {
	pkcs11.TokenInfo
	Certificates []cardCert `json:"certificates"`
}

type cardCert struct {
	Label string `json:"label"`
	ID    string `json:"id"`
	certinfo.Info
}

func newCardListCmd() *cobra.Command {
	var out outputFlags
	var module string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List tokens and the certificates on them with their HPKI roles",
		Long: `List the slots and tokens of a PKCS#11 library (an HPKI card reader's
HpkiSigP11/HpkiAuthP11 library, or any PKCS#11 module) and the certificates on
each token with their HPKI kind and roles. No PIN is needed: certificates are
public objects.

Exit codes: 0 listed, 3 missing or unusable module.`,
		Example: `  hpki card list --pkcs11-module /usr/lib/HpkiSigP11.so
  HPKI_PKCS11_MODULE=/usr/lib/softhsm/libsofthsm2.so hpki card list --output json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if module == "" {
				module = envModule()
			}
			m, err := pkcs11.Open(module)
			if err != nil {
				return usageError(err)
			}
			defer m.Close()
			toks, err := m.Tokens()
			if err != nil {
				return usageError(err)
			}
			var list []cardToken
			for _, t := range toks {
				ct := cardToken{TokenInfo: t, Certificates: []cardCert{}}
				certs, err := m.Certificates(t)
				if err != nil {
					return failure(err)
				}
				for _, c := range certs {
					ct.Certificates = append(ct.Certificates, cardCert{Label: c.Label, ID: fmt.Sprintf("%X", c.ID), Info: certinfo.Describe(c.Cert)})
				}
				list = append(list, ct)
			}
			if out.output == formatJSONL {
				for _, t := range list {
					if err := writeJSONLine(cmd.OutOrStdout(), t); err != nil {
						return failure(err)
					}
				}
				return nil
			}
			if out.output == formatJSON {
				if list == nil {
					list = []cardToken{}
				}
				return writeJSON(cmd.OutOrStdout(), list)
			}
			w := cmd.OutOrStdout()
			if len(list) == 0 {
				fmt.Fprintln(w, tr("no token present (is the card in the reader?)", "トークンがありません（カードはリーダーに入っていますか？）"))
			}
			for _, t := range list {
				state := tr("PIN ok", "PIN 正常")
				if len(t.PINState) > 0 {
					state = "PIN " + strings.Join(t.PINState, ", ")
					if uiLang == "ja" {
						state = jaPINState.Replace(state)
					}
				}
				fmt.Fprintln(w, sayf("slot %d: %q (%s %s, serial %s; %s)", t.Slot, t.Label, textsafe.String(t.Manufacturer), textsafe.String(t.Model), textsafe.String(t.Serial), textsafe.String(state)))
				for _, c := range t.Certificates {
					var roles []string
					for _, r := range c.Roles {
						if r.Ja != "" {
							roles = append(roles, r.Ja+" / "+r.Code)
						} else {
							roles = append(roles, r.Code)
						}
					}
					kind := c.HPKI
					if ja, ok := cardKindJa[c.HPKI]; ok && uiLang == "ja" {
						kind = ja
					}
					if c.IsCA {
						kind = tr("CA", "認証局")
					}
					name := c.Subject
					if c.SubjectJa != "" {
						name = c.SubjectJa + " — " + name
					}
					fmt.Fprintf(w, "  [%s] %s: %s", textsafe.String(kind), textsafe.Name(c.Label), textsafe.String(name))
					if len(roles) > 0 {
						fmt.Fprintf(w, " — %s", textsafe.String(strings.Join(roles, ", ")))
					}
					fmt.Fprintln(w)
				}
			}
			return nil
		},
	}
	out.register(cmd)
	cmd.Flags().StringVar(&module, "pkcs11-module", "", "PKCS#11 library (or env HPKI_PKCS11_MODULE)")
	return cmd
}

// cardKindJa names the HPKI kind of a certificate on a card in the text
// output with --lang ja.
var cardKindJa = map[string]string{"signing": "署名用", "authentication": "認証用", "none": "HPKI 以外"}
