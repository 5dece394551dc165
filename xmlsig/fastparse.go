package xmlsig

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/beevik/etree"
)

// The fast path of Parse: one pass over the bytes that applies the checks
// of Scan and builds the etree tree directly, without encoding/xml's
// Decoder (which reads byte by byte through an interface and allocates a
// token per name, attribute and text). Names, attribute values and text
// without entity or carriage return are substrings of one copy of the
// document; elements and text nodes are allocated in slabs; each element's
// children slice is allocated once, at its exact size.
//
// It handles only the common subset of XML (ASCII names, the predefined
// entities and character references, comments, processing instructions
// and an XML declaration of the usual form, at most fastMaxAttrs
// attributes per element). Whenever it meets anything else, and whenever
// it finds an error, it gives up (ok false) and Parse falls back to the
// encoding/xml path, which then decides and words the error. So the fast
// path never accepts a document the reference path refuses, and builds
// the same tree (TestFastParseMatchesReference, FuzzFastParse).

// fastMaxAttrs bounds the attributes of an element on the fast path
// (etree's CreateAttr searches the attributes already added: k² / 2
// comparisons per element).
const fastMaxAttrs = 32

// fastParser holds the state of one fast parse.
type fastParser struct {
	s   string // the document (one copy)
	pos int
	// budget accounting as in Scan
	nodes, budget, nsDecls, roots int
	// open elements and their pending children
	open    []openEl
	pending []etree.Token
	// declared[p] counts the open elements declaring prefix p.
	declared map[string]int
	// slabs
	els   []etree.Element
	texts []etree.CharData
	toks  []etree.Token
	attrs []etree.Attr
	buf   []byte
	// survey: the elements SurveyDocument would look at, in document
	// order: those named Signature or Reference (in any namespace) and
	// those with an identifier attribute (Id, ID or id in no namespace).
	named, withID []*etree.Element
	// raw: where each element lies in s, in document order (rawdoc.go)
	raw []rawElement
	// pooled: the slabs come from the pools below and are listed in
	// taken, to be given back by reset.
	pooled bool
	taken  slabList
	// borrow: s shares the caller's bytes instead of copying them
	borrow bool
	ok     bool // the parse succeeded
	// canonical: the text last decoded is its own canonical form
	canonical bool
}

// Slabs of the pooled parse (ParseTransient), and the most element
// records (16 bytes each) a pooled parser keeps for the next parse.
const (
	maxPooledRecords = 64 << 10
	nodeSlab         = 256
	tokSlab          = 1024
)

type slabList struct {
	els   []*[nodeSlab]etree.Element
	texts []*[nodeSlab]etree.CharData
	attrs []*[nodeSlab]etree.Attr
	toks  []*[tokSlab]etree.Token
}

var (
	elSlabs   = sync.Pool{New: func() any { return new([nodeSlab]etree.Element) }}
	textSlabs = sync.Pool{New: func() any { return new([nodeSlab]etree.CharData) }}
	attrSlabs = sync.Pool{New: func() any { return new([nodeSlab]etree.Attr) }}
	tokSlabs  = sync.Pool{New: func() any { return new([tokSlab]etree.Token) }}
)

// release zeroes the pooled slabs and gives them back. The slabs come
// from the pools zeroed and are filled from the front, so only what a
// parse may have written is cleared (with the garbage collector running,
// clearing memory that holds pointers costs a write barrier per pointer):
// the last slab of each kind up to rest (the length left unused at its
// end), the attribute slab also the attributes an element whose start tag
// failed may have written past that.
func (l *slabList) release(els, texts, attrs, toks int) {
	for i, a := range l.els {
		clear(a[:slabUsed(i, len(l.els), nodeSlab, els)])
		elSlabs.Put(a)
	}
	for i, a := range l.texts {
		clear(a[:slabUsed(i, len(l.texts), nodeSlab, texts)])
		textSlabs.Put(a)
	}
	for i, a := range l.attrs {
		clear(a[:min(nodeSlab, slabUsed(i, len(l.attrs), nodeSlab, attrs)+fastMaxAttrs)])
		attrSlabs.Put(a)
	}
	for i, a := range l.toks {
		clear(a[:slabUsed(i, len(l.toks), tokSlab, toks)])
		tokSlabs.Put(a)
	}
	*l = slabList{}
}

