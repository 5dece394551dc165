package main

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/certinfo"
	"github.com/hpki-jp/hpki/internal/msgja"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/trust"
)

func init() { register(newCertCmd) }

func newCertCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cert",
		Short: "Inspect and verify HPKI certificates",
	}
	cmd.AddCommand(newCertInspectCmd(), newCertVerifyCmd())
	return cmd
}

// readFirstCert reads the first certificate (PEM or DER) of a file, which
// may go on with the certificate's chain; failures are usage errors.
func readFirstCert(path string) (*x509.Certificate, error) {
	certs, err := trust.ReadFile(path)
	if err != nil {
		return nil, usageError(err)
	}
	return certs[0], nil
}

func newCertInspectCmd() *cobra.Command {
	var out outputFlags
	cmd := &cobra.Command{
		Use:   "inspect CERT",
		Short: "Show a certificate: names in romaji and Kanji, HPKI kind and roles",
		Long: `Show a certificate (PEM or DER): subject in romaji and Kanji, the HPKI kind
(signing, authentication, or not HPKI) with the reasons, the HPKI roles (hcRole)
with their Japanese names, policies, key usage and validity. When the file
holds a certificate followed by its chain, the first one is shown.`,
		Example: `  hpki cert inspect doctor.pem
  hpki cert inspect doctor.pem --output json
  hpki cert inspect doctor.pem --lang ja`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			cert, err := readFirstCert(args[0])
			if err != nil {
				return err
			}
			info := certinfo.Describe(cert)
			if out.isJSON() {
				return writeJSON(cmd.OutOrStdout(), info)
			}
			return safeInfo(info).WriteText(cmd.OutOrStdout(), uiLang)
		},
	}
	out.register(cmd)
	return cmd
}

func newCertVerifyCmd() *cobra.Command {
	var (
		out          outputFlags
		tf           trustFlags
		at           string
		allowNonHPKI bool
	)
	cmd := &cobra.Command{
		Use:   "verify CERT",
		Short: "Check a certificate's path to a trust anchor and its HPKI profile",
		Long: `Check that CERT chains to a trust anchor at a given time (default: now) and
that it follows the HPKI profile (an HPKI signing or authentication certificate,
or an HPKI CA). Revocation is not checked by this command.

The default trust anchor is the embedded MHLW HPKI Root CA V2, with the MEDIS
HPKI CAs as known intermediates; --trust replaces the anchors. CERT may hold the
certificate followed by its intermediate CAs (PEM bundle); --intermediates adds more.

Exit codes: 0 valid, 1 invalid, 3 usage error or unreadable input.`,
		Example: `  hpki cert verify doctor.pem --trust root.pem --intermediates ca-sign.pem
  hpki cert verify medis-ca.pem --at 2030-01-01T00:00:00Z`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			when, err := parseAt(at)
			if err != nil {
				return err
			}
			store, err := tf.store()
			if err != nil {
				return err
			}
			certs, err := trust.ReadFile(args[0])
			if err != nil {
				return usageError(err)
			}
			// A file may carry the certificate followed by its chain.
			var anchorWarning string
			res := certinfo.CheckCertificate(certs[0], func(c *x509.Certificate, t time.Time) ([][]*x509.Certificate, error) {
				chains, err := store.Verify(c, certs[1:], t)
				if err == nil && len(chains) > 0 {
					anchorWarning = store.AnchorWarning(chains[0][len(chains[0])-1])
				}
				return chains, err
			}, when, !allowNonHPKI)
			if anchorWarning != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), tr("warning: ", "警告: ")+textsafe.String(localizeError(anchorWarning)))
			}
			if out.isJSON() {
				if err := writeJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
			} else {
				writeCheckText(cmd, res, uiLang)
			}
			if !res.Valid {
				return withCode(exitFailed)
			}
			return nil
		},
	}
	out.register(cmd)
	tf.register(cmd)
	cmd.Flags().StringVar(&at, "at", "", "check as of this time (RFC 3339), default now")
	cmd.Flags().BoolVar(&allowNonHPKI, "allow-non-hpki", false, "do not require the HPKI profile, only a valid path")
	return cmd
}

func writeCheckText(cmd *cobra.Command, res certinfo.Check, lang string) {
	w := cmd.OutOrStdout()
	verdict := map[bool][2]string{
		true:  {"VALID", "有効"},
		false: {"INVALID", "無効"},
	}[res.Valid]
	name := textsafe.String(res.Certificate.Subject)
	if lang == "ja" {
		fmt.Fprintf(w, "%s: %s（%s 時点）\n", verdict[1], name, localTime(res.At))
	} else {
		fmt.Fprintf(w, "%s: %s at %s\n", verdict[0], name, localTime(res.At))
	}
	for i, s := range res.Chain {
		fmt.Fprintf(w, "  %*s└ %s\n", 2*i, "", textsafe.String(s))
	}
	for _, e := range res.Errors {
		if lang == "ja" {
			fmt.Fprintf(w, "  エラー: %s\n", textsafe.String(msgja.Localize(e)))
			continue
		}
		fmt.Fprintf(w, "  error: %s\n", textsafe.String(e))
	}
}

// safeInfo returns a copy of info for the text output: every string taken
// from the certificate escaped with textsafe.String (JSON keeps the exact
// values).
func safeInfo(info certinfo.Info) certinfo.Info {
	e := textsafe.String
	info.Subject, info.SubjectJa, info.OrganizationJa, info.Issuer = e(info.Subject), e(info.SubjectJa), e(info.OrganizationJa), e(info.Issuer)
	info.Serial, info.PublicKey, info.SHA256 = e(info.Serial), e(info.PublicKey), e(info.SHA256)
	info.HPKIReasons, info.Policies = textsafe.Strings(info.HPKIReasons), textsafe.Strings(info.Policies)
	info.KeyUsage, info.ExtKeyUsage = textsafe.Strings(info.KeyUsage), textsafe.Strings(info.ExtKeyUsage)
	info.CRL, info.OCSP, info.RoleErrors = textsafe.Strings(info.CRL), textsafe.Strings(info.OCSP), textsafe.Strings(info.RoleErrors)
	roles := make([]certinfo.Role, len(info.Roles))
	for i, r := range info.Roles {
		roles[i] = certinfo.Role{Code: e(r.Code), Ja: e(r.Ja), Scheme: e(r.Scheme), Kind: e(r.Kind)}
	}
	info.Roles = roles
	return info
}
