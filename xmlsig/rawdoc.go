package xmlsig

import "github.com/beevik/etree"

// Where the elements of a document read by the fast parser lie in its
// text, so that the canonicalizer can copy the bytes it would otherwise
// rebuild: a start tag already written as Canonical XML writes it (its
// namespace declarations, when it needs any, go after its name), and a
// whole subtree whose text is its own canonical form. The records are
// compact, free of pointers (the garbage collector neither scans them nor
// slows their writing) and in document order (an element's subtree is the
// records up to its after index). The canonicalizer uses them only for a
// tree whose root is the one parsed, and each only for an element of the
// same name at the same place in document order, so a tree the records do
// not describe (a copy, another document) is canonicalized from the tree.

// rawElement is where one element lies in the document's text.
type rawElement struct {
	// start is the offset of its '<', tagEnd the offset after its start
	// tag, end the offset after its end tag (tagEnd for <a/>).
	start, tagEnd, end int32
	// bits holds the flags below and, under them, the index of the first
	// record after its subtree (16 bytes a record in all).
	bits uint32
}

// after returns the index of the first record after r's subtree.
func (r *rawElement) after() int { return int(r.bits & rawAfterMask) }

// has reports whether r has flag.
func (r *rawElement) has(flag uint32) bool { return r.bits&flag != 0 }

// rawAfterMask keeps the index in rawElement.bits (MaxNodes keeps the
// number of elements far below 2^28).
const rawAfterMask = 1<<28 - 1

const (
	// rawTagSyntax: the start tag is written as Canonical XML writes its
	// tags, but for the namespace declarations after the name, the order
	// of the attributes and, for <a/>, the '/': one space before each
	// attribute, none around '=' and before '>', double quotes, values
	// that escape to themselves, no namespace declaration.
	rawTagSyntax uint32 = 1 << (28 + iota)
	// rawTagCanonical: rawTagSyntax, and the attributes are in no
	// namespace and sorted by name.
	rawTagCanonical
	// rawSelfClosing: the element is written <a/>.
	rawSelfClosing
	// rawVerbatim: the text of the subtree, start to end, is its
	// canonical form wherever its default namespace needs no declaration
	// (no prefix, no namespace declaration, no comment or processing
	// instruction, no <a/>, text that escapes to itself; see
	// canonicalizer.children).
	rawVerbatim
)

// rawDoc is the text of a document, its root and the records of its
// elements.
type rawDoc struct {
	s    string
	root *etree.Element
	els  []rawElement
}

// describes reports whether r is the record of an element named as el.
func (d *rawDoc) describes(r *rawElement, el *etree.Element) bool {
	name := d.s[r.start+1 : r.tagEnd]
	if el.Space != "" {
		if len(name) <= len(el.Space) || name[len(el.Space)] != ':' || name[:len(el.Space)] != el.Space {
			return false
		}
		name = name[len(el.Space)+1:]
	}
	if len(name) < len(el.Tag) || name[:len(el.Tag)] != el.Tag {
		return false
	}
	// The name ends there: '>', '/' or white space follows.
	if len(name) > len(el.Tag) {
		switch name[len(el.Tag)] {
		case '>', '/', ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}

// index returns the index of el's record, or -1 when el is not an
// element of the tree the records describe. It walks from the root down
// el's ancestors, skipping whole subtrees of earlier siblings.
func (r *rawDoc) index(el *etree.Element) int {
	var chain []*etree.Element
	for e := el; e != nil && e.Parent() != nil; e = e.Parent() {
		chain = append(chain, e)
	}
	if len(chain) == 0 || len(r.els) == 0 || r.root != chain[len(chain)-1] {
		return -1
	}
	idx := 0
	for i := len(chain) - 2; i >= 0; i-- {
		parent, want := chain[i+1], chain[i]
		j, found := idx+1, false
		for _, t := range parent.Child {
			c, ok := t.(*etree.Element)
			if !ok {
				continue
			}
			if j >= len(r.els) || !r.describes(&r.els[j], c) {
				return -1
			}
			if c == want {
				found = true
				break
			}
			j = r.els[j].after()
		}
		if !found {
			return -1
		}
		idx = j
	}
	return idx
}
