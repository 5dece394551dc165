package xmlsig

import (
	"bytes"
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
	// Location is the absolute path of Target in the document (see Path),
	// empty for files.
	Location string
	// Excluded is the absolute path of the ds:Signature the
	// enveloped-signature transform removed from Target (always a direct
	// child of Target, see CheckEnvelopedPlacement), empty when nothing
	// was removed. That subtree is not covered.
	Excluded string
	// Covers says in words what the reference protects (", without its
	// ds:Signature" when Excluded is set).
	Covers string
	Hash   crypto.Hash
	// Covered lists the elements whose whole subtrees the reference
	// covers, when transforms (XPath, XPath Filter 2.0) select more or
	// less than one element: Target is then nil, and an element is
	// covered only when it or an ancestor is listed here. Set to
	// []{Target} when Target is set by the general transform path.
	Covered []*etree.Element
	// Partial is set when the transforms select only part of a document
	// other than the signature's own (a detached XML file, XML decoded
	// from base64): the rest of that data is not covered and may change
	// without breaking the digest. Covers says what was covered and what
	// was left out; LeftOut lists the paths (inside that data) of what was
	// left out; Data is the transformed octets, never the file.
	Partial bool
	LeftOut []string
	// Checked is false when a detached file was not given.
	Checked bool
	// Match is true when the digest matches.
	Match bool
	// Data is the octets that were digested (the reference's data after
	// its transforms), kept only when the Checker's KeepData is set. It
	// may be shared with other references of the same data: do not modify.
	Data []byte
	// RootOnly is set when a whole-document reference did not match but
	// the root element alone (without the processing instructions outside
	// it, as hpki before 2026-11 digested it) does: those processing
	// instructions (a stylesheet…) are then not covered.
	RootOnly bool
}

// maxTransforms bounds the transforms of a reference.
const maxTransforms = 4

// MaxReferences bounds the ds:Reference elements of a document (in
// SignedInfo and in ds:Manifest elements together). A document with more
// is refused with ErrLimit before any reference is digested: with the
// memoisation of Checker, verifying R references costs at most R digests
// of distinct data, and this bound keeps R itself reasonable (real
// signatures have a handful; a manifest of a study may list thousands).
const MaxReferences = 10000

// CheckReferences returns an ErrLimit error when doc holds more than
// MaxReferences ds:Reference elements.
func CheckReferences(doc *etree.Document) error {
	return checkReferenceCount(len(Find(doc.Root(), NSDSig, "Reference")))
}

func checkReferenceCount(n int) error {
	if n > MaxReferences {
		return limitErr("the document has %d ds:Reference elements, more than %d (MaxReferences)", n, MaxReferences)
	}
	return nil
}

// Checker resolves and digests the references of one document. It
// canonicalizes each distinct (element, excluded signature, algorithm,
// prefix list, comments) once and digests each detached file once per hash
// algorithm, however many references point at them: R references to the
// same data cost one canonicalization, not R. A Checker is not safe for
// concurrent use.
type Checker struct {
	Doc      *etree.Document
	IX       *IDIndex
	Detached Detached
	// KeepData keeps, in Reference.Data, the octets each reference
	// digests (memory: the sum of the distinct data).
	KeepData bool
	// Budget, when positive, bounds the bytes canonicalized by c over its
	// life; past it Check fails with ErrLimit.
	Budget int64
	spent  int64
	memo   map[memoKey]*memoEntry
	paths  map[*etree.Element]string
	// nodeSetRefs counts the references transformed as node-sets of Doc
	// (see MaxNodeSetReferences).
	nodeSetRefs int
	// raw: where Doc's elements lie in its text, when IX comes from
	// ParseSurveyed (rawdoc.go).
	raw *rawDoc
}

// path is Path, memoised (Path of an element costs its siblings).
func (c *Checker) path(el *etree.Element) string {
	if p, ok := c.paths[el]; ok {
		return p
	}
	if c.paths == nil {
		c.paths = map[*etree.Element]string{}
	}
	c.paths[el] = Path(el)
	return c.paths[el]
}

// budgetWriter counts canonicalized bytes against the Checker's budget.
type budgetWriter struct{ c *Checker }

func (b budgetWriter) Write(p []byte) (int, error) {
	b.c.spent += int64(len(p))
	if b.c.Budget > 0 && b.c.spent > b.c.Budget {
		return 0, limitErr("more than %d bytes canonicalized for this document's references (the budget is 32 times the document size plus 64 MiB)", b.c.Budget)
	}
	return len(p), nil
}

