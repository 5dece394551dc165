package main

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/keyfile"
	"github.com/hpki-jp/hpki/tsa"
)

func init() { register(newTSACmd) }

func newTSACmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tsa",
		Short: "Run a local RFC 3161 timestamp authority (demos and tests)",
	}
	cmd.AddCommand(newTSAServeCmd())
	return cmd
}

// parseOID parses a dotted OID such as 1.2.392.100495.1.
func parseOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, fmt.Errorf("%q is not an OID", s)
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%q is not an OID", s)
		}
		oid[i] = n
	}
	return oid, nil
}

func newTSAServeCmd() *cobra.Command {
	var certFile, keyFile, addr, policy, serialFile string
	var chainFiles []string
	var accuracy time.Duration
	cmd := &cobra.Command{
		Use:   "serve --cert TSA.pem --key TSA.key",
		Short: "Serve RFC 3161 timestamps over HTTP on a local address",
		Long: `Serve RFC 3161 timestamps over HTTP (POST application/timestamp-query).

This is a small, correct TSA for demonstrations and tests; it is not an
accredited time-stamping service (its clock is this machine's). The TSA
certificate must carry a critical extendedKeyUsage timeStamping.

It prints "listening on http://ADDR/" once ready (use --addr 127.0.0.1:0 to let
the system choose the port) and stops on SIGINT or SIGTERM. Serial numbers are
unique and increase across restarts when --serial-file is given.`,
		Example: `  hpki tsa serve --cert tsa.pem --key tsa.key --addr 127.0.0.1:3161 --serial-file tsa.serial`,
		Args:    exactArgs(0),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if certFile == "" || keyFile == "" {
				return usageError(errors.New("--cert and --key are required"))
			}
			cred, err := keyfile.Load(keyFile, certFile, chainFiles...)
			if err != nil {
				return usageError(err)
			}
			s := &tsa.Server{Signer: cred.Signer, Cert: cred.Certificate, Chain: cred.Chain, Accuracy: accuracy, SerialFile: serialFile}
			if policy != "" {
				if s.Policy, err = parseOID(policy); err != nil {
					return usageError(fmt.Errorf("--policy: %w", err))
				}
			}
			if err := s.Check(); err != nil {
				return usageError(err)
			}
			return serveLocal(cmd, addr, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&certFile, "cert", "", "TSA certificate (PEM or DER)")
	f.StringVar(&keyFile, "key", "", "TSA private key (PEM PKCS#8, PKCS#1 or SEC 1)")
	f.StringArrayVar(&chainFiles, "chain", nil, "CA certificates sent with tokens (repeatable)")
	f.StringVar(&addr, "addr", "127.0.0.1:3161", "listen address (port 0: chosen by the system)")
	f.StringVar(&policy, "policy", "", "TSA policy OID (default "+tsa.DefaultPolicy.String()+")")
	f.StringVar(&serialFile, "serial-file", "", "file keeping serial numbers across restarts")
	f.DurationVar(&accuracy, "accuracy", time.Second, "accuracy stated in tokens")
	return cmd
}
