package xmlsig

import (
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/beevik/etree"
)

// The canonicalizer: Canonical XML 1.0 and 1.1 and Exclusive XML
// Canonicalization 1.0 (with and without comments) of an element subtree
// or of a whole document, optionally without one excluded element (the
// enveloped-signature transform). It streams to a writer from the parsed
// tree, without copying it: the cost is linear in the size of the subtree
// and bounded only by the document limits of Parse.

const nsXML = "http://www.w3.org/XML/1998/namespace"

type c14nMode int

const (
	c14nInclusive10 c14nMode = iota
	c14nInclusive11
	c14nExclusive
)

// c14nAlgorithm describes a canonicalization URI.
func c14nAlgorithm(alg string) (mode c14nMode, comments bool, err error) {
	switch alg {
	case AlgExcC14N:
		return c14nExclusive, false, nil
	case AlgExcC14NComments:
		return c14nExclusive, true, nil
	case AlgC14N10:
		return c14nInclusive10, false, nil
	case AlgC14N10Comments:
		return c14nInclusive10, true, nil
	case AlgC14N11:
		return c14nInclusive11, false, nil
	case AlgC14N11Comments:
		return c14nInclusive11, true, nil
	}
	return 0, false, formatErr("unsupported canonicalization %q", alg)
}

// CheckC14N returns an error unless alg is a supported canonicalization.
func CheckC14N(alg string) error {
	_, _, err := c14nAlgorithm(alg)
	return err
}

// outBuf is the canonicalizer's output: small writes are appends (the
// compiler inlines them) to a buffer handed to the writer whenever it
// holds outFlush bytes or more, and at the end. The first error of the
// writer (the Checker's budget, say) ends the canonicalization.
type outBuf struct {
	b   []byte
	w   io.Writer
	err error
}

const outFlush = 32 << 10

func (o *outBuf) str(s string) { o.b = append(o.b, s...) }
func (o *outBuf) ch(c byte)    { o.b = append(o.b, c) }

// flush writes out what the buffer holds and returns the writer's first
// error.
func (o *outBuf) flush() error {
	if o.err == nil && len(o.b) > 0 {
		_, o.err = o.w.Write(o.b)
	}
	o.b = o.b[:0]
	return o.err
}

// writerPool holds the output buffers of canonicalizeTo.
var writerPool = sync.Pool{New: func() any { return &outBuf{b: make([]byte, 0, 2*outFlush)} }}

type canonicalizer struct {
	w         *outBuf
	mode      c14nMode
	comments  bool
	inclusive map[string]bool // exclusive c14n: InclusiveNamespaces prefixes ("" for #default)
	exclude   *etree.Element
	// raw, when set, describes where the elements lie in the document's
	// text (rawdoc.go); next is the index of the record of the next
	// element the walk meets (it meets them in document order), excl
	// that of exclude. raw is dropped, for the rest of the walk, at the
	// first element it does not describe.
	raw        *rawDoc
	next, excl int
	// scope holds the namespaces in scope at the element being written,
	// rendered those its output ancestors declared. Both change as the
	// walk enters and leaves elements, each change undone on the way out:
	// an element costs the declarations it carries, never the size of
	// the scope (hostile documents may put thousands of namespaces in
	// scope around every element).
	scope, rendered nsScope
	// plainURIs: namespace URIs lately found to need no escaping (a
	// document declares few and renders them again and again)
	plainURIs [4]string
	// scratch slices of element, reused
	declared, utilized, candidates []string
	attrs                          []attrRef
	plain                          []*etree.Attr
	decls                          []nsDecl
}

// nsScope is a prefix → namespace URI map with an undo log. While it
// binds few prefixes (nsSmall) it keeps them in a small array searched
// linearly, which costs less than hashing the prefix; past that it moves
// them to a map for the rest of the canonicalization, so a lookup never
// costs the size of a hostile scope.
type nsScope struct {
	small [nsSmall]nsDecl
	n     int
	m     map[string]string // set once the scope has outgrown small
	log   []nsUndo
}

const nsSmall = 8

type nsUndo struct {
	prefix, old string
	had         bool
}

