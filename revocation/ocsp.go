package revocation

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/ocsp"
)

var (
	oidOCSPBasic = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPNonce = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidSHA1      = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
)

// ASN.1 of RFC 6960, as much as we read and write.
type certID struct {
	HashAlgorithm  pkix.AlgorithmIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

type ocspRequest struct {
	TBS tbsRequest
}

type tbsRequest struct {
	Version    int           `asn1:"explicit,tag:0,default:0,optional"`
	Requestor  asn1.RawValue `asn1:"explicit,tag:1,optional"`
	List       []requestEntry
	Extensions []pkix.Extension `asn1:"explicit,tag:2,optional"`
}

type requestEntry struct {
	Cert       certID
	Extensions []pkix.Extension `asn1:"explicit,tag:0,optional"`
}

type ocspResponse struct {
	Status asn1.Enumerated
	Bytes  responseBytes `asn1:"explicit,tag:0,optional"`
}

type responseBytes struct {
	Type     asn1.ObjectIdentifier
	Response []byte
}

type basicResponse struct {
	TBS          asn1.RawValue
	SigAlg       pkix.AlgorithmIdentifier
	Signature    asn1.BitString
	Certificates []asn1.RawValue `asn1:"explicit,tag:0,optional"`
}

type responseData struct {
	Version     int `asn1:"optional,default:0,explicit,tag:0"`
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
	Responses   []singleResponse
	Extensions  []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type singleResponse struct {
	CertID     certID
	Status     asn1.RawValue
	ThisUpdate time.Time        `asn1:"generalized"`
	NextUpdate time.Time        `asn1:"generalized,explicit,tag:0,optional"`
	Extensions []pkix.Extension `asn1:"explicit,tag:1,optional"`
}

type revokedInfo struct {
	Time   time.Time       `asn1:"generalized"`
	Reason asn1.Enumerated `asn1:"explicit,tag:0,optional"`
}

// hashOID maps the CertID hash algorithms we accept.
func hashOf(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(oidSHA1):
		return crypto.SHA1, true
	case oid.Equal(oidSHA256):
		return crypto.SHA256, true
	}
	return 0, false
}

// makeCertID computes the CertID of cert (serial) under issuer with h.
func makeCertID(h crypto.Hash, issuer *x509.Certificate, serial *big.Int) (certID, error) {
	var spki struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		return certID{}, fmt.Errorf("issuer public key: %w", err)
	}
	oid := oidSHA256
	if h == crypto.SHA1 {
		oid = oidSHA1
	}
	nh := h.New()
	nh.Write(issuer.RawSubject)
	kh := h.New()
	kh.Write(spki.Key.RightAlign())
	return certID{
		HashAlgorithm:  pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue},
		IssuerNameHash: nh.Sum(nil),
		IssuerKeyHash:  kh.Sum(nil),
		SerialNumber:   serial,
	}, nil
}

func (id certID) matches(other certID) bool {
	return id.HashAlgorithm.Algorithm.Equal(other.HashAlgorithm.Algorithm) &&
		bytes.Equal(id.IssuerNameHash, other.IssuerNameHash) &&
		bytes.Equal(id.IssuerKeyHash, other.IssuerKeyHash) &&
		id.SerialNumber.Cmp(other.SerialNumber) == 0
}

// NewRequest builds a DER OCSP request for cert (SHA-1 CertID, which every
// responder understands) with a random 16-byte nonce. It returns the
// request and the nonce extension value the response must echo.
func NewRequest(cert, issuer *x509.Certificate) (req, nonce []byte, err error) {
	id, err := makeCertID(crypto.SHA1, issuer, cert.SerialNumber)
	if err != nil {
		return nil, nil, err
	}
	n := make([]byte, 16)
	if _, err := rand.Read(n); err != nil {
		return nil, nil, err
	}
	if nonce, err = asn1.Marshal(n); err != nil {
		return nil, nil, err
	}
	req, err = asn1.Marshal(ocspRequest{TBS: tbsRequest{
		List:       []requestEntry{{Cert: id}},
		Extensions: []pkix.Extension{{Id: oidOCSPNonce, Value: nonce}},
	}})
	return req, nonce, err
}

