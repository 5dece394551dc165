// Package revocation checks whether certificates were revoked: CRLs (RFC
// 5280) and OCSP responses (RFC 6960), fetched over HTTP or taken from a
// signature's embedded validation data, and a small OCSP responder for
// demos and tests.
//
// Security contract: CheckCRL and CheckOCSP return an Info only for data
// that is signed by the certificate's issuer (or, for OCSP, by a responder
// the issuer delegated with id-kp-OCSPSigning), that names the certificate
// (issuer name and key hashes and serial number for OCSP; issuer name for
// CRLs) and, when a nonce was sent, that echoes it. Whether the data is
// fresh enough for a given time is the caller's decision (Info.CoversTime);
// nothing here reads the clock.
package revocation

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// Status is a certificate's revocation status as some data states it.
type Status int

// Statuses.
const (
	Good Status = iota
	Revoked
	Unknown
)

func (s Status) String() string {
	switch s {
	case Good:
		return "good"
	case Revoked:
		return "revoked"
	}
	return "unknown"
}

// Source says what kind of data an Info comes from.
type Source string

// Sources.
const (
	SourceCRL  Source = "CRL"
	SourceOCSP Source = "OCSP"
)

// Info is checked revocation data about one certificate.
type Info struct {
	Status Status
	// RevokedAt and Reason are set when Status is Revoked.
	RevokedAt time.Time
	Reason    int
	// ThisUpdate is when the status was known to be correct; NextUpdate
	// when newer data will be available (zero when not given).
	ThisUpdate, NextUpdate time.Time
	// ProducedAt is when the data was signed (OCSP producedAt; the CRL's
	// thisUpdate).
	ProducedAt time.Time
	Source     Source
	// Raw is the CRL or the OCSPResponse, DER, as checked.
	Raw []byte
	// Signer is the certificate that signed the data: the issuing CA, or
	// a delegated OCSP responder.
	Signer *x509.Certificate
}

// CoversTime reports whether the data proves the certificate's status at
// time t: it was issued at or after t, or t lies between its thisUpdate
// and nextUpdate. A revocation is permanent, so revoked data issued after
// t states whether the revocation came before or after t.
func (i *Info) CoversTime(t time.Time) bool {
	if !i.ThisUpdate.Before(t) {
		return true
	}
	return !i.NextUpdate.IsZero() && t.Before(i.NextUpdate)
}

// ErrInvalid is wrapped by every rejection of revocation data.
var ErrInvalid = errors.New("revocation data rejected")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Checkable reports whether a certificate names a CRL or OCSP service; one
// without either (or with id-pkix-ocsp-nocheck) cannot be checked.
func Checkable(c *x509.Certificate) bool {
	if NoCheck(c) {
		return false
	}
	return len(c.CRLDistributionPoints) > 0 || len(c.OCSPServer) > 0
}

// oidOCSPNoCheck marks an OCSP responder certificate whose status is not to
// be checked (RFC 6960 §4.2.2.2.1).
var oidOCSPNoCheck = []int{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

// NoCheck reports whether c carries id-pkix-ocsp-nocheck.
func NoCheck(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidOCSPNoCheck) {
			return true
		}
	}
	return false
}