// get returns the URI bound to prefix.
func (s *nsScope) get(prefix string) (string, bool) {
	if s.m != nil {
		uri, ok := s.m[prefix]
		return uri, ok
	}
	for i := 0; i < s.n; i++ {
		if s.small[i].prefix == prefix {
			return s.small[i].uri, true
		}
	}
	return "", false
}

// put binds prefix to uri, without logging.
func (s *nsScope) put(prefix, uri string) {
	if s.m != nil {
		s.m[prefix] = uri
		return
	}
	for i := 0; i < s.n; i++ {
		if s.small[i].prefix == prefix {
			s.small[i].uri = uri
			return
		}
	}
	if s.n < nsSmall {
		s.small[s.n] = nsDecl{prefix, uri}
		s.n++
		return
	}
	s.m = make(map[string]string, 2*nsSmall)
	for _, d := range s.small {
		s.m[d.prefix] = d.uri
	}
	s.small, s.n = [nsSmall]nsDecl{}, 0
	s.m[prefix] = uri
}

// del unbinds prefix, without logging.
func (s *nsScope) del(prefix string) {
	if s.m != nil {
		delete(s.m, prefix)
		return
	}
	for i := 0; i < s.n; i++ {
		if s.small[i].prefix == prefix {
			s.n--
			s.small[i] = s.small[s.n]
			s.small[s.n] = nsDecl{}
			return
		}
	}
}

// appendPrefixes appends the bound prefixes to dst, in no set order.
func (s *nsScope) appendPrefixes(dst []string) []string {
	if s.m != nil {
		for p := range s.m {
			dst = append(dst, p)
		}
		return dst
	}
	for i := 0; i < s.n; i++ {
		dst = append(dst, s.small[i].prefix)
	}
	return dst
}

func (s *nsScope) mark() int { return len(s.log) }

// set binds prefix to uri, logging the change for restore.
func (s *nsScope) set(prefix, uri string) {
	old, had := s.get(prefix)
	s.log = append(s.log, nsUndo{prefix, old, had})
	s.put(prefix, uri)
}

// restore undoes the changes made since mark.
func (s *nsScope) restore(mark int) {
	for i := len(s.log) - 1; i >= mark; i-- {
		u := s.log[i]
		if u.had {
			s.put(u.prefix, u.old)
		} else {
			s.del(u.prefix)
		}
	}
	s.log = s.log[:mark]
}

// canonicalizeTo writes the canonical form of the subtree of el (without
// exclude and its subtree, when set) to w. When doc is set, el is its root
// and the whole document is canonicalized (with the processing
// instructions, and comments when asked, outside the root element).
//
// raw, when set, are the records of the document el belongs to (from
// ParseSurveyed): the canonical form is then copied from the document's
// text wherever that text is already canonical.
func canonicalizeTo(w io.Writer, el *etree.Element, doc *etree.Document, exclude *etree.Element, raw *rawDoc, alg, prefixList string, keepComments bool) error {
	mode, comments, err := c14nAlgorithm(alg)
	if err != nil {
		return err
	}
	bw := writerPool.Get().(*outBuf)
	bw.w, bw.err = w, nil
	defer func() {
		bw.w, bw.err = nil, nil
		// A text node of several megabytes may have grown the buffer:
		// such a buffer is not kept.
		if cap(bw.b) <= 8*outFlush {
			bw.b = bw.b[:0]
			writerPool.Put(bw)
		}
	}()
	c := &canonicalizer{w: bw, mode: mode, comments: comments && keepComments, exclude: exclude, excl: -1}
	if raw != nil {
		c.next = raw.index(el)
		if exclude != nil {
			c.excl = raw.index(exclude)
		}
		if c.next >= 0 && (exclude == nil || c.excl >= 0) {
			c.raw = raw
		}
	}
	if mode == c14nExclusive {
		c.inclusive = map[string]bool{}
		for _, p := range strings.Fields(prefixList) {
			if p == "#default" {
				p = ""
			}
			c.inclusive[p] = true
		}
	}
	scope, xmlAttrs, err := ancestorContext(el, mode)
	if err != nil {
		return err
	}
	for p, uri := range scope {
		c.scope.put(p, uri)
	}
	if doc != nil {
		after := false
		for _, tok := range doc.Child {
			switch t := tok.(type) {
			case *etree.Element:
				if err := c.element(t, true, xmlAttrs); err != nil {
					return err
				}
				after = true
			case *etree.ProcInst:
				if t.Target == "xml" {
					continue
				}
				if after {
					c.w.ch('\n')
				}
				c.procInst(t)
				if !after {
					c.w.ch('\n')
				}
			case *etree.Comment:
				if !c.comments {
					continue
				}
				if after {
					c.w.ch('\n')
				}
				c.comment(t)
				if !after {
					c.w.ch('\n')
				}
			}
		}
	} else if err := c.element(el, true, xmlAttrs); err != nil {
		return err
	}
	return c.w.flush()
}