// slabUsed is the length a parse may have used of slab i of n (of size
// elements), rest being the length left at the end of the last one.
func slabUsed(i, n, size, rest int) int {
	if i < n-1 {
		return size
	}
	return size - rest
}

type openEl struct {
	el       *etree.Element
	name     string // raw qualified name, for the end tag
	pending  int    // index in pending of its first child
	prefixes []string
	raw      int  // index of its rawElement
	verbatim bool // its content so far is its own canonical form (rawdoc.go)
}

// fastParse parses data (BOM already removed, size already checked) or
// reports ok false when the reference path must decide.
func fastParse(data []byte) (doc *etree.Document, ok bool) {
	p := &fastParser{}
	return p.parse(data), p.ok
}

// parserPool holds the parsers of ParseTransient, with their slabs and
// scratch space.
var parserPool = sync.Pool{New: func() any { return &fastParser{pooled: true} }}

// fastParseTransient is fastParse with a pooled parser: release zeroes
// the tree's slabs and gives them and the parser back.
// It also returns the document's Survey, built from the elements noted
// while parsing (as SurveyDocument would find them, without a walk).
// When borrow is set, the tree's strings share data's memory (see
// ParseSurveyed's contract).
func fastParseTransient(data []byte, borrow bool) (doc *etree.Document, sv *Survey, release func(), ok bool) {
	p := parserPool.Get().(*fastParser)
	p.borrow = borrow
	doc = p.parse(data)
	if !p.ok {
		p.reset()
		return nil, nil, nil, false
	}
	sv = p.survey(doc)
	released := false
	return doc, sv, func() {
		// A second call must not give the parser back twice (two later
		// parses would then share it).
		if !released {
			released = true
			p.reset()
		}
	}, true
}

// survey is SurveyDocument of the tree just parsed: the elements it would
// look at were noted in document order, the order of its walk.
func (p *fastParser) survey(doc *etree.Document) *Survey {
	sv := &Survey{IX: &IDIndex{byID: make(map[string]*etree.Element, len(p.withID)), raw: &rawDoc{s: p.s, root: doc.Root(), els: p.raw}}}
	for _, el := range p.named {
		sv.note(el)
	}
	seen := map[string]bool{}
	for _, el := range p.withID {
		sv.IX.addAttrs(el, seen)
	}
	return sv
}

// reset zeroes what the parser built and puts it back in parserPool.
func (p *fastParser) reset() {
	p.taken.release(len(p.els), len(p.texts), len(p.attrs), len(p.toks))
	clear(p.pending[:cap(p.pending)])
	clear(p.open[:cap(p.open)])
	clear(p.declared)
	clear(p.named)
	clear(p.withID)
	*p = fastParser{pooled: true, pending: p.pending[:0], open: p.open[:0], declared: p.declared, buf: p.buf[:0],
		named: p.named[:0], withID: p.withID[:0], raw: p.raw[:0]}
	if cap(p.raw) > maxPooledRecords {
		p.raw = nil // a large document's records are not kept
	}
	parserPool.Put(p)
}

