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
	"encoding/asn1"
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

	"github.com/hpki-jp/hpki/internal/cms"
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
	// bare holds the SHA-256 of anchors admitted without a
	// basicConstraints extension (see New).
	bare map[[32]byte]bool
	// fingerprint is Fingerprint's value, computed once by New (the
	// store does not change after it).
	fingerprint [32]byte
}

// New returns a store trusting roots, with intermediates as path-building
// help only.
//
// A trust anchor is a name and a public key (RFC 5280 §6.1.1 d): a
// self-signed anchor that has no basicConstraints extension at all (older
// roots and many test TSA roots; OpenSSL accepts them by default) is used
// as an anchor, and AnchorWarning names it. Only the anchor itself is
// relaxed: an intermediate CA must still carry basicConstraints cA=TRUE,
// and an anchor whose basicConstraints says cA=FALSE stays unusable as an
// issuer.
func New(roots, intermediates []*x509.Certificate) *Store {
	s := &Store{
		roots:         append([]*x509.Certificate(nil), roots...),
		intermediates: append([]*x509.Certificate(nil), intermediates...),
		rootPool:      x509.NewCertPool(),
		interPool:     x509.NewCertPool(),
	}
	for _, c := range s.roots {
		if bare := asBareAnchor(c); bare != nil {
			if s.bare == nil {
				s.bare = map[[32]byte]bool{}
			}
			s.bare[sha256.Sum256(c.Raw)] = true
			c = bare
		}
		s.rootPool.AddCert(c)
	}
	for _, c := range s.intermediates {
		s.interPool.AddCert(c)
	}
	s.fingerprint = s.computeFingerprint()
	return s
}

// asBareAnchor returns, for a self-signed certificate without a
// basicConstraints extension, a copy that path building treats as a CA
// (crypto/x509 requires basicConstraints cA=TRUE of every issuer,
// anchors included); nil for any other certificate. The copy keeps the
// certificate's bytes, name and key: only the constraint fields differ.
func asBareAnchor(c *x509.Certificate) *x509.Certificate {
	if c.BasicConstraintsValid || hasExtension(c, oidBasicConstraints) {
		return nil
	}
	if !bytes.Equal(c.RawSubject, c.RawIssuer) {
		return nil
	}
	cp := *c
	cp.BasicConstraintsValid, cp.IsCA, cp.MaxPathLen, cp.MaxPathLenZero = true, true, -1, false
	if err := cp.CheckSignatureFrom(&cp); err != nil {
		return nil // not self-signed after all
	}
	return &cp
}

var oidBasicConstraints = []int{2, 5, 29, 19}

func hasExtension(c *x509.Certificate, oid []int) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}

// AnchorWarning returns a warning when c is one of the store's anchors
// that was admitted without a basicConstraints extension, and "" for any
// other certificate. Verifiers add it to their reports when a path ends
// at such an anchor.
func (s *Store) AnchorWarning(c *x509.Certificate) string {
	if c == nil || len(s.bare) == 0 || !s.bare[sha256.Sum256(c.Raw)] {
		return ""
	}
	return fmt.Sprintf("trust anchor %q has no basicConstraints extension: used as an anchor (RFC 5280 §6.1.1: an anchor is a name and a key), but it is no CA certificate by its own statement", c.Subject.String())
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
// It is computed once, when New makes the store (which does not change
// after): verifiers key every path lookup with it.
func (s *Store) Fingerprint() [32]byte { return s.fingerprint }

func (s *Store) computeFingerprint() [32]byte {
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
// files or directories. In a directory, files ending in .pem, .crt, .cer,
// .der, .p7b or .p7c are read (not recursively). The MEDIS intermediates
// stay known.
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
	case ".pem", ".crt", ".cer", ".der", ".p7b", ".p7c":
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
var ErrNotCertificate = errors.New("not a certificate (expected PEM \"CERTIFICATE\" blocks, DER, or a PKCS#7 certificate bundle)")

// ParseCertificates reads the certificates of a certificate file as people
// have them:
//
//   - PEM: every CERTIFICATE, X509 CERTIFICATE, TRUSTED CERTIFICATE (OpenSSL's
//     form with trust settings after the certificate, which are ignored) and
//     PKCS7 block, wherever it stands in the file: text before, between and
//     after blocks (`openssl x509 -text`, `openssl ca`, the "Bag Attributes"
//     of `openssl pkcs12 -nokeys`) is skipped, and so are other blocks (keys,
//     CRLs);
//   - DER (.cer, .crt, .der): one or more certificates one after the other,
//     optionally followed by white space or zero bytes;
//   - a PKCS#7 / CMS SignedData holding certificates (.p7b, .p7c), in DER or
//     PEM.
//
// Only the certificates' own bytes are parsed; nothing around them is
// trusted or reported. Input with no certificate at all is ErrNotCertificate.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		return parsePEMCertificates(data)
	}
	if len(data) == 0 || data[0] != 0x30 {
		return nil, ErrNotCertificate
	}
	return parseDERCertificates(data)
}

