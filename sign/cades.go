package sign

import (
	"context"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/cms"
)

// Packaging says where the signed content goes.
type Packaging string

// CAdES packagings.
const (
	// Detached keeps the content out of the signature (FILE.p7s beside FILE).
	Detached Packaging = "detached"
	// Enveloping embeds the content in the signature.
	Enveloping Packaging = "enveloping"
)

// MaxEnvelopingSize bounds the content of an enveloping signature, which is
// held in memory; larger documents are signed detached.
const MaxEnvelopingSize = 256 << 20

// CAdESOptions control SignCAdES. The zero value makes a detached B-B
// signature with SHA-256, refusing non-HPKI certificates.
type CAdESOptions struct {
	// Hash is the digest algorithm: SHA-256 (default), SHA-384 or SHA-512.
	Hash crypto.Hash
	// Packaging is Detached (default) or Enveloping.
	Packaging Packaging
	// Level is LevelB (default) or LevelT.
	Level Level
	// TSA gives the signature timestamp for LevelT.
	TSA Timestamper
	// PolicyOID, when set, adds signature-policy-identifier (CAdES-EPES);
	// PolicyHash is the hash of the policy document made with PolicyHashAlg
	// (default: Hash; an empty PolicyHash hashes nothing and is allowed only
	// for policies without a document).
	PolicyOID     asn1.ObjectIdentifier
	PolicyHash    []byte
	PolicyHashAlg crypto.Hash
	// SigningTime is the claimed signing time (default now).
	SigningTime time.Time
	// NoSigningTime leaves the signing-time attribute out, as PAdES
	// baseline signatures must (their claimed time is the PDF signature
	// dictionary's /M).
	NoSigningTime bool
	// RequireRole refuses certificates without one of these roles.
	RequireRole hcrole.Requirement
	// AllowNonHPKI permits non-HPKI and authentication certificates, with a warning.
	AllowNonHPKI bool
	// PSS selects RSASSA-PSS for RSA keys.
	PSS bool
	// ContentType is the eContentType (default id-data).
	ContentType asn1.ObjectIdentifier
}

// Result is a signature with what the user should know about it.
type Result struct {
	// Signature is the DER ContentInfo.
	Signature []byte
	Warnings  []string
	// TimestampTime is the genTime of the signature timestamp (LevelT).
	TimestampTime time.Time
}

// SignCAdES signs content. Detached content is read once as a stream;
// enveloping content is read into memory (at most MaxEnvelopingSize).
func SignCAdES(ctx context.Context, content io.Reader, cred Credential, opts CAdESOptions) (*Result, error) {
	warnings, err := Preflight(cred.Certificate, opts.RequireRole, opts.AllowNonHPKI)
	if err != nil {
		return nil, err
	}
	h := opts.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if h != crypto.SHA256 && h != crypto.SHA384 && h != crypto.SHA512 {
		return nil, fmt.Errorf("hash %v not allowed for new signatures (SHA-256, SHA-384 or SHA-512)", h)
	}
	level := opts.Level
	if level == "" {
		level = LevelB
	}
	if level != LevelB && level != LevelT {
		return nil, fmt.Errorf("level %s cannot be made directly: sign at B or T, then extend", level)
	}
	if level == LevelT && opts.TSA == nil {
		return nil, errors.New("level T needs a TSA")
	}
	packaging := opts.Packaging
	if packaging == "" {
		packaging = Detached
	}
	ctype := opts.ContentType
	if ctype == nil {
		ctype = cms.OIDData
	}
	digest := h.New()
	var embedded []byte
	switch packaging {
	case Detached:
		if _, err := io.Copy(digest, content); err != nil {
			return nil, fmt.Errorf("reading content: %w", err)
		}
	case Enveloping:
		embedded, err = io.ReadAll(io.LimitReader(content, MaxEnvelopingSize+1))
		if err != nil {
			return nil, fmt.Errorf("reading content: %w", err)
		}
		if len(embedded) > MaxEnvelopingSize {
			return nil, fmt.Errorf("content larger than %d bytes: sign it detached", MaxEnvelopingSize)
		}
		digest.Write(embedded)
	default:
		return nil, fmt.Errorf("packaging %q is not detached or enveloping", packaging)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	attrs, err := signedAttributes(ctype, digest.Sum(nil), cred, h, opts)
	if err != nil {
		return nil, err
	}
	si, err := cms.NewSignerInfo(cred.Signer, cred.Certificate, attrs, cms.SignOptions{Hash: h, PSS: opts.PSS})
	if err != nil {
		return nil, err
	}
	digestAlg, _ := cms.DigestAlgorithm(h)
	sd := &cms.SignedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{digestAlg},
		ContentType:      ctype,
		Content:          embedded,
		Certificates:     [][]byte{cred.Certificate.Raw},
		SignerInfos:      []cms.SignerInfo{*si},
	}
	if !ctype.Equal(cms.OIDData) {
		sd.Version = 3
	}
	for _, c := range cred.Chain {
		sd.Certificates = append(sd.Certificates, c.Raw)
	}
	res := &Result{Warnings: warnings}
	if level == LevelT {
		tok, err := addSignatureTimestamp(ctx, &sd.SignerInfos[0], opts.TSA)
		if err != nil {
			return nil, err
		}
		res.TimestampTime = tok
	}
	if res.Signature, err = sd.Marshal(); err != nil {
		return nil, err
	}
	return res, nil
}

