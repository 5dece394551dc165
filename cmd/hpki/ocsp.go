package main

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/keyfile"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/trust"
)

func init() { register(newOCSPCmd) }

func newOCSPCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ocsp",
		Short: "Run a local OCSP responder and CRL server (demos and tests)",
	}
	cmd.AddCommand(newOCSPServeCmd())
	return cmd
}

func newOCSPServeCmd() *cobra.Command {
	var issuerFile, certFile, keyFile, crlFile, addr string
	cmd := &cobra.Command{
		Use:   "serve --issuer CA.pem --cert RESPONDER.pem --key RESPONDER.key",
		Short: "Answer OCSP requests for one CA, and serve its CRL, over HTTP on a local address",
		Long: `Answer OCSP requests (RFC 6960, POST or GET, nonce echoed) about the
certificates of one CA, signed by --cert/--key: the CA itself or a responder
it delegated (id-kp-OCSPSigning). The certificates --crl lists are revoked
(with their revocation time and reason), all others good. With --crl the CRL
is also served at http://ADDR/NAME, NAME being the CRL file's name.

This is for demonstrations and tests, with hpki verify/extend --resolve
pointing the certificates' OCSP and CRL hosts at it. It prints "listening on
http://ADDR/" once ready and stops on SIGINT or SIGTERM.`,
		Example: `  hpki ocsp serve --issuer ca-sign.pem --cert ocsp.pem --key ocsp.key --crl ca-sign.crl --addr 127.0.0.1:0
  hpki verify letter.p7s --content letter.txt --resolve ocsp.hpki-test.invalid=127.0.0.1:8888`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if issuerFile == "" || certFile == "" || keyFile == "" {
				return usageError(errors.New("--issuer, --cert and --key are required"))
			}
			issuers, err := trust.ReadFile(issuerFile)
			if err != nil {
				return usageError(fmt.Errorf("--issuer: %w", err))
			}
			cred, err := keyfile.Load(keyFile, certFile)
			if err != nil {
				return usageError(err)
			}
			r := &revocation.Responder{Issuer: issuers[0], Cert: cred.Certificate, Signer: cred.Signer}
			mux := http.NewServeMux()
			if crlFile != "" {
				der, err := readLimited(crlFile, 64<<20)
				if err != nil {
					return usageError(fmt.Errorf("--crl: %w", err))
				}
				crl, err := parseCRL(der)
				if err != nil {
					return usageError(fmt.Errorf("--crl %s: %w", crlFile, err))
				}
				if err := crl.CheckSignatureFrom(r.Issuer); err != nil {
					return usageError(fmt.Errorf("--crl %s is not signed by the --issuer CA: %w", crlFile, err))
				}
				for _, e := range crl.RevokedCertificateEntries {
					r.Revoke(e.SerialNumber, e.RevocationTime, e.ReasonCode)
				}
				raw := crl.Raw
				mux.Handle("/"+filepath.Base(crlFile), revocation.CRLHandler(func() []byte { return raw }))
			}
			mux.Handle("/", r)
			return serveLocal(cmd, addr, mux)
		},
	}
	f := cmd.Flags()
	f.StringVar(&issuerFile, "issuer", "", "the CA whose certificates are answered for")
	f.StringVar(&certFile, "cert", "", "responder certificate (the CA, or delegated with id-kp-OCSPSigning)")
	f.StringVar(&keyFile, "key", "", "responder private key")
	f.StringVar(&crlFile, "crl", "", "the CA's CRL (PEM or DER): its entries are the revoked certificates, and it is served")
	f.StringVar(&addr, "addr", "127.0.0.1:3162", "listen address (port 0: chosen by the system)")
	return cmd
}
