package verify

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"

	"github.com/hpki-jp/hpki/xmlsig"
)

// Layout is a known XML document layout: when a document's root element is
// Root in namespace NS, every XAdES signature in it must cover Require (as
// Options.RequireCovered does).
type Layout struct {
	Name    string
	NS      string
	Root    string
	Require []string
}

// DefaultLayouts is the one table of the layouts whose covered content is
// required by default: the e-prescription layout of testdata/xml (the
// prescription data element beside its signature) and the matching
// dispensing-result layout. A wrapping attack that moves the signed
// element away and puts an unsigned copy at its place fails them.
var DefaultLayouts = []Layout{
	{Name: "e-prescription", NS: "urn:example:hpki:eprescription:sample", Root: "Document", Require: []string{"/Document/PrescriptionData"}},
	{Name: "dispensing", NS: "urn:example:hpki:dispensing:sample", Root: "Document", Require: []string{"/Document/DispensingData"}},
}

// requiredPath is one location a signature must cover.
type requiredPath struct {
	path   string
	steps  []xmlsig.PathStep
	layout string
}

func parseRequiredPaths(paths []string) ([]requiredPath, error) {
	var out []requiredPath
	for _, p := range paths {
		steps, err := xmlsig.ParsePath(p)
		if err != nil {
			return nil, fmt.Errorf("required covered location: %w", err)
		}
		out = append(out, requiredPath{path: p, steps: steps})
	}
	return out, nil
}

// layoutRequirements returns the locations DefaultLayouts requires of doc.
func layoutRequirements(doc *etree.Document) []requiredPath {
	root := doc.Root()
	var out []requiredPath
	for _, l := range DefaultLayouts {
		if root.Tag != l.Root || xmlsig.NS(root) != l.NS {
			continue
		}
		for _, p := range l.Require {
			steps, err := xmlsig.ParsePath(p)
			if err != nil {
				panic("verify: bad DefaultLayouts path " + p)
			}
			out = append(out, requiredPath{path: p, steps: steps, layout: l.Name})
		}
	}
	return out
}

// check returns why sig does not cover rp in doc, or "" when it does.
func (rp requiredPath) check(doc *etree.Document, sig *etree.Element, covered []*etree.Element) string {
	what := "the required location " + rp.path
	if rp.layout != "" {
		what = "the " + rp.layout + " layout's " + rp.path
	}
	els := xmlsig.Select(doc, rp.steps)
	if len(els) == 0 {
		return what + " is not in the document"
	}
	cov := map[*etree.Element]bool{}
	for _, c := range covered {
		if !isInside(c, sig) {
			cov[c] = true
		}
	}
	var bad []string
	for _, el := range els {
		ok := false
		for p := el; p != nil && !ok; p = p.Parent() {
			ok = cov[p]
		}
		if !ok {
			bad = append(bad, xmlsig.Path(el))
		}
	}
	if len(bad) > 0 {
		return what + " is not covered by this signature: " + strings.Join(bad, ", ") + " is not signed (signature wrapping?)"
	}
	return ""
}