// parse parses data (BOM already removed, size already checked) and sets
// p.ok, or leaves it false when the reference path must decide.
func (p *fastParser) parse(data []byte) *etree.Document {
	budget := MaxNodes(len(data))
	// An upper bound of the units Scan would count: every token but text
	// starts with '<', text tokens lie between them, an element adds one,
	// a self-closing one ("/>" after a '<') its end token, an attribute
	// one and has its '='. When it exceeds the budget the reference path
	// decides, refusing the document before any tree is built.
	lt, eq := bytes.Count(data, []byte{'<'}), bytes.Count(data, []byte{'='})
	if 4*lt+eq+1 > budget {
		return nil
	}
	p.budget = budget
	if p.borrow && len(data) > 0 {
		// The caller keeps data unchanged until release and copies what
		// it keeps (ParseSurveyed).
		p.s = unsafe.String(&data[0], len(data))
	} else {
		p.s = string(data)
	}
	if p.pooled && cap(p.raw) < lt/2 {
		// Most elements have a start and an end tag.
		p.raw = make([]rawElement, 0, lt/2)
	}
	if !p.run() {
		return nil
	}
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	doc.ReadSettings.CharsetReader = refuseCharset
	doc.Child = p.childSlice(len(p.pending))
	for _, t := range p.pending {
		doc.AddChild(t)
	}
	if doc.Root() == nil {
		return nil
	}
	p.ok = true
	return doc
}

func (p *fastParser) newElement() *etree.Element {
	if len(p.els) == 0 {
		// Slabs stay below 32 KB, the size of the runtime's small objects.
		if p.pooled {
			a := elSlabs.Get().(*[nodeSlab]etree.Element)
			p.taken.els = append(p.taken.els, a)
			p.els = a[:]
		} else {
			p.els = make([]etree.Element, nodeSlab)
		}
	}
	e := &p.els[0]
	p.els = p.els[1:]
	return e
}

func (p *fastParser) newText(data string) *etree.CharData {
	if len(p.texts) == 0 {
		if p.pooled {
			a := textSlabs.Get().(*[nodeSlab]etree.CharData)
			p.taken.texts = append(p.taken.texts, a)
			p.texts = a[:]
		} else {
			p.texts = make([]etree.CharData, nodeSlab)
		}
	}
	c := &p.texts[0]
	p.texts = p.texts[1:]
	c.SetData(data)
	return c
}

// childSlice returns an empty slice of capacity n from a slab.
func (p *fastParser) childSlice(n int) []etree.Token {
	if n == 0 {
		return nil
	}
	if n > 256 {
		return make([]etree.Token, 0, n)
	}
	if len(p.toks) < n {
		if p.pooled {
			a := tokSlabs.Get().(*[tokSlab]etree.Token)
			p.taken.toks = append(p.taken.toks, a)
			p.toks = a[:]
		} else {
			p.toks = make([]etree.Token, tokSlab)
		}
	}
	c := p.toks[:0:n]
	p.toks = p.toks[n:]
	return c
}

func (p *fastParser) add(t etree.Token) { p.pending = append(p.pending, t) }

func (p *fastParser) run() bool {
	s := p.s
	for p.pos < len(s) {
		if s[p.pos] != '<' {
			end := strings.IndexByte(s[p.pos:], '<')
			if end < 0 {
				end = len(s)
			} else {
				end += p.pos
			}
			text, ok := p.text(s[p.pos:end], -1)
			if !ok {
				return false
			}
			if len(p.open) == 0 {
				if strings.IndexByte(s[p.pos:end], '&') >= 0 || !isSpace(text) {
					return false
				}
			}
			if len(p.open) > 0 && !p.canonical {
				p.open[len(p.open)-1].verbatim = false
			}
			p.pos = end
			p.add(p.newText(text))
			if !p.count(1) {
				return false
			}
			continue
		}
		if p.pos+1 >= len(s) {
			return false
		}
		var ok bool
		switch s[p.pos+1] {
		case '/':
			ok = p.endTag()
		case '?':
			ok = p.procInst()
		case '!':
			ok = p.comment()
		default:
			ok = p.startTag()
		}
		if !ok {
			return false
		}
	}
	return len(p.open) == 0 && p.roots == 1
}