// ancestorContext returns the namespaces in scope at the parent of el and,
// for inclusive canonicalization, the xml:* attributes el inherits
// (Canonical XML 1.0 §2.4; 1.1 §2.4 inherits only xml:lang and xml:space).
func ancestorContext(el *etree.Element, mode c14nMode) (map[string]string, []etree.Attr, error) {
	var chain []*etree.Element
	for p := el.Parent(); p != nil; p = p.Parent() {
		chain = append(chain, p)
	}
	scope := map[string]string{}
	xmlAttrs := map[string]string{}
	for i := len(chain) - 1; i >= 0; i-- {
		for _, a := range chain[i].Attr {
			switch {
			case a.Space == "xmlns":
				scope[a.Key] = a.Value
			case a.Space == "" && a.Key == "xmlns":
				scope[""] = a.Value
			case a.Space == "xml":
				xmlAttrs[a.Key] = a.Value
			}
		}
	}
	var inherit []etree.Attr
	if mode == c14nExclusive {
		return scope, nil, nil
	}
	for k, v := range xmlAttrs {
		if mode == c14nInclusive11 {
			switch k {
			case "lang", "space":
			case "base":
				return nil, nil, formatErr("xml:base on an ancestor of a subtree canonicalized with C14N 1.1 is not supported")
			default:
				continue
			}
		}
		if el.SelectAttr("xml:"+k) == nil {
			inherit = append(inherit, etree.Attr{Space: "xml", Key: k, Value: v})
		}
	}
	return scope, inherit, nil
}

type nsDecl struct{ prefix, uri string }

// attrRef is an attribute to write and its namespace URI.
type attrRef struct {
	ns string
	a  *etree.Attr
}

