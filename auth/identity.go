// Package auth authenticates people with their HPKI authentication (認証用)
// credentials, as ISO 17090-5 and the JAHIS HPKI電子認証ガイドライン describe:
// it checks an authentication certificate for login, runs a challenge–response
// login over a one-time nonce bound to the server's origin, keeps short-lived
// sessions, and maps TLS client certificates to the same Identity.
//
// Security contract: an Identity is returned only for a certificate that
//   - is an HPKI authentication certificate (hcrole.LoginCertificate: policy
//     arc 1.2.392.100495.1.5.1.2, keyUsage digitalSignature; a signing
//     certificate never logs in),
//   - chains to the caller's trust anchors now and is proven not revoked now
//     by fresh CRL/OCSP data (verify.Verifier.CheckCertificateNow; a status
//     that cannot be proven refuses the login),
//   - meets the caller's role requirement (hcrole.Requirement.CheckLogin),
//
// and, for challenge–response, whose key signed the documented to-be-signed
// text (ToBeSigned) over a nonce this server issued, that was unused and
// unexpired, for this server's origin, at a time within the allowed clock
// skew. Nonces are consumed by the first login attempt that names them,
// successful or not.
package auth

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/hpki-jp/hpki/certinfo"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/verify"
)

// Identity is an authenticated person, as their HPKI authentication
// certificate names them. Its JSON encoding is part of the hpki serve API.
type Identity struct {
	// Subject is the romaji common name; SubjectJa the Kanji one (from the
	// subjectAltName directoryName).
	Subject   string `json:"subject"`
	SubjectJa string `json:"subjectJa,omitempty"`
	// Organization and OrganizationJa name the holder's organisation.
	Organization   string `json:"organization,omitempty"`
	OrganizationJa string `json:"organizationJa,omitempty"`
	// HolderID is the subject's serialNumber attribute (the HPKI holder
	// identifier), empty when absent.
	HolderID string `json:"holderId,omitempty"`
	// Roles are the hcRoles with their scheme and Japanese names.
	Roles []certinfo.Role `json:"roles"`
	// Issuer, Serial and CertificateSHA256 identify the certificate.
	Issuer            string    `json:"issuer"`
	Serial            string    `json:"serial"`
	CertificateSHA256 string    `json:"certificateSha256"`
	NotAfter          time.Time `json:"notAfter"`
	// Warnings are facts of the validation that did not refuse the login.
	Warnings []string `json:"warnings,omitempty"`

	rawSubject []byte
	issuingCA  *x509.Certificate // from the validated path (Identify), else nil
	roles      []hcrole.Role
}

var oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

// NewIdentity describes cert as an Identity without checking anything:
// use Authenticator.Identify to authenticate.
func NewIdentity(cert *x509.Certificate) *Identity {
	info := certinfo.Describe(cert)
	sum := sha256.Sum256(cert.Raw)
	id := &Identity{
		Subject:           cert.Subject.CommonName,
		SubjectJa:         info.SubjectJa,
		OrganizationJa:    info.OrganizationJa,
		Roles:             info.Roles,
		Issuer:            info.Issuer,
		Serial:            info.Serial,
		CertificateSHA256: hex.EncodeToString(sum[:]),
		NotAfter:          cert.NotAfter.UTC(),
		rawSubject:        append([]byte(nil), cert.RawSubject...),
	}
	if !cert.IsCA {
		id.roles, _ = hcrole.FromCertificate(cert)
	}
	if len(cert.Subject.Organization) > 0 {
		id.Organization = cert.Subject.Organization[0]
	}
	for _, n := range cert.Subject.Names {
		if n.Type.Equal(oidSerialNumber) {
			if s, ok := n.Value.(string); ok {
				id.HolderID = s
			}
		}
	}
	return id
}

// Owns reports whether cert, a signing certificate with chain (its CA
// certificates), is a certificate of the same person as the identity. The
// rule, all of which must hold:
//
//  1. the subject names are byte-equal (common name, organisation and
//     serialNumber) and carry a non-empty serialNumber, the HPKI holder
//     identifier;
//  2. the CA that issued cert is in chain, and its key verifies cert's
//     signature;
//  3. that CA and the CA that issued the identity's authentication
//     certificate (from the path validated at login) are the same CA or
//     sibling CAs of one HPKI certification authority: both certified by
//     the same key (equal issuer name and authority key identifier, which
//     must be present) with names equal but for their common name (e.g.
//     "…-SignCA-forNonRepudiation" and "…-AuthCA-forAuthentication" of one
//     organisation).
//
// Assumption: an HPKI certification authority (MEDIS, JMA, JPA) issues a
// holder's signing and authentication certificates under the same subject
// name, from its signing and authentication CAs, which its one root key
// certifies; a holder identifier is unique only within one authority, so a
// same-named certificate of another authority (another root key) is not the
// same person. An identity made by NewIdentity (no validated path) owns
// nothing. Owns does not validate cert: a signer must still check it
// (sign.Preflight, verify.Verifier.CheckSigner), which the caller does.
func (id *Identity) Owns(cert *x509.Certificate, chain []*x509.Certificate) bool {
	if id == nil || cert == nil || id.HolderID == "" || len(id.rawSubject) == 0 || id.issuingCA == nil {
		return false
	}
	if !bytes.Equal(cert.RawSubject, id.rawSubject) {
		return false
	}
	var issuer *x509.Certificate
	for _, c := range chain {
		if c != nil && c.IsCA && bytes.Equal(c.RawSubject, cert.RawIssuer) && cert.CheckSignatureFrom(c) == nil {
			issuer = c
			break
		}
	}
	if issuer == nil {
		return false
	}
	return sameAuthority(issuer, id.issuingCA)
}

