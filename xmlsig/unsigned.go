package xmlsig

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// Unsigned qualifying properties: where timestamps and validation data go,
// and what archive timestamps cover.

// QualifyingProperties returns the xades:QualifyingProperties of sig (1.3.2
// or 1.4.1 namespace) from its ds:Object elements, or nil.
func QualifyingProperties(sig *etree.Element) *etree.Element {
	for _, obj := range Children(sig, NSDSig, "Object") {
		for _, q := range obj.ChildElements() {
			if q.Tag == "QualifyingProperties" && (NS(q) == NSXAdES132 || NS(q) == NSXAdES141) {
				return q
			}
		}
	}
	return nil
}

// prefixed returns "prefix:local", or local when prefix is empty (the
// namespace is then the default one in scope).
func prefixed(prefix, local string) string {
	if prefix == "" {
		return local
	}
	return prefix + ":" + local
}

// UnsignedSignatureProperties returns the UnsignedSignatureProperties of
// qp, creating UnsignedProperties and it (with qp's prefix) when missing.
func UnsignedSignatureProperties(qp *etree.Element) *etree.Element {
	up := Child(qp, NS(qp), "UnsignedProperties")
	if up == nil {
		up = qp.CreateElement(prefixed(qp.Space, "UnsignedProperties"))
	}
	usp := Child(up, NS(qp), "UnsignedSignatureProperties")
	if usp == nil {
		usp = etree.NewElement(prefixed(qp.Space, "UnsignedSignatureProperties"))
		up.InsertChildAt(0, usp)
	}
	return usp
}

// AddTimeStamp appends to parent a timestamp property named
// prefix:local (a SignatureTimeStamp or an ArchiveTimeStamp) holding a
// ds:CanonicalizationMethod and the DER token as EncapsulatedTimeStamp
// (in the XAdES 1.3.2 namespace, with xadesPrefix). When ns141 is set the
// element is declared in the XAdES 1.4.1 namespace.
func AddTimeStamp(parent *etree.Element, prefix, local, xadesPrefix, dsPrefix, id, c14n string, token []byte, ns141 bool) *etree.Element {
	st := parent.CreateElement(prefixed(prefix, local))
	if ns141 {
		st.CreateAttr("xmlns:"+prefix, NSXAdES141)
	}
	if id != "" {
		st.CreateAttr("Id", id)
	}
	st.CreateElement(prefixed(dsPrefix, "CanonicalizationMethod")).CreateAttr("Algorithm", c14n)
	st.CreateElement(prefixed(xadesPrefix, "EncapsulatedTimeStamp")).SetText(base64.StdEncoding.EncodeToString(token))
	return st
}

// IsArchiveTimeStamp reports whether el is an ArchiveTimeStamp (XAdES
// 1.4.1, or 1.3.2's).
func IsArchiveTimeStamp(el *etree.Element) bool {
	return el.Tag == "ArchiveTimeStamp" && (NS(el) == NSXAdES141 || NS(el) == NSXAdES132)
}

// ArchiveInput is the data an ArchiveTimeStamp of sig covers (XAdES
// 1.4.1 §8.2.1, EN 319 132-1 §5.5.2): the data of each ds:Reference after
// its transforms, the canonical SignedInfo, SignatureValue and KeyInfo,
// the unsigned signature properties before ats (all of them when ats is
// nil: a timestamp about to be added), and the ds:Object elements other
// than the one holding the qualifying properties; canonicalized with alg.
func ArchiveInput(doc *etree.Document, sig *etree.Element, detached Detached, ats *etree.Element, alg string) ([]byte, error) {
	refs, err := ArchiveReferenceData(doc, sig, detached, 0)
	if err != nil {
		return nil, err
	}
	return ArchiveInputWith(refs, sig, ats, alg)
}

// ArchiveReferenceData is the first part of ArchiveInput, the same for
// every archive timestamp of sig: the data of each ds:Reference after its
// transforms. Compute it once per signature. budget, when positive, bounds
// the bytes canonicalized (ErrLimit past it).
func ArchiveReferenceData(doc *etree.Document, sig *etree.Element, detached Detached, budget int64) ([]byte, error) {
	var buf bytes.Buffer
	ix := Index(doc)
	si := Child(sig, NSDSig, "SignedInfo")
	if si == nil {
		return nil, formatErr("no SignedInfo")
	}
	c := NewChecker(doc, ix, detached)
	c.Budget = budget
	for _, ref := range Children(si, NSDSig, "Reference") {
		r, err := c.check(ref, sig, &buf)
		if err != nil {
			return nil, err
		}
		if !r.Checked {
			return nil, fmt.Errorf("%w: the archive timestamp covers %s (%s): give it with --content", ErrNotGiven, r.URI, r.Covers)
		}
	}
	return buf.Bytes(), nil
}

// ArchiveInputWith is ArchiveInput given the ArchiveReferenceData of sig.
func ArchiveInputWith(refs []byte, sig, ats *etree.Element, alg string) ([]byte, error) {
	var buf bytes.Buffer
	buf.Write(refs)
	write := func(el *etree.Element) error {
		c, err := Canonicalize(el, alg, "")
		if err != nil {
			return err
		}
		buf.Write(c)
		return nil
	}
	for _, name := range []string{"SignedInfo", "SignatureValue", "KeyInfo"} {
		if el := Child(sig, NSDSig, name); el != nil {
			if err := write(el); err != nil {
				return nil, err
			}
		}
	}
	qp := QualifyingProperties(sig)
	if qp == nil {
		return nil, formatErr("no QualifyingProperties")
	}
	if up := Child(qp, NS(qp), "UnsignedProperties"); up != nil {
		if usp := Child(up, NS(qp), "UnsignedSignatureProperties"); usp != nil {
			for _, c := range usp.ChildElements() {
				if c == ats {
					break
				}
				if err := write(c); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, obj := range Children(sig, NSDSig, "Object") {
		if qp.Parent() == obj {
			continue
		}
		if err := write(obj); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// EncapsulatedValues returns the base64 values (whitespace removed) of the
// elements named local (EncapsulatedX509Certificate, EncapsulatedCRLValue,
// EncapsulatedOCSPValue, X509Certificate) anywhere under root.
func EncapsulatedValues(root *etree.Element, ns, local string) []string {
	var out []string
	for _, el := range Find(root, ns, local) {
		out = append(out, strings.Join(strings.Fields(Text(el)), ""))
	}
	return out
}
