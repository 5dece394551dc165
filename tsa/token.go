// Package tsa implements RFC 3161 time-stamping: a client that requests and
// fully checks timestamp tokens, token parsing and verification for
// validators, and a small TSA server for demonstrations and tests.
//
// Security contract: a Token returned by Client.Timestamp, or accepted by
// Token.Verify, has a valid TSA signature over its TSTInfo, a message
// imprint equal to the caller's digest, a TSA certificate (found by the
// SignerInfo sid, bound by the ESS signing-certificate attribute) carrying
// the extendedKeyUsage timeStamping as its only, critical, key purpose, and
// a path from that certificate to the caller's TSA trust anchors at the
// token's genTime (or the time the caller gives). Revocation of the TSA
// certificate is the validator's business.
package tsa

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/hpki-jp/hpki/internal/cms"
	derread "github.com/hpki-jp/hpki/internal/der"
)

// Reason classifies why a token failed verification, so that validators
// can map it to ETSI sub-indications.
type Reason int

// Reasons of a VerifyError.
const (
	Malformed       Reason = iota + 1 // the token cannot be parsed
	ImprintMismatch                   // the token covers other data
	BadSignature                      // the TSA signature does not verify
	NoEKU                             // the TSA certificate lacks timeStamping
	EKUNotCritical                    // the extendedKeyUsage is not critical
	NoCertificate                     // the TSA certificate is absent or not bound
	ChainFailed                       // no path to a TSA trust anchor at the time
)

var reasonNames = map[Reason]string{
	Malformed: "malformed token", ImprintMismatch: "imprint mismatch", BadSignature: "bad TSA signature",
	NoEKU: "TSA certificate lacks extendedKeyUsage timeStamping", EKUNotCritical: "TSA certificate extendedKeyUsage not critical",
	NoCertificate: "TSA certificate missing", ChainFailed: "TSA certificate chain",
}

// String names the reason.
func (r Reason) String() string { return reasonNames[r] }

// VerifyError is returned by Token.Verify and ParseToken.
type VerifyError struct {
	Reason Reason
	Err    error
}

func (e *VerifyError) Error() string {
	if e.Err == nil {
		return "timestamp: " + e.Reason.String()
	}
	return "timestamp: " + e.Reason.String() + ": " + e.Err.Error()
}

func (e *VerifyError) Unwrap() error { return e.Err }

func verr(r Reason, format string, args ...any) error {
	return &VerifyError{Reason: r, Err: fmt.Errorf(format, args...)}
}

// ReasonOf returns the Reason of a verification error, or 0.
func ReasonOf(err error) Reason {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Reason
	}
	return 0
}

// Token is a parsed RFC 3161 TimeStampToken.
type Token struct {
	// Raw is the DER ContentInfo of the token.
	Raw           []byte
	GenTime       time.Time
	Accuracy      time.Duration
	Policy        asn1.ObjectIdentifier
	SerialNumber  *big.Int
	Nonce         *big.Int
	HashAlgorithm crypto.Hash
	HashedMessage []byte
	// TSAName is the tsa field of TSTInfo when present, else the signer's subject.
	TSAName      string
	Certificates []*x509.Certificate
	// SignerCert is the certificate the SignerInfo sid names, nil when the
	// token does not carry it.
	SignerCert *x509.Certificate

	sd *cms.SignedData
}

// SignedData returns the token's CMS structure as ParseToken parsed it
// (for the unsigned attributes a caller reads, such as
// ats-hash-index-v3), so that a caller need not parse the token twice. It
// is shared with the Token: read it, never change it.
func (t *Token) SignedData() *cms.SignedData { return t.sd }

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

// tstInfo is the TSTInfo of RFC 3161 section 2.4.2 (the tags say how the
// server encodes it; parseTSTInfo reads it).
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time        `asn1:"generalized"`
	Accuracy       accuracy         `asn1:"optional"`
	Ordering       bool             `asn1:"optional,default:false"`
	Nonce          *big.Int         `asn1:"optional"`
	TSA            asn1.RawValue    `asn1:"optional,tag:0"`
	Extensions     []pkix.Extension `asn1:"optional,tag:1"`
}

// ParseToken decodes a TimeStampToken (a ContentInfo with SignedData whose
// eContent is a TSTInfo). It does not verify it. The Token shares der's
// bytes (Raw, HashedMessage, the SignedData): der must stay unchanged
// while the Token is used.
func ParseToken(der []byte) (*Token, error) {
	return ParseTokenWith(der, x509.ParseCertificate)
}