func (p *fastParser) count(n int) bool {
	p.nodes += n
	return p.nodes <= p.budget
}

func isSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

func isSpaceByte(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

func (p *fastParser) skipSpace() {
	for p.pos < len(p.s) && isSpaceByte(p.s[p.pos]) {
		p.pos++
	}
}

// name reads an ASCII name at p.pos: a letter or '_' first, then letters,
// digits, '_', '-', '.', and at most one ':' with something on both sides.
func (p *fastParser) name() (qname, prefix, local string, ok bool) {
	s := p.s
	start, colon := p.pos, -1
	i := p.pos
	if i >= len(s) || !(s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] == '_') {
		return "", "", "", false
	}
	for i++; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' {
			continue
		}
		if c == ':' {
			if colon >= 0 {
				return "", "", "", false
			}
			colon = i
			continue
		}
		if c >= utf8.RuneSelf {
			return "", "", "", false
		}
		break
	}
	p.pos = i
	qname = s[start:i]
	if colon < 0 {
		return qname, "", qname, true
	}
	if colon == i-1 {
		return "", "", "", false
	}
	return qname, s[start:colon], s[colon+1 : i], true
}

func (p *fastParser) startTag() bool {
	s := p.s
	p.pos++ // <
	qname, prefix, local, ok := p.name()
	if !ok {
		return false
	}
	e := p.newElement()
	e.Space, e.Tag = prefix, local
	// The attributes go straight into the rest of the attribute slab (the
	// slice is cut to its length below; CreateAttr sets their element).
	if len(p.attrs) < fastMaxAttrs {
		if p.pooled {
			a := attrSlabs.Get().(*[nodeSlab]etree.Attr)
			p.taken.attrs = append(p.taken.attrs, a)
			p.attrs = a[:]
		} else {
			p.attrs = make([]etree.Attr, nodeSlab)
		}
	}
	e.Attr = p.attrs[:0:len(p.attrs)]
	n := 0
	empty := false
	start := p.pos - 1 - len(qname)
	// syntax, canon: rawTagSyntax, rawTagCanonical (rawdoc.go)
	syntax, canon := true, true
	lastKey := ""
	for {
		sp := p.pos
		p.skipSpace()
		if p.pos >= len(s) {
			return false
		}
		if sp != p.pos && (p.pos-sp != 1 || s[sp] != ' ') {
			syntax = false
		}
		if s[p.pos] == '/' || s[p.pos] == '>' {
			if sp != p.pos {
				syntax = false
			}
		}
		if s[p.pos] == '/' {
			if p.pos+1 >= len(s) || s[p.pos+1] != '>' {
				return false
			}
			p.pos += 2
			empty = true
			break
		}
		if s[p.pos] == '>' {
			p.pos++
			break
		}
		if sp == p.pos || n == fastMaxAttrs {
			return false
		}
		aq, ap, al, ok := p.name()
		if !ok {
			return false
		}
		if ap == "xmlns" || ap == "" && al == "xmlns" || p.pos >= len(s) || s[p.pos] != '=' || p.pos+1 >= len(s) || s[p.pos+1] != '"' {
			syntax = false
		}
		if ap != "" || al <= lastKey {
			canon = false
		}
		lastKey = al
		p.skipSpace()
		if p.pos >= len(s) || s[p.pos] != '=' {
			return false
		}
		p.pos++
		p.skipSpace()
		if p.pos >= len(s) || s[p.pos] != '"' && s[p.pos] != '\'' {
			return false
		}
		q := s[p.pos]
		end := strings.IndexByte(s[p.pos+1:], q)
		if end < 0 {
			return false
		}
		raw := s[p.pos+1 : p.pos+1+end]
		// text refuses '<' (which only an attribute value can hold).
		val, ok := p.text(raw, int(q))
		if !ok {
			return false
		}
		if !p.canonical {
			syntax = false
		}
		p.pos += end + 2
		for _, b := range e.Attr {
			if b.Key == al && (b.Space == ap || b.Space != "" && ap != "" && b.Space != "xmlns" && ap != "xmlns") {
				// A duplicate attribute, or two prefixed ones of the same
				// local name (perhaps bound to the same namespace): Scan
				// decides.
				return false
			}
		}
		if n == 0 {
			e.CreateAttr(aq, val)
		} else {
			// A copy of the first attribute is one of e (CreateAttr would
			// again split the name and look for a duplicate).
			a := e.Attr[0]
			a.Space, a.Key, a.Value = ap, al, val
			e.Attr = append(e.Attr, a)
		}
		n++
	}
	if n == 0 {
		e.Attr = nil
	} else {
		e.Attr = e.Attr[:n:n]
		p.attrs = p.attrs[n:]
	}
	attrs := e.Attr
	// Scan's accounting: the start token, the element, its attributes.
	if len(p.open)+1 > MaxDepth || !p.count(2+n) {
		return false
	}
	if len(p.open) == 0 {
		p.roots++
	}
	var mine []string
	for _, a := range attrs {
		if a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns" {
			if p.nsDecls++; p.nsDecls > MaxNamespaceDecls {
				return false
			}
		}
		if a.Space == "xmlns" {
			if a.Value == "" {
				return false // refused by Scan
			}
			if p.declared == nil {
				p.declared = map[string]int{}
			}
			p.declared[a.Key]++
			mine = append(mine, a.Key)
		}
	}
	undo := func() {
		for _, d := range mine {
			p.declared[d]--
		}
	}
	if !p.prefixDeclared(prefix) {
		undo()
		return false
	}
	for _, a := range attrs {
		if a.Space != "xmlns" && !p.prefixDeclared(a.Space) {
			undo()
			return false
		}
	}
	if local == "Signature" || local == "Reference" {
		p.named = append(p.named, e)
	}
	for i := range attrs {
		if isIDAttr(&attrs[i]) {
			p.withID = append(p.withID, e)
			break
		}
	}
	var flags uint32
	if syntax {
		flags = rawTagSyntax
		if canon {
			flags |= rawTagCanonical
		}
	}
	canon = syntax && canon
	if empty {
		flags |= rawSelfClosing
	}
	p.raw = append(p.raw, rawElement{start: int32(start), tagEnd: int32(p.pos), bits: flags})
	if empty {
		// The end token Scan counts.
		undo()
		if !p.count(1) {
			return false
		}
		r := &p.raw[len(p.raw)-1]
		r.end, r.bits = r.tagEnd, r.bits|uint32(len(p.raw))
		if len(p.open) > 0 {
			// <a/> is written <a></a>.
			p.open[len(p.open)-1].verbatim = false
		}
		p.add(e)
		return true
	}
	p.open = append(p.open, openEl{el: e, name: qname, pending: len(p.pending), prefixes: mine,
		raw: len(p.raw) - 1, verbatim: canon && prefix == ""})
	return true
}