func signedAttributes(ctype asn1.ObjectIdentifier, digest []byte, cred Credential, h crypto.Hash, opts CAdESOptions) ([]cms.Attribute, error) {
	ct, err := cms.NewAttribute(cms.OIDContentType, ctype)
	if err != nil {
		return nil, err
	}
	md, err := cms.NewAttribute(cms.OIDMessageDigest, digest)
	if err != nil {
		return nil, err
	}
	attrs := []cms.Attribute{ct, md}
	if !opts.NoSigningTime {
		when := opts.SigningTime
		if when.IsZero() {
			when = time.Now()
		}
		st, err := cms.SigningTimeAttr(when)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, st)
	}
	sc, err := cms.SigningCertificateV2Attr(cred.Certificate, h)
	if err != nil {
		return nil, err
	}
	attrs = append(attrs, sc)
	if len(opts.PolicyOID) > 0 {
		ph := opts.PolicyHashAlg
		if ph == 0 {
			ph = h
		}
		value := opts.PolicyHash
		if value == nil {
			value = ph.New().Sum(nil)
		}
		pa, err := cms.SignaturePolicyAttr(opts.PolicyOID, ph, value)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, pa)
	}
	return attrs, nil
}

// addSignatureTimestamp requests a token over the signature value and adds
// it as the signature-time-stamp unsigned attribute; it returns genTime.
func addSignatureTimestamp(ctx context.Context, si *cms.SignerInfo, ts Timestamper) (time.Time, error) {
	tok, err := ts.TimestampData(ctx, si.Signature)
	if err != nil {
		return time.Time{}, fmt.Errorf("signature timestamp: %w", err)
	}
	si.AddUnsignedAttr(cms.OIDSignatureTimeStamp, tok.Raw)
	return tok.GenTime, nil
}

// AddTimestamp adds a signature timestamp to every signer of an existing
// CAdES signature that has none (B-B → B-T), keeping every signed byte.
func AddTimestamp(ctx context.Context, sig []byte, ts Timestamper) ([]byte, error) {
	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, err
	}
	for i := range sd.SignerInfos {
		if len(sd.SignerInfos[i].UnsignedAttr(cms.OIDSignatureTimeStamp)) > 0 {
			continue
		}
		if _, err := addSignatureTimestamp(ctx, &sd.SignerInfos[i], ts); err != nil {
			return nil, err
		}
	}
	return sd.Marshal()
}
