package hcrole

import (
	"crypto/x509"
	"errors"
	"fmt"
)

// ErrNotLoginCertificate is wrapped by every LoginCertificate refusal.
var ErrNotLoginCertificate = errors.New("not a certificate for login")

// LoginCertificate returns nil when cert may be used to log in (ISO
// 17090-5 authentication, JAHIS HPKI電子認証ガイドライン), and otherwise an
// error wrapping ErrNotLoginCertificate that says why. It is the one place
// of the rule, the counterpart of DocumentSigner:
//   - cert is an end entity (not a CA, no keyCertSign/cRLSign);
//   - Classify gives Authentication: a policy under PolicyArcAuthentication
//     (1.2.392.100495.1.5.1.2), no signing policy, and keyUsage
//     digitalSignature;
//   - so an HPKI signing (署名用) certificate is refused, whatever its
//     keyUsage says: ISO 17090-4/-5 keep signing and login keys apart;
//   - it is not a key reserved for time-stamping or OCSP responses.
//
// LoginCertificate does not validate the certificate (path, validity,
// revocation) and does not look at roles (Requirement.CheckLogin).
func LoginCertificate(cert *x509.Certificate) error {
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrNotLoginCertificate, fmt.Sprintf(format, args...))
	}
	if cert.IsCA || cert.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		return refuse("a CA certificate (basicConstraints cA or keyUsage keyCertSign/cRLSign), not an end entity")
	}
	for _, oid := range cert.PolicyIdentifiers {
		if inArc(oid, PolicyArcSigning) {
			return refuse("an HPKI signing (署名用) certificate (policy %s): it signs documents and never logs in; use the card's authentication (認証用) certificate", oid)
		}
	}
	for _, eku := range cert.ExtKeyUsage {
		switch eku {
		case x509.ExtKeyUsageTimeStamping:
			return refuse("a time-stamping authority's key (extended key usage timeStamping)")
		case x509.ExtKeyUsageOCSPSigning:
			return refuse("an OCSP responder's key (extended key usage OCSPSigning)")
		}
	}
	if p := Classify(cert); p.Kind != Authentication {
		why := "no HPKI authentication policy (arc 1.2.392.100495.1.5.1.2)"
		if len(p.Policies) > 0 {
			why = "keyUsage lacks digitalSignature"
		}
		return refuse("not an HPKI authentication (認証用) certificate: %s", why)
	}
	return nil
}

// CheckLogin returns nil when cert's holder satisfies the requirement for
// login: cert passes LoginCertificate and, for a non-zero requirement, one
// of its hcRoles satisfies Check (exactly as the catalogue spells it, under
// exactly its scheme). The zero Requirement asks only LoginCertificate.
func (r Requirement) CheckLogin(cert *x509.Certificate) error {
	if err := LoginCertificate(cert); err != nil {
		return err
	}
	if r.IsZero() {
		return nil
	}
	roles, err := FromCertificate(cert)
	if err != nil {
		return fmt.Errorf("required HPKI role %s: %w", r, err)
	}
	return r.Check(roles)
}
