// Package cms parses and builds the parts of RFC 5652 CMS SignedData that
// CAdES signatures and RFC 3161 timestamp tokens need, keeping the signed
// bytes exactly as found so that signatures can be verified and extended
// without re-encoding what was signed.
package cms

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	derpkg "github.com/hpki-jp/hpki/internal/der"
)

// Object identifiers used by CMS, CAdES and RFC 3161.
var (
	OIDData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDTSTInfo              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	OIDContentType          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDMessageDigest        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	OIDCounterSignature     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}
	OIDSigningCertificate   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	OIDSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	OIDSignaturePolicyID    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 15}
	OIDSignatureTimeStamp   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	OIDCertificateValues    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 23}
	OIDRevocationValues     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 24}
	OIDArchiveTimeStampV3   = asn1.ObjectIdentifier{0, 4, 0, 1733, 2, 4}
	OIDATSHashIndexV3       = asn1.ObjectIdentifier{0, 4, 0, 19122, 1, 5}
	// OIDATSHashIndex is the older ats-hash-index of ETSI TS 101 733
	// v2.x archive-time-stamp-v3 tokens.
	OIDATSHashIndex           = asn1.ObjectIdentifier{0, 4, 0, 1733, 2, 5}
	OIDSHA1                   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA256                 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384                 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512                 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	OIDRSAEncryption          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDSHA1WithRSA            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	OIDSHA256WithRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	OIDSHA384WithRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	OIDSHA512WithRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	OIDRSAPSS                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	OIDMGF1                   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	OIDECPublicKey            = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	OIDECDSAWithSHA256        = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	OIDECDSAWithSHA384        = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	OIDECDSAWithSHA512        = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	OIDOtherRevInfoOCSP       = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
	OIDContentTimeStamp       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 20}
	OIDCommitmentTypeIndicate = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 16}
)

// MaxSize bounds the size of a CMS structure accepted by Parse.
const MaxSize = 256 << 20

// maxDepth bounds nesting when normalising BER.
const maxDepth = 64

// ErrFormat is wrapped by every parse error.
var ErrFormat = errors.New("malformed CMS")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// Attribute is a CMS attribute: a type and its values, each kept as encoded.
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue
}

// Value returns the single value of the attribute, or an error when it has
// none or several (CAdES attributes are single-valued).
func (a *Attribute) Value() (asn1.RawValue, error) {
	if len(a.Values) != 1 {
		return asn1.RawValue{}, formatErr("attribute %s has %d values, want 1", a.Type, len(a.Values))
	}
	return a.Values[0], nil
}

// IssuerAndSerial identifies a certificate by issuer name and serial number.
type IssuerAndSerial struct {
	RawIssuer []byte
	Serial    *big.Int
}

// SignerIdentifier is the sid of a SignerInfo.
type SignerIdentifier struct {
	IssuerAndSerial *IssuerAndSerial
	SubjectKeyID    []byte
}

// Matches reports whether c is the certificate the identifier names.
func (id SignerIdentifier) Matches(c *x509.Certificate) bool {
	switch {
	case id.IssuerAndSerial != nil:
		return id.IssuerAndSerial.Serial.Cmp(c.SerialNumber) == 0 && SameName(id.IssuerAndSerial.RawIssuer, c.RawIssuer)
	case id.SubjectKeyID != nil:
		return len(c.SubjectKeyId) > 0 && bytes.Equal(id.SubjectKeyID, c.SubjectKeyId)
	}
	return false
}

// SignerInfo is one signer of a SignedData.
type SignerInfo struct {
	Version         int
	SID             SignerIdentifier
	DigestAlgorithm pkix.AlgorithmIdentifier
	// SignedAttrsRaw is the [0] IMPLICIT signedAttrs field exactly as found
	// (nil when absent). It is what the signature covers (with a SET tag).
	SignedAttrsRaw     []byte
	SignedAttrs        []Attribute
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      []Attribute

	rawSID []byte
}

