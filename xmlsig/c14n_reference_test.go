package xmlsig

import (
	"bufio"
	"io"
	"sort"
	"strings"

	"github.com/beevik/etree"
)

// The straightforward canonicalizer hpki used before the namespace scope
// became an undo stack: each element copies and compares the whole
// namespace scope (O(elements x in-scope namespaces)). It is kept, for
// tests only, as the reference the streaming canonicalizer must equal
// byte for byte in every mode.

type refCanonicalizer struct {
	w         *bufio.Writer
	mode      c14nMode
	comments  bool
	inclusive map[string]bool // exclusive c14n: InclusiveNamespaces prefixes ("" for #default)
	exclude   *etree.Element
}

// canonicalizeTo writes the canonical form of the subtree of el (without
// exclude and its subtree, when set) to w. When doc is set, el is its root
// and the whole document is canonicalized (with the processing
// instructions, and comments when asked, outside the root element).
func refCanonicalizeTo(w io.Writer, el *etree.Element, doc *etree.Document, exclude *etree.Element, alg, prefixList string, keepComments bool) error {
	mode, comments, err := c14nAlgorithm(alg)
	if err != nil {
		return err
	}
	c := &refCanonicalizer{w: bufio.NewWriterSize(w, 32<<10), mode: mode, comments: comments && keepComments, exclude: exclude}
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
	if doc != nil {
		after := false
		for _, tok := range doc.Child {
			switch t := tok.(type) {
			case *etree.Element:
				if err := c.element(t, scope, map[string]string{}, xmlAttrs); err != nil {
					return err
				}
				after = true
			case *etree.ProcInst:
				if t.Target == "xml" {
					continue
				}
				if after {
					c.w.WriteByte('\n')
				}
				refProcInst(c.w, t)
				if !after {
					c.w.WriteByte('\n')
				}
			case *etree.Comment:
				if !c.comments {
					continue
				}
				if after {
					c.w.WriteByte('\n')
				}
				refComment(c.w, t)
				if !after {
					c.w.WriteByte('\n')
				}
			}
		}
	} else if err := c.element(el, scope, map[string]string{}, xmlAttrs); err != nil {
		return err
	}
	return c.w.Flush()
}

type refNSDecl struct{ prefix, uri string }

type refAttrOut struct {
	ns  string
	a   etree.Attr
	key string
}

// element writes el. scope holds the namespaces in scope at el's parent,
// rendered those declared by el's output ancestors. Neither is modified.
func (c *refCanonicalizer) element(el *etree.Element, scope, rendered map[string]string, extra []etree.Attr) error {
	// Namespaces in scope at el.
	own := false
	for _, a := range el.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			own = true
			break
		}
	}
	if own {
		next := make(map[string]string, len(scope)+2)
		for k, v := range scope {
			next[k] = v
		}
		for _, a := range el.Attr {
			switch {
			case a.Space == "xmlns":
				if a.Key == "xmlns" || (a.Key == "xml" && a.Value != nsXML) {
					return formatErr("reserved namespace prefix %q redeclared", a.Key)
				}
				next[a.Key] = a.Value
			case a.Space == "" && a.Key == "xmlns":
				next[""] = a.Value
			}
		}
		scope = next
	}
	lookup := func(prefix string) (string, error) {
		if prefix == "xml" {
			return nsXML, nil
		}
		uri, ok := scope[prefix]
		if !ok && prefix != "" {
			return "", formatErr("undeclared namespace prefix %q on element %s", prefix, el.FullTag())
		}
		return uri, nil
	}
	// Attributes (not namespace declarations), sorted by namespace URI
	// then local name.
	var attrs []refAttrOut
	utilized := map[string]bool{el.Space: true}
	for _, list := range [][]etree.Attr{el.Attr, extra} {
		for _, a := range list {
			if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
				continue
			}
			ns := ""
			if a.Space != "" {
				var err error
				if ns, err = lookup(a.Space); err != nil {
					return err
				}
				utilized[a.Space] = true
			}
			attrs = append(attrs, refAttrOut{ns: ns, a: a, key: a.Key})
		}
	}
	if _, err := lookup(el.Space); err != nil {
		return err
	}
	sort.Slice(attrs, func(i, j int) bool {
		if attrs[i].ns != attrs[j].ns {
			return attrs[i].ns < attrs[j].ns
		}
		return attrs[i].key < attrs[j].key
	})
	// Namespace declarations to render.
	var decls []refNSDecl
	consider := func(prefix string) {
		if prefix == "xml" {
			return
		}
		uri := scope[prefix]
		have, ok := rendered[prefix]
		if prefix == "" {
			if uri == have {
				return
			}
		} else if ok && have == uri || uri == "" {
			return
		}
		decls = append(decls, refNSDecl{prefix, uri})
	}
	if c.mode == c14nExclusive {
		for p := range utilized {
			consider(p)
		}
		for p := range c.inclusive {
			if _, inScope := scope[p]; inScope && !utilized[p] {
				consider(p)
			}
		}
	} else {
		for p := range scope {
			consider(p)
		}
		if _, ok := scope[""]; !ok {
			consider("")
		}
	}
	sort.Slice(decls, func(i, j int) bool { return decls[i].prefix < decls[j].prefix })
	if len(decls) > 0 {
		next := make(map[string]string, len(rendered)+len(decls))
		for k, v := range rendered {
			next[k] = v
		}
		for _, d := range decls {
			next[d.prefix] = d.uri
		}
		rendered = next
	}
	w := c.w
	w.WriteByte('<')
	w.WriteString(el.FullTag())
	for _, d := range decls {
		if d.prefix == "" {
			w.WriteString(` xmlns="`)
		} else {
			w.WriteString(` xmlns:`)
			w.WriteString(d.prefix)
			w.WriteString(`="`)
		}
		refEscapeAttr(w, d.uri)
		w.WriteByte('"')
	}
	for _, a := range attrs {
		w.WriteByte(' ')
		w.WriteString(a.a.FullKey())
		w.WriteString(`="`)
		refEscapeAttr(w, a.a.Value)
		w.WriteByte('"')
	}
	w.WriteByte('>')
	for _, tok := range el.Child {
		switch t := tok.(type) {
		case *etree.Element:
			if t == c.exclude {
				continue
			}
			if err := c.element(t, scope, rendered, nil); err != nil {
				return err
			}
		case *etree.CharData:
			refEscapeText(w, t.Data)
		case *etree.Comment:
			if c.comments {
				refComment(c.w, t)
			}
		case *etree.ProcInst:
			refProcInst(c.w, t)
		}
	}
	w.WriteString("</")
	w.WriteString(el.FullTag())
	w.WriteByte('>')
	return nil
}

// The reference canonicalizer writes with the escape tables of c14n.go.
func refEscapeText(w *bufio.Writer, s string) { w.Write(appendEscaped(nil, s, textEscapes)) }
func refEscapeAttr(w *bufio.Writer, s string) { w.Write(appendEscaped(nil, s, attrEscapes)) }

func refComment(w *bufio.Writer, t *etree.Comment) {
	w.WriteString("<!--" + t.Data + "-->")
}

func refProcInst(w *bufio.Writer, t *etree.ProcInst) {
	w.WriteString("<?" + t.Target)
	if t.Inst != "" {
		w.WriteString(" " + t.Inst)
	}
	w.WriteString("?>")
}