func (p *fastParser) prefixDeclared(prefix string) bool {
	return prefix == "" || prefix == "xml" || p.declared[prefix] > 0
}

func (p *fastParser) endTag() bool {
	s := p.s
	p.pos += 2 // </
	qname, _, _, ok := p.name()
	if !ok {
		return false
	}
	tight := p.pos < len(s) && s[p.pos] == '>'
	p.skipSpace()
	if p.pos >= len(s) || s[p.pos] != '>' {
		return false
	}
	p.pos++
	if len(p.open) == 0 || !p.count(1) {
		return false
	}
	top := p.open[len(p.open)-1]
	if top.name != qname {
		return false
	}
	p.open = p.open[:len(p.open)-1]
	r := &p.raw[top.raw]
	r.end, r.bits = int32(p.pos), r.bits|uint32(len(p.raw))
	if top.verbatim && tight {
		r.bits |= rawVerbatim
	}
	if len(p.open) > 0 && !r.has(rawVerbatim) {
		p.open[len(p.open)-1].verbatim = false
	}
	for _, d := range top.prefixes {
		p.declared[d]--
	}
	kids := p.pending[top.pending:]
	top.el.Child = p.childSlice(len(kids))
	for _, k := range kids {
		top.el.AddChild(k)
	}
	p.pending = p.pending[:top.pending]
	p.add(top.el)
	return true
}