// isPadding reports whether b is only white space and zero bytes, which
// may follow DER data (files saved by text tools end in a newline; some
// producers pad with zeros). It is only ever applied after a complete DER
// element, never trimmed off one (DER may itself end in such bytes).
func isPadding(b []byte) bool {
	return len(bytes.TrimLeft(b, " \t\r\n\x00")) == 0
}

func parsePEMCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	var others []string
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "CERTIFICATE", "X509 CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parsing PEM certificate %d: %w", len(out)+1, err)
			}
			out = append(out, c)
		case "TRUSTED CERTIFICATE":
			// The certificate followed by OpenSSL's X509_CERT_AUX.
			c, err := parseFirstDER(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parsing PEM trusted certificate %d: %w", len(out)+1, err)
			}
			out = append(out, c)
		case "PKCS7", "CMS":
			certs, err := parsePKCS7Certificates(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parsing PEM %s bundle: %w", block.Type, err)
			}
			out = append(out, certs...)
		default:
			if len(others) < 4 {
				others = append(others, block.Type)
			}
		}
	}
	if len(out) == 0 {
		if len(others) > 0 {
			return nil, fmt.Errorf("%w: the PEM blocks are %s", ErrNotCertificate, strings.Join(others, ", "))
		}
		return nil, ErrNotCertificate
	}
	return out, nil
}

// parseFirstDER parses the certificate at the start of b (OpenSSL's
// TRUSTED CERTIFICATE form); the X509_CERT_AUX after it is ignored, except
// that a certificate the file marks as rejected for some purpose (its
// reject list, [0]) is refused rather than silently trusted.
func parseFirstDER(b []byte) (*x509.Certificate, error) {
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(b, &raw)
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		var aux asn1.RawValue
		if _, err := asn1.Unmarshal(rest, &aux); err != nil || aux.Tag != asn1.TagSequence {
			return nil, errors.New("unreadable trust settings after the certificate")
		}
		for in := aux.Bytes; len(in) > 0; {
			var e asn1.RawValue
			if in, err = asn1.Unmarshal(in, &e); err != nil {
				return nil, errors.New("unreadable trust settings after the certificate")
			}
			if e.Class == asn1.ClassContextSpecific && e.Tag == 0 {
				return nil, errors.New("the file marks this certificate as rejected (OpenSSL trust settings): not used")
			}
		}
	}
	return x509.ParseCertificate(raw.FullBytes)
}

// maxDERCertificates bounds the certificates of one DER file.
const maxDERCertificates = 10000

func parseDERCertificates(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := data
	for len(rest) > 0 && !isPadding(rest) {
		var raw asn1.RawValue
		next, err := asn1.Unmarshal(rest, &raw)
		if err != nil {
			if len(out) == 0 {
				// Not DER at all, or BER: a PKCS#7 bundle may be BER.
				if certs, perr := parsePKCS7Certificates(data); perr == nil {
					return certs, nil
				}
			}
			return nil, fmt.Errorf("%w: %v", ErrNotCertificate, err)
		}
		c, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			if len(out) == 0 && isPadding(next) {
				if certs, perr := parsePKCS7Certificates(raw.FullBytes); perr == nil {
					return certs, nil
				}
			}
			return nil, fmt.Errorf("%w: DER element %d: %v", ErrNotCertificate, len(out)+1, err)
		}
		out = append(out, c)
		if len(out) > maxDERCertificates {
			return nil, fmt.Errorf("more than %d certificates in one file", maxDERCertificates)
		}
		rest = next
	}
	return out, nil
}

// parsePKCS7Certificates reads the certificates of a PKCS#7 / CMS
// SignedData ("certs-only" bundles have no signer); the signatures, if any,
// are not checked: the certificates are treated like any other file's.
func parsePKCS7Certificates(der []byte) ([]*x509.Certificate, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, err
	}
	certs, err := sd.X509Certificates()
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, errors.New("the bundle holds no certificate")
	}
	return certs, nil
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