type memoKey struct {
	target, exclude *etree.Element
	file            string
	alg, prefixes   string
	comments        bool
}

type memoEntry struct {
	data    []byte
	digests map[crypto.Hash][]byte
}

// NewChecker returns a Checker for doc.
func NewChecker(doc *etree.Document, ix *IDIndex, detached Detached) *Checker {
	c := &Checker{Doc: doc, IX: ix, Detached: detached}
	if ix != nil && doc != nil && ix.raw != nil && len(ix.raw.els) > 0 && ix.raw.root == doc.Root() {
		c.raw = ix.raw
	}
	return c
}

// CheckReference resolves ref (only by Id, the whole document, or a
// detached file), applies its transforms (enveloped-signature and
// canonicalization only) and compares its digest. sig is the ds:Signature
// element the reference belongs to.
func CheckReference(ref *etree.Element, doc *etree.Document, ix *IDIndex, sig *etree.Element, detached Detached) (*Reference, error) {
	return NewChecker(doc, ix, detached).Check(ref, sig)
}

// CheckReferenceTo is CheckReference that also writes the octets it
// digests (the reference's data after its transforms) to out, when out is
// not nil: the input of XAdES archive timestamps.
func CheckReferenceTo(ref *etree.Element, doc *etree.Document, ix *IDIndex, sig *etree.Element, detached Detached, out io.Writer) (*Reference, error) {
	c := NewChecker(doc, ix, detached)
	r, err := c.check(ref, sig, out)
	return r, err
}

// Check is CheckReference with the memoisation of c.
func (c *Checker) Check(ref, sig *etree.Element) (*Reference, error) {
	return c.check(ref, sig, nil)
}