// CheckOCSP checks a DER OCSPResponse about cert, issued by issuer. The
// response must be successful and basic, hold a SingleResponse whose CertID
// names cert under issuer, be signed by issuer or by a responder
// certificate issued by issuer with id-kp-OCSPSigning and valid when the
// response was produced, and echo nonce when nonce is not nil (the
// extension value NewRequest returned).
func CheckOCSP(der []byte, cert, issuer *x509.Certificate, nonce []byte) (*Info, error) {
	var resp ocspResponse
	if rest, err := asn1.Unmarshal(der, &resp); err != nil || len(rest) != 0 {
		return nil, invalid("not an OCSP response")
	}
	if resp.Status != 0 {
		return nil, invalid("OCSP responder answered %s", ocsp.ResponseStatus(resp.Status))
	}
	if !resp.Bytes.Type.Equal(oidOCSPBasic) {
		return nil, invalid("OCSP response type %s is not basic", resp.Bytes.Type)
	}
	var basic basicResponse
	if rest, err := asn1.Unmarshal(resp.Bytes.Response, &basic); err != nil || len(rest) != 0 {
		return nil, invalid("malformed BasicOCSPResponse")
	}
	var tbs responseData
	if rest, err := asn1.Unmarshal(basic.TBS.FullBytes, &tbs); err != nil || len(rest) != 0 {
		return nil, invalid("malformed ResponseData")
	}
	// The SingleResponse about this certificate: exactly one (two could
	// say "good" and "revoked"; none may be picked silently).
	var single *singleResponse
	for i := range tbs.Responses {
		r := &tbs.Responses[i]
		h, ok := hashOf(r.CertID.HashAlgorithm.Algorithm)
		if !ok {
			continue
		}
		want, err := makeCertID(h, issuer, cert.SerialNumber)
		if err != nil {
			return nil, invalid("%v", err)
		}
		if want.matches(r.CertID) {
			if single != nil {
				return nil, invalid("the OCSP response holds several SingleResponses about serial %X: ambiguous", cert.SerialNumber)
			}
			single = r
		}
	}
	if single == nil {
		return nil, invalid("the OCSP response is about another certificate (no CertID matches serial %X under %q)", cert.SerialNumber, issuer.Subject)
	}
	// Extensions: each at most once; a critical one we do not understand
	// makes the response unusable (RFC 6960 §4.4, RFC 5280 §4.2).
	if err := checkExtensions("OCSP response", tbs.Extensions, oidOCSPNonce); err != nil {
		return nil, err
	}
	if err := checkExtensions("OCSP SingleResponse", single.Extensions); err != nil {
		return nil, err
	}
	if nonce != nil {
		var got []byte
		for _, e := range tbs.Extensions {
			if e.Id.Equal(oidOCSPNonce) {
				got = e.Value
			}
		}
		if !bytes.Equal(got, nonce) {
			return nil, invalid("the OCSP response does not echo our nonce (a replayed response?)")
		}
	}
	// The responder: the issuer itself, or a delegated responder.
	signer := issuer
	for _, raw := range basic.Certificates {
		c, err := x509.ParseCertificate(raw.FullBytes)
		if err != nil {
			return nil, invalid("responder certificate: %v", err)
		}
		if responderIDMatches(tbs.ResponderID, c) {
			signer = c
			break
		}
	}
	if !responderIDMatches(tbs.ResponderID, signer) {
		return nil, invalid("the OCSP responder is neither the issuer %q nor a certificate the response carries", issuer.Subject)
	}
	if !bytes.Equal(signer.Raw, issuer.Raw) {
		if err := signer.CheckSignatureFrom(issuer); err != nil {
			return nil, invalid("OCSP responder %q is not authorised: not issued by %q", signer.Subject, issuer.Subject)
		}
		if !hasEKU(signer, x509.ExtKeyUsageOCSPSigning) {
			return nil, invalid("OCSP responder %q is not authorised: no id-kp-OCSPSigning", signer.Subject)
		}
		if tbs.ProducedAt.Before(signer.NotBefore) || tbs.ProducedAt.After(signer.NotAfter) {
			return nil, invalid("OCSP responder certificate %q was not valid when the response was produced", signer.Subject)
		}
	}
	alg := sigAlgOf(basic.SigAlg)
	if alg == x509.UnknownSignatureAlgorithm {
		return nil, invalid("OCSP signature algorithm %s not supported", basic.SigAlg.Algorithm)
	}
	if err := signer.CheckSignature(alg, basic.TBS.FullBytes, basic.Signature.RightAlign()); err != nil {
		return nil, invalid("OCSP response signature does not verify with %q's key: %v", signer.Subject, err)
	}
	info := &Info{ThisUpdate: single.ThisUpdate, NextUpdate: single.NextUpdate, ProducedAt: tbs.ProducedAt, Source: SourceOCSP, Raw: der, Signer: signer}
	switch {
	case single.Status.Class == asn1.ClassContextSpecific && single.Status.Tag == 0:
		info.Status = Good
	case single.Status.Class == asn1.ClassContextSpecific && single.Status.Tag == 1:
		var ri revokedInfo
		if rest, err := asn1.UnmarshalWithParams(single.Status.FullBytes, &ri, "tag:1"); err != nil || len(rest) != 0 {
			return nil, invalid("malformed revokedInfo")
		}
		info.Status, info.RevokedAt, info.Reason = Revoked, ri.Time, int(ri.Reason)
	case single.Status.Class == asn1.ClassContextSpecific && single.Status.Tag == 2:
		info.Status = Unknown
	default:
		return nil, invalid("malformed certStatus")
	}
	if !info.NextUpdate.IsZero() && info.NextUpdate.Before(info.ThisUpdate) {
		return nil, invalid("OCSP nextUpdate before thisUpdate")
	}
	return info, nil
}

