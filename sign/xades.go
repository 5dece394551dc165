package sign

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/beevik/etree"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/xmlsig"
)

// XAdESOptions control SignXAdES and SignXAdESDetached. The zero value
// makes an enveloped B-B signature over the whole document with exclusive
// canonicalization and SHA-256.
type XAdESOptions struct {
	// ReferenceID, when set, signs only the element with this Id (the
	// e-prescription layout); otherwise the whole document is signed.
	ReferenceID string
	// Hash of the digests and the signature (default SHA-256).
	Hash crypto.Hash
	// C14N is the canonicalization URI (default exclusive C14N).
	C14N string
	// Level is LevelB (default) or LevelT.
	Level Level
	TSA   Timestamper
	// SigningTime is the claimed signing time (default now).
	SigningTime time.Time
	// PolicyOID adds a SignaturePolicyIdentifier (as urn:oid:…).
	PolicyOID asn1.ObjectIdentifier
	// RequireRole and AllowNonHPKI as for CAdES.
	RequireRole  hcrole.Requirement
	AllowNonHPKI bool
	// SignatureID is the Id of ds:Signature (default random).
	SignatureID string
	// ReferenceKeyInfo adds a reference to ds:KeyInfo, as the
	// e-prescription profile does.
	ReferenceKeyInfo bool
	// MimeType, when set, adds a DataObjectFormat for the first reference.
	MimeType string
	// DSigPrefix is the namespace prefix of XML-DSig elements (default "ds";
	// some Japanese systems use "xs").
	DSigPrefix string
	// LegacySigningCertificate writes SigningCertificate (v1, with
	// IssuerSerial) instead of SigningCertificateV2, for receivers that
	// only know XAdES 1.3.2's original element.
	LegacySigningCertificate bool
}

// SignXAdES signs an XML document with an enveloped XAdES signature,
// appended as the last child of the root element. The input is not
// modified; the signed document is returned.
func SignXAdES(ctx context.Context, document []byte, cred Credential, opts XAdESOptions) (*Result, error) {
	warnings, err := Preflight(cred.Certificate, opts.RequireRole, opts.AllowNonHPKI)
	if err != nil {
		return nil, err
	}
	doc, err := xmlsig.Parse(document)
	if err != nil {
		return nil, err
	}
	if len(xmlsig.Index(doc).Duplicates) > 0 {
		return nil, errors.New("the document has duplicate Id attributes: refusing to sign an ambiguous document")
	}
	b, err := newXAdESBuilder(doc, doc.Root(), cred, opts)
	if err != nil {
		return nil, err
	}
	uri := ""
	if opts.ReferenceID != "" {
		uri = "#" + opts.ReferenceID
	}
	if err := b.addDocumentReference(uri, opts.ReferenceID == ""); err != nil {
		return nil, err
	}
	return b.result(ctx, warnings)
}

