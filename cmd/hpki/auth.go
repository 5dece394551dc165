package main

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/keyfile"
	"github.com/hpki-jp/hpki/internal/textsafe"
	"github.com/hpki-jp/hpki/trust"
)

func init() { register(newAuthCmd) }

func newAuthCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Log in to an hpki service with the HPKI card's authentication key",
	}
	cmd.AddCommand(newAuthLoginCmd())
	return cmd
}

func newAuthLoginCmd() *cobra.Command {
	var (
		out                   outputFlags
		module, tokenLabel    string
		pinFile               string
		keyFile, certFile     string
		chainFiles, serverCAs []string
		tokenOut              string
		timeout               time.Duration
	)
	cmd := &cobra.Command{
		Use:   "login URL",
		Short: "Log in to hpki serve at URL with the card's authentication (認証用) key; prints the session token",
		Long: `Log in to the hpki service at URL (challenge-response, ISO 17090-5 style):
the server sends a one-time nonce, the card's authentication key signs
"hpki-login-v1", the origin of URL, the nonce and the time, and the server
answers with a session token (send it as "Authorization: Bearer TOKEN").

The card's authentication key is used through its own PKCS#11 library
(--pkcs11-module or env HPKI_AUTH_PKCS11_MODULE; real cards ship it apart
from the signing one) with its own PIN (--pin-file, env HPKI_AUTH_PIN, or a
prompt). For tests and demos, --key/--cert use a key file instead.

The token is printed on stdout (or written to -o FILE, mode 0600); with
--output json the whole session (token, expiry, identity) is printed.
Exit: 0 logged in, 1 refused (or wrong PIN), 3 usage or unreachable.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := out.validate(); err != nil {
				return err
			}
			if module == "" {
				module = os.Getenv("HPKI_AUTH_PKCS11_MODULE")
			}
			if (module != "") == (keyFile != "" || certFile != "") {
				return usageError(errors.New("give exactly one key source: --pkcs11-module (the card's authentication library) or --key with --cert"))
			}
			if _, err := auth.Origin(args[0]); err != nil {
				return usageError(err)
			}
			hc := &http.Client{Timeout: timeout}
			if len(serverCAs) > 0 {
				certs, err := trust.ReadFiles(serverCAs...)
				if err != nil {
					return usageError(fmt.Errorf("--server-ca: %w", err))
				}
				pool := x509.NewCertPool()
				for _, c := range certs {
					pool.AddCert(c)
				}
				hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
			}
			var (
				key   crypto.Signer
				cert  *x509.Certificate
				chain []*x509.Certificate
			)
			if module != "" {
				s, closeCard, err := openAuthCard(module, tokenLabel, pinFile)
				if err != nil {
					return err
				}
				defer closeCard()
				key, cert, chain = s, s.Certificate(), s.Chain()
			} else {
				c, err := keyfile.Load(keyFile, certFile, chainFiles...)
				if err != nil {
					return usageError(err)
				}
				key, cert, chain = c.Signer, c.Certificate, c.Chain
			}
			if err := hcrole.LoginCertificate(cert); err != nil {
				return usageError(err)
			}
			sess, err := auth.Login(cmd.Context(), hc, args[0], key, cert, chain)
			if err != nil {
				if auth.ReasonOf(err) != "" || isWrongPIN(err) {
					return failure(err)
				}
				return usageError(err)
			}
			if tokenOut != "" {
				if err := writeTokenFile(tokenOut, sess.Token); err != nil {
					return usageError(err)
				}
			}
			if out.output == "json" {
				return writeJSON(cmd.OutOrStdout(), sess)
			}
			if tokenOut == "" {
				fmt.Fprintln(cmd.OutOrStdout(), sess.Token)
			}
			id := sess.Identity
			roles := make([]string, len(id.Roles))
			for i, r := range id.Roles {
				roles[i] = r.Code
				if r.Ja != "" && out.lang == "ja" {
					roles[i] = r.Ja
				}
			}
			name := id.Subject
			if out.lang == "ja" && id.SubjectJa != "" {
				name = id.SubjectJa
			}
			fmt.Fprintln(cmd.ErrOrStderr(), sayf("logged in as %s (%s) until %s", textsafe.String(name), textsafe.String(strings.Join(roles, ", ")), sess.Expires.Format(time.RFC3339)))
			return nil
		},
	}
	out.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&module, "pkcs11-module", "", "the card's authentication PKCS#11 library (env HPKI_AUTH_PKCS11_MODULE)")
	fl.StringVar(&tokenLabel, "token-label", "", "token label (default: the only token)")
	fl.StringVar(&pinFile, "pin-file", "", "file holding the authentication PIN (else env HPKI_AUTH_PIN, else a prompt)")
	fl.StringVar(&keyFile, "key", "", "authentication key file (tests and demos)")
	fl.StringVar(&certFile, "cert", "", "authentication certificate (PEM, may carry its chain)")
	fl.StringArrayVar(&chainFiles, "chain", nil, "CA certificates of --cert (repeatable)")
	fl.StringArrayVar(&serverCAs, "server-ca", nil, "trust these CAs for the server's TLS certificate (default: the system's)")
	fl.StringVarP(&tokenOut, "out", "o", "", "write the session token to this file (mode 0600) instead of stdout")
	fl.DurationVar(&timeout, "timeout", 30*time.Second, "timeout of each request")
	return cmd
}

// writeTokenFile writes the token to a new file readable by its owner only;
// an existing file is not overwritten.
func writeTokenFile(name, token string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("-o: %w", err)
	}
	if _, err := f.WriteString(token + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