// ParseTokenWith is ParseToken parsing the certificates the token carries
// with parseCert, which must give what x509.ParseCertificate gives for the
// same bytes (a validator's cache keyed by the exact DER, so that the TSA
// certificate of a million tokens is parsed once).
func ParseTokenWith(der []byte, parseCert func(der []byte) (*x509.Certificate, error)) (*Token, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, &VerifyError{Reason: Malformed, Err: err}
	}
	if !sd.ContentType.Equal(cms.OIDTSTInfo) {
		return nil, verr(Malformed, "content type %s is not id-ct-TSTInfo", sd.ContentType)
	}
	if sd.Content == nil {
		return nil, verr(Malformed, "no TSTInfo content")
	}
	if len(sd.SignerInfos) != 1 {
		return nil, verr(Malformed, "%d signers, want exactly 1", len(sd.SignerInfos))
	}
	info, err := parseTSTInfo(sd.Content)
	if err != nil {
		return nil, verr(Malformed, "TSTInfo: %v", err)
	}
	if info.Version != 1 {
		return nil, verr(Malformed, "TSTInfo version %d", info.Version)
	}
	h, err := cms.HashFromOID(info.MessageImprint.HashAlgorithm.Algorithm)
	if err != nil {
		return nil, &VerifyError{Reason: Malformed, Err: err}
	}
	if len(info.MessageImprint.HashedMessage) != h.Size() {
		return nil, verr(Malformed, "imprint of %d bytes for %v", len(info.MessageImprint.HashedMessage), h)
	}
	certs, err := sd.X509CertificatesWith(parseCert)
	if err != nil {
		return nil, &VerifyError{Reason: Malformed, Err: err}
	}
	t := &Token{
		Raw:           der,
		GenTime:       info.GenTime.UTC(),
		Accuracy:      time.Duration(info.Accuracy.Seconds)*time.Second + time.Duration(info.Accuracy.Millis)*time.Millisecond + time.Duration(info.Accuracy.Micros)*time.Microsecond,
		Policy:        info.Policy,
		SerialNumber:  info.SerialNumber,
		Nonce:         info.Nonce,
		HashAlgorithm: h,
		HashedMessage: info.MessageImprint.HashedMessage,
		Certificates:  certs,
		SignerCert:    cms.CertificateFor(sd.SignerInfos[0].SID, certs),
		sd:            sd,
	}
	var gn derread.Element
	if info.TSA.FullBytes != nil {
		if gn, _, err = derread.TopAny(info.TSA.Bytes); err != nil {
			return nil, verr(Malformed, "TSTInfo tsa name: %v", err)
		}
	}
	if gn.Class == asn1.ClassContextSpecific && gn.Tag == 4 {
		t.TSAName = tsaFieldNames.get(gn.Body, func() string {
			var name pkix.RDNSequence
			if _, err := asn1.Unmarshal(gn.Body, &name); err != nil {
				return ""
			}
			var n pkix.Name
			n.FillFromRDNSequence(&name)
			return n.String()
		})
	}
	if t.TSAName == "" && t.SignerCert != nil {
		t.TSAName = signerSubjects.get(t.SignerCert.RawSubject, t.SignerCert.Subject.String)
	}
	return t, nil
}

// VerifyOptions control Token.Verify.
type VerifyOptions struct {
	// Roots are the TSA trust anchors; Intermediates help build the path.
	Roots, Intermediates *x509.CertPool
	// CurrentTime is the time of the path validation; zero means GenTime.
	CurrentTime time.Time
	// ExtraCerts are candidate TSA certificates when the token lacks its own.
	ExtraCerts []*x509.Certificate
}

var oidEKU = asn1.ObjectIdentifier{2, 5, 29, 37}

// CheckTSACertificate reports whether cert may sign timestamps: its
// extendedKeyUsage must be present, critical, and timeStamping only.
func CheckTSACertificate(cert *x509.Certificate) error {
	critical, present := false, false
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidEKU) {
			present, critical = true, e.Critical
		}
	}
	if !present || len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(cert.UnknownExtKeyUsage) != 0 {
		return &VerifyError{Reason: NoEKU}
	}
	if !critical {
		return &VerifyError{Reason: EKUNotCritical}
	}
	return nil
}

