package xmlsig

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Transforms beyond enveloped-signature and canonicalization: base64, the
// XPath subset (xpath.go), XPath Filter 2.0, transforms on detached data
// (a detached XML file canonicalized, as JAHIS scanned-record manifests
// do) and references without a URI (data the caller gives). References
// with only enveloped-signature and canonicalization transforms on
// same-document data keep the memoised path of Checker.check.

// Transform algorithms of this file.
const (
	AlgBase64 = "http://www.w3.org/2000/09/xmldsig#base64"
	AlgXPath  = "http://www.w3.org/TR/1999/REC-xpath-19991116"
	AlgXPath2 = "http://www.w3.org/2002/06/xmldsig-filter2"
)

// ErrNotGiven is wrapped by errors saying that data a signature or
// timestamp covers (a detached file, the caller's content) was not given:
// verifiers report it as INDETERMINATE/SIGNED_DATA_NOT_FOUND, never as a
// hash failure.
var ErrNotGiven = errors.New("signed data not given")

// MaxNodeSetReferences bounds the references of one document whose
// transforms (XPath, XPath Filter 2.0, base64) work on a node-set of the
// document itself: each costs a walk of the document, so their number is
// kept small (real signatures have a handful). Past it, ErrLimit.
const MaxNodeSetReferences = 64

// maxFilterSteps bounds the XPath elements of one XPath Filter 2.0
// transform.
const maxFilterSteps = 8

// nodeSet is an XPath node-set of a document as the transforms here
// produce it: the whole document transformed by set operations on whole
// subtrees.
type nodeSet struct {
	doc      *etree.Document
	ix       *IDIndex
	ops      []setOp
	comments bool
	// own is set when doc is the document of the signature (and so
	// coverage is reported by element).
	own bool
}

// selection is a node-set resolved: the topmost included elements (in
// document order), the topmost excluded elements under each, and whether
// the nodes outside the root element are included.
type selection struct {
	apexes   []*etree.Element
	excluded map[*etree.Element][]*etree.Element // apex → excluded subtrees in it
	isExcl   map[*etree.Element]bool
	docLevel bool
}