// element writes el. On entry c.scope holds the namespaces in scope at
// el's parent and c.rendered those el's output ancestors declared; both are
// as they were on return. top is set for the apex of the output (the
// element canonicalized, or the document's root), whose declarations are
// compared with the whole scope; below it, an output parent has rendered
// every in-scope namespace that differs from its own output ancestors' (in
// inclusive mode, and for the InclusiveNamespaces prefixes of exclusive
// mode), so only the prefixes el declares or uses can need a declaration.
// This keeps the cost of an element proportional to its own attributes
// and declarations (sorted: O(k log k)).
func (c *canonicalizer) element(el *etree.Element, top bool, extra []etree.Attr) error {
	if !top && len(extra) == 0 && plainAttrs(el.Attr) {
		return c.plainElement(el)
	}
	r := c.enter(el)
	scopeMark, renderedMark := c.scope.mark(), c.rendered.mark()
	// The scratch slices are reused from element to element: they are
	// done with before the children are written (after an error they are
	// simply not given back).
	declared, utilized, attrs, candidates, decls := c.declared[:0], c.utilized[:0], c.attrs[:0], c.candidates[:0], c.decls[:0]
	// Namespaces in scope at el.
	for _, a := range el.Attr {
		switch {
		case a.Space == "xmlns":
			if a.Key == "xmlns" || (a.Key == "xml" && a.Value != nsXML) {
				return formatErr("reserved namespace prefix %q redeclared", a.Key)
			}
			c.scope.set(a.Key, a.Value)
			declared = append(declared, a.Key)
		case a.Space == "" && a.Key == "xmlns":
			c.scope.set("", a.Value)
			declared = append(declared, "")
		}
	}
	// Attributes (not namespace declarations), sorted by namespace URI
	// then local name.
	utilized = append(utilized, el.Space)
	for _, list := range [2][]etree.Attr{el.Attr, extra} {
		for i := range list {
			a := &list[i]
			if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
				continue
			}
			ns := ""
			if a.Space != "" {
				var err error
				if ns, err = c.lookup(el, a.Space); err != nil {
					return err
				}
				utilized = append(utilized, a.Space)
			}
			attrs = append(attrs, attrRef{ns: ns, a: a})
		}
	}
	if _, err := c.lookup(el, el.Space); err != nil {
		return err
	}
	inOrder := true
	if len(attrs) > 1 && !slices.IsSortedFunc(attrs, compareAttrRefs) {
		slices.SortFunc(attrs, compareAttrRefs)
		inOrder = false
	}
	// Namespace declarations to render: the candidate prefixes, each
	// rendered when its in-scope URI differs from the output ancestors'.
	if c.mode == c14nExclusive {
		candidates = append(candidates, utilized...)
		addInclusive := func(p string) {
			if _, inScope := c.scope.get(p); inScope && c.inclusive[p] && !slices.Contains(utilized, p) {
				candidates = append(candidates, p)
			}
		}
		if top {
			for p := range c.inclusive {
				addInclusive(p)
			}
		} else if len(c.inclusive) > 0 {
			for _, p := range declared {
				addInclusive(p)
			}
		}
	} else if top {
		candidates = c.scope.appendPrefixes(candidates)
	} else {
		candidates = append(candidates, declared...)
	}
	slices.Sort(candidates)
	for i, prefix := range candidates {
		if prefix == "xml" || i > 0 && candidates[i-1] == prefix {
			continue
		}
		uri, _ := c.scope.get(prefix)
		have, ok := c.rendered.get(prefix)
		if prefix == "" {
			if uri == have {
				continue
			}
		} else if ok && have == uri || uri == "" {
			continue
		}
		decls = append(decls, nsDecl{prefix, uri})
	}
	for _, d := range decls {
		c.rendered.set(d.prefix, d.uri)
	}
	w := c.w
	w.ch('<')
	writeQName(w, el.Space, el.Tag)
	for _, d := range decls {
		if d.prefix == "" {
			w.str(` xmlns="`)
		} else {
			w.str(` xmlns:`)
			w.str(d.prefix)
			w.str(`="`)
		}
		c.escapeURI(d.uri)
		w.ch('"')
	}
	if r != nil && r.has(rawTagSyntax) && inOrder && len(extra) == 0 {
		// The attributes (no namespace declaration among them, so all
		// of them, in order) as the document writes them.
		c.rawTagRest(el, r)
	} else {
		for _, a := range attrs {
			w.ch(' ')
			writeQName(w, a.a.Space, a.a.Key)
			w.str(`="`)
			escapeAttr(w, a.a.Value)
			w.ch('"')
		}
		w.ch('>')
	}
	// Done with the scratch slices: give them back before the children
	// use them.
	c.declared, c.utilized, c.attrs, c.candidates, c.decls = declared[:0], utilized[:0], attrs[:0], candidates[:0], decls[:0]
	if err := c.children(el); err != nil {
		return err
	}
	w.str("</")
	writeQName(w, el.Space, el.Tag)
	w.ch('>')
	c.scope.restore(scopeMark)
	c.rendered.restore(renderedMark)
	return nil
}

// plainAttrs reports whether attrs are all in no namespace and none is
// a namespace declaration.
func plainAttrs(attrs []etree.Attr) bool {
	for i := range attrs {
		if attrs[i].Space != "" || attrs[i].Key == "xmlns" {
			return false
		}
	}
	return true
}

