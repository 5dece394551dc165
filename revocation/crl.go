package revocation

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"time"
)

// Extensions a CRL may carry that change what it covers; we only accept
// complete CRLs (no delta CRLs, no partitioned or indirect ones).
var (
	oidDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDP         = asn1.ObjectIdentifier{2, 5, 29, 28}
)

// CheckCRL checks a DER CRL against cert, issued by issuer: the CRL must be
// issued by issuer (name and signature, and cRLSign when the issuer has a
// key usage), be a complete CRL, and have a nextUpdate after its
// thisUpdate. It returns the status of cert according to the CRL.
func CheckCRL(der []byte, cert, issuer *x509.Certificate) (*Info, error) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, invalid("not a CRL: %v", err)
	}
	if !bytes.Equal(crl.RawIssuer, cert.RawIssuer) {
		return nil, invalid("CRL issued by %q, not by the certificate's issuer %q", crl.Issuer, cert.Issuer)
	}
	if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) {
		return nil, invalid("CRL issuer %q is not %q", crl.Issuer, issuer.Subject)
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, invalid("the CRL issuer %q may not sign CRLs (no cRLSign)", issuer.Subject)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return nil, invalid("CRL signature does not verify with %q's key: %v", issuer.Subject, err)
	}
	for _, e := range crl.Extensions {
		switch {
		case e.Id.Equal(oidDeltaCRLIndicator):
			return nil, invalid("delta CRLs are not supported")
		case e.Id.Equal(oidIssuingDP):
			if !completeIDP(e.Value, cert.IsCA) {
				return nil, invalid("partitioned or indirect CRLs are not supported")
			}
		case e.Critical:
			return nil, invalid("CRL has an unknown critical extension %s", e.Id)
		}
	}
	if !crl.NextUpdate.IsZero() && !crl.NextUpdate.After(crl.ThisUpdate) {
		return nil, invalid("CRL nextUpdate %s is not after thisUpdate %s", crl.NextUpdate.Format(time.RFC3339), crl.ThisUpdate.Format(time.RFC3339))
	}
	info := &Info{Status: Good, ThisUpdate: crl.ThisUpdate, NextUpdate: crl.NextUpdate, ProducedAt: crl.ThisUpdate, Source: SourceCRL, Raw: der, Signer: issuer}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			info.Status, info.RevokedAt, info.Reason = Revoked, e.RevocationTime, e.ReasonCode
			if info.Reason == 8 { // removeFromCRL: only in delta CRLs
				return nil, invalid("removeFromCRL entry in a complete CRL")
			}
			break
		}
	}
	return info, nil
}

// completeIDP reports whether an issuingDistributionPoint keeps the CRL
// complete for the certificate (a CA certificate when ca): no
// onlySomeReasons, not indirect, not for attribute certificates only, and
// not restricted to the other kind of certificate.
func completeIDP(v []byte, ca bool) bool {
	var idp struct {
		DistributionPoint  asn1.RawValue  `asn1:"optional,tag:0"`
		OnlyUser           bool           `asn1:"optional,tag:1"`
		OnlyCA             bool           `asn1:"optional,tag:2"`
		OnlySomeReasons    asn1.BitString `asn1:"optional,tag:3"`
		Indirect           bool           `asn1:"optional,tag:4"`
		OnlyAttributeCerts bool           `asn1:"optional,tag:5"`
	}
	if rest, err := asn1.Unmarshal(v, &idp); err != nil || len(rest) != 0 {
		return false
	}
	return !(idp.OnlyCA && !ca) && !(idp.OnlyUser && ca) && idp.OnlySomeReasons.BitLength == 0 && !idp.Indirect && !idp.OnlyAttributeCerts
}