// sameAuthority reports whether CAs a and b are one CA or sibling CAs of
// one certification authority (Owns, rule 3).
func sameAuthority(a, b *x509.Certificate) bool {
	if bytes.Equal(a.Raw, b.Raw) {
		return true
	}
	if len(a.AuthorityKeyId) == 0 || !bytes.Equal(a.AuthorityKeyId, b.AuthorityKeyId) || !bytes.Equal(a.RawIssuer, b.RawIssuer) {
		return false
	}
	return nameWithoutCN(a.Subject) == nameWithoutCN(b.Subject)
}

// nameWithoutCN is the name's attributes, in order, but its common names.
func nameWithoutCN(n pkix.Name) string {
	var rdn pkix.RDNSequence
	for _, atv := range n.Names {
		if atv.Type.Equal(oidCommonName) {
			continue
		}
		rdn = append(rdn, []pkix.AttributeTypeAndValue{atv})
	}
	return fmt.Sprintf("%d:%v", len(rdn), rdn)
}

var oidCommonName = asn1.ObjectIdentifier{2, 5, 4, 3}

// HasRole reports whether the identity carries a role meeting r (r's
// catalogue entries, each under exactly its scheme).
func (id *Identity) HasRole(r hcrole.Requirement) bool {
	return id != nil && r.Check(id.roles) == nil
}

// Options configure an Authenticator.
type Options struct {
	// Verifier validates certificates (trust anchors, revocation data,
	// online/offline, clock). Required.
	Verifier *verify.Verifier
	// RequireRole refuses holders lacking all of these roles (zero: any
	// holder of a valid authentication certificate).
	RequireRole hcrole.Requirement
}

// Authenticator checks HPKI authentication certificates for login. It is
// safe for concurrent use.
type Authenticator struct {
	opts Options
}

// New returns an Authenticator. It panics when opts.Verifier is nil.
func New(opts Options) *Authenticator {
	if opts.Verifier == nil {
		panic("auth.New: Options.Verifier is nil")
	}
	return &Authenticator{opts: opts}
}

// Identify checks cert (with chain, its untrusted intermediates) for a
// login now, under the package's security contract, and returns who it
// names. Errors wrap ErrRefused with a Reason.
func (a *Authenticator) Identify(ctx context.Context, cert *x509.Certificate, chain []*x509.Certificate) (*Identity, error) {
	if err := hcrole.LoginCertificate(cert); err != nil {
		return nil, refused(ReasonCertificateKind, err)
	}
	st, err := a.opts.Verifier.CheckCertificateNow(ctx, cert, chain)
	if err != nil {
		var ce *verify.CertificateError
		if errors.As(err, &ce) && (ce.SubIndication == verify.RevokedNoPOE || ce.SubIndication == verify.Revoked) {
			return nil, refused(ReasonRevoked, err)
		}
		return nil, refused(ReasonCertificateInvalid, err)
	}
	if err := a.opts.RequireRole.CheckLogin(cert); err != nil {
		return nil, refused(ReasonRole, err)
	}
	id := NewIdentity(cert)
	id.Warnings = st.Warnings
	if len(st.Chain) > 1 {
		id.issuingCA = st.Chain[1]
	}
	return id, nil
}

// Reason says why a login was refused; it is safe to show to the client.
type Reason string

// Reasons of refusals.
const (
	ReasonMalformed          Reason = "malformed"
	ReasonUnknownNonce       Reason = "unknown_nonce"
	ReasonExpired            Reason = "expired"
	ReasonWrongOrigin        Reason = "wrong_origin"
	ReasonClockSkew          Reason = "clock_skew"
	ReasonBadSignature       Reason = "bad_signature"
	ReasonCertificateKind    Reason = "not_login_certificate"
	ReasonCertificateInvalid Reason = "certificate_invalid"
	ReasonRevoked            Reason = "revoked"
	ReasonRole               Reason = "role"
	ReasonBusy               Reason = "busy"
)

// ErrRefused is wrapped by every refused login.
var ErrRefused = errors.New("login refused")

// Error is a refused login.
type Error struct {
	Reason Reason
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("%v (%s): %v", ErrRefused, e.Reason, e.Err) }

// Unwrap returns the cause; errors.Is(err, ErrRefused) holds as well.
func (e *Error) Unwrap() []error { return []error{ErrRefused, e.Err} }

func refused(r Reason, err error) error { return &Error{Reason: r, Err: err} }

// ReasonOf returns the Reason of a refusal, or "" for other errors.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