func (p *fastParser) comment() bool {
	s := p.s
	if !strings.HasPrefix(s[p.pos:], "<!--") {
		return false // CDATA section or directive: the reference path decides
	}
	p.pos += 4
	end := strings.Index(s[p.pos:], "--")
	if end < 0 || p.pos+end+2 >= len(s) || s[p.pos+end+2] != '>' {
		return false
	}
	data := s[p.pos : p.pos+end]
	p.pos += end + 3
	if !p.count(1) {
		return false
	}
	if len(p.open) > 0 {
		p.open[len(p.open)-1].verbatim = false
	}
	c := etree.NewComment(data)
	p.add(c)
	return true
}

func (p *fastParser) procInst() bool {
	s := p.s
	start := p.pos
	p.pos += 2 // <?
	target, _, _, ok := p.name()
	if !ok || strings.IndexByte(target, ':') >= 0 || target == "xml" && start != 0 {
		return false // an XML declaration after anything: Scan refuses it
	}
	p.skipSpace()
	end := strings.Index(s[p.pos:], "?>")
	if end < 0 {
		return false
	}
	inst := s[p.pos : p.pos+end]
	p.pos += end + 2
	if target == "xml" && !plainDeclaration(inst) {
		return false
	}
	if !p.count(1) {
		return false
	}
	if len(p.open) > 0 {
		p.open[len(p.open)-1].verbatim = false
	}
	p.add(etree.NewProcInst(target, inst))
	return true
}

// plainDeclaration accepts the XML declarations the fast path handles:
// version="1.0", then optionally encoding="UTF-8" (any case) and
// standalone="yes|no", single or double quotes, and nothing else.
func plainDeclaration(inst string) bool {
	rest := inst
	attr := func(name string, ok func(string) bool) bool {
		if !strings.HasPrefix(rest, name+"=") || len(rest) < len(name)+2 {
			return false
		}
		q := rest[len(name)+1]
		if q != '"' && q != '\'' {
			return false
		}
		v := rest[len(name)+2:]
		end := strings.IndexByte(v, q)
		if end < 0 || !ok(v[:end]) {
			return false
		}
		rest = strings.TrimLeft(v[end+1:], " ")
		return true
	}
	if !attr("version", func(v string) bool { return v == "1.0" }) {
		return false
	}
	if strings.HasPrefix(rest, "encoding=") && !attr("encoding", func(v string) bool { return strings.EqualFold(v, "UTF-8") }) {
		return false
	}
	if strings.HasPrefix(rest, "standalone=") && !attr("standalone", func(v string) bool { return v == "yes" || v == "no" }) {
		return false
	}
	return rest == "" && strings.Count(inst, "encoding") <= 1 && strings.Count(inst, "version") == 1
}