// plainElement is element for an element below the apex whose attributes
// are all in no namespace and none a namespace declaration (most of
// them): its only candidate declaration is its own prefix's, in exclusive
// mode, and its attributes sort by their local names.
func (c *canonicalizer) plainElement(el *etree.Element) error {
	uri, err := c.lookup(el, el.Space)
	if err != nil {
		return err
	}
	r := c.enter(el)
	renderedMark := c.rendered.mark()
	w := c.w
	w.ch('<')
	writeQName(w, el.Space, el.Tag)
	if p := el.Space; c.mode == c14nExclusive && p != "xml" {
		have, ok := c.rendered.get(p)
		if p == "" && uri != have || p != "" && !(ok && have == uri) && uri != "" {
			c.rendered.set(p, uri)
			if p == "" {
				w.str(` xmlns="`)
			} else {
				w.str(` xmlns:`)
				w.str(p)
				w.str(`="`)
			}
			c.escapeURI(uri)
			w.ch('"')
		}
	}
	if r != nil && r.has(rawTagCanonical) {
		c.rawTagRest(el, r)
	} else if slices.IsSortedFunc(el.Attr, compareAttrKeys) {
		for i := range el.Attr {
			writePlainAttr(w, &el.Attr[i])
		}
		w.ch('>')
	} else {
		// The scratch slice is done with before the children use it.
		attrs := c.plain[:0]
		for i := range el.Attr {
			attrs = append(attrs, &el.Attr[i])
		}
		slices.SortFunc(attrs, func(x, y *etree.Attr) int { return strings.Compare(x.Key, y.Key) })
		for _, a := range attrs {
			writePlainAttr(w, a)
		}
		clear(attrs)
		c.plain = attrs[:0]
		w.ch('>')
	}
	if err := c.children(el); err != nil {
		return err
	}
	w.str("</")
	writeQName(w, el.Space, el.Tag)
	w.ch('>')
	c.rendered.restore(renderedMark)
	return nil
}

// compareAttrRefs orders attributes by namespace URI, then local name.
func compareAttrRefs(x, y attrRef) int {
	if x.ns != y.ns {
		return strings.Compare(x.ns, y.ns)
	}
	return strings.Compare(x.a.Key, y.a.Key)
}

func compareAttrKeys(x, y etree.Attr) int { return strings.Compare(x.Key, y.Key) }

// writePlainAttr writes an attribute in no namespace.
func writePlainAttr(w *outBuf, a *etree.Attr) {
	w.ch(' ')
	w.str(a.Key)
	w.str(`="`)
	escapeAttr(w, a.Value)
	w.ch('"')
}

// children writes the content of el.
func (c *canonicalizer) children(el *etree.Element) error {
	w := c.w
	for _, tok := range el.Child {
		if len(w.b) >= outFlush {
			if err := w.flush(); err != nil {
				return err
			}
		}
		switch t := tok.(type) {
		case *etree.Element:
			if t == c.exclude {
				if r := c.enter(t); r != nil {
					c.next = r.after()
				}
				continue
			}
			if r := c.verbatim(t); r != nil {
				if err := c.copyRaw(c.raw.s[r.start:r.end]); err != nil {
					return err
				}
				continue
			}
			// Most elements take the plain path: called directly, they
			// skip the general path's larger frame.
			var err error
			if plainAttrs(t.Attr) {
				err = c.plainElement(t)
			} else {
				err = c.element(t, false, nil)
			}
			if err != nil {
				return err
			}
		case *etree.CharData:
			escapeText(w, t.Data)
		case *etree.Comment:
			if c.comments {
				c.comment(t)
			}
		case *etree.ProcInst:
			c.procInst(t)
		}
	}
	return nil
}

// rawTagRest writes the start tag of el after its name and namespace
// declarations, '>' included, as the document writes it (r is el's
// record).
func (c *canonicalizer) rawTagRest(el *etree.Element, r *rawElement) {
	n := len(el.Tag)
	if el.Space != "" {
		n += len(el.Space) + 1
	}
	tag := c.raw.s[int(r.start)+1+n : r.tagEnd]
	if r.has(rawSelfClosing) {
		c.w.str(tag[:len(tag)-2])
		c.w.ch('>')
	} else {
		c.w.str(tag)
	}
}

// enter returns the record of el, the next element of the walk, and
// moves past it; nil (and no records for the rest of the walk) when the
// records do not describe el.
func (c *canonicalizer) enter(el *etree.Element) *rawElement {
	r := c.current(el)
	if r != nil {
		c.next++
	}
	return r
}

// current returns the record of el, the next element of the walk,
// without moving past it; nil (and no records for the rest of the walk)
// when the records do not describe el.
func (c *canonicalizer) current(el *etree.Element) *rawElement {
	if c.raw == nil {
		return nil
	}
	if c.next >= len(c.raw.els) || !c.raw.describes(&c.raw.els[c.next], el) {
		c.raw = nil
		return nil
	}
	return &c.raw.els[c.next]
}