// SignXAdESDetached makes a detached XAdES signature (a standalone
// ds:Signature document) over content, referenced by uri (e.g. the file name).
func SignXAdESDetached(ctx context.Context, content io.Reader, uri string, cred Credential, opts XAdESOptions) (*Result, error) {
	warnings, err := Preflight(cred.Certificate, opts.RequireRole, opts.AllowNonHPKI)
	if err != nil {
		return nil, err
	}
	if uri == "" {
		return nil, errors.New("a detached XAdES signature needs the URI of the signed file")
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	b, err := newXAdESBuilder(doc, nil, cred, opts)
	if err != nil {
		return nil, err
	}
	d := b.hash.New()
	if _, err := io.Copy(d, content); err != nil {
		return nil, fmt.Errorf("reading content: %w", err)
	}
	b.addReference(uri, "", nil, d.Sum(nil), b.id+"-ref0")
	return b.result(ctx, warnings)
}

// SignXAdESEnveloping makes an enveloping XAdES signature: a standalone
// ds:Signature document whose ds:Object (Id "<signature Id>-object") holds
// the content. Content that is a well-formed XML document is embedded as
// XML (its root element becomes the child of ds:Object); anything else is
// embedded base64-encoded with Encoding base64 and mimeType (default
// application/octet-stream). The reference digests the canonical
// ds:Object, so both forms are covered byte for byte.
func SignXAdESEnveloping(ctx context.Context, content []byte, mimeType string, cred Credential, opts XAdESOptions) (*Result, error) {
	warnings, err := Preflight(cred.Certificate, opts.RequireRole, opts.AllowNonHPKI)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	b, err := newXAdESBuilder(doc, nil, cred, opts)
	if err != nil {
		return nil, err
	}
	obj := etree.NewElement(b.ds("Object"))
	obj.CreateAttr("Id", b.id+"-object")
	if inner, perr := xmlsig.Parse(content); perr == nil {
		if len(xmlsig.Index(inner).Duplicates) > 0 {
			return nil, errors.New("the document has duplicate Id attributes: refusing to sign an ambiguous document")
		}
		obj.CreateAttr("MimeType", "text/xml")
		obj.AddChild(inner.Root())
	} else {
		if mimeType == "" {
			mimeType = "application/octet-stream"
		}
		obj.CreateAttr("MimeType", mimeType)
		obj.CreateAttr("Encoding", "http://www.w3.org/2000/09/xmldsig#base64")
		obj.SetText(base64.StdEncoding.EncodeToString(content))
	}
	b.content = obj
	return b.result(ctx, warnings)
}

// xadesBuilder assembles one ds:Signature.
type xadesBuilder struct {
	doc                                       *etree.Document
	cred                                      Credential
	opts                                      XAdESOptions
	hash                                      crypto.Hash
	c14n                                      string
	id                                        string
	sig, signedInfo, keyInfo, qp, signedProps *etree.Element
	refs                                      int
	tsTime                                    time.Time
	// content is the ds:Object of an enveloping signature, placed after
	// KeyInfo and referenced first.
	content *etree.Element
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "id-" + hex.EncodeToString(b)
}

func newXAdESBuilder(doc *etree.Document, parent *etree.Element, cred Credential, opts XAdESOptions) (*xadesBuilder, error) {
	h := opts.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if h != crypto.SHA256 && h != crypto.SHA384 && h != crypto.SHA512 {
		return nil, fmt.Errorf("hash %v not allowed for new signatures", h)
	}
	c14n := opts.C14N
	if c14n == "" {
		c14n = xmlsig.AlgExcC14N
	}
	if err := xmlsig.CheckC14N(c14n); err != nil {
		return nil, err
	}
	if opts.Level == LevelT && opts.TSA == nil {
		return nil, errors.New("level T needs a TSA")
	}
	if opts.Level != "" && opts.Level != LevelB && opts.Level != LevelT {
		return nil, fmt.Errorf("level %s cannot be made directly: sign at B or T, then extend", opts.Level)
	}
	b := &xadesBuilder{doc: doc, cred: cred, opts: opts, hash: h, c14n: c14n, id: opts.SignatureID}
	if b.id == "" {
		b.id = randomID()
	}
	var sig *etree.Element
	if parent == nil {
		sig = doc.CreateElement(b.ds("Signature"))
	} else {
		sig = parent.CreateElement(b.ds("Signature"))
	}
	sig.CreateAttr("xmlns:"+b.prefix(), xmlsig.NSDSig)
	sig.CreateAttr("Id", b.id)
	b.sig = sig
	b.signedInfo = sig.CreateElement(b.ds("SignedInfo"))
	b.signedInfo.CreateElement(b.ds("CanonicalizationMethod")).CreateAttr("Algorithm", c14n)
	sm, err := signatureMethod(cred, h)
	if err != nil {
		return nil, err
	}
	b.signedInfo.CreateElement(b.ds("SignatureMethod")).CreateAttr("Algorithm", sm)
	return b, nil
}

func signatureMethod(cred Credential, h crypto.Hash) (string, error) {
	switch cred.Certificate.PublicKey.(type) {
	case *rsa.PublicKey:
		return map[crypto.Hash]string{crypto.SHA256: xmlsig.AlgRSASHA256, crypto.SHA384: xmlsig.AlgRSASHA384, crypto.SHA512: xmlsig.AlgRSASHA512}[h], nil
	case *ecdsa.PublicKey:
		return map[crypto.Hash]string{crypto.SHA256: xmlsig.AlgECDSASHA256, crypto.SHA384: xmlsig.AlgECDSASHA384, crypto.SHA512: xmlsig.AlgECDSASHA512}[h], nil
	}
	return "", fmt.Errorf("unsupported key type %T", cred.Certificate.PublicKey)
}

func (b *xadesBuilder) prefix() string {
	if b.opts.DSigPrefix != "" {
		return b.opts.DSigPrefix
	}
	return "ds"
}

func (b *xadesBuilder) ds(local string) string { return b.prefix() + ":" + local }

// addReference appends a ds:Reference with the given digest.
func (b *xadesBuilder) addReference(uri, typ string, transforms []string, digest []byte, id string) *etree.Element {
	ref := b.signedInfo.CreateElement(b.ds("Reference"))
	if id != "" {
		ref.CreateAttr("Id", id)
	}
	if typ != "" {
		ref.CreateAttr("Type", typ)
	}
	ref.CreateAttr("URI", uri)
	if len(transforms) > 0 {
		ts := ref.CreateElement(b.ds("Transforms"))
		for _, t := range transforms {
			ts.CreateElement(b.ds("Transform")).CreateAttr("Algorithm", t)
		}
	}
	ref.CreateElement(b.ds("DigestMethod")).CreateAttr("Algorithm", xmlsig.DigestURI(b.hash))
	ref.CreateElement(b.ds("DigestValue")).SetText(base64.StdEncoding.EncodeToString(digest))
	b.refs++
	return ref
}

// digestElement canonicalizes el (without the signature being built, the
// whole document when whole) and hashes it, as xmlsig's verifier does.
func (b *xadesBuilder) digestElement(el *etree.Element, whole bool) ([]byte, error) {
	var exclude *etree.Element
	if b.sig.Parent() != nil && isAncestor(el, b.sig) {
		exclude = b.sig
	}
	d := b.hash.New()
	if err := xmlsig.ReferenceData(d, b.doc, el, exclude, whole, b.c14n, ""); err != nil {
		return nil, err
	}
	return d.Sum(nil), nil
}

// isAncestor reports whether a is el or one of its ancestors.
func isAncestor(a, el *etree.Element) bool {
	for p := el; p != nil; p = p.Parent() {
		if p == a {
			return true
		}
	}
	return false
}

// addDocumentReference references the element with Id (uri "#id") or the
// whole document (uri "", with the enveloped-signature transform).
func (b *xadesBuilder) addDocumentReference(uri string, whole bool) error {
	target := b.doc.Root()
	transforms := []string{b.c14n}
	if !whole {
		el, err := xmlsig.Index(b.doc).Lookup(uri[1:])
		if err != nil {
			return err
		}
		target = el
	} else {
		transforms = []string{xmlsig.AlgEnveloped, b.c14n}
	}
	d, err := b.digestElement(target, whole)
	if err != nil {
		return err
	}
	b.addReference(uri, "", transforms, d, b.id+"-ref0")
	return nil
}

// finish adds KeyInfo and the qualifying properties, signs, and timestamps.
func (b *xadesBuilder) finish(ctx context.Context) error {
	sv := b.sig.CreateElement(b.ds("SignatureValue"))
	sv.CreateAttr("Id", b.id+"-sigvalue")
	b.keyInfo = b.sig.CreateElement(b.ds("KeyInfo"))
	b.keyInfo.CreateAttr("Id", b.id+"-keyinfo")
	x509Data := b.keyInfo.CreateElement(b.ds("X509Data"))
	x509Data.CreateElement(b.ds("X509Certificate")).SetText(base64.StdEncoding.EncodeToString(b.cred.Certificate.Raw))
	for _, c := range b.cred.Chain {
		x509Data.CreateElement(b.ds("X509Certificate")).SetText(base64.StdEncoding.EncodeToString(c.Raw))
	}
	if b.content != nil {
		b.sig.AddChild(b.content)
		d, err := b.digestElement(b.content, false)
		if err != nil {
			return err
		}
		b.addReference("#"+b.content.SelectAttrValue("Id", ""), "", []string{b.c14n}, d, b.id+"-ref0")
	}
	obj := b.sig.CreateElement(b.ds("Object"))
	b.qp = obj.CreateElement("xades:QualifyingProperties")
	b.qp.CreateAttr("xmlns:xades", xmlsig.NSXAdES132)
	b.qp.CreateAttr("Target", "#"+b.id)
	b.signedProps = b.qp.CreateElement("xades:SignedProperties")
	b.signedProps.CreateAttr("Id", b.id+"-signedprops")
	ssp := b.signedProps.CreateElement("xades:SignedSignatureProperties")
	when := b.opts.SigningTime
	if when.IsZero() {
		when = time.Now()
	}
	ssp.CreateElement("xades:SigningTime").SetText(when.UTC().Format("2006-01-02T15:04:05Z"))
	scName := "xades:SigningCertificateV2"
	if b.opts.LegacySigningCertificate {
		scName = "xades:SigningCertificate"
	}
	scv2 := ssp.CreateElement(scName).CreateElement("xades:Cert")
	cd := scv2.CreateElement("xades:CertDigest")
	cd.CreateElement(b.ds("DigestMethod")).CreateAttr("Algorithm", xmlsig.DigestURI(b.hash))
	ch := b.hash.New()
	ch.Write(b.cred.Certificate.Raw)
	cd.CreateElement(b.ds("DigestValue")).SetText(base64.StdEncoding.EncodeToString(ch.Sum(nil)))
	is, err := cms.MarshalIssuerSerial(b.cred.Certificate)
	if err != nil {
		return err
	}
	if b.opts.LegacySigningCertificate {
		iss := scv2.CreateElement("xades:IssuerSerial")
		iss.CreateElement(b.ds("X509IssuerName")).SetText(b.cred.Certificate.Issuer.String())
		iss.CreateElement(b.ds("X509SerialNumber")).SetText(b.cred.Certificate.SerialNumber.String())
	} else {
		scv2.CreateElement("xades:IssuerSerialV2").SetText(base64.StdEncoding.EncodeToString(is))
	}
	if len(b.opts.PolicyOID) > 0 {
		spi := ssp.CreateElement("xades:SignaturePolicyIdentifier").CreateElement("xades:SignaturePolicyId")
		oid := spi.CreateElement("xades:SigPolicyId").CreateElement("xades:Identifier")
		oid.CreateAttr("Qualifier", "OIDAsURN")
		oid.SetText("urn:oid:" + b.opts.PolicyOID.String())
		ph := spi.CreateElement("xades:SigPolicyHash")
		ph.CreateElement(b.ds("DigestMethod")).CreateAttr("Algorithm", xmlsig.DigestURI(b.hash))
		ph.CreateElement(b.ds("DigestValue")).SetText(base64.StdEncoding.EncodeToString(b.hash.New().Sum(nil)))
	}
	if b.opts.MimeType != "" {
		dof := b.signedProps.CreateElement("xades:SignedDataObjectProperties").CreateElement("xades:DataObjectFormat")
		dof.CreateAttr("ObjectReference", "#"+b.id+"-ref0")
		dof.CreateElement("xades:MimeType").SetText(b.opts.MimeType)
	}
	// References to KeyInfo and SignedProperties.
	if b.opts.ReferenceKeyInfo {
		d, err := b.digestElement(b.keyInfo, false)
		if err != nil {
			return err
		}
		b.addReference("#"+b.id+"-keyinfo", "", []string{b.c14n}, d, "")
	}
	d, err := b.digestElement(b.signedProps, false)
	if err != nil {
		return err
	}
	b.addReference("#"+b.id+"-signedprops", xmlsig.TypeSignedProperties, []string{b.c14n}, d, "")
	// Sign the canonical SignedInfo.
	si, err := xmlsig.Canonicalize(b.signedInfo, b.c14n, "")
	if err != nil {
		return err
	}
	h := b.hash.New()
	h.Write(si)
	raw, err := b.cred.Signer.Sign(rand.Reader, h.Sum(nil), b.hash)
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}
	if _, ok := b.cred.Certificate.PublicKey.(*ecdsa.PublicKey); ok {
		if raw, err = ecdsaRaw(raw, b.cred.Certificate.PublicKey.(*ecdsa.PublicKey)); err != nil {
			return err
		}
	}
	sv.SetText(base64.StdEncoding.EncodeToString(raw))
	if b.opts.Level == LevelT {
		return b.addSignatureTimestamp(ctx, sv)
	}
	return nil
}

