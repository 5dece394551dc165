package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
)

// ErrSignerRefused is wrapped by every CheckSigner refusal.
var ErrSignerRefused = errors.New("signer certificate refused")

// CheckSigner tells whether cert may make a new signature now (the
// Verifier's validation time): it must be allowed to sign documents
// (hcrole.DocumentSigner), be inside its validity period, and not be
// revoked. chain holds its CA certificates (issuer first); the issuer is
// taken from chain or from the trust store's intermediates. Revocation is
// checked under the rules of verification at the current time: with the
// caller's CRLs/OCSP responses, and from the certificate's own CRL/OCSP
// service unless Offline. When no status can be had, CheckSigner does not
// refuse: it returns a warning to show the user (a card holder may sign
// offline; the verifier decides later). A proven revocation is refused.
func (v *Verifier) CheckSigner(ctx context.Context, cert *x509.Certificate, chain []*x509.Certificate) (warnings []string, err error) {
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrSignerRefused, cert.Subject.CommonName, fmt.Sprintf(format, args...))
	}
	if err := hcrole.DocumentSigner(cert); err != nil {
		return nil, refuse("%v", err)
	}
	now := v.validationTime()
	if now.Before(cert.NotBefore) {
		return nil, refuse("not valid before %s", cert.NotBefore.UTC().Format(time.RFC3339))
	}
	if now.After(cert.NotAfter) {
		return nil, refuse("expired on %s", cert.NotAfter.UTC().Format(time.RFC3339))
	}
	issuer := issuerOf(cert, append(append([]*x509.Certificate{}, chain...), v.opts.Trust.IntermediateCertificates()...))
	if issuer == nil {
		return []string{fmt.Sprintf("the issuer of %q is not known: its revocation status was not checked before signing", cert.Subject.CommonName)}, nil
	}
	rev := v.checkRevocation(ctx, []*x509.Certificate{cert, issuer}, now, false, true, true, v.newMaterial(), &ValidationData{})
	for _, c := range rev.checks {
		if c.Status == "revoked" && c.RevokedAt != nil && !c.RevokedAt.After(now) {
			return nil, refuse("revoked on %s", c.RevokedAt.Format(time.RFC3339))
		}
	}
	if v.opts.Offline {
		return nil, nil // the user chose not to ask; nothing to report
	}
	return rev.warnings, nil
}

// issuerOf returns the certificate of candidates that issued cert (name
// and signature), or nil.
func issuerOf(cert *x509.Certificate, candidates []*x509.Certificate) *x509.Certificate {
	for _, c := range candidates {
		if c != nil && cert.CheckSignatureFrom(c) == nil {
			return c
		}
	}
	return nil
}