// SignedAttrsForSignature returns the signed attributes as the DER SET OF
// that the signature value is computed over (RFC 5652 §5.4).
func (si *SignerInfo) SignedAttrsForSignature() []byte {
	if si.SignedAttrsRaw == nil {
		return nil
	}
	out := make([]byte, len(si.SignedAttrsRaw))
	copy(out, si.SignedAttrsRaw)
	out[0] = 0x31
	return out
}

// SignedAttr returns the signed attribute of the given type, or nil.
func (si *SignerInfo) SignedAttr(oid asn1.ObjectIdentifier) *Attribute {
	for i := range si.SignedAttrs {
		if si.SignedAttrs[i].Type.Equal(oid) {
			return &si.SignedAttrs[i]
		}
	}
	return nil
}

// CountSignedAttr returns how many signed attributes have the given type.
func (si *SignerInfo) CountSignedAttr(oid asn1.ObjectIdentifier) int {
	n := 0
	for i := range si.SignedAttrs {
		if si.SignedAttrs[i].Type.Equal(oid) {
			n++
		}
	}
	return n
}

// UnsignedAttr returns every unsigned attribute of the given type, in order.
func (si *SignerInfo) UnsignedAttr(oid asn1.ObjectIdentifier) []*Attribute {
	var out []*Attribute
	for i := range si.UnsignedAttrs {
		if si.UnsignedAttrs[i].Type.Equal(oid) {
			out = append(out, &si.UnsignedAttrs[i])
		}
	}
	return out
}

// AddUnsignedAttr appends an unsigned attribute with one value (DER).
func (si *SignerInfo) AddUnsignedAttr(oid asn1.ObjectIdentifier, valueDER []byte) {
	si.UnsignedAttrs = append(si.UnsignedAttrs, Attribute{Type: oid, Values: []asn1.RawValue{{FullBytes: valueDER}}})
}

// SignedData is a parsed CMS SignedData.
type SignedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier
	ContentType      asn1.ObjectIdentifier
	// Content is the eContent OCTET STRING value, nil when detached.
	Content []byte
	// Certificates holds the raw DER of each certificate choice, in order.
	Certificates [][]byte
	// CRLs holds the raw DER of each RevocationInfoChoice, in order.
	CRLs        [][]byte
	SignerInfos []SignerInfo
	// Raw holds the original encodings of the input's elements that an
	// archive-time-stamp-v2 covers; nil when they could not be told
	// apart (the archive-time-stamp-v2 is then not evaluated).
	Raw *RawEncoding
}

// Parse decodes a ContentInfo holding a SignedData. BER input (indefinite
// lengths, constructed strings) is normalised to DER first; signed
// attributes must already be DER, as RFC 5652 requires, and are kept as
// found. Parse never panics on hostile input.
//
// The result shares der's bytes, nothing of it is copied: for DER input
// the signature values, eContent, certificates, CRLs, signed attributes
// and attribute values are sub-slices of der (for BER input, of its
// normalised copy), and Raw always points into der. der must therefore
// stay unchanged while the result is used; a caller that reads signatures
// into a reused buffer must copy them first.
func Parse(der []byte) (*SignedData, error) {
	if len(der) > MaxSize {
		return nil, formatErr("%d bytes exceed the %d byte limit", len(der), MaxSize)
	}
	sd, err := parseDER(der)
	if err != nil {
		norm, nerr := normaliseBER(der)
		if nerr != nil {
			if strings.Contains(err.Error(), derpkg.IndefiniteMsg) {
				// BER: why it could not be read as BER says more.
				return nil, fmt.Errorf("%w (read as BER)", nerr)
			}
			return nil, err
		}
		if sd, err = parseDER(norm); err != nil {
			return nil, err
		}
	}
	if raw, err := parseRaw(der); err == nil && len(raw.Signers) == len(sd.SignerInfos) {
		ok := true
		for i := range raw.Signers {
			ok = ok && len(raw.Signers[i].UnsignedAttrs) == len(sd.SignerInfos[i].UnsignedAttrs)
		}
		if ok {
			sd.Raw = raw
		}
	}
	return sd, nil
}

