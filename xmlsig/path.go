package xmlsig

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// Path returns the absolute location of el in its document, one step per
// element from the root: "/Q{ns}local[n]" (the EQName of XPath 3.0, so
// that the namespace is stated and no prefix binding can make two
// different elements look alike), or "/local[n]" for an element in no
// namespace; n counts the element among its siblings of the same expanded
// name, from 1. Example: /Q{urn:x}Document[1]/Q{urn:x}PrescriptionData[1].
func Path(el *etree.Element) string {
	var steps []string
	for e := el; e != nil; e = e.Parent() {
		if e.Parent() == nil && e.Tag == "" {
			break // the document node of etree
		}
		ns, local := NS(e), e.Tag
		n := 1
		if p := e.Parent(); p != nil {
			for _, s := range p.ChildElements() {
				if s == e {
					break
				}
				if s.Tag == local && NS(s) == ns {
					n++
				}
			}
		}
		step := local + "[" + strconv.Itoa(n) + "]"
		if ns != "" {
			step = "Q{" + ns + "}" + step
		}
		steps = append(steps, step)
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(steps[i])
	}
	return b.String()
}

// PathStep is one step of a simple absolute path (see ParsePath).
type PathStep struct {
	// NS is the namespace, or "*" when the step gave none (any namespace).
	NS    string
	Local string
	// Pos is the 1-based position among same-named siblings, 0 for all.
	Pos int
}

// ParsePath parses a simple absolute path: steps "/name", "/name[n]",
// "/Q{namespace}name" or "/Q{namespace}name[n]", and nothing else (no
// wildcards, predicates, axes or functions: this is not XPath). A step
// without Q{…} matches the local name in any namespace.
func ParsePath(p string) ([]PathStep, error) {
	if !strings.HasPrefix(p, "/") || len(p) < 2 {
		return nil, fmt.Errorf("path %q: not an absolute path such as /Document/PrescriptionData", p)
	}
	var steps []PathStep
	rest := p
	for rest != "" {
		if rest[0] != '/' {
			return nil, fmt.Errorf("path %q: expected / at %q", p, rest)
		}
		rest = rest[1:]
		st := PathStep{NS: "*"}
		if strings.HasPrefix(rest, "Q{") {
			end := strings.IndexByte(rest, '}')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unterminated Q{", p)
			}
			st.NS, rest = rest[2:end], rest[end+1:]
		}
		end := strings.IndexAny(rest, "/[")
		if end < 0 {
			end = len(rest)
		}
		st.Local, rest = rest[:end], rest[end:]
		if st.Local == "" || strings.ContainsAny(st.Local, "*:@(){}]= ") {
			return nil, fmt.Errorf("path %q: step %q is not a plain element name", p, st.Local)
		}
		if strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, fmt.Errorf("path %q: unterminated [", p)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("path %q: position %q is not a number from 1", p, rest[1:end])
			}
			st.Pos, rest = n, rest[end+1:]
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// Select returns the elements of doc at the location steps describe.
func Select(doc *etree.Document, steps []PathStep) []*etree.Element {
	if len(steps) == 0 || doc.Root() == nil {
		return nil
	}
	match := func(e *etree.Element, st PathStep) bool {
		return e.Tag == st.Local && (st.NS == "*" || st.NS == NS(e))
	}
	var cur []*etree.Element
	if match(doc.Root(), steps[0]) && steps[0].Pos <= 1 {
		cur = []*etree.Element{doc.Root()}
	}
	for _, st := range steps[1:] {
		var next []*etree.Element
		for _, p := range cur {
			n := 0
			for _, c := range p.ChildElements() {
				if !match(c, st) {
					continue
				}
				n++
				if st.Pos == 0 || st.Pos == n {
					next = append(next, c)
				}
			}
		}
		cur = next
	}
	return cur
}
