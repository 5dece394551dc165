package xmlsig

import (
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// The XPath subset of signatures. XML-DSig's XPath transform and XPath
// Filter 2.0 allow any XPath 1.0 expression; real signatures use a handful
// of shapes, and a general engine would give an attacker unbounded cost.
// hpki evaluates exactly these, each in time linear in the document per
// step, and refuses anything else with ErrUnsupported (never a pass):
//
// XPath transform (a boolean per node), terms joined by "and":
//
//	not(ancestor-or-self::NAME[PRED])   every such element is removed with its subtree
//	ancestor-or-self::NAME[PRED]         only such elements are kept, with their subtrees
//	count(ancestor-or-self::P:Signature | here()/ancestor::P:Signature[1]) >
//	    count(ancestor-or-self::P:Signature)
//	                                     the enveloped-signature transform, spelled in XPath
//
// XPath Filter 2.0 (a node-set, each node standing for its subtree),
// paths joined by "|":
//
//	/                                    the whole document
//	/NAME[PRED]/NAME[PRED]…              an absolute path of child steps
//	//NAME[PRED]…                        descendants ("//" and "/" between steps)
//	here()/ancestor::NAME[PRED][1]       the enclosing element, e.g. this ds:Signature
//	id('ID')                             the element with that Id (duplicates refused)
//
// NAME is a QName (prefixes resolved in the XPath element's namespace
// context), "*" or "P:*"; PRED is optional: [@ATTR='value'] (or "…").
// The node-sets these select are unions of whole subtrees minus whole
// subtrees; a Filter 2.0 sequence that would leave a hole (an element left
// out while its descendants stay in) is refused too.

// ErrUnsupported is wrapped (together with ErrFormat) by errors about a
// transform or XPath expression that is valid XML-DSig but outside what
// hpki evaluates: callers report it as INDETERMINATE, never as a pass.
var ErrUnsupported = errors.New("not supported by this verifier")

func unsupportedErr(format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrFormat, ErrUnsupported, fmt.Sprintf(format, args...))
}

// Limits of the XPath subset.
const (
	maxXPathLen   = 1024 // bytes of one expression
	maxXPathTerms = 8    // "and" terms or "|" paths
	maxXPathSteps = 16   // steps of one path
)

// nameTest is NAME[PRED] of a step.
type nameTest struct {
	anyNS, anyLocal bool
	ns, local       string
	// pred: attribute (ns, local) must equal value, when hasPred.
	hasPred           bool
	predNS, predLocal string
	predValue         string
	first             bool // [1] (here()/ancestor:: only)
	text              string
}

func (n *nameTest) matches(el *etree.Element) bool {
	if !n.anyLocal && el.Tag != n.local {
		return false
	}
	if !n.anyNS && NS(el) != n.ns {
		return false
	}
	if !n.hasPred {
		return true
	}
	for _, a := range el.Attr {
		if a.Key != n.predLocal || a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		ns := ""
		if a.Space != "" {
			ns = lookupPrefix(el, a.Space)
		}
		if ns == n.predNS && a.Value == n.predValue {
			return true
		}
	}
	return false
}

// lookupPrefix returns the namespace URI bound to prefix at el ("" when
// unbound); "" is the default namespace.
func lookupPrefix(el *etree.Element, prefix string) string {
	if prefix == "xml" {
		return nsXML
	}
	for p := el; p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			if prefix == "" && a.Space == "" && a.Key == "xmlns" {
				return a.Value
			}
			if prefix != "" && a.Space == "xmlns" && a.Key == prefix {
				return a.Value
			}
		}
	}
	return ""
}

// xpathLexer reads the subset's tokens from an expression.
type xpathLexer struct {
	s   string
	pos int
	ctx *etree.Element // the XPath element: namespace context and here()
}

func (l *xpathLexer) skipSpace() {
	for l.pos < len(l.s) && strings.IndexByte(" \t\r\n", l.s[l.pos]) >= 0 {
		l.pos++
	}
}

// eat consumes tok (after white space) when it comes next.
func (l *xpathLexer) eat(tok string) bool {
	l.skipSpace()
	if strings.HasPrefix(l.s[l.pos:], tok) {
		l.pos += len(tok)
		return true
	}
	return false
}

func (l *xpathLexer) done() bool {
	l.skipSpace()
	return l.pos == len(l.s)
}

func isNameChar(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= 0x80:
		return true
	case c >= '0' && c <= '9', c == '-', c == '.':
		return !first
	}
	return false
}

// ncName reads an NCName.
func (l *xpathLexer) ncName() (string, bool) {
	start := l.pos
	for l.pos < len(l.s) && isNameChar(l.s[l.pos], l.pos == start) {
		l.pos++
	}
	return l.s[start:l.pos], l.pos > start
}

func (l *xpathLexer) unsupported() error {
	return unsupportedErr("XPath expression %q: only the subset real signatures use is evaluated (see the xmlsig documentation); unsupported at offset %d", abbreviate(l.s), l.pos)
}

