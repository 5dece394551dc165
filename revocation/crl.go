package revocation

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Extensions a CRL may carry that change what it covers; we only accept
// complete CRLs (no delta CRLs, no partitioned or indirect ones).
var (
	oidDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDP         = asn1.ObjectIdentifier{2, 5, 29, 28}
	// CRL entry extensions understood here (certificateIssuer, of
	// indirect CRLs, is not).
	oidReasonCode     = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidInvalidityDate = asn1.ObjectIdentifier{2, 5, 29, 24}
)

// CheckCRL checks a DER CRL against cert, issued by issuer: the CRL must be
// issued by issuer (name and signature, and cRLSign when the issuer has a
// key usage), be a complete CRL, and have a nextUpdate after its
// thisUpdate. It returns the status of cert according to the CRL.
func CheckCRL(der []byte, cert, issuer *x509.Certificate) (*Info, error) {
	crl, err := ParseCRL(der, issuer)
	if errors.Is(err, ErrOtherIssuer) && !bytes.Equal(crl.RawIssuer(), cert.RawIssuer) {
		return nil, invalid("CRL issued by %q, not by the certificate's issuer %q", nameOf(crl.RawIssuer()), cert.Issuer)
	}
	if err != nil {
		return nil, err
	}
	return crl.Status(cert)
}

// ErrOtherIssuer is wrapped when a CRL was issued by another CA than the
// one it is checked against.
var ErrOtherIssuer = fmt.Errorf("%w: CRL of another issuer", ErrInvalid)

// MaxCRLSize bounds the size of a CRL that ParseCRL accepts: 128 MiB, four
// times the Fetcher's default download limit and far above the CRLs that
// public CAs publish (a few MB; the largest known, tens of MB). A CRL is
// parsed in full only after its issuer name and its signature were
// checked, so only CRLs that the issuer really signed cost memory in
// proportion to their entries.
const MaxCRLSize = 128 << 20

// CRL is a CRL whose signature, issuer and scope were checked. It is
// immutable and safe for concurrent use; checking it once and asking it
// about many certificates is what a bulk validation does. It holds its own
// copy of the DER, never the caller's buffer.
type CRL struct {
	list      *x509.RevocationList // nil when the CRL is another issuer's
	der       []byte
	rawIssuer []byte
	issuer    *x509.Certificate
	idp       []byte
	revoked   map[string]int // serial number → index in list.RevokedCertificateEntries
}

// RawIssuer is the CRL's issuer name, DER.
func (c *CRL) RawIssuer() []byte { return c.rawIssuer }

// CRLIssuer returns the issuer name (DER) of a CRL from its outer
// structure, without parsing its entries or checking anything else: a
// cheap way to skip the CRLs of other CAs. Its cost does not depend on the
// number of entries.
func CRLIssuer(der []byte) ([]byte, error) {
	o, err := outlineCRL(der)
	if err != nil {
		return nil, invalid("not a CRL: %v", err)
	}
	return o.rawIssuer, nil
}

// crlOutline is what ParseCRL reads of a CRL before parsing it in full.
type crlOutline struct {
	tbs, rawIssuer []byte
	sigAlg         []byte // outer signatureAlgorithm, DER
	signature      []byte
}