// splitElements returns the encodings of the consecutive DER elements in b,
// or nil when b is not such a sequence.
func splitElements(b []byte) [][]byte {
	// Count first, so that the result is allocated once.
	n := 0
	for s := cryptobyte.String(b); !s.Empty(); n++ {
		var elem cryptobyte.String
		if !s.ReadAnyASN1Element(&elem, nil) {
			return nil
		}
	}
	out := make([][]byte, n)
	s := cryptobyte.String(b)
	for i := range out {
		var elem cryptobyte.String
		s.ReadAnyASN1Element(&elem, nil)
		out[i] = elem
	}
	return out
}

// X509Certificates parses the certificates of the bag; other certificate
// choices (attribute certificates) are skipped.
func (sd *SignedData) X509Certificates() ([]*x509.Certificate, error) {
	return sd.X509CertificatesWith(x509.ParseCertificate)
}

// X509CertificatesWith is X509Certificates parsing each certificate with
// parse, which must give what x509.ParseCertificate gives for the same
// bytes (a cache keyed by the exact DER, for one).
func (sd *SignedData) X509CertificatesWith(parse func(der []byte) (*x509.Certificate, error)) ([]*x509.Certificate, error) {
	out := make([]*x509.Certificate, 0, len(sd.Certificates))
	for _, raw := range sd.Certificates {
		if len(raw) == 0 || raw[0] != 0x30 {
			continue
		}
		c, err := parse(raw)
		if err != nil {
			return nil, fmt.Errorf("certificate in SignedData: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// Marshal encodes the SignedData as a DER ContentInfo. Signed attributes,
// certificates and CRLs are written exactly as held, so a parsed signature
// re-encodes with every signed byte intact.
func (sd *SignedData) Marshal() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(ci *cryptobyte.Builder) {
		ci.AddASN1ObjectIdentifier(OIDSignedData)
		ci.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(exp *cryptobyte.Builder) {
			exp.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
				s.AddASN1Int64(int64(sd.Version))
				algs := make([][]byte, 0, len(sd.DigestAlgorithms))
				for _, a := range sd.DigestAlgorithms {
					enc, err := asn1.Marshal(a)
					if err != nil {
						s.SetError(err)
						return
					}
					algs = append(algs, enc)
				}
				addSetInOrder(s, algs)
				s.AddASN1(cbasn1.SEQUENCE, func(e *cryptobyte.Builder) {
					e.AddASN1ObjectIdentifier(sd.ContentType)
					if sd.Content != nil {
						e.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(x *cryptobyte.Builder) {
							x.AddASN1OctetString(sd.Content)
						})
					}
				})
				if len(sd.Certificates) > 0 {
					s.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(c *cryptobyte.Builder) {
						for _, raw := range sd.Certificates {
							c.AddBytes(raw)
						}
					})
				}
				if len(sd.CRLs) > 0 {
					s.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(c *cryptobyte.Builder) {
						for _, raw := range sd.CRLs {
							c.AddBytes(raw)
						}
					})
				}
				infos := make([][]byte, 0, len(sd.SignerInfos))
				for i := range sd.SignerInfos {
					enc, err := sd.SignerInfos[i].Marshal()
					if err != nil {
						s.SetError(err)
						return
					}
					infos = append(infos, enc)
				}
				addSetInOrder(s, infos)
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("encoding SignedData: %w", err)
	}
	return out, nil
}

// Marshal encodes the SignerInfo, keeping SignedAttrsRaw as it is.
func (si *SignerInfo) Marshal() ([]byte, error) {
	sid, err := si.sidBytes()
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
		s.AddASN1Int64(int64(si.Version))
		s.AddBytes(sid)
		addAlg(s, si.DigestAlgorithm)
		if si.SignedAttrsRaw != nil {
			s.AddBytes(si.SignedAttrsRaw)
		}
		addAlg(s, si.SignatureAlgorithm)
		s.AddASN1OctetString(si.Signature)
		if len(si.UnsignedAttrs) > 0 {
			enc, err := MarshalAttributes(si.UnsignedAttrs, false)
			if err != nil {
				s.SetError(err)
				return
			}
			enc[0] = 0xa1
			s.AddBytes(enc)
		}
	})
	return b.Bytes()
}

