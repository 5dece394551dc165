// Package sign makes CAdES signatures (ETSI EN 319 122-1, levels B-B and
// B-T) with HPKI credentials: a software key or an IC card behind any
// crypto.Signer.
//
// Security contract: before the key is used, the signer's certificate is
// checked against the HPKI profile (an HPKI signing certificate, unless
// explicitly allowed otherwise) and against the role requirement; a refused
// signature never reaches the key (so an IC card never asks for its PIN).
// Detached content is hashed as a stream and never held in memory.
package sign

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/tsa"
)

// Credential is a signing key with its certificate and chain.
type Credential struct {
	// Signer is the private key: a software key, or an IC card's signer.
	Signer crypto.Signer
	// Certificate is the signer's certificate.
	Certificate *x509.Certificate
	// Chain holds the issuing CAs, issuer first (the root may be left out).
	Chain []*x509.Certificate
}

// Level is a baseline signature level.
type Level string

// Levels made by this package (LT and LTA come from extension).
const (
	LevelB   Level = "B"
	LevelT   Level = "T"
	LevelLT  Level = "LT"
	LevelLTA Level = "LTA"
)

// Timestamper obtains RFC 3161 tokens; *tsa.Client is one.
type Timestamper interface {
	TimestampData(ctx context.Context, data []byte) (*tsa.Token, error)
}

// ErrRoleRefused is wrapped when the certificate lacks a required role.
var ErrRoleRefused = errors.New("signing refused")

// Preflight checks the credential before any key use: it must be allowed
// to sign documents at all (hcrole.DocumentSigner: never a CA, an HPKI
// authentication certificate, a TSA or OCSP key), be an HPKI signing
// certificate (unless allowNonHPKI, which turns this into a warning) and
// satisfy req (hcrole.Requirement.CheckCertificate). It does not look at
// time or revocation: verify.Verifier.CheckSigner does, for callers that
// sign now. It returns warnings to show the user.
func Preflight(cert *x509.Certificate, req hcrole.Requirement, allowNonHPKI bool) ([]string, error) {
	if cert == nil {
		return nil, errors.New("no signer certificate")
	}
	// Never: a CA, an authentication certificate, a TSA or OCSP key.
	if err := hcrole.DocumentSigner(cert); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrRoleRefused, cert.Subject.CommonName, err)
	}
	var warnings []string
	prof := hcrole.Classify(cert)
	if prof.Kind != hcrole.Signing {
		what := "not an HPKI certificate"
		if !allowNonHPKI {
			return nil, fmt.Errorf("%w: %s is %s", ErrRoleRefused, cert.Subject.CommonName, what)
		}
		warnings = append(warnings, fmt.Sprintf("WARNING: signing with %s: %s; the signature will not show an HPKI role", what, cert.Subject.CommonName))
	}
	if err := req.CheckCertificate(cert); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRoleRefused, err)
	}
	return warnings, nil
}