// responderIDMatches reports whether the ResponderID (byName [1] or
// byKey [2]) names c.
func responderIDMatches(id asn1.RawValue, c *x509.Certificate) bool {
	switch id.Tag {
	case 1:
		return bytes.Equal(id.Bytes, c.RawSubject)
	case 2:
		var kh []byte
		if _, err := asn1.Unmarshal(id.Bytes, &kh); err != nil {
			return false
		}
		return bytes.Equal(kh, keyHash(c))
	}
	return false
}

// keyHash is the SHA-1 of the subjectPublicKey bits (ResponderID byKey).
func keyHash(c *x509.Certificate) []byte {
	var spki struct {
		Alg pkix.AlgorithmIdentifier
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil
	}
	h := crypto.SHA1.New()
	h.Write(spki.Key.RightAlign())
	return h.Sum(nil)
}

func hasEKU(c *x509.Certificate, eku x509.ExtKeyUsage) bool {
	for _, e := range c.ExtKeyUsage {
		if e == eku {
			return true
		}
	}
	return false
}

// sigAlgs maps signature algorithm OIDs of OCSP responses.
var sigAlgs = map[string]x509.SignatureAlgorithm{
	"1.2.840.113549.1.1.5":  x509.SHA1WithRSA,
	"1.2.840.113549.1.1.11": x509.SHA256WithRSA,
	"1.2.840.113549.1.1.12": x509.SHA384WithRSA,
	"1.2.840.113549.1.1.13": x509.SHA512WithRSA,
	"1.2.840.10045.4.3.2":   x509.ECDSAWithSHA256,
	"1.2.840.10045.4.3.3":   x509.ECDSAWithSHA384,
	"1.2.840.10045.4.3.4":   x509.ECDSAWithSHA512,
}

func sigAlgOf(a pkix.AlgorithmIdentifier) x509.SignatureAlgorithm {
	if alg, ok := sigAlgs[a.Algorithm.String()]; ok {
		return alg
	}
	return x509.UnknownSignatureAlgorithm
}

// checkExtensions refuses a repeated extension and a critical extension
// other than those in known (which the caller processes).
func checkExtensions(where string, exts []pkix.Extension, known ...asn1.ObjectIdentifier) error {
	seen := make(map[string]bool, len(exts))
	for _, e := range exts {
		k := e.Id.String()
		if seen[k] {
			return invalid("%s has the extension %s twice", where, k)
		}
		seen[k] = true
		if !e.Critical {
			continue
		}
		ok := false
		for _, o := range known {
			ok = ok || e.Id.Equal(o)
		}
		if !ok {
			return invalid("%s has an unknown critical extension %s", where, k)
		}
	}
	return nil
}
