package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

// trustFlags are --trust and --intermediates.
type trustFlags struct {
	trust         []string
	intermediates []string
}

func (t *trustFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&t.trust, "trust", nil, "trust anchors: PEM/DER file or directory (repeatable; default: the embedded MHLW HPKI Root CA V2)")
	cmd.Flags().StringArrayVar(&t.intermediates, "intermediates", nil, "extra intermediate CA certificates (and the signer's certificate of an XML signature whose KeyInfo holds only its key): PEM/DER file or directory (repeatable)")
}

// store returns the trust store the flags select; errors are usage errors.
func (t *trustFlags) store() (*trust.Store, error) {
	s := trust.Default()
	if len(t.trust) > 0 {
		var err error
		if s, err = trust.Load(t.trust...); err != nil {
			return nil, usageError(fmt.Errorf("--trust: %w", err))
		}
	}
	if len(t.intermediates) > 0 {
		certs, err := trust.ReadFiles(t.intermediates...)
		if err != nil {
			return nil, usageError(fmt.Errorf("--intermediates: %w", err))
		}
		s = s.WithIntermediates(certs...)
	}
	return s, nil
}

// parseAt parses an --at value (RFC 3339); empty means now.
func parseAt(s string) (time.Time, error) {
	if s == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, usageError(fmt.Errorf("--at: want an RFC 3339 time such as 2030-01-02T15:04:05+09:00: %w", err))
	}
	return t, nil
}

// envModule returns the PKCS#11 module named by HPKI_PKCS11_MODULE.
func envModule() string { return os.Getenv("HPKI_PKCS11_MODULE") }

// revocationFlags are the revocation options of verify and extend.
type revocationFlags struct {
	crls, ocsps, resolve []string
	offline              bool
	maxAge               time.Duration
}

func (r *revocationFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVar(&r.crls, "crl", nil, "a CRL (PEM or DER) to use as revocation data (repeatable)")
	fl.StringArrayVar(&r.ocsps, "ocsp", nil, "an OCSP response (DER) to use as revocation data (repeatable)")
	fl.BoolVar(&r.offline, "offline", false, "never fetch revocation data: use only what the signature embeds and --crl/--ocsp give")
	fl.StringArrayVar(&r.resolve, "resolve", nil, "HOST=ADDR: fetch revocation data for HOST from ADDR (host:port), e.g. a local responder (repeatable)")
	fl.DurationVar(&r.maxAge, "max-revocation-age", 0, "refuse revocation data issued longer than this before the time it must prove (e.g. 168h); 0: only the freshness rules")
}

// apply reads the given files into opts.
func (r *revocationFlags) apply(opts *verify.Options) error {
	opts.Offline = r.offline
	if r.maxAge < 0 {
		return usageError(fmt.Errorf("--max-revocation-age %s: must not be negative", r.maxAge))
	}
	opts.MaxRevocationAge = r.maxAge
	if len(r.resolve) > 0 {
		routes := map[string]string{}
		for _, kv := range r.resolve {
			host, addr, ok := strings.Cut(kv, "=")
			if !ok || host == "" || addr == "" {
				return usageError(fmt.Errorf("--resolve %q: want HOST=ADDR", kv))
			}
			if _, _, err := net.SplitHostPort(addr); err != nil {
				return usageError(fmt.Errorf("--resolve %q: ADDR must be host:port", kv))
			}
			routes[host] = addr
		}
		opts.Fetcher = &revocation.Fetcher{Resolve: routes}
	}
	for _, name := range r.crls {
		data, err := readLimited(name, 64<<20)
		if err != nil {
			return usageError(fmt.Errorf("--crl: %w", err))
		}
		crls, err := revocation.ParseCRLFile(data)
		if err != nil {
			return usageError(fmt.Errorf("--crl %s: not a CRL: %v", name, err))
		}
		for _, crl := range crls {
			opts.CRLs = append(opts.CRLs, crl.Raw)
		}
	}
	for _, name := range r.ocsps {
		data, err := readLimited(name, 1<<20)
		if err != nil {
			return usageError(fmt.Errorf("--ocsp: %w", err))
		}
		opts.OCSPResponses = append(opts.OCSPResponses, data)
	}
	return nil
}

// parseCRL reads a file holding exactly one CRL (PEM or DER).
func parseCRL(data []byte) (*x509.RevocationList, error) {
	crls, err := revocation.ParseCRLFile(data)
	if err != nil {
		return nil, err
	}
	if len(crls) != 1 {
		return nil, fmt.Errorf("%d CRLs in the file, want one", len(crls))
	}
	return crls[0], nil
}

// validationOptions builds the verify options the trust, --tsa-trust and
// revocation flags select; errors are usage errors.
func validationOptions(tf *trustFlags, tsaTrust []string, rf *revocationFlags) (verify.Options, error) {
	store, err := tf.store()
	if err != nil {
		return verify.Options{}, err
	}
	opts := verify.Options{Trust: store}
	if len(tsaTrust) > 0 {
		if opts.TSATrust, err = trust.Load(tsaTrust...); err != nil {
			return verify.Options{}, usageError(fmt.Errorf("--tsa-trust: %w", err))
		}
	}
	if err := rf.apply(&opts); err != nil {
		return verify.Options{}, err
	}
	return opts, nil
}

// readInput reads a whole input of at most limit bytes: the named file,
// or stdin for "-".
func readInput(cmd *cobra.Command, name string, limit int64) ([]byte, error) {
	if name != "-" {
		return readLimited(name, limit)
	}
	data, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("stdin: larger than %d bytes", limit)
	}
	return data, nil
}