// qname reads NAME (QName, *, or P:*) and resolves its prefix.
func (l *xpathLexer) nameTest() (*nameTest, error) {
	l.skipSpace()
	start := l.pos
	n := &nameTest{}
	if l.eat("*") {
		n.anyNS, n.anyLocal = true, true
	} else {
		first, ok := l.ncName()
		if !ok {
			return nil, l.unsupported()
		}
		if l.pos < len(l.s) && l.s[l.pos] == ':' && !strings.HasPrefix(l.s[l.pos:], "::") {
			l.pos++
			uri := lookupPrefix(l.ctx, first)
			if uri == "" {
				return nil, formatErr("XPath expression %q: prefix %q is not declared", abbreviate(l.s), first)
			}
			n.ns = uri
			if l.eat("*") {
				n.anyLocal = true
			} else if n.local, ok = l.ncName(); !ok {
				return nil, l.unsupported()
			}
		} else {
			// An unprefixed name test is in no namespace (XPath 1.0).
			n.local = first
		}
		if n.local == "node" || n.local == "text" || n.local == "comment" || n.local == "processing-instruction" {
			if l.eat("(") {
				return nil, l.unsupported()
			}
		}
	}
	if l.eat("[") {
		if l.eat("1") {
			n.first = true
		} else {
			if !l.eat("@") {
				return nil, l.unsupported()
			}
			l.skipSpace()
			a, ok := l.ncName()
			if !ok {
				return nil, l.unsupported()
			}
			if l.pos < len(l.s) && l.s[l.pos] == ':' {
				l.pos++
				uri := lookupPrefix(l.ctx, a)
				if uri == "" {
					return nil, formatErr("XPath expression %q: prefix %q is not declared", abbreviate(l.s), a)
				}
				n.predNS = uri
				if a, ok = l.ncName(); !ok {
					return nil, l.unsupported()
				}
			}
			n.predLocal = a
			if !l.eat("=") {
				return nil, l.unsupported()
			}
			l.skipSpace()
			if l.pos >= len(l.s) || (l.s[l.pos] != '\'' && l.s[l.pos] != '"') {
				return nil, l.unsupported()
			}
			q := l.s[l.pos]
			end := strings.IndexByte(l.s[l.pos+1:], q)
			if end < 0 {
				return nil, l.unsupported()
			}
			n.predValue = l.s[l.pos+1 : l.pos+1+end]
			l.pos += end + 2
			n.hasPred = true
		}
		if !l.eat("]") {
			return nil, l.unsupported()
		}
	}
	n.text = strings.TrimSpace(l.s[start:l.pos])
	return n, nil
}

// subtreeSet is a set of elements, each standing for its whole subtree;
// doc says the document node (and so what lies outside the root element)
// is selected.
type subtreeSet struct {
	roots map[*etree.Element]bool
	doc   bool
}

// setOp is one step of a node-set computation: the current set is
// intersected with, reduced by or joined with a subtree set.
type setOp struct {
	kind string // "intersect", "subtract", "union"
	set  subtreeSet
	what string // for reports
}

// xpathEnv is what an expression is evaluated against.
type xpathEnv struct {
	doc *etree.Document
	ix  *IDIndex
	ctx *etree.Element // the XPath element (namespace context, here())
	sig *etree.Element // the signature the transform belongs to (may be nil)
}

// all returns every element of the document matching n.
func (e *xpathEnv) all(n *nameTest) map[*etree.Element]bool {
	out := map[*etree.Element]bool{}
	walkElements(e.doc.Root(), func(el *etree.Element) {
		if n.matches(el) {
			out[el] = true
		}
	})
	return out
}

func walkElements(el *etree.Element, f func(*etree.Element)) {
	f(el)
	for _, c := range el.ChildElements() {
		walkElements(c, f)
	}
}

// compileXPath1 turns the expression of an XPath transform into set
// operations.
func compileXPath1(expr string, env *xpathEnv) ([]setOp, error) {
	if len(expr) > maxXPathLen {
		return nil, limitErr("XPath expression of %d bytes, more than %d", len(expr), maxXPathLen)
	}
	if isEnvelopedXPath(expr, env.ctx) {
		if env.sig == nil {
			return nil, nil
		}
		return []setOp{{kind: "subtract", set: subtreeSet{roots: map[*etree.Element]bool{env.sig: true}}, what: "this ds:Signature"}}, nil
	}
	l := &xpathLexer{s: expr, ctx: env.ctx}
	var ops []setOp
	for {
		if len(ops) == maxXPathTerms {
			return nil, limitErr("XPath expression with more than %d terms", maxXPathTerms)
		}
		neg := l.eat("not(")
		if !l.eat("ancestor-or-self::") {
			return nil, l.unsupported()
		}
		n, err := l.nameTest()
		if err != nil {
			return nil, err
		}
		if n.first {
			return nil, l.unsupported()
		}
		if neg && !l.eat(")") {
			return nil, l.unsupported()
		}
		op := setOp{kind: "intersect", set: subtreeSet{roots: env.all(n)}, what: n.text}
		if neg {
			op.kind = "subtract"
		}
		ops = append(ops, op)
		if l.done() {
			return ops, nil
		}
		if !l.eat("and") || l.pos == len(l.s) || strings.IndexByte(" \t\r\n", l.s[l.pos]) < 0 {
			return nil, l.unsupported()
		}
	}
}