// outlineCRL reads the outer structure of a CertificateList: the TBS
// bytes, the issuer name, the signature algorithm and value. It reads
// element headers only, not the revoked certificates.
func outlineCRL(der []byte) (*crlOutline, error) {
	in := cryptobyte.String(der)
	var list, tbsElem, tbs cryptobyte.String
	if !in.ReadASN1(&list, cbasn1.SEQUENCE) || !in.Empty() {
		return nil, errors.New("not a DER SEQUENCE without trailing data")
	}
	if !list.ReadASN1Element(&tbsElem, cbasn1.SEQUENCE) {
		return nil, errors.New("no tbsCertList")
	}
	var o crlOutline
	o.tbs = tbsElem
	var alg cryptobyte.String
	var sig asn1.BitString
	if !list.ReadASN1Element(&alg, cbasn1.SEQUENCE) || !list.ReadASN1BitString(&sig) || !list.Empty() {
		return nil, errors.New("malformed signatureAlgorithm or signatureValue")
	}
	o.sigAlg, o.signature = alg, sig.RightAlign()
	if !tbsElem.ReadASN1(&tbs, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed tbsCertList")
	}
	if tbs.PeekASN1Tag(cbasn1.INTEGER) && !tbs.SkipASN1(cbasn1.INTEGER) {
		return nil, errors.New("malformed version")
	}
	var innerAlg, name cryptobyte.String
	if !tbs.ReadASN1Element(&innerAlg, cbasn1.SEQUENCE) || !tbs.ReadASN1Element(&name, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed signature or issuer")
	}
	if !bytes.Equal(innerAlg, alg) {
		return nil, errors.New("inner and outer signature algorithms differ")
	}
	o.rawIssuer = name
	return &o, nil
}

// crlSignatureAlgorithm returns the x509 algorithm of a CRL's DER
// signatureAlgorithm with the rules of crypto/x509 (which parses it the
// same way once the CRL is parsed in full): the OID alone for PKCS#1 v1.5
// and ECDSA, no parameters for Ed25519, and for RSASSA-PSS only MGF1 with
// the message hash, a salt of the hash's length and the default trailer.
func crlSignatureAlgorithm(der []byte) x509.SignatureAlgorithm {
	var ai pkix.AlgorithmIdentifier
	if rest, err := asn1.Unmarshal(der, &ai); err != nil || len(rest) != 0 {
		return x509.UnknownSignatureAlgorithm
	}
	byOID := []struct {
		oid asn1.ObjectIdentifier
		alg x509.SignatureAlgorithm
	}{
		{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}, x509.SHA1WithRSA},
		{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}, x509.SHA256WithRSA},
		{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}, x509.SHA384WithRSA},
		{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}, x509.SHA512WithRSA},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}, x509.ECDSAWithSHA1},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}, x509.ECDSAWithSHA256},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}, x509.ECDSAWithSHA384},
		{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}, x509.ECDSAWithSHA512},
	}
	for _, x := range byOID {
		if ai.Algorithm.Equal(x.oid) {
			return x.alg
		}
	}
	if ai.Algorithm.Equal(asn1.ObjectIdentifier{1, 3, 101, 112}) {
		if len(ai.Parameters.FullBytes) != 0 {
			return x509.UnknownSignatureAlgorithm
		}
		return x509.PureEd25519
	}
	if !ai.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}) {
		return x509.UnknownSignatureAlgorithm
	}
	var params struct {
		Hash         pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
		MGF          pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
		SaltLength   int                      `asn1:"explicit,tag:2"`
		TrailerField int                      `asn1:"optional,explicit,tag:3,default:1"`
	}
	if _, err := asn1.Unmarshal(ai.Parameters.FullBytes, &params); err != nil {
		return x509.UnknownSignatureAlgorithm
	}
	var mgfHash pkix.AlgorithmIdentifier
	if _, err := asn1.Unmarshal(params.MGF.Parameters.FullBytes, &mgfHash); err != nil {
		return x509.UnknownSignatureAlgorithm
	}
	nullOrAbsent := func(p asn1.RawValue) bool {
		return len(p.FullBytes) == 0 || bytes.Equal(p.FullBytes, asn1.NullBytes)
	}
	if !nullOrAbsent(params.Hash.Parameters) || !params.MGF.Algorithm.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}) ||
		!mgfHash.Algorithm.Equal(params.Hash.Algorithm) || !nullOrAbsent(mgfHash.Parameters) || params.TrailerField != 1 {
		return x509.UnknownSignatureAlgorithm
	}
	switch {
	case params.Hash.Algorithm.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}) && params.SaltLength == 32:
		return x509.SHA256WithRSAPSS
	case params.Hash.Algorithm.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}) && params.SaltLength == 48:
		return x509.SHA384WithRSAPSS
	case params.Hash.Algorithm.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}) && params.SaltLength == 64:
		return x509.SHA512WithRSAPSS
	}
	return x509.UnknownSignatureAlgorithm
}