// resolve walks the document once and evaluates the set operations of ns
// on each element. A node-set that leaves an element out while keeping
// some of its descendants (possible with XPath Filter 2.0 union) is
// refused with ErrUnsupported.
func (ns *nodeSet) resolve() (*selection, error) {
	sel := &selection{excluded: map[*etree.Element][]*etree.Element{}, isExcl: map[*etree.Element]bool{}}
	fold := func(in func(i int) bool) bool {
		v := true
		for i, op := range ns.ops {
			switch op.kind {
			case "intersect":
				v = v && in(i)
			case "subtract":
				v = v && !in(i)
			case "union":
				v = v || in(i)
			}
		}
		return v
	}
	sel.docLevel = fold(func(i int) bool { return ns.ops[i].set.doc })
	n := len(ns.ops)
	var walk func(el *etree.Element, in []bool, parentIn, ancIn bool, apex *etree.Element) error
	walk = func(el *etree.Element, in []bool, parentIn, ancIn bool, apex *etree.Element) error {
		cur := make([]bool, n)
		for i, op := range ns.ops {
			cur[i] = in[i] || op.set.roots[el]
		}
		v := fold(func(i int) bool { return cur[i] })
		switch {
		case v && !parentIn:
			if ancIn {
				return unsupportedErr("the transforms select %s but not its parent: node-sets with holes are not evaluated", Path(el))
			}
			apex = el
			sel.apexes = append(sel.apexes, el)
		case !v && parentIn:
			sel.excluded[apex] = append(sel.excluded[apex], el)
			sel.isExcl[el] = true
		}
		for _, c := range el.ChildElements() {
			if err := walk(c, cur, v, ancIn || v, apex); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(ns.doc.Root(), make([]bool, n), false, false, nil); err != nil {
		return nil, err
	}
	if sel.docLevel && (len(sel.apexes) == 0 || sel.apexes[0] != ns.doc.Root()) {
		if hasOuterNodes(ns.doc) {
			return nil, unsupportedErr("the transforms keep the nodes outside the root element but not the root element")
		}
		sel.docLevel = false
	}
	return sel, nil
}

func hasOuterNodes(doc *etree.Document) bool {
	for _, tok := range doc.Child {
		switch t := tok.(type) {
		case *etree.ProcInst:
			if t.Target != "xml" {
				return true
			}
		case *etree.Comment:
			return true
		}
	}
	return false
}

// canonicalize writes the selection canonicalized with alg.
func (ns *nodeSet) canonicalize(w io.Writer, sel *selection, alg, prefixes string) error {
	for _, apex := range sel.apexes {
		var doc *etree.Document
		if sel.docLevel && apex == ns.doc.Root() {
			doc = ns.doc
		}
		excl := sel.excluded[apex]
		switch len(excl) {
		case 0:
			if err := canonicalizeTo(w, apex, doc, nil, nil, alg, prefixes, ns.comments); err != nil {
				return err
			}
		case 1:
			if err := canonicalizeTo(w, apex, doc, excl[0], nil, alg, prefixes, ns.comments); err != nil {
				return err
			}
		default:
			cp, cdoc := prunedCopy(apex, doc, sel.isExcl)
			if err := canonicalizeTo(w, cp, cdoc, nil, nil, alg, prefixes, ns.comments); err != nil {
				return err
			}
		}
	}
	return nil
}

// prunedCopy copies apex without the excluded subtrees, under shallow
// copies of its ancestors (which give the namespaces and xml:* attributes
// in scope), and, when doc is set, into a copy of the document with the
// nodes outside its root element.
func prunedCopy(apex *etree.Element, doc *etree.Document, excluded map[*etree.Element]bool) (*etree.Element, *etree.Document) {
	var copyEl func(el *etree.Element) *etree.Element
	copyEl = func(el *etree.Element) *etree.Element {
		cp := shallowCopy(el)
		for _, tok := range el.Child {
			switch t := tok.(type) {
			case *etree.Element:
				if !excluded[t] {
					cp.AddChild(copyEl(t))
				}
			case *etree.CharData:
				cp.AddChild(etree.NewText(t.Data))
			case *etree.Comment:
				cp.AddChild(etree.NewComment(t.Data))
			case *etree.ProcInst:
				cp.AddChild(etree.NewProcInst(t.Target, t.Inst))
			}
		}
		return cp
	}
	root := copyEl(apex)
	if doc != nil {
		nd := etree.NewDocument()
		for _, tok := range doc.Child {
			switch t := tok.(type) {
			case *etree.Element:
				nd.AddChild(root)
			case *etree.Comment:
				nd.AddChild(etree.NewComment(t.Data))
			case *etree.ProcInst:
				nd.AddChild(etree.NewProcInst(t.Target, t.Inst))
			}
		}
		return root, nd
	}
	var chain []*etree.Element
	for p := apex.Parent(); p != nil; p = p.Parent() {
		chain = append(chain, p)
	}
	var parent *etree.Element
	for i := len(chain) - 1; i >= 0; i-- {
		cp := shallowCopy(chain[i])
		if parent != nil {
			parent.AddChild(cp)
		}
		parent = cp
	}
	if parent != nil {
		parent.AddChild(root)
	}
	return root, nil
}

func shallowCopy(el *etree.Element) *etree.Element {
	cp := etree.NewElement(el.Tag)
	cp.Space = el.Space
	cp.Attr = append([]etree.Attr(nil), el.Attr...)
	return cp
}

// text returns the text nodes of the selection in document order (the
// base64 transform's input, XML-DSig §6.6.2: self::text(), then the
// string-value).
func (sel *selection) text() string {
	var b strings.Builder
	var walk func(*etree.Element)
	walk = func(el *etree.Element) {
		for _, tok := range el.Child {
			switch t := tok.(type) {
			case *etree.CharData:
				b.WriteString(t.Data)
			case *etree.Element:
				if !sel.isExcl[t] {
					walk(t)
				}
			}
		}
	}
	for _, a := range sel.apexes {
		walk(a)
	}
	return b.String()
}

// transformData is what flows between transforms: a node-set or octets.
type transformData struct {
	ns     *nodeSet
	octets []byte
}

// toNodeSet parses octets into a node-set (XML-DSig §4.4.3.2; comments are
// part of a parsed document).
func (d *transformData) toNodeSet() error {
	if d.ns != nil {
		return nil
	}
	doc, err := Parse(d.octets)
	if err != nil {
		return fmt.Errorf("the data to transform is not XML: %w", err)
	}
	d.ns, d.octets = &nodeSet{doc: doc, comments: true}, nil
	return nil
}

// transformList returns the ds:Transform elements of ref (nil for none).
func transformList(ref *etree.Element) ([]*etree.Element, error) {
	all := Children(ref, NSDSig, "Transforms")
	if len(all) > 1 {
		return nil, formatErr("several Transforms elements")
	}
	if len(all) == 0 {
		return nil, nil
	}
	list := Children(all[0], NSDSig, "Transform")
	if len(list) > maxTransforms || len(list) != len(all[0].ChildElements()) {
		return nil, formatErr("unexpected content in Transforms")
	}
	return list, nil
}

// needsTransformPipeline says whether ref is checked here rather than on
// the memoised path: it uses base64 or XPath, it has no URI and is not
// enveloped (the caller gives its data), or it transforms a detached file.
func needsTransformPipeline(ref *etree.Element, uriAttr *etree.Attr) bool {
	list, err := transformList(ref)
	if err != nil {
		return false // the memoised path reports it
	}
	enveloped := false
	for _, t := range list {
		switch t.SelectAttrValue("Algorithm", "") {
		case AlgBase64, AlgXPath, AlgXPath2:
			return true
		case AlgEnveloped:
			enveloped = true
		}
	}
	if uriAttr == nil {
		return !enveloped
	}
	uri := uriAttr.Value
	return len(list) > 0 && uri != "" && !strings.HasPrefix(uri, "#")
}

// checkTransformed resolves and digests a reference through the general
// transform pipeline. r has URI, Type and Hash set.
func (c *Checker) checkTransformed(ref, sig *etree.Element, r *Reference, uriAttr *etree.Attr, want []byte, out io.Writer) (*Reference, error) {
	list, err := transformList(ref)
	if err != nil {
		return nil, err
	}
	var d transformData
	own := func() *nodeSet {
		c.nodeSetRefs++
		return &nodeSet{doc: c.Doc, ix: c.IX, own: true}
	}
	switch {
	case uriAttr == nil && hasTransform(list, AlgEnveloped):
		d.ns = own()
		r.Covers = "the whole document, Reference without URI, enveloped"
	case uriAttr == nil:
		r.Covers = "content given by the caller (Reference without URI)"
		data, ok, err := c.readDetached("")
		if err != nil {
			return nil, err
		}
		if !ok {
			r.Covers += " — not checked: not given (give it with --content)"
			return r, nil
		}
		d.octets = data
	case r.URI == "" || r.URI == "#xpointer(/)":
		d.ns = own()
		d.ns.comments = r.URI != ""
		r.Covers = "the whole document"
	case strings.HasPrefix(r.URI, "#"):
		id := strings.TrimPrefix(r.URI, "#")
		ns := own()
		if strings.HasPrefix(id, "xpointer(id('") && strings.HasSuffix(id, "'))") {
			id = strings.TrimSuffix(strings.TrimPrefix(id, "xpointer(id('"), "'))")
			ns.comments = true
		}
		target, err := c.IX.Lookup(id)
		if err != nil {
			return nil, err
		}
		ns.ops = []setOp{{kind: "intersect", set: subtreeSet{roots: map[*etree.Element]bool{target: true}}}}
		d.ns = ns
		r.Covers = "#" + id
	default:
		if strings.Contains(r.URI, "://") && !strings.HasPrefix(r.URI, "file://") {
			r.Covers = "external " + r.URI + " (never fetched)"
		} else {
			r.Covers = "file " + r.URI
		}
		data, ok, err := c.readDetached(r.URI)
		if err != nil {
			return nil, err
		}
		if !ok {
			r.Covers += " — not checked: file not given"
			return r, nil
		}
		d.octets = data
	}
	if c.nodeSetRefs > MaxNodeSetReferences {
		return nil, limitErr("more than %d references with XPath or base64 transforms on the document itself (MaxNodeSetReferences)", MaxNodeSetReferences)
	}
	var names []string
	var coverage *nodeSet // the signature's own document as finally selected
	var coverSel *selection
	// other records the first selection of a parsed document other than
	// the signature's own (a detached file, decoded data) that leaves part
	// of that document out.
	var other *partialSel
	noteOther := func(ns *nodeSet, sel *selection) {
		if !ns.own && other == nil && !sel.whole(ns.doc) {
			other = &partialSel{ns: ns, sel: sel}
		}
	}
	final := func(w io.Writer, alg, prefixes string) error {
		sel, err := d.ns.resolve()
		if err != nil {
			return err
		}
		if d.ns.own {
			coverage, coverSel = d.ns, sel
		}
		noteOther(d.ns, sel)
		return d.ns.canonicalize(w, sel, alg, prefixes)
	}
	h := r.Hash
	dg := h.New()
	var keep bytes.Buffer
	w := io.MultiWriter(budgetWriter{c}, dg, orDiscard(out))
	if c.KeepData {
		w = io.MultiWriter(w, &keep)
	}
	for i, t := range list {
		alg := t.SelectAttrValue("Algorithm", "")
		last := i == len(list)-1
		switch alg {
		case AlgEnveloped:
			names = append(names, "enveloped-signature")
			if err := d.toNodeSet(); err != nil {
				return nil, err
			}
			if d.ns.own && sig != nil {
				d.ns.ops = append(d.ns.ops, setOp{kind: "subtract", set: subtreeSet{roots: map[*etree.Element]bool{sig: true}}, what: "this ds:Signature"})
			}
		case AlgXPath:
			names = append(names, "XPath")
			if err := d.toNodeSet(); err != nil {
				return nil, err
			}
			xp := Children(t, NSDSig, "XPath")
			if len(xp) != 1 || len(t.ChildElements()) != 1 {
				return nil, formatErr("an XPath transform needs exactly one ds:XPath element")
			}
			ops, err := compileXPath1(xp[0].Text(), &xpathEnv{doc: d.ns.doc, ix: d.ns.ix, ctx: xp[0], sig: ownSig(d.ns, sig)})
			if err != nil {
				return nil, err
			}
			d.ns.ops = append(d.ns.ops, ops...)
		case AlgXPath2:
			names = append(names, "XPath Filter 2.0")
			if err := d.toNodeSet(); err != nil {
				return nil, err
			}
			xps := t.ChildElements()
			if len(xps) == 0 || len(xps) > maxFilterSteps {
				return nil, formatErr("an XPath Filter 2.0 transform needs 1 to %d XPath elements", maxFilterSteps)
			}
			for _, xp := range xps {
				if !Is(xp, AlgXPath2, "XPath") {
					return nil, formatErr("unexpected %s in an XPath Filter 2.0 transform", xp.FullTag())
				}
				kind := xp.SelectAttrValue("Filter", "")
				if kind != "intersect" && kind != "subtract" && kind != "union" {
					return nil, formatErr("XPath Filter 2.0: Filter %q is not intersect, subtract or union", kind)
				}
				set, err := compileXPath2(xp.Text(), &xpathEnv{doc: d.ns.doc, ix: d.ns.ix, ctx: xp, sig: ownSig(d.ns, sig)})
				if err != nil {
					return nil, err
				}
				d.ns.ops = append(d.ns.ops, setOp{kind: kind, set: set, what: strings.TrimSpace(xp.Text())})
			}
		case AlgExcC14N, AlgExcC14NComments, AlgC14N10, AlgC14N10Comments, AlgC14N11, AlgC14N11Comments:
			names = append(names, "canonicalization")
			if err := d.toNodeSet(); err != nil {
				return nil, err
			}
			prefixes := ""
			for _, in := range t.ChildElements() {
				if in.Tag == "InclusiveNamespaces" {
					prefixes = in.SelectAttrValue("PrefixList", "")
				}
			}
			if last {
				if err := final(w, alg, prefixes); err != nil {
					return nil, err
				}
				return c.finishTransformed(r, sig, dg.Sum(nil), want, keep.Bytes(), names, coverage, coverSel, other)
			}
			var buf bytes.Buffer
			if err := final(io.MultiWriter(budgetWriter{c}, &buf), alg, prefixes); err != nil {
				return nil, err
			}
			d = transformData{octets: buf.Bytes()}
		case AlgBase64:
			names = append(names, "base64")
			text := ""
			if d.ns != nil {
				sel, err := d.ns.resolve()
				if err != nil {
					return nil, err
				}
				if d.ns.own {
					coverage, coverSel = d.ns, sel
				}
				noteOther(d.ns, sel)
				text = sel.text()
			} else {
				text = string(d.octets)
			}
			dec, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
			if err != nil {
				return nil, formatErr("base64 transform: the data is not base64: %v", err)
			}
			d = transformData{octets: dec}
		default:
			return nil, unsupportedErr("transform %q is not supported (XSLT and other transforms are refused)", alg)
		}
	}
	if d.ns != nil {
		// A node-set at the end is canonicalized with C14N 1.0
		// (XML-DSig §4.4.3.2).
		if err := final(w, AlgC14N10, ""); err != nil {
			return nil, err
		}
	} else if _, err := w.Write(d.octets); err != nil {
		return nil, err
	}
	return c.finishTransformed(r, sig, dg.Sum(nil), want, keep.Bytes(), names, coverage, coverSel, other)
}

func hasTransform(list []*etree.Element, alg string) bool {
	for _, t := range list {
		if t.SelectAttrValue("Algorithm", "") == alg {
			return true
		}
	}
	return false
}

// ownSig returns sig when ns is the node-set of sig's own document.
func ownSig(ns *nodeSet, sig *etree.Element) *etree.Element {
	if ns.own {
		return sig
	}
	return nil
}

// maxCoversListed bounds the locations named in a Covers text.
const maxCoversListed = 5

// finishTransformed records the outcome and what the reference covers.
func (c *Checker) finishTransformed(r *Reference, sig *etree.Element, sum, want, data []byte, names []string, ns *nodeSet, sel *selection, other *partialSel) (*Reference, error) {
	r.Checked = true
	r.Match = constantTimeEqual(sum, want)
	if c.KeepData {
		r.Data = data
	}
	if len(names) > 0 {
		r.Covers += " (transforms: " + strings.Join(names, ", ") + ")"
	}
	if other != nil {
		// Part of a detached file (or of data decoded from a reference)
		// is selected: say exactly what, as for the document's own
		// elements, with paths inside that data.
		what := "the file"
		if strings.HasPrefix(r.URI, "#") || r.URI == "" {
			what = "the data"
		}
		r.Partial = true
		var covered, left []*etree.Element
		for _, a := range other.sel.apexes {
			covered = append(covered, frontier(a, other.sel.excluded[a])...)
			left = append(left, other.sel.excluded[a]...)
		}
		var outside []string
		if root := other.ns.doc.Root(); len(other.sel.apexes) == 0 || other.sel.apexes[0] != root {
			outside = append(outside, "everything of "+Path(root)+" outside the elements covered")
		}
		if !other.sel.docLevel && hasOuterNodes(other.ns.doc) {
			outside = append(outside, "the comments and processing instructions outside the root element")
		}
		r.Covers += " (only part of " + what + ": " + listPlainPaths("covering whole", covered)
		for _, el := range left {
			r.LeftOut = append(r.LeftOut, Path(el))
		}
		r.LeftOut = append(r.LeftOut, outside...)
		var says []string
		if len(left) > 0 {
			says = append(says, listPlainPaths("", left))
		}
		says = append(says, outside...)
		r.Covers += "; left out: " + strings.Join(says, ", ") + ")"
	}
	if ns == nil {
		return r, nil
	}
	// Coverage by element: one whole subtree (the enveloping signature
	// removed only as the enveloped-signature rule allows) is reported
	// as its element; anything else as the largest subtrees that are
	// covered whole, and the reader is told what was left out.
	var excludedAll []*etree.Element
	for _, a := range sel.apexes {
		excludedAll = append(excludedAll, sel.excluded[a]...)
	}
	if len(sel.apexes) == 1 {
		apex := sel.apexes[0]
		ex := sel.excluded[apex]
		// Only this reference's own signature, a direct child of the
		// element (the enveloped-signature rule, CheckEnvelopedPlacement),
		// may be left out of an element reported whole.
		if len(ex) == 0 || (len(ex) == 1 && sig != nil && ex[0] == sig && sig.Parent() == apex) {
			r.Target, r.Location = apex, c.path(apex)
			r.Covered = []*etree.Element{apex}
			r.Covers += " (element " + apex.Tag + " at " + r.Location
			if len(ex) == 1 {
				r.Excluded = c.path(ex[0])
				r.Covers += ", without the ds:Signature at " + r.Excluded
			}
			r.Covers += ")"
			return r, nil
		}
	}
	for _, a := range sel.apexes {
		r.Covered = append(r.Covered, frontier(a, sel.excluded[a])...)
	}
	r.Covers += " (" + c.listPaths("covering whole", r.Covered)
	if len(excludedAll) > 0 {
		r.Excluded = c.path(excludedAll[0])
		r.Covers += "; left out: " + c.listPaths("", excludedAll)
	}
	r.Covers += ")"
	return r, nil
}

// IsSignature reports whether el is a ds:Signature.
func IsSignature(el *etree.Element) bool { return Is(el, NSDSig, "Signature") }

// partialSel is a selection of a document other than the signature's own
// that leaves part of it out.
type partialSel struct {
	ns  *nodeSet
	sel *selection
}

// whole reports whether sel is all of doc: the root element with nothing
// left out, and the nodes outside it when there are any.
func (sel *selection) whole(doc *etree.Document) bool {
	root := doc.Root()
	return len(sel.apexes) == 1 && sel.apexes[0] == root && len(sel.excluded[root]) == 0 &&
		(sel.docLevel || !hasOuterNodes(doc))
}

// listPlainPaths is listPaths for elements of a document other than the
// Checker's (their paths are not memoised).
func listPlainPaths(what string, els []*etree.Element) string {
	return listPathsWith(what, els, Path)
}

// listPathsWith names at most maxCoversListed of els by path, prefixed
// with what and their number when what is given.
func listPathsWith(what string, els []*etree.Element, path func(*etree.Element) string) string {
	var parts []string
	for i, el := range els {
		if i == maxCoversListed {
			parts = append(parts, fmt.Sprintf("and %d more", len(els)-i))
			break
		}
		parts = append(parts, path(el))
	}
	s := strings.Join(parts, ", ")
	if what != "" {
		s = fmt.Sprintf("%s %d element(s): %s", what, len(els), s)
	}
	return s
}

func (c *Checker) listPaths(what string, els []*etree.Element) string {
	return listPathsWith(what, els, c.path)
}

// frontier returns the largest subtrees under apex that contain none of
// excluded: apex itself when nothing is excluded, else the children of
// the ancestors of excluded elements that are neither excluded nor such
// ancestors, recursively.
func frontier(apex *etree.Element, excluded []*etree.Element) []*etree.Element {
	if len(excluded) == 0 {
		return []*etree.Element{apex}
	}
	partial := map[*etree.Element]bool{}
	isExcl := map[*etree.Element]bool{}
	for _, e := range excluded {
		isExcl[e] = true
		for p := e.Parent(); p != nil && !partial[p]; p = p.Parent() {
			partial[p] = true
			if p == apex {
				break
			}
		}
	}
	var out []*etree.Element
	var walk func(*etree.Element)
	walk = func(el *etree.Element) {
		if !partial[el] {
			out = append(out, el)
			return
		}
		for _, ch := range el.ChildElements() {
			if !isExcl[ch] {
				walk(ch)
			}
		}
	}
	walk(apex)
	return out
}

// readDetached reads detached data whole (transforms need all of it),
// bounded by MaxDocument; ok is false when the caller did not give it.
func (c *Checker) readDetached(uri string) (data []byte, ok bool, err error) {
	if c.Detached == nil {
		return nil, false, nil
	}
	src, err := c.Detached(uri)
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", uri, err)
	}
	if src == nil {
		return nil, false, nil
	}
	if cl, ok := src.(io.Closer); ok {
		defer cl.Close()
	}
	data, err = io.ReadAll(io.LimitReader(src, MaxDocument+1))
	if err != nil {
		return nil, false, fmt.Errorf("reading %s: %w", uri, err)
	}
	if len(data) > MaxDocument {
		return nil, false, limitErr("detached data %s to transform is larger than %d bytes (MaxDocument)", uri, MaxDocument)
	}
	return data, true, nil
}