func (c *Checker) check(ref, sig *etree.Element, out io.Writer) (*Reference, error) {
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
	if needsTransformPipeline(ref, uriAttr) {
		return c.checkTransformed(ref, sig, r, uriAttr, want, out)
	}
	enveloped, c14nAlg, prefixes, err := transforms(ref)
	if err != nil {
		return nil, fmt.Errorf("Reference %q: %w", r.URI, err)
	}
	key := memoKey{alg: c14nAlg, prefixes: prefixes}
	whole := false
	switch {
	case uriAttr == nil && !enveloped:
		// XML-DSig leaves a missing URI to the application; we only know
		// one reading of it, the enveloping document, and that one only
		// when the enveloped-signature transform says so.
		return nil, formatErr("a Reference without URI and without the enveloped-signature transform is ambiguous and not accepted")
	case uriAttr == nil:
		r.Target, whole = c.Doc.Root(), true
		r.Covers = "the whole document, Reference without URI, enveloped"
	case r.URI == "" || r.URI == "#xpointer(/)":
		r.Target, whole = c.Doc.Root(), true
		r.Covers = "the whole document"
		// A bare-name or empty URI selects the node-set without
		// comments (XML-DSig §4.4.3.3); the XPointer forms keep them.
		key.comments = r.URI != ""
	case strings.HasPrefix(r.URI, "#"):
		id := strings.TrimPrefix(r.URI, "#")
		if strings.HasPrefix(id, "xpointer(id('") && strings.HasSuffix(id, "'))") {
			id = strings.TrimSuffix(strings.TrimPrefix(id, "xpointer(id('"), "'))")
			key.comments = true
		}
		if r.Target, err = c.IX.Lookup(id); err != nil {
			return nil, err
		}
		r.Covers = "#" + id
	default:
		if strings.Contains(r.URI, "://") && !strings.HasPrefix(r.URI, "file://") {
			r.Covers = "external " + r.URI + " (never fetched)"
		} else {
			r.Covers = "file " + r.URI
		}
		if enveloped || c14nAlg != "" {
			return nil, formatErr("Reference %q: XML transforms on a detached file are not supported", r.URI)
		}
		key.file = r.URI
		if e := c.memo[key]; e != nil && out == nil {
			if d, ok := e.digests[h]; ok {
				r.Checked, r.Match, r.Data = true, constantTimeEqual(d, want), e.data
				return r, nil
			}
		}
		var src io.Reader
		if c.Detached != nil {
			if src, err = c.Detached(r.URI); err != nil {
				return nil, fmt.Errorf("reading %s: %w", r.URI, err)
			}
		}
		if src == nil {
			r.Covers += " — not checked: file not given"
			return r, nil
		}
		if cl, ok := src.(io.Closer); ok {
			defer cl.Close()
		}
		d := h.New()
		var keep bytes.Buffer
		w := io.MultiWriter(d, orDiscard(out))
		if c.KeepData {
			w = io.MultiWriter(w, &keep)
		}
		if _, err := io.Copy(w, src); err != nil {
			return nil, fmt.Errorf("reading %s: %w", r.URI, err)
		}
		sum := d.Sum(nil)
		c.remember(key, h, sum, keep.Bytes())
		r.Checked = true
		r.Match = constantTimeEqual(sum, want)
		r.Data = c.memo[key].data
		return r, nil
	}
	r.Location = c.path(r.Target)
	if enveloped && sig != nil && isDescendant(sig, r.Target) {
		if err := CheckEnvelopedPlacement(sig, r.Target); err != nil {
			return nil, fmt.Errorf("Reference %q: %w", r.URI, err)
		}
		key.exclude = sig
		r.Excluded = c.path(sig)
	}
	r.Covers += " (element " + r.Target.Tag + " at " + r.Location
	if key.exclude != nil {
		r.Covers += ", without its ds:Signature"
	}
	r.Covers += ")"
	if c14nAlg == "" {
		c14nAlg = AlgC14N10 // node-set to octets (XML-DSig §4.4.3.2)
		key.alg = c14nAlg
	}
	key.target = r.Target
	if e := c.memo[key]; e != nil && out == nil {
		if d, ok := e.digests[h]; ok {
			r.Checked, r.Match, r.Data = true, constantTimeEqual(d, want), e.data
			return r, nil
		}
	}
	d := h.New()
	var keep bytes.Buffer
	w := io.MultiWriter(budgetWriter{c}, d, orDiscard(out))
	if c.KeepData {
		w = io.MultiWriter(w, &keep)
	}
	var doc *etree.Document
	if whole {
		doc = c.Doc
	}
	if err := canonicalizeTo(w, r.Target, doc, key.exclude, c.raw, c14nAlg, prefixes, key.comments); err != nil {
		return nil, err
	}
	sum := d.Sum(nil)
	c.remember(key, h, sum, keep.Bytes())
	r.Checked = true
	r.Match = constantTimeEqual(sum, want)
	r.Data = c.memo[key].data
	if !r.Match && whole && out == nil && hasOuterProcInst(c.Doc) {
		d := h.New()
		if err := canonicalizeTo(io.MultiWriter(budgetWriter{c}, d), r.Target, nil, key.exclude, c.raw, c14nAlg, prefixes, key.comments); err != nil {
			return nil, err
		}
		r.RootOnly = constantTimeEqual(d.Sum(nil), want)
	}
	return r, nil
}

// hasOuterProcInst reports whether doc has processing instructions (other
// than the XML declaration) outside its root element.
func hasOuterProcInst(doc *etree.Document) bool {
	for _, tok := range doc.Child {
		if pi, ok := tok.(*etree.ProcInst); ok && pi.Target != "xml" {
			return true
		}
	}
	return false
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func (c *Checker) remember(key memoKey, h crypto.Hash, sum, data []byte) {
	if c.memo == nil {
		c.memo = map[memoKey]*memoEntry{}
	}
	e := c.memo[key]
	if e == nil {
		e = &memoEntry{digests: map[crypto.Hash][]byte{}}
		c.memo[key] = e
	}
	e.digests[h] = sum
	if c.KeepData && e.data == nil {
		e.data = data
	}
}

// ReferenceData writes the octets a same-document reference to target
// digests: target canonicalized with alg (and prefixList for exclusive
// canonicalization), without exclude (the signature, under the
// enveloped-signature transform). whole says the reference is to the whole
// document (URI "" or none), whose processing instructions outside the
// root element are included. Signer and verifier both use it.
func ReferenceData(w io.Writer, doc *etree.Document, target, exclude *etree.Element, whole bool, alg, prefixList string) error {
	if !whole {
		doc = nil
	}
	return canonicalizeTo(w, target, doc, exclude, nil, alg, prefixList, false)
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

func isDescendant(el, ancestor *etree.Element) bool {
	for p := el; p != nil; p = p.Parent() {
		if p == ancestor {
			return true
		}
	}
	return false
}