// ParseCRL parses a DER CRL and checks it against issuer: issuer name
// (ErrOtherIssuer when it differs; a CRL holding only its issuer name is
// still returned), cRLSign, signature, completeness (no delta CRL, no
// unknown critical extension) and nextUpdate after thisUpdate.
//
// Cost: the issuer name and the signature are checked on the outer
// structure first (element headers and one hash over the TBS bytes), so a
// CRL of another issuer, or one the issuer did not sign, costs no parsing
// of its entries and no allocation in proportion to its size. Only a CRL
// that passes both is parsed in full (into a copy of der). CRLs above
// MaxCRLSize are refused.
func ParseCRL(der []byte, issuer *x509.Certificate) (*CRL, error) {
	if len(der) > MaxCRLSize {
		return nil, invalid("CRL of %d bytes exceeds the %d byte limit", len(der), MaxCRLSize)
	}
	o, err := outlineCRL(der)
	if err != nil {
		return nil, invalid("not a CRL: %v", err)
	}
	if !bytes.Equal(o.rawIssuer, issuer.RawSubject) {
		c := &CRL{rawIssuer: bytes.Clone(o.rawIssuer), issuer: issuer}
		return c, fmt.Errorf("%w: CRL issuer %q is not %q", ErrOtherIssuer, nameOf(o.rawIssuer), issuer.Subject)
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return nil, invalid("the CRL issuer %q may not sign CRLs (no cRLSign)", issuer.Subject)
	}
	alg := crlSignatureAlgorithm(o.sigAlg)
	if alg == x509.UnknownSignatureAlgorithm {
		return nil, invalid("CRL signature algorithm is not supported")
	}
	if err := issuer.CheckSignature(alg, o.tbs, o.signature); err != nil {
		return nil, invalid("CRL signature does not verify with %q's key: %v", issuer.Subject, err)
	}
	own := bytes.Clone(der)
	list, err := x509.ParseRevocationList(own)
	if err != nil {
		return nil, invalid("not a CRL: %v", err)
	}
	c := &CRL{list: list, der: own, rawIssuer: list.RawIssuer, issuer: issuer}
	if err := list.CheckSignatureFrom(issuer); err != nil {
		return nil, invalid("CRL signature does not verify with %q's key: %v", issuer.Subject, err)
	}
	// Each extension at most once (two issuingDistributionPoints could name
	// two scopes), the CRL's and each entry's.
	if err := checkExtensions("CRL", list.Extensions, oidDeltaCRLIndicator, oidIssuingDP); err != nil {
		return nil, err
	}
	for i := range list.RevokedCertificateEntries {
		if err := checkExtensions("CRL entry", list.RevokedCertificateEntries[i].Extensions, oidReasonCode, oidInvalidityDate); err != nil {
			return nil, err
		}
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
	c.revoked = make(map[string]int, len(list.RevokedCertificateEntries))
	for i, e := range list.RevokedCertificateEntries {
		if e.ReasonCode == 8 { // removeFromCRL: only in delta CRLs
			return nil, invalid("removeFromCRL entry in a complete CRL")
		}
		c.revoked[string(e.SerialNumber.Bytes())+signOf(e.SerialNumber.Sign())] = i
	}
	return c, nil
}

// signOf keeps negative serial numbers (malformed but parsed) apart.
func signOf(s int) string {
	if s < 0 {
		return "-"
	}
	return ""
}

// nameOf renders a DER Name for messages.
func nameOf(raw []byte) string {
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(raw, &rdn); err != nil || len(rest) != 0 {
		return "(unparseable name)"
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return n.String()
}

// Status returns the status of cert according to the CRL; cert must be
// issued by the CRL's issuer, and be in the CRL's scope.
func (c *CRL) Status(cert *x509.Certificate) (*Info, error) {
	if c.list == nil || !bytes.Equal(cert.RawIssuer, c.rawIssuer) {
		return nil, invalid("CRL issued by %q, not by the certificate's issuer %q", nameOf(c.rawIssuer), cert.Issuer)
	}
	if c.idp != nil {
		if err := idpCovers(c.idp, cert); err != nil {
			return nil, err
		}
	}
	info := &Info{Status: Good, ThisUpdate: c.list.ThisUpdate, NextUpdate: c.list.NextUpdate, ProducedAt: c.list.ThisUpdate, Source: SourceCRL, Raw: c.der, Signer: c.issuer}
	if i, ok := c.revoked[string(cert.SerialNumber.Bytes())+signOf(cert.SerialNumber.Sign())]; ok {
		e := &c.list.RevokedCertificateEntries[i]
		info.Status, info.RevokedAt, info.Reason = Revoked, e.RevocationTime, e.ReasonCode
	}
	return info, nil
}

// idpCovers returns nil when a CRL with the issuingDistributionPoint v is
// complete for cert (RFC 5280 §5.2.5, §6.3.3 (b)): not for the other kind of
// certificate (onlyContainsUserCerts / onlyContainsCACerts), not limited to
// some reasons, not indirect, not for attribute certificates only, and —
// when it names a distribution point, i.e. it is one partition of the CA's
// CRLs — that name is one of the certificate's CRL distribution points. A
// partition the certificate does not point at says nothing about it.
func idpCovers(v []byte, cert *x509.Certificate) error {
	var idp struct {
		DistributionPoint  asn1.RawValue  `asn1:"optional,tag:0"`
		OnlyUser           bool           `asn1:"optional,tag:1"`
		OnlyCA             bool           `asn1:"optional,tag:2"`
		OnlySomeReasons    asn1.BitString `asn1:"optional,tag:3"`
		Indirect           bool           `asn1:"optional,tag:4"`
		OnlyAttributeCerts bool           `asn1:"optional,tag:5"`
	}
	if rest, err := asn1.Unmarshal(v, &idp); err != nil || len(rest) != 0 {
		return invalid("CRL issuingDistributionPoint is malformed")
	}
	switch {
	case idp.OnlyCA && !cert.IsCA, idp.OnlyUser && cert.IsCA, idp.OnlyAttributeCerts:
		return invalid("the CRL covers another kind of certificate (issuingDistributionPoint)")
	case idp.OnlySomeReasons.BitLength != 0 || idp.Indirect:
		return invalid("CRLs limited to some reasons and indirect CRLs are not supported")
	}
	if len(idp.DistributionPoint.FullBytes) == 0 {
		return nil
	}
	names, ok := idpURIs(idp.DistributionPoint.Bytes)
	if !ok {
		return invalid("the CRL's issuingDistributionPoint names its partition in a form that is not supported (only fullName URIs)")
	}
	for _, n := range names {
		for _, dp := range cert.CRLDistributionPoints {
			if n == dp {
				return nil
			}
		}
	}
	return invalid("the CRL is the partition %q, which is not a CRL distribution point of the certificate: it says nothing about it", strings.Join(names, ", "))
}

// idpURIs reads DistributionPointName (the content of the [0] field):
// fullName [0] GeneralNames with uniformResourceIdentifier [6] entries. Any
// other form (nameRelativeToCRLIssuer, other GeneralName kinds only) is
// not ok.
func idpURIs(b []byte) (uris []string, ok bool) {
	in := cryptobyte.String(b)
	var full cryptobyte.String
	if !in.ReadASN1(&full, cbasn1.Tag(0).ContextSpecific().Constructed()) || !in.Empty() {
		return nil, false
	}
	for !full.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !full.ReadAnyASN1(&gn, &tag) {
			return nil, false
		}
		if tag == cbasn1.Tag(6).ContextSpecific() {
			uris = append(uris, string(gn))
		}
	}
	return uris, len(uris) > 0
}