// isEnvelopedXPath recognises the XPath spelling of the enveloped-signature
// transform given in XML-DSig §6.6.4, with the prefix bound to XML-DSig.
func isEnvelopedXPath(expr string, ctx *etree.Element) bool {
	s := strings.Join(strings.Fields(expr), "")
	const pattern = "count(ancestor-or-self::P:Signature|here()/ancestor::P:Signature[1])>count(ancestor-or-self::P:Signature)"
	i := strings.Index(s, ":Signature")
	if !strings.HasPrefix(s, "count(ancestor-or-self::") || i < 0 {
		return false
	}
	p := s[len("count(ancestor-or-self::"):i]
	return s == strings.ReplaceAll(pattern, "P:", p+":") && lookupPrefix(ctx, p) == NSDSig
}

// compileXPath2 evaluates the expression of an XPath Filter 2.0 step into
// the subtree set it selects.
func compileXPath2(expr string, env *xpathEnv) (subtreeSet, error) {
	set := subtreeSet{roots: map[*etree.Element]bool{}}
	if len(expr) > maxXPathLen {
		return set, limitErr("XPath expression of %d bytes, more than %d", len(expr), maxXPathLen)
	}
	l := &xpathLexer{s: expr, ctx: env.ctx}
	for terms := 0; ; terms++ {
		if terms == maxXPathTerms {
			return set, limitErr("XPath expression with more than %d paths", maxXPathTerms)
		}
		if err := env.path(l, &set); err != nil {
			return set, err
		}
		if l.done() {
			return set, nil
		}
		if !l.eat("|") {
			return set, l.unsupported()
		}
	}
}

// path evaluates one location path of a Filter 2.0 expression into set.
func (e *xpathEnv) path(l *xpathLexer, set *subtreeSet) error {
	switch {
	case l.eat("here()/ancestor::"):
		n, err := l.nameTest()
		if err != nil {
			return err
		}
		for p := e.ctx.Parent(); p != nil; p = p.Parent() {
			if n.matches(p) {
				set.roots[p] = true
				if n.first {
					break
				}
			}
		}
		return nil
	case l.eat("id("):
		l.skipSpace()
		if l.pos >= len(l.s) || (l.s[l.pos] != '\'' && l.s[l.pos] != '"') {
			return l.unsupported()
		}
		q := l.s[l.pos]
		end := strings.IndexByte(l.s[l.pos+1:], q)
		if end < 0 {
			return l.unsupported()
		}
		id := l.s[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		if !l.eat(")") {
			return l.unsupported()
		}
		ix := e.ix
		if ix == nil {
			ix = Index(e.doc)
			e.ix = ix
		}
		el, err := ix.Lookup(id)
		if err != nil {
			return err
		}
		set.roots[el] = true
		return nil
	}
	l.skipSpace()
	if !strings.HasPrefix(l.s[l.pos:], "/") {
		return l.unsupported()
	}
	// Context: the document node. Steps: "/" child, "//" descendant.
	var ctx []*etree.Element
	atDoc := true
	for steps := 0; ; steps++ {
		if steps == maxXPathSteps {
			return limitErr("XPath path with more than %d steps", maxXPathSteps)
		}
		desc := false
		switch {
		case l.eat("//"):
			desc = true
		case l.eat("/"):
		default:
			for _, el := range ctx {
				set.roots[el] = true
			}
			return nil
		}
		l.skipSpace()
		if !desc && atDoc && (l.pos == len(l.s) || l.s[l.pos] == '|') {
			set.doc = true // "/": the whole document
			set.roots[e.doc.Root()] = true
			return nil
		}
		n, err := l.nameTest()
		if err != nil {
			return err
		}
		if n.first {
			return l.unsupported()
		}
		var next []*etree.Element
		seen := map[*etree.Element]bool{}
		add := func(el *etree.Element) {
			if n.matches(el) && !seen[el] {
				seen[el] = true
				next = append(next, el)
			}
		}
		if atDoc {
			if desc {
				walkElements(e.doc.Root(), add)
			} else {
				add(e.doc.Root())
			}
		} else if desc {
			// Each element is visited once per step: a context inside
			// an already walked subtree adds nothing new.
			walked := map[*etree.Element]bool{}
			var walk func(*etree.Element)
			walk = func(el *etree.Element) {
				for _, c := range el.ChildElements() {
					if walked[c] {
						continue
					}
					walked[c] = true
					add(c)
					walk(c)
				}
			}
			for _, c := range ctx {
				walk(c)
			}
		} else {
			for _, c := range ctx {
				for _, ch := range c.ChildElements() {
					add(ch)
				}
			}
		}
		ctx, atDoc = next, false
	}
}