// text decodes character data (quote < 0) or an attribute value (between
// quotes, quote given): the predefined entities and character references
// replaced, CR LF and lone CR turned into LF (XML 1.0 §2.11) and, in an
// attribute value, every literal tab, line feed or carriage return (a CR LF
// pair counting as one) turned into a space (§3.3.3; a character reference
// keeps its character); every character must be an XML Char. The result
// is a substring of the document when nothing had to be replaced. It sets
// p.canonical when raw is its own canonical form: nothing to decode or
// normalise, and nothing Canonical XML escapes ('>' in character data).
func (p *fastParser) text(raw string, quote int) (string, bool) {
	simple, high, gt := true, false, false
	for i := 0; i < len(raw); i++ {
		switch textClass[raw[i]] {
		case textPlain:
		case textHigh:
			high = true
		case textGT:
			gt = true
		case textReplace:
			simple = false
		case textSpace:
			if quote >= 0 {
				simple = false // attribute-value normalisation below
			}
		default:
			return "", false
		}
	}
	// Every character must be well-formed UTF-8 (no surrogate halves) and
	// not U+FFFE or U+FFFF (EF BF BE, EF BF BF).
	if high && (!utf8.ValidString(raw) || hasNonCharacter(raw)) {
		return "", false
	}
	if quote < 0 && gt && strings.Contains(raw, "]]>") {
		return "", false
	}
	p.canonical = simple && !(quote < 0 && gt)
	if simple {
		return raw, true
	}
	b := p.buf[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '\r':
			// Line-end normalisation (XML 1.0 §2.11): CR LF and a lone CR
			// become LF; in an attribute value that LF becomes a space.
			if quote >= 0 {
				b = append(b, ' ')
			} else {
				b = append(b, '\n')
			}
			if i+1 < len(raw) && raw[i+1] == '\n' {
				i++
			}
		case '\n', '\t':
			// Attribute-value normalisation (XML 1.0 §3.3.3): a literal
			// white space character in an attribute value is read as a
			// space; only a character reference keeps a tab or line feed.
			if quote >= 0 {
				b = append(b, ' ')
			} else {
				b = append(b, c)
			}
		case '&':
			end := strings.IndexByte(raw[i:], ';')
			if end < 0 {
				return "", false
			}
			r, ok := entityValue(raw[i+1 : i+end])
			if !ok {
				return "", false
			}
			b = utf8.AppendRune(b, r)
			i += end
		default:
			b = append(b, c)
		}
	}
	p.buf = b
	return string(b), true
}

// The classes of bytes text sorts: plain ASCII, the first or later byte
// of a UTF-8 sequence (checked as a whole), a byte to replace (& and CR),
// tab and line feed, '>' (which Canonical XML escapes in character data),
// and the other control characters and '<' (refused).
const (
	textPlain = iota
	textHigh
	textGT
	textReplace
	textSpace
	textBad
)

var textClass = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == '&' || c == '\r':
			t[c] = textReplace
		case c == '<':
			// Character data ends before it: only an attribute value
			// can hold one, and may not (XML 1.0 §3.1).
			t[c] = textBad
		case c == '\t' || c == '\n':
			t[c] = textSpace
		case c == '>':
			t[c] = textGT
		case c < 0x20:
			t[c] = textBad
		case c >= utf8.RuneSelf:
			t[c] = textHigh
		}
	}
	return t
}()

// hasNonCharacter reports whether valid UTF-8 s holds U+FFFE or U+FFFF.
func hasNonCharacter(s string) bool {
	for {
		i := strings.Index(s, "\xef\xbf")
		if i < 0 || i+2 >= len(s) {
			return false
		}
		if s[i+2] == 0xbe || s[i+2] == 0xbf {
			return true
		}
		s = s[i+2:]
	}
}

// entityValue returns the character a predefined entity or a character
// reference (without & and ;) stands for; ok is false for anything else
// and for characters outside XML's Char production.
func entityValue(name string) (rune, bool) {
	switch name {
	case "amp":
		return '&', true
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(name) < 2 || name[0] != '#' || len(name) > 9 {
		return 0, false
	}
	digits, base := name[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if digits == "" {
		return 0, false
	}
	var r rune
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = rune(c - '0')
		case base == 16 && c >= 'a' && c <= 'f':
			d = rune(c-'a') + 10
		case base == 16 && c >= 'A' && c <= 'F':
			d = rune(c-'A') + 10
		default:
			return 0, false
		}
		r = r*base + d
	}
	if !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
		return 0, false
	}
	return r, true
}