func (si *SignerInfo) sidBytes() ([]byte, error) {
	if si.rawSID != nil {
		return si.rawSID, nil
	}
	switch {
	case si.SID.IssuerAndSerial != nil:
		return asn1.Marshal(struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}{asn1.RawValue{FullBytes: si.SID.IssuerAndSerial.RawIssuer}, si.SID.IssuerAndSerial.Serial})
	case si.SID.SubjectKeyID != nil:
		return asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: si.SID.SubjectKeyID})
	}
	return nil, errors.New("cms: SignerInfo has no signer identifier")
}

func addAlg(b *cryptobyte.Builder, a pkix.AlgorithmIdentifier) {
	enc, err := asn1.Marshal(a)
	if err != nil {
		b.SetError(err)
		return
	}
	b.AddBytes(enc)
}

// addSet writes a DER SET OF the given element encodings (sorted).
func addSet(b *cryptobyte.Builder, elems [][]byte) {
	sorted := append([][]byte(nil), elems...)
	sort.Slice(sorted, func(i, j int) bool { return bytes.Compare(sorted[i], sorted[j]) < 0 })
	b.AddASN1(cbasn1.SET, func(s *cryptobyte.Builder) {
		for _, e := range sorted {
			s.AddBytes(e)
		}
	})
}

// addSetInOrder writes a SET keeping the given order: re-encoding a parsed
// SignedData keeps its signers and algorithms where they were.
func addSetInOrder(b *cryptobyte.Builder, elems [][]byte) {
	b.AddASN1(cbasn1.SET, func(s *cryptobyte.Builder) {
		for _, e := range elems {
			s.AddBytes(e)
		}
	})
}

// MarshalAttributes encodes attributes as a SET OF Attribute. With sorted
// (required for signed attributes, DER) the elements are ordered by their
// encoding; otherwise their order is kept (unsigned attributes of CAdES
// B-LTA are order-sensitive).
func MarshalAttributes(attrs []Attribute, sorted bool) ([]byte, error) {
	elems := make([][]byte, 0, len(attrs))
	for _, a := range attrs {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
			s.AddASN1ObjectIdentifier(a.Type)
			vals := make([][]byte, 0, len(a.Values))
			for _, v := range a.Values {
				enc := v.FullBytes
				if enc == nil {
					var err error
					if enc, err = asn1.Marshal(v); err != nil {
						s.SetError(err)
						return
					}
				}
				vals = append(vals, enc)
			}
			addSet(s, vals)
		})
		enc, err := b.Bytes()
		if err != nil {
			return nil, fmt.Errorf("encoding attribute %s: %w", a.Type, err)
		}
		elems = append(elems, enc)
	}
	if sorted {
		sort.Slice(elems, func(i, j int) bool { return bytes.Compare(elems[i], elems[j]) < 0 })
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(s *cryptobyte.Builder) {
		for _, e := range elems {
			s.AddBytes(e)
		}
	})
	return b.Bytes()
}

// NewAttribute returns an attribute with one value, marshalled from v
// (or taken as DER when v is a []byte encoding wrapped in asn1.RawValue).
func NewAttribute(oid asn1.ObjectIdentifier, v any) (Attribute, error) {
	enc, err := asn1.Marshal(v)
	if err != nil {
		return Attribute{}, fmt.Errorf("encoding attribute %s: %w", oid, err)
	}
	return Attribute{Type: oid, Values: []asn1.RawValue{{FullBytes: enc}}}, nil
}

// SetSignedAttrs encodes attrs as DER (sorted) and stores them as the
// SignerInfo's signed attributes.
func (si *SignerInfo) SetSignedAttrs(attrs []Attribute) error {
	enc, err := MarshalAttributes(attrs, true)
	if err != nil {
		return err
	}
	enc[0] = 0xa0
	si.SignedAttrsRaw = enc
	si.SignedAttrs, err = parseAttributes(enc[headerLen(enc):])
	return err
}

// headerLen returns the length of the tag and length octets of a DER element.
func headerLen(der []byte) int {
	if len(der) < 2 {
		return len(der)
	}
	if der[1] < 0x80 {
		return 2
	}
	return 2 + int(der[1]&0x7f)
}
