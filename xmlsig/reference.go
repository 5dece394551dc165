package xmlsig

import (
	"crypto"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Detached resolves the URI of a reference to an external file. It returns
// nil, nil when the file was not given (the reference is then "not checked").
type Detached func(uri string) (io.Reader, error)

// Reference is the outcome of checking one ds:Reference.
type Reference struct {
	URI  string
	Type string
	// Target is the element the reference points at (nil for files).
	Target *etree.Element
	// Covers says in words what the reference protects.
	Covers string
	Hash   crypto.Hash
	// Checked is false when a detached file was not given.
	Checked bool
	// Match is true when the digest matches.
	Match bool
}

// maxTransforms bounds the transforms of a reference.
const maxTransforms = 4

// CheckReference resolves ref (only by Id, the whole document, or a
// detached file), applies its transforms (enveloped-signature and
// canonicalization only) and compares its digest. sig is the ds:Signature
// element the reference belongs to.
func CheckReference(ref *etree.Element, doc *etree.Document, ix *IDIndex, sig *etree.Element, detached Detached) (*Reference, error) {
	return CheckReferenceTo(ref, doc, ix, sig, detached, nil)
}

// CheckReferenceTo is CheckReference that also writes the octets it
// digests (the reference's data after its transforms) to out, when out is
// not nil: the input of XAdES archive timestamps.
func CheckReferenceTo(ref *etree.Element, doc *etree.Document, ix *IDIndex, sig *etree.Element, detached Detached, out io.Writer) (*Reference, error) {
	if out == nil {
		out = io.Discard
	}
	uriAttr := ref.SelectAttr("URI")
	r := &Reference{Type: ref.SelectAttrValue("Type", "")}
	if uriAttr != nil {
		r.URI = uriAttr.Value
	}
	dm := Child(ref, NSDSig, "DigestMethod")
	dv := Child(ref, NSDSig, "DigestValue")
	if dm == nil || dv == nil {
		return nil, formatErr("Reference %q lacks DigestMethod or DigestValue", r.URI)
	}
	h, err := DigestAlgorithm(dm.SelectAttrValue("Algorithm", ""))
	if err != nil {
		return nil, err
	}
	r.Hash = h
	want, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(Text(dv)), ""))
	if err != nil {
		return nil, formatErr("Reference %q DigestValue is not base64", r.URI)
	}
	enveloped, c14nAlg, prefixes, err := transforms(ref)
	if err != nil {
		return nil, fmt.Errorf("Reference %q: %w", r.URI, err)
	}
	var data []byte
	switch {
	case uriAttr == nil && !enveloped:
		// XML-DSig leaves a missing URI to the application; we only know
		// one reading of it, the enveloping document, and that one only
		// when the enveloped-signature transform says so.
		return nil, formatErr("a Reference without URI and without the enveloped-signature transform is ambiguous and not accepted")
	case uriAttr == nil:
		r.Target = doc.Root()
		r.Covers = fmt.Sprintf("the whole document (root element %s; Reference without URI, enveloped)", r.Target.Tag)
	case r.URI == "" || r.URI == "#xpointer(/)":
		r.Target = doc.Root()
		r.Covers = fmt.Sprintf("the whole document (root element %s)", r.Target.Tag)
	case strings.HasPrefix(r.URI, "#"):
		id := strings.TrimPrefix(r.URI, "#")
		if strings.HasPrefix(id, "xpointer(id('") && strings.HasSuffix(id, "'))") {
			id = strings.TrimSuffix(strings.TrimPrefix(id, "xpointer(id('"), "'))")
		}
		if r.Target, err = ix.Lookup(id); err != nil {
			return nil, err
		}
		r.Covers = fmt.Sprintf("#%s (element %s)", id, r.Target.Tag)
	default:
		if strings.Contains(r.URI, "://") && !strings.HasPrefix(r.URI, "file://") {
			r.Covers = "external " + r.URI + " (never fetched)"
		} else {
			r.Covers = "file " + r.URI
		}
		if enveloped || c14nAlg != "" {
			return nil, formatErr("Reference %q: XML transforms on a detached file are not supported", r.URI)
		}
		var src io.Reader
		if detached != nil {
			if src, err = detached(r.URI); err != nil {
				return nil, fmt.Errorf("reading %s: %w", r.URI, err)
			}
		}
		if src == nil {
			r.Covers += " — not checked: file not given"
			return r, nil
		}
		d := h.New()
		if _, err := io.Copy(io.MultiWriter(d, out), src); err != nil {
			return nil, fmt.Errorf("reading %s: %w", r.URI, err)
		}
		r.Checked = true
		r.Match = constantTimeEqual(d.Sum(nil), want)
		return r, nil
	}
	if c14nAlg == "" {
		c14nAlg = AlgC14N10 // node-set to octets (XML-DSig §4.4.3.2)
	}
	data, err = canonicalizeWithout(r.Target, sig, enveloped, c14nAlg, prefixes)
	if err != nil {
		return nil, err
	}
	d := h.New()
	d.Write(data)
	if _, err := out.Write(data); err != nil {
		return nil, err
	}
	r.Checked = true
	r.Match = constantTimeEqual(d.Sum(nil), want)
	return r, nil
}

func constantTimeEqual(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var v byte
	for i := range a {
		v |= a[i] ^ b[i]
	}
	return v == 0
}

// transforms validates the Transforms of a reference: at most one
// enveloped-signature transform followed by at most one canonicalization.
func transforms(ref *etree.Element) (enveloped bool, c14n, prefixes string, err error) {
	ts := Child(ref, NSDSig, "Transforms")
	if ts == nil {
		if len(Children(ref, NSDSig, "Transforms")) > 1 {
			return false, "", "", formatErr("several Transforms elements")
		}
		return false, "", "", nil
	}
	list := Children(ts, NSDSig, "Transform")
	if len(list) > maxTransforms || len(list) != len(ts.ChildElements()) {
		return false, "", "", formatErr("unexpected content in Transforms")
	}
	for _, t := range list {
		alg := t.SelectAttrValue("Algorithm", "")
		switch alg {
		case AlgEnveloped:
			if enveloped || c14n != "" {
				return false, "", "", formatErr("enveloped-signature transform out of place")
			}
			enveloped = true
		case AlgExcC14N, AlgExcC14NComments, AlgC14N10, AlgC14N10Comments, AlgC14N11, AlgC14N11Comments:
			if c14n != "" {
				return false, "", "", formatErr("several canonicalization transforms")
			}
			c14n = alg
			for _, in := range t.ChildElements() {
				if in.Tag == "InclusiveNamespaces" {
					prefixes = in.SelectAttrValue("PrefixList", "")
				}
			}
		default:
			return false, "", "", formatErr("transform %q is not allowed (XSLT, XPath and other transforms are refused)", alg)
		}
	}
	return enveloped, c14n, prefixes, nil
}

// canonicalizeWithout canonicalizes target, leaving out sig when
// enveloped is set and sig lies inside target.
func canonicalizeWithout(target, sig *etree.Element, enveloped bool, alg, prefixes string) ([]byte, error) {
	if enveloped && sig != nil && isDescendant(sig, target) {
		parent := sig.Parent()
		idx := sig.Index()
		parent.RemoveChildAt(idx)
		defer parent.InsertChildAt(idx, sig)
	}
	return Canonicalize(target, alg, prefixes)
}

func isDescendant(el, ancestor *etree.Element) bool {
	for p := el; p != nil; p = p.Parent() {
		if p == ancestor {
			return true
		}
	}
	return false
}
