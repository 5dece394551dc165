package xmlsig

import (
	"strings"

	"github.com/beevik/etree"
)

// CheckSignatureLayout enforces the content model of ds:Signature
// (XML-DSig §4.1): SignedInfo, SignatureValue, an optional KeyInfo and any
// number of ds:Object elements, in that order, and nothing else: no other
// element (of any namespace) and no text but white space. Content an
// application could read as part of the document (an HL7 section placed
// inside the signature of a whole-document enveloped signature, which the
// enveloped-signature transform leaves unsigned) is refused here rather
// than carried along.
func CheckSignatureLayout(sig *etree.Element) error {
	const (
		wantSignedInfo = iota
		wantSignatureValue
		wantKeyInfoOrObject
		wantObject
	)
	state := wantSignedInfo
	for _, tok := range sig.Child {
		switch t := tok.(type) {
		case *etree.CharData:
			if strings.TrimSpace(t.Data) != "" {
				return formatErr("ds:Signature holds text %q outside its SignedInfo, SignatureValue, KeyInfo and Object elements (XML-DSig allows none)", abbreviate(strings.TrimSpace(t.Data)))
			}
		case *etree.Element:
			name := t.FullTag()
			if NS(t) == NSDSig {
				name = "ds:" + t.Tag
			} else if ns := NS(t); ns != "" {
				name = "{" + ns + "}" + t.Tag
			}
			ok := false
			if NS(t) == NSDSig {
				switch {
				case t.Tag == "SignedInfo" && state == wantSignedInfo:
					state, ok = wantSignatureValue, true
				case t.Tag == "SignatureValue" && state == wantSignatureValue:
					state, ok = wantKeyInfoOrObject, true
				case t.Tag == "KeyInfo" && state == wantKeyInfoOrObject:
					state, ok = wantObject, true
				case t.Tag == "Object" && state >= wantKeyInfoOrObject:
					state, ok = wantObject, true
				}
			}
			if !ok {
				return formatErr("ds:Signature may hold only SignedInfo, SignatureValue, KeyInfo? and Object*, in that order (XML-DSig §4.1): %s is out of place", name)
			}
		}
	}
	if state < wantKeyInfoOrObject {
		return formatErr("ds:Signature needs exactly one SignedInfo followed by one SignatureValue")
	}
	return nil
}

// CheckEnvelopedPlacement enforces where an enveloped signature may sit:
// when the enveloped-signature transform of a reference to target removes
// sig (sig lies inside target), sig must be a direct child of target (the
// document root for URI "", the referenced element for "#id"). The
// transform removes the signature wherever it is, so without this rule a
// signature over the whole document could be moved into the content (a
// CDA section text) carrying unsigned text in its subtree, and still be
// reported as covering the element the reader reads.
func CheckEnvelopedPlacement(sig, target *etree.Element) error {
	if sig.Parent() == target {
		return nil
	}
	return formatErr("the enveloped signature at %s must be a direct child of the element its enveloped reference covers (%s): moved inside the content, its subtree (unsigned) would be read as part of the signed element", Path(sig), Path(target))
}

// abbreviate shortens s for an error message.
func abbreviate(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