// VerifySignature checks the token's own integrity: the signed attributes
// (content-type id-ct-TSTInfo, message-digest over the TSTInfo, ESS
// signing-certificate binding), the TSA signature and the TSA certificate's
// extendedKeyUsage. It returns the TSA certificate. It does not check the
// imprint or the path.
func (t *Token) VerifySignature(extra []*x509.Certificate) (*x509.Certificate, error) {
	si := &t.sd.SignerInfos[0]
	cert := t.SignerCert
	if cert == nil {
		cert = cms.CertificateFor(si.SID, extra)
	}
	if cert == nil {
		return nil, verr(NoCertificate, "the token names a TSA certificate it does not carry")
	}
	if si.SignedAttrsRaw == nil {
		return nil, verr(Malformed, "no signed attributes")
	}
	// Single-valued attributes once, cmsAlgorithmProtection matching: the
	// same rule as for the signatures it times (cms.CheckSignedAttrs).
	if err := si.CheckSignedAttrs(); err != nil {
		return nil, &VerifyError{Reason: Malformed, Err: err}
	}
	ct := si.SignedAttr(cms.OIDContentType)
	md := si.SignedAttr(cms.OIDMessageDigest)
	if ct == nil || md == nil || si.CountSignedAttr(cms.OIDContentType) != 1 || si.CountSignedAttr(cms.OIDMessageDigest) != 1 {
		return nil, verr(Malformed, "content-type and message-digest must each appear once")
	}
	if o, err := cms.OIDValue(ct); err != nil || !o.Equal(cms.OIDTSTInfo) {
		return nil, verr(Malformed, "content-type attribute is not id-ct-TSTInfo")
	}
	h, err := cms.HashFromOID(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return nil, &VerifyError{Reason: Malformed, Err: err}
	}
	want, err := cms.OctetStringValue(md)
	if err != nil {
		return nil, &VerifyError{Reason: Malformed, Err: err}
	}
	d := h.New()
	d.Write(t.sd.Content)
	if !bytes.Equal(d.Sum(nil), want) {
		return nil, verr(BadSignature, "message-digest does not match the TSTInfo")
	}
	scAttr := si.SignedAttr(cms.OIDSigningCertificateV2)
	if scAttr == nil {
		scAttr = si.SignedAttr(cms.OIDSigningCertificate)
	}
	if scAttr == nil {
		return nil, verr(NoCertificate, "no ESS signing-certificate attribute binds the TSA certificate")
	}
	if _, err := cms.CheckSigningCertificate(scAttr, cert); err != nil {
		return nil, &VerifyError{Reason: NoCertificate, Err: err}
	}
	d = h.New()
	d.Write(si.SignedAttrsForSignature())
	if err := cms.VerifySignature(cert.PublicKey, si.SignatureAlgorithm, h, d.Sum(nil), si.Signature); err != nil {
		return nil, &VerifyError{Reason: BadSignature, Err: err}
	}
	if err := CheckTSACertificate(cert); err != nil {
		return nil, err
	}
	return cert, nil
}

// CheckImprint reports whether the token covers digest made with hash.
func (t *Token) CheckImprint(hash crypto.Hash, digest []byte) error {
	if t.HashAlgorithm != hash || !bytes.Equal(t.HashedMessage, digest) {
		return verr(ImprintMismatch, "the token's %v imprint does not cover this data", t.HashAlgorithm)
	}
	return nil
}

// Verify checks the token completely: imprint, signature, TSA certificate
// and its path to opts.Roots at opts.CurrentTime (default GenTime). It
// returns the TSA certificate and the chains found.
func (t *Token) Verify(hash crypto.Hash, digest []byte, opts VerifyOptions) (*x509.Certificate, [][]*x509.Certificate, error) {
	if err := t.CheckImprint(hash, digest); err != nil {
		return nil, nil, err
	}
	cert, err := t.VerifySignature(opts.ExtraCerts)
	if err != nil {
		return nil, nil, err
	}
	if opts.Roots == nil {
		return nil, nil, verr(ChainFailed, "no TSA trust anchors given")
	}
	at := opts.CurrentTime
	if at.IsZero() {
		at = t.GenTime
	}
	inter := x509.NewCertPool()
	if opts.Intermediates != nil {
		inter = opts.Intermediates.Clone()
	}
	for _, c := range t.Certificates {
		inter.AddCert(c)
	}
	chains, err := cert.Verify(x509.VerifyOptions{
		Roots:         opts.Roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	})
	if err != nil {
		return nil, nil, &VerifyError{Reason: ChainFailed, Err: err}
	}
	return cert, chains, nil
}

// Hash returns the hash of the token's imprint.
func (t *Token) Hash() crypto.Hash { return t.HashAlgorithm }