// verbatim returns the record of el, the next element of the walk, when
// the text of its subtree is what canonicalizing it would write, and then
// moves past the subtree; nil otherwise. That text is canonical
// (rawVerbatim) but for the default namespace: the subtree declares none
// and uses no prefix, so its only candidate declaration is the default
// namespace's, written only in exclusive mode and only when the output
// ancestors have not rendered the one in scope (see plainElement). A
// subtree holding the excluded element is canonicalized from the tree.
func (c *canonicalizer) verbatim(el *etree.Element) *rawElement {
	r := c.current(el)
	if r == nil {
		return nil
	}
	if !r.has(rawVerbatim) || c.excl >= c.next && c.excl < r.after() {
		return nil
	}
	if c.mode == c14nExclusive {
		uri, _ := c.scope.get("")
		if have, _ := c.rendered.get(""); uri != have {
			return nil
		}
	}
	c.next = r.after()
	return r
}

// copyRaw writes s, a part of the document's text, flushing as it goes.
func (c *canonicalizer) copyRaw(s string) error {
	w := c.w
	for len(s) > 0 {
		n := min(len(s), outFlush)
		w.str(s[:n])
		s = s[n:]
		if len(w.b) >= outFlush {
			if err := w.flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// escapeURI writes a namespace URI as an attribute value.
func (c *canonicalizer) escapeURI(uri string) {
	for _, p := range c.plainURIs {
		// Mostly the very string met before: the comparison is then
		// one of pointers.
		if p == uri {
			c.w.str(uri)
			return
		}
	}
	n := len(c.w.b)
	escapeAttr(c.w, uri)
	if len(c.w.b)-n == len(uri) {
		copy(c.plainURIs[1:], c.plainURIs[:])
		c.plainURIs[0] = uri
	}
}

// lookup returns the namespace URI of prefix at el.
func (c *canonicalizer) lookup(el *etree.Element, prefix string) (string, error) {
	if prefix == "xml" {
		return nsXML, nil
	}
	uri, ok := c.scope.get(prefix)
	if !ok && prefix != "" {
		return "", formatErr("undeclared namespace prefix %q on element %s", prefix, el.FullTag())
	}
	return uri, nil
}

// writeQName writes prefix:local, or local when prefix is empty.
func writeQName(w *outBuf, prefix, local string) {
	if prefix != "" {
		w.str(prefix)
		w.ch(':')
	}
	w.str(local)
}

func (c *canonicalizer) comment(t *etree.Comment) {
	c.w.str("<!--")
	c.w.str(t.Data)
	c.w.str("-->")
}

func (c *canonicalizer) procInst(t *etree.ProcInst) {
	c.w.str("<?")
	c.w.str(t.Target)
	if t.Inst != "" {
		c.w.ch(' ')
		c.w.str(t.Inst)
	}
	c.w.str("?>")
}

// Canonical XML's escapes of character data and of attribute values.
var (
	textEscapes = escapes(map[byte]string{'&': "&amp;", '<': "&lt;", '>': "&gt;", '\r': "&#xD;"})
	attrEscapes = escapes(map[byte]string{'&': "&amp;", '<': "&lt;", '"': "&quot;", '\t': "&#x9;", '\n': "&#xA;", '\r': "&#xD;"})
)

// escapeTable maps the bytes to escape to their escapes; special says
// which bytes those are (a table of bytes, which the scan reads faster
// than the strings).
type escapeTable struct {
	special [256]bool
	esc     [256]string
}

func escapes(m map[byte]string) *escapeTable {
	var t escapeTable
	for c, e := range m {
		t.special[c], t.esc[c] = true, e
	}
	return &t
}

// escapeText escapes character data as Canonical XML does.
func escapeText(w *outBuf, s string) { w.b = appendEscaped(w.b, s, textEscapes) }

// escapeAttr escapes an attribute value as Canonical XML does.
func escapeAttr(w *outBuf, s string) { w.b = appendEscaped(w.b, s, attrEscapes) }

// appendEscaped appends s to b with each byte that has an escape in table
// replaced by it.
func appendEscaped(b []byte, s string, table *escapeTable) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		if table.special[s[i]] {
			b = append(b, s[last:i]...)
			b = append(b, table.esc[s[i]]...)
			last = i + 1
		}
	}
	return append(b, s[last:]...)
}
