// Package xmlsig is the XML plumbing of XAdES: safe parsing (no DTD, no
// entities, size and depth limits), the Id index with duplicate detection,
// canonicalization, and the resolution and digesting of ds:Reference
// elements — only by Id inside the document, the whole document, or a
// detached file the caller provides. Nothing is ever fetched.
package xmlsig

import (
	"bytes"
	"crypto"
	_ "crypto/sha3" // SHA-3 DigestMethods
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// Namespaces and algorithm identifiers.
const (
	NSDSig     = "http://www.w3.org/2000/09/xmldsig#"
	NSXAdES132 = "http://uri.etsi.org/01903/v1.3.2#"
	NSXAdES141 = "http://uri.etsi.org/01903/v1.4.1#"

	TypeSignedProperties = "http://uri.etsi.org/01903#SignedProperties"

	AlgExcC14N         = "http://www.w3.org/2001/10/xml-exc-c14n#"
	AlgExcC14NComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
	AlgC14N10          = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	AlgC14N10Comments  = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
	AlgC14N11          = "http://www.w3.org/2006/12/xml-c14n11"
	AlgC14N11Comments  = "http://www.w3.org/2006/12/xml-c14n11#WithComments"
	AlgEnveloped       = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

	AlgSHA1   = "http://www.w3.org/2000/09/xmldsig#sha1"
	AlgSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
	AlgSHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	AlgSHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

	AlgSHA3_256 = "http://www.w3.org/2007/05/xmldsig-more#sha3-256"
	AlgSHA3_384 = "http://www.w3.org/2007/05/xmldsig-more#sha3-384"
	AlgSHA3_512 = "http://www.w3.org/2007/05/xmldsig-more#sha3-512"

	// RSASSA-PSS with MGF1 (RFC 6931 §2.3.10), salt length the hash's.
	AlgRSAPSSSHA256 = "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
	AlgRSAPSSSHA384 = "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
	AlgRSAPSSSHA512 = "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1"

	AlgRSASHA1     = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	AlgRSASHA256   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	AlgRSASHA384   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
	AlgRSASHA512   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
	AlgECDSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	AlgECDSASHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
	AlgECDSASHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"
)

// ErrFormat is wrapped by every error about a malformed or hostile document.
var ErrFormat = errors.New("malformed XML signature document")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

// NS returns the namespace URI of el.
func NS(el *etree.Element) string { return el.NamespaceURI() }

// Is reports whether el is the element ns:local, whatever its prefix.
func Is(el *etree.Element, ns, local string) bool {
	return el != nil && el.Tag == local && NS(el) == ns
}

// Children returns the child elements ns:local of el.
func Children(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, t := range el.Child {
		if c, ok := t.(*etree.Element); ok && Is(c, ns, local) {
			out = append(out, c)
		}
	}
	return out
}

// Child returns the only child ns:local of el, or nil when there is none
// or more than one.
func Child(el *etree.Element, ns, local string) *etree.Element {
	if el == nil {
		return nil
	}
	var found *etree.Element
	for _, t := range el.Child {
		if c, ok := t.(*etree.Element); ok && Is(c, ns, local) {
			if found != nil {
				return nil
			}
			found = c
		}
	}
	return found
}

// Text returns the trimmed text of el.
func Text(el *etree.Element) string {
	if el == nil {
		return ""
	}
	return strings.TrimSpace(el.Text())
}

// Find returns every element ns:local in the tree under root (root included).
func Find(root *etree.Element, ns, local string) []*etree.Element {
	return appendFound(nil, root, ns, local)
}

// appendFound appends the elements ns:local under el (el included) to out.
func appendFound(out []*etree.Element, el *etree.Element, ns, local string) []*etree.Element {
	if Is(el, ns, local) {
		out = append(out, el)
	}
	for _, t := range el.Child {
		if c, ok := t.(*etree.Element); ok {
			out = appendFound(out, c, ns, local)
		}
	}
	return out
}

// IDIndex maps Id attribute values to elements. The attributes named Id,
// ID and id (in no namespace) are identifiers.
type IDIndex struct {
	byID map[string]*etree.Element
	// Duplicates lists the identifiers found more than once.
	Duplicates []string
	// raw: where the elements lie in the document's text, when the
	// index comes from ParseSurveyed (rawdoc.go).
	raw *rawDoc
}

// Index builds the Id index of the document.
func Index(doc *etree.Document) *IDIndex {
	ix := &IDIndex{byID: map[string]*etree.Element{}}
	ix.add(doc.Root(), map[string]bool{})
	return ix
}

// add indexes the identifiers of the subtree of el; seen holds the
// identifiers already listed in Duplicates.
func (ix *IDIndex) add(el *etree.Element, seen map[string]bool) {
	ix.addAttrs(el, seen)
	for _, t := range el.Child {
		if c, ok := t.(*etree.Element); ok {
			ix.add(c, seen)
		}
	}
}

// addAttrs indexes the identifiers of el.
func (ix *IDIndex) addAttrs(el *etree.Element, seen map[string]bool) {
	for i := range el.Attr {
		if a := &el.Attr[i]; isIDAttr(a) {
			if _, dup := ix.byID[a.Value]; dup && !seen[a.Value] {
				seen[a.Value] = true
				ix.Duplicates = append(ix.Duplicates, a.Value)
			}
			ix.byID[a.Value] = el
		}
	}
}

// isIDAttr reports whether a is an identifier: Id, ID or id in no
// namespace.
func isIDAttr(a *etree.Attr) bool {
	return a.Space == "" && (a.Key == "Id" || a.Key == "ID" || a.Key == "id")
}

// Survey is what one walk of a document finds: its ds:Signature elements
// (in document order, as Find returns them), the number of its
// ds:Reference elements and its Id index (as Index builds it).
type Survey struct {
	Signatures []*etree.Element
	References int
	IX         *IDIndex
}

// SurveyDocument walks doc once (a walk of a large tree costs mostly
// memory traffic, three walks three times that).
func SurveyDocument(doc *etree.Document) *Survey {
	sv := &Survey{IX: &IDIndex{byID: map[string]*etree.Element{}}}
	sv.add(doc.Root(), map[string]bool{})
	return sv
}

func (sv *Survey) add(el *etree.Element, seen map[string]bool) {
	sv.note(el)
	sv.IX.addAttrs(el, seen)
	for _, t := range el.Child {
		if c, ok := t.(*etree.Element); ok {
			sv.add(c, seen)
		}
	}
}

// note counts el when it is a ds:Signature or a ds:Reference.
func (sv *Survey) note(el *etree.Element) {
	if el.Tag == "Signature" || el.Tag == "Reference" {
		if NS(el) == NSDSig {
			if el.Tag == "Signature" {
				sv.Signatures = append(sv.Signatures, el)
			} else {
				sv.References++
			}
		}
	}
}

// CheckReferences returns an ErrLimit error when the document holds more
// than MaxReferences ds:Reference elements.
func (sv *Survey) CheckReferences() error { return checkReferenceCount(sv.References) }

// Lookup returns the element with the given Id, unless it is duplicated.
func (ix *IDIndex) Lookup(id string) (*etree.Element, error) {
	for _, d := range ix.Duplicates {
		if d == id {
			return nil, formatErr("Id %q appears more than once (signature wrapping?)", id)
		}
	}
	el, ok := ix.byID[id]
	if !ok {
		return nil, formatErr("no element with Id %q", id)
	}
	return el, nil
}

// Canonicalize serialises el with the algorithm alg (comments kept only by
// the #WithComments variants), with the namespace declarations in scope at
// its place in the document. The document is not modified.
func Canonicalize(el *etree.Element, alg, prefixList string) ([]byte, error) {
	var buf bytes.Buffer
	if err := canonicalizeTo(&buf, el, nil, nil, nil, alg, prefixList, true); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DigestAlgorithm maps a DigestMethod URI to its hash.
func DigestAlgorithm(uri string) (crypto.Hash, error) {
	switch uri {
	case AlgSHA1:
		return crypto.SHA1, nil
	case AlgSHA256:
		return crypto.SHA256, nil
	case AlgSHA384:
		return crypto.SHA384, nil
	case AlgSHA512:
		return crypto.SHA512, nil
	case AlgSHA3_256:
		return crypto.SHA3_256, nil
	case AlgSHA3_384:
		return crypto.SHA3_384, nil
	case AlgSHA3_512:
		return crypto.SHA3_512, nil
	}
	return 0, formatErr("unsupported digest method %q", uri)
}

// DigestURI returns the DigestMethod URI of h.
func DigestURI(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return AlgSHA1
	case crypto.SHA384:
		return AlgSHA384
	case crypto.SHA512:
		return AlgSHA512
	}
	return AlgSHA256
}

// SignatureAlgorithm maps a SignatureMethod URI to its hash and key kind
// ("RSA" for PKCS#1 v1.5, "RSA-PSS", or "ECDSA").
func SignatureAlgorithm(uri string) (crypto.Hash, string, error) {
	switch uri {
	case AlgRSASHA1:
		return crypto.SHA1, "RSA", nil
	case AlgRSASHA256:
		return crypto.SHA256, "RSA", nil
	case AlgRSASHA384:
		return crypto.SHA384, "RSA", nil
	case AlgRSASHA512:
		return crypto.SHA512, "RSA", nil
	case AlgRSAPSSSHA256:
		return crypto.SHA256, "RSA-PSS", nil
	case AlgRSAPSSSHA384:
		return crypto.SHA384, "RSA-PSS", nil
	case AlgRSAPSSSHA512:
		return crypto.SHA512, "RSA-PSS", nil
	case AlgECDSASHA256:
		return crypto.SHA256, "ECDSA", nil
	case AlgECDSASHA384:
		return crypto.SHA384, "ECDSA", nil
	case AlgECDSASHA512:
		return crypto.SHA512, "ECDSA", nil
	}
	return 0, "", formatErr("unsupported signature method %q", uri)
}

// Serialize writes doc so that reading it back gives the same data: tabs,
// newlines and carriage returns in attribute values and carriage returns in
// text are written as character references (a parser would otherwise
// normalise them, and the digests computed before writing would no longer
// match the document as any reader sees it).
func Serialize(doc *etree.Document) ([]byte, error) {
	doc.WriteSettings.CanonicalAttrVal = true
	doc.WriteSettings.CanonicalText = true
	return doc.WriteToBytes()
}
