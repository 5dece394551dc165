package revocation

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
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
	crl, err := ParseCRL(der, issuer)
	if errors.Is(err, ErrOtherIssuer) && !bytes.Equal(crl.RawIssuer(), cert.RawIssuer) {
		return nil, invalid("CRL issued by %q, not by the certificate's issuer %q", crl.list.Issuer, cert.Issuer)
	}
	if err != nil {
		return nil, err
	}
	return crl.Status(cert)
}

// ErrOtherIssuer is wrapped when a CRL was issued by another CA than the
// one it is checked against.
var ErrOtherIssuer = fmt.Errorf("%w: CRL of another issuer", ErrInvalid)

// CRL is a CRL whose signature, issuer and scope were checked. It is
// immutable and safe for concurrent use; checking it once and asking it
// about many certificates is what a bulk validation does.
type CRL struct {
	list    *x509.RevocationList
	der     []byte
	issuer  *x509.Certificate
	idp     []byte
	revoked map[string]x509.RevocationListEntry
}

// RawIssuer is the CRL's issuer name, DER.
func (c *CRL) RawIssuer() []byte { return c.list.RawIssuer }

// ParseCRL parses a DER CRL and checks it against issuer: issuer name
// (ErrOtherIssuer when it differs; the CRL is still returned), cRLSign,
// signature, completeness (no delta CRL, no unknown critical extension) and
// nextUpdate after thisUpdate.
func ParseCRL(der []byte, issuer *x509.Certificate) (*CRL, error) {
	list, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, invalid("not a CRL: %v", err)
	}
	c := &CRL{list: list, der: der, issuer: issuer}
	if !bytes.Equal(list.RawIssuer, issuer.RawSubject) {
		return c, fmt.Errorf("%w: CRL issuer %q is not %q", ErrOtherIssuer, list.Issuer, issuer.Subject)
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, invalid("the CRL issuer %q may not sign CRLs (no cRLSign)", issuer.Subject)
	}
	if err := list.CheckSignatureFrom(issuer); err != nil {
		return nil, invalid("CRL signature does not verify with %q's key: %v", issuer.Subject, err)
	}
	for _, e := range list.Extensions {
		switch {
		case e.Id.Equal(oidDeltaCRLIndicator):
			return nil, invalid("delta CRLs are not supported")
		case e.Id.Equal(oidIssuingDP):
			c.idp = e.Value
		case e.Critical:
			return nil, invalid("CRL has an unknown critical extension %s", e.Id)
		}
	}
	if !list.NextUpdate.IsZero() && !list.NextUpdate.After(list.ThisUpdate) {
		return nil, invalid("CRL nextUpdate %s is not after thisUpdate %s", list.NextUpdate.Format(time.RFC3339), list.ThisUpdate.Format(time.RFC3339))
	}
	c.revoked = make(map[string]x509.RevocationListEntry, len(list.RevokedCertificateEntries))
	for _, e := range list.RevokedCertificateEntries {
		if e.ReasonCode == 8 { // removeFromCRL: only in delta CRLs
			return nil, invalid("removeFromCRL entry in a complete CRL")
		}
		c.revoked[e.SerialNumber.String()] = e
	}
	return c, nil
}

// Status returns the status of cert according to the CRL; cert must be
// issued by the CRL's issuer, and be in the CRL's scope.
func (c *CRL) Status(cert *x509.Certificate) (*Info, error) {
	if !bytes.Equal(cert.RawIssuer, c.list.RawIssuer) {
		return nil, invalid("CRL issued by %q, not by the certificate's issuer %q", c.list.Issuer, cert.Issuer)
	}
	if c.idp != nil && !completeIDP(c.idp, cert.IsCA) {
		return nil, invalid("partitioned or indirect CRLs are not supported")
	}
	info := &Info{Status: Good, ThisUpdate: c.list.ThisUpdate, NextUpdate: c.list.NextUpdate, ProducedAt: c.list.ThisUpdate, Source: SourceCRL, Raw: c.der, Signer: c.issuer}
	if e, ok := c.revoked[cert.SerialNumber.String()]; ok {
		info.Status, info.RevokedAt, info.Reason = Revoked, e.RevocationTime, e.ReasonCode
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