// result signs (finish) and serialises the document holding the signature.
func (b *xadesBuilder) result(ctx context.Context, warnings []string) (*Result, error) {
	if err := b.finish(ctx); err != nil {
		return nil, err
	}
	out, err := xmlsig.Serialize(b.doc)
	if err != nil {
		return nil, err
	}
	return &Result{Signature: out, Warnings: warnings, TimestampTime: b.tsTime}, nil
}

// addSignatureTimestamp timestamps the canonicalized ds:SignatureValue.
func (b *xadesBuilder) addSignatureTimestamp(ctx context.Context, _ *etree.Element) error {
	t, err := TimestampXMLSignature(ctx, b.sig, b.opts.TSA)
	b.tsTime = t
	return err
}

// TimestampXMLSignature adds to the XAdES signature sig a
// SignatureTimeStamp over its canonical (exclusive C14N) ds:SignatureValue,
// in its UnsignedSignatureProperties (created when missing): B-B becomes
// B-T. It returns the timestamp's genTime.
func TimestampXMLSignature(ctx context.Context, sig *etree.Element, ts Timestamper) (time.Time, error) {
	sv := xmlsig.Child(sig, xmlsig.NSDSig, "SignatureValue")
	qp := xmlsig.QualifyingProperties(sig)
	if sv == nil || qp == nil {
		return time.Time{}, errors.New("not a XAdES signature: SignatureValue or QualifyingProperties missing")
	}
	data, err := xmlsig.Canonicalize(sv, xmlsig.AlgExcC14N, "")
	if err != nil {
		return time.Time{}, err
	}
	tok, err := ts.TimestampData(ctx, data)
	if err != nil {
		return time.Time{}, fmt.Errorf("signature timestamp: %w", err)
	}
	id := ""
	if sigID := sig.SelectAttrValue("Id", ""); sigID != "" {
		id = sigID + "-sigtst"
	}
	usp := xmlsig.UnsignedSignatureProperties(qp)
	xmlsig.AddTimeStamp(usp, qp.Space, "SignatureTimeStamp", qp.Space, sig.Space, id, xmlsig.AlgExcC14N, tok.Raw, false)
	return tok.GenTime, nil
}

// ecdsaRaw converts an ASN.1 ECDSA signature to the r||s form of XML-DSig.
func ecdsaRaw(der []byte, pub *ecdsa.PublicKey) ([]byte, error) {
	var s struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &s); err != nil {
		return nil, fmt.Errorf("ECDSA signature: %w", err)
	}
	n := (pub.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*n)
	s.R.FillBytes(out[:n])
	s.S.FillBytes(out[n:])
	return out, nil
}
