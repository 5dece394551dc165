package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
)

// ErrCertificateInvalid is wrapped by every CheckCertificateNow refusal
// (a *CertificateError says which indication).
var ErrCertificateInvalid = errors.New("certificate not valid now")

// CertificateError is a CheckCertificateNow refusal with its ETSI
// indication: TOTAL_FAILED or INDETERMINATE and a sub-indication
// (NO_CERTIFICATE_CHAIN_FOUND, EXPIRED, REVOKED_NO_POE, TRY_LATER …).
type CertificateError struct {
	Indication    Indication
	SubIndication SubIndication
	Msg           string
}

func (e *CertificateError) Error() string {
	return fmt.Sprintf("%s/%s: %s", e.Indication, e.SubIndication, e.Msg)
}

// Unwrap returns ErrCertificateInvalid.
func (e *CertificateError) Unwrap() error { return ErrCertificateInvalid }

// CertificateStatus is what CheckCertificateNow established.
type CertificateStatus struct {
	// Chain is the path from the certificate to the anchor.
	Chain []*x509.Certificate
	// Revocation lists the status of each certificate of Chain but the
	// anchor, at the validation time.
	Revocation []RevocationCheck
	// Warnings are facts that did not change the outcome.
	Warnings []string
}

// CheckCertificateNow validates cert for use at the Verifier's validation
// time (Options.At, else now), with the rules of signature validation at the
// current time and nothing else: a path to one of Options.Trust's anchors
// valid at that time (extra: untrusted intermediates), and the status of
// every certificate on it but the anchor proven by revocation data under
// the freshness rules for the current time — from the certificate's CRL or
// OCSP service unless Options.Offline, or from Options.CRLs/OCSPResponses.
// Unlike CheckSigner it refuses when the status cannot be proven
// (INDETERMINATE/TRY_LATER), since there is no later validation to defer
// to; a certificate that names no CRL or OCSP service at all is accepted
// with a warning, as in signature validation. A revocation at or before
// the validation time is refused. It does not look at the certificate's
// kind or roles: callers combine it with hcrole.DocumentSigner or
// hcrole.LoginCertificate. Errors are *CertificateError.
func (v *Verifier) CheckCertificateNow(ctx context.Context, cert *x509.Certificate, extra []*x509.Certificate) (*CertificateStatus, error) {
	at := v.validationTime()
	chain, err := v.path(v.opts.Trust, cert, extra, at)
	if err != nil {
		ce := &CertificateError{Indication: Indeterminate, SubIndication: NoCertificateChainFound, Msg: err.Error()}
		if pf, ok := err.(*pathFailure); ok {
			ce.Indication, ce.SubIndication = pf.ind, pf.sub
		}
		return nil, ce
	}
	rev := v.checkRevocation(ctx, chain, at, false, true, false, v.newMaterial(), &ValidationData{})
	st := &CertificateStatus{Chain: chain, Revocation: rev.checks, Warnings: rev.warnings}
	if rev.ind != "" {
		return st, &CertificateError{Indication: rev.ind, SubIndication: rev.sub, Msg: rev.err}
	}
	return st, nil
}
