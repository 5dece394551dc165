package hcrole

import (
	"crypto/x509"
	"errors"
	"fmt"
)

// ErrNotDocumentSigner is wrapped by every DocumentSigner refusal.
var ErrNotDocumentSigner = errors.New("not a certificate for signing documents")

// DocumentSigner returns nil when cert may sign documents (CAdES, XAdES,
// PAdES signatures), and otherwise an error wrapping ErrNotDocumentSigner
// that says why. It is the one place of the rule, used by the verifier and
// by the signer before anything is written:
//   - cert is an end entity: not a CA (basicConstraints cA) and without
//     keyCertSign or cRLSign;
//   - when keyUsage is present it allows signing: nonRepudiation
//     (contentCommitment) or digitalSignature;
//   - it is not an HPKI authentication (認証用) certificate: ISO 17090-4/-5
//     keep authentication and signing keys apart, so a certificate with a
//     policy under PolicyArcAuthentication never signs documents, whatever
//     its keyUsage says;
//   - it is not a key reserved for time-stamping or OCSP responses (extended
//     key usage timeStamping or OCSPSigning, RFC 3161 §2.3, RFC 6960 §4.2.2.2).
//
// DocumentSigner does not validate the certificate (path, validity,
// revocation) and does not look at roles (Requirement.CheckCertificate).
func DocumentSigner(cert *x509.Certificate) error {
	refuse := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrNotDocumentSigner, fmt.Sprintf(format, args...))
	}
	if cert.IsCA || cert.KeyUsage&(x509.KeyUsageCertSign|x509.KeyUsageCRLSign) != 0 {
		return refuse("a CA certificate (basicConstraints cA or keyUsage keyCertSign/cRLSign), not an end entity")
	}
	for _, oid := range cert.PolicyIdentifiers {
		if inArc(oid, PolicyArcAuthentication) {
			return refuse("an HPKI authentication (認証用) certificate (policy %s): it is for login only and never signs documents", oid)
		}
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageContentCommitment|x509.KeyUsageDigitalSignature) == 0 {
		return refuse("keyUsage allows neither nonRepudiation nor digitalSignature")
	}
	for _, eku := range cert.ExtKeyUsage {
		switch eku {
		case x509.ExtKeyUsageTimeStamping:
			return refuse("a time-stamping authority's key (extended key usage timeStamping)")
		case x509.ExtKeyUsageOCSPSigning:
			return refuse("an OCSP responder's key (extended key usage OCSPSigning)")
		}
	}
	return nil
}
