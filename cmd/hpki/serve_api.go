package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/keyfile"
	"github.com/hpki-jp/hpki/serve"
	"github.com/hpki-jp/hpki/verify"
)

func init() { register(newServeAPICmd) }

func newServeAPICmd() *cobra.Command {
	var (
		tf                         trustFlags
		rf                         revocationFlags
		addr, origin               string
		tlsCert, tlsKey            string
		clientCerts, insecureHTTP  bool
		signKeys, tsaTrust, roles  []string
		tsaURL                     string
		maxBody                    int64
		maxConcurrent              int
		requestTimeout, sessionTTL time.Duration
		p11                        pkcs11KeyOptions
		logLevel                   string
	)
	cmd := &cobra.Command{
		Use:   "serve --addr HOST:PORT",
		Short: "Serve the HTTP/JSON API: verify, sign (logged-in users), extend, timestamp, certificate inspection, HPKI card login",
		Long: `Serve the hpki API over HTTP(S) with JSON (the OpenAPI 3 document is at /openapi.json).

POST /v1/verify returns exactly the report of 'hpki verify --output json'.
POST /v1/sign signs with a key the server holds (--sign-key, or a PKCS#11
HSM key), only for a user logged in with their HPKI card's authentication
certificate, and only with a key whose certificate names that same person;
with "format":"pades" it signs a PDF (the answer is the whole signed PDF).
POST /v1/extend takes CAdES, XAdES or a signed PDF to B-LT or B-LTA.
Login: challenge-response (POST /v1/auth/challenge, /v1/auth/login; the
card side is 'hpki auth login URL'), or a TLS client certificate
(--client-certificates; card clients use TLS 1.2, see docs).

Without --tls-cert/--tls-key it serves plain HTTP on a loopback address only
(warned); a non-loopback address needs --insecure-http (TLS terminated in
front). Logs are JSON lines on stderr; metrics at /metrics; /healthz and /readyz
need no card. SIGTERM or SIGINT stops it gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return usageError(fmt.Errorf("--log-level must be debug, info, warn or error, not %q", logLevel))
			}
			logger := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
			defer serve.TuneGC()()
			vo, err := validationOptions(&tf, tsaTrust, &rf)
			if err != nil {
				return err
			}
			var tlsConfig *tls.Config
			scheme := "http"
			switch {
			case tlsCert != "" && tlsKey != "":
				pair, err := tls.LoadX509KeyPair(tlsCert, tlsKey)
				if err != nil {
					return usageError(fmt.Errorf("--tls-cert/--tls-key: %w", err))
				}
				tlsConfig = serve.TLSConfig(pair, clientCerts)
				scheme = "https"
			case tlsCert != "" || tlsKey != "":
				return usageError(errors.New("--tls-cert and --tls-key go together"))
			case clientCerts:
				return usageError(errors.New("--client-certificates needs --tls-cert and --tls-key"))
			}
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				return usageError(fmt.Errorf("--addr %q: want HOST:PORT", addr))
			}
			if tlsConfig == nil {
				warning, err := serve.PlainHTTP(host, insecureHTTP)
				if err != nil {
					return usageError(err)
				}
				fmt.Fprintln(cmd.ErrOrStderr(), tr("warning: ", "警告: ")+localizeError(warning))
			}
			cfg := serve.Config{Verify: vo, MaxBody: maxBody, MaxConcurrent: maxConcurrent, RequestTimeout: requestTimeout, Logger: logger, ClientCertificates: clientCerts}
			for _, spec := range signKeys {
				parts := strings.Split(spec, ":")
				if len(parts) < 2 {
					return usageError(fmt.Errorf("--sign-key %q: want KEY:CERT[:CHAIN]", spec))
				}
				c, err := keyfile.Load(parts[0], parts[1], parts[2:]...)
				if err != nil {
					return usageError(fmt.Errorf("--sign-key %s: %w", parts[0], err))
				}
				cfg.Keys = append(cfg.Keys, serve.SigningKey{Signer: c.Signer, Certificate: c.Certificate, Chain: c.Chain})
			}
			if p11.Module != "" {
				s, cert, chain, closer, err := openPKCS11Signer(p11, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				defer closer()
				cfg.Keys = append(cfg.Keys, serve.SigningKey{Signer: s, Certificate: cert, Chain: chain})
			}
			if tsaURL != "" {
				c, err := newTSAClient(tsaURL, "", tsaTrust, 30*time.Second, 0)
				if err != nil {
					return err
				}
				cfg.TSA = c
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return usageError(fmt.Errorf("listening on %s: %w", addr, err))
			}
			defer ln.Close()
			if origin == "" {
				if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
					return usageError(fmt.Errorf("--addr %s listens on every interface: give --origin, the URL clients reach this server at (logins are bound to it)", addr))
				}
				origin = scheme + "://" + ln.Addr().String()
			}
			if origin, err = auth.Origin(origin); err != nil {
				return usageError(fmt.Errorf("--origin: %w", err))
			}
			req, err := hcrole.ParseRequirement(roles...)
			if err != nil {
				return usageError(err)
			}
			if cfg.Auth, err = auth.NewService(auth.ServiceOptions{Origin: origin, Authenticator: auth.New(auth.Options{Verifier: verify.New(vo), RequireRole: req}), SessionTTL: sessionTTL}); err != nil {
				return usageError(err)
			}
			srv, err := serve.New(cfg)
			if err != nil {
				return usageError(err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintln(cmd.OutOrStdout(), sayf("listening on %s://%s/ (origin %s)", scheme, ln.Addr(), origin))
			if err := srv.Serve(ctx, ln, tlsConfig, 30*time.Second); err != nil {
				return failure(err)
			}
			return nil
		},
	}
	tf.register(cmd)
	rf.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", "127.0.0.1:8443", "listen on HOST:PORT (port 0: any free port)")
	fl.StringVar(&origin, "origin", "", "the origin clients reach this server at, signed in logins (default: scheme://ADDR)")
	fl.StringVar(&tlsCert, "tls-cert", "", "server certificate (PEM, with its chain) for HTTPS")
	fl.StringVar(&tlsKey, "tls-key", "", "server private key (PEM) for HTTPS")
	fl.BoolVar(&insecureHTTP, "insecure-http", false, "allow plain HTTP (no --tls-cert) on a non-loopback address, when TLS is terminated in front of this server")
	fl.BoolVar(&clientCerts, "client-certificates", false, "accept HPKI authentication certificates as TLS client certificates (login without the challenge; TLS 1.2 for cards)")
	fl.StringArrayVar(&signKeys, "sign-key", nil, "KEY:CERT[:CHAIN] a signing key held for its certificate's holder (repeatable)")
	fl.StringVar(&p11.Module, "pkcs11-module", "", "PKCS#11 library of an HSM holding a signing key")
	fl.StringVar(&p11.TokenLabel, "token-label", "", "PKCS#11 token label")
	fl.StringVar(&p11.KeyLabel, "key-label", "", "PKCS#11 key label (default: found by its certificate)")
	fl.StringVar(&p11.PINFile, "pin-file", "", "file holding the HSM PIN (else env HPKI_PIN, else a prompt)")
	fl.StringVar(&tsaURL, "tsa", "", "RFC 3161 TSA for level T, extend and /v1/timestamp")
	fl.StringArrayVar(&tsaTrust, "tsa-trust", nil, "trust anchors for TSA certificates (default: --trust)")
	fl.StringArrayVar(&roles, "require-role", nil, "log in only holders of one of these HPKI roles (repeatable; English or Japanese)")
	fl.Int64Var(&maxBody, "max-body", 64<<20, "largest request body in bytes")
	fl.IntVar(&maxConcurrent, "max-concurrent", 0, "requests doing work at a time (default 8 per CPU)")
	fl.DurationVar(&requestTimeout, "request-timeout", 60*time.Second, "longest time one request may work")
	fl.DurationVar(&sessionTTL, "session-ttl", 15*time.Minute, "how long a login session lasts")
	fl.StringVar(&logLevel, "log-level", "info", "JSON log level on stderr: debug, info (one line per request), warn or error")
	return cmd
}
