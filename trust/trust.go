// Package trust loads certificates and holds the trust anchors that HPKI
// signatures are validated against.
//
// By default the store holds the real MHLW HPKI Root CA V2 as the only trust
// anchor, with the MEDIS HPKI signing and authentication CAs as known
// intermediates (intermediates are never trusted by themselves: they only help
// to build a path to an anchor). Callers replace the anchors with their own
// (for example a test HPKI) through New or Load.
package trust

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"embed"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed anchors/*.pem
var anchorFS embed.FS

// The embedded certificate files.
const (
	mhlwRoot     = "anchors/mhlw-hpki-root-ca-v2.pem"
	medisSignCA2 = "anchors/medis-hpki-sign-ca2.pem"
	medisAuthCA2 = "anchors/medis-hpki-auth-ca2.pem"
)

// maxCertFile bounds the size of a certificate file read from disk.
const maxCertFile = 16 << 20

// Store is a set of trust anchors and known intermediate certificates.
// A Store is immutable after creation and safe for concurrent use.
type Store struct {
	roots         []*x509.Certificate
	intermediates []*x509.Certificate
	rootPool      *x509.CertPool
	interPool     *x509.CertPool
}

// New returns a store trusting roots, with intermediates as path-building
// help only.
func New(roots, intermediates []*x509.Certificate) *Store {
	s := &Store{
		roots:         append([]*x509.Certificate(nil), roots...),
		intermediates: append([]*x509.Certificate(nil), intermediates...),
		rootPool:      x509.NewCertPool(),
		interPool:     x509.NewCertPool(),
	}
	for _, c := range s.roots {
		s.rootPool.AddCert(c)
	}
	for _, c := range s.intermediates {
		s.interPool.AddCert(c)
	}
	return s
}

var (
	defaultOnce  sync.Once
	defaultStore *Store
)

// Default returns the built-in store: the MHLW HPKI Root CA V2 as anchor and
// the MEDIS HPKI CA certificates as intermediates.
func Default() *Store {
	defaultOnce.Do(func() {
		root := mustEmbedded(mhlwRoot)
		defaultStore = New(root, append(mustEmbedded(medisSignCA2), mustEmbedded(medisAuthCA2)...))
	})
	return defaultStore
}

func mustEmbedded(name string) []*x509.Certificate {
	data, err := anchorFS.ReadFile(name)
	if err != nil {
		panic("trust: embedded anchor missing: " + name)
	}
	certs, err := ParseCertificates(data)
	if err != nil {
		panic("trust: embedded anchor unreadable: " + name + ": " + err.Error())
	}
	return certs
}

// Roots returns the trust anchors as a pool for x509.VerifyOptions.
func (s *Store) Roots() *x509.CertPool { return s.rootPool }

// Intermediates returns the known intermediates as a pool.
func (s *Store) Intermediates() *x509.CertPool { return s.interPool }

// RootCertificates returns a copy of the trust anchors.
func (s *Store) RootCertificates() []*x509.Certificate {
	return append([]*x509.Certificate(nil), s.roots...)
}

// IntermediateCertificates returns a copy of the known intermediates.
func (s *Store) IntermediateCertificates() []*x509.Certificate {
	return append([]*x509.Certificate(nil), s.intermediates...)
}

// WithIntermediates returns a new store with the same anchors and extra
// intermediates added.
func (s *Store) WithIntermediates(extra ...*x509.Certificate) *Store {
	return New(s.roots, append(append([]*x509.Certificate(nil), s.intermediates...), extra...))
}

// Fingerprint returns a SHA-256 digest identifying the store's anchors and
// intermediates; caches keyed by it never mix results of different stores.
func (s *Store) Fingerprint() [32]byte {
	h := sha256.New()
	for _, set := range [][]*x509.Certificate{s.roots, s.intermediates} {
		sums := make([][32]byte, len(set))
		for i, c := range set {
			sums[i] = sha256.Sum256(c.Raw)
		}
		sort.Slice(sums, func(i, j int) bool { return bytes.Compare(sums[i][:], sums[j][:]) < 0 })
		for _, d := range sums {
			h.Write(d[:])
		}
		h.Write([]byte{0xff})
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// Load builds a store whose anchors are the certificates found in the given
// files or directories. In a directory, files ending in .pem, .crt, .cer or
// .der are read (not recursively). The MEDIS intermediates stay known.
func Load(paths ...string) (*Store, error) {
	roots, err := ReadFiles(paths...)
	if err != nil {
		return nil, err
	}
	if len(roots) == 0 {
		return nil, errors.New("no certificates found in the trust anchors given")
	}
	return New(roots, Default().intermediates), nil
}

// ReadFiles reads every certificate in the given files or directories.
func ReadFiles(paths ...string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("reading certificates: %w", err)
		}
		if !st.IsDir() {
			certs, err := ReadFile(p)
			if err != nil {
				return nil, err
			}
			out = append(out, certs...)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("reading certificate directory: %w", err)
		}
		for _, e := range entries {
			if e.IsDir() || !isCertFileName(e.Name()) {
				continue
			}
			certs, err := ReadFile(filepath.Join(p, e.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, certs...)
		}
	}
	return out, nil
}

func isCertFileName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pem", ".crt", ".cer", ".der":
		return true
	}
	return false
}

// ReadFile reads the certificates of one PEM or DER file.
func ReadFile(name string) ([]*x509.Certificate, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading certificate: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCertFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading certificate %s: %w", name, err)
	}
	if len(data) > maxCertFile {
		return nil, fmt.Errorf("%s: too large for a certificate file", name)
	}
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return certs, nil
}

// Verify builds the certification paths from cert to the store's anchors as
// they stand at the time at, using the store's intermediates and extra
// (untrusted) certificates. It checks signatures, validity periods at that
// time, basic constraints and name constraints; any extended key usage is
// accepted, and RFC 5280 explicit-policy processing is not required (real
// HPKI chains use different policy OIDs at each level without mappings).
// Revocation is not checked here.
func (s *Store) Verify(cert *x509.Certificate, extra []*x509.Certificate, at time.Time) ([][]*x509.Certificate, error) {
	inter := s.interPool
	if len(extra) > 0 {
		inter = s.interPool.Clone()
		for _, c := range extra {
			inter.AddCert(c)
		}
	}
	chains, err := cert.Verify(x509.VerifyOptions{
		Roots:         s.rootPool,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return nil, fmt.Errorf("no valid path to a trust anchor at %s: %w", at.UTC().Format(time.RFC3339), err)
	}
	return chains, nil
}

// ErrNotCertificate is returned for input that holds no certificate.
var ErrNotCertificate = errors.New("not a certificate (expected PEM \"CERTIFICATE\" blocks or DER)")

// ParseCertificates parses one DER certificate or any number of PEM
// CERTIFICATE blocks. Other PEM blocks (keys, CRLs) are ignored; input with
// no certificate at all is an error.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	trimmed := bytes.TrimSpace(data)
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		var out []*x509.Certificate
		rest := trimmed
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			if block.Type != "CERTIFICATE" && block.Type != "X509 CERTIFICATE" && block.Type != "TRUSTED CERTIFICATE" {
				continue
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parsing PEM certificate: %w", err)
			}
			out = append(out, c)
		}
		if len(out) == 0 {
			return nil, ErrNotCertificate
		}
		return out, nil
	}
	if len(trimmed) == 0 || data[0] != 0x30 {
		return nil, ErrNotCertificate
	}
	c, err := x509.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotCertificate, err)
	}
	return []*x509.Certificate{c}, nil
}

// ParseCertificate parses exactly one certificate in PEM or DER.
func ParseCertificate(data []byte) (*x509.Certificate, error) {
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, err
	}
	if len(certs) != 1 {
		return nil, fmt.Errorf("expected one certificate, found %d", len(certs))
	}
	return certs[0], nil
}
