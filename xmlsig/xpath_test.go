package xmlsig

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

const xpathDoc = `<r xmlns="urn:r" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:p="urn:r">` +
	`<a Id="a1"><b/></a><a Id="a2" x="1"/><c><a Id="a3"/></c>` +
	`<ds:Signature Id="s"><ds:SignedInfo><ds:Reference><ds:Transforms><ds:Transform><ds:XPath/></ds:Transform></ds:Transforms></ds:Reference></ds:SignedInfo></ds:Signature></r>`

func xpathFixture(t testing.TB) (*etree.Document, *xpathEnv) {
	doc, err := Parse([]byte(xpathDoc))
	if err != nil {
		t.Fatal(err)
	}
	sig := doc.Root().SelectElement("Signature")
	ctx := doc.FindElement("//XPath")
	return doc, &xpathEnv{doc: doc, ix: Index(doc), ctx: ctx, sig: sig}
}

func setNames(set map[*etree.Element]bool) string {
	var out []string
	for el := range set {
		name := el.Tag
		if id := el.SelectAttrValue("Id", ""); id != "" {
			name += "#" + id
		}
		out = append(out, name)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func TestXPathFilter2Subset(t *testing.T) {
	_, env := xpathFixture(t)
	tests := []struct{ expr, want string }{
		{"/", "r"},
		{"//p:a", "a#a1,a#a2,a#a3"},
		{"//p:a[@Id='a2']", "a#a2"},
		{`//p:a[@x="1"]`, "a#a2"},
		{"/p:r/p:a", "a#a1,a#a2"},
		{"/p:r/p:c//p:a", "a#a3"},
		{"//p:c | /p:r/p:a[@Id='a1']", "a#a1,c"},
		{"here()/ancestor::ds:Signature[1]", "Signature#s"},
		{"id('a3')", "a#a3"},
		{"//p:*[@Id='a1']", "a#a1"},
		{"//a", ""}, // unprefixed: no namespace
	}
	for _, tc := range tests {
		set, err := compileXPath2(tc.expr, env)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := setNames(set.roots); got != tc.want {
			t.Errorf("%s: selected %q, want %q", tc.expr, got, tc.want)
		}
	}
	for _, expr := range []string{
		"//p:a[2]", "//p:a[@Id!='a1']", "//text()", "count(//p:a)", "//p:a/..", "ancestor::p:a",
		"//p:a[@Id='a1' or @Id='a2']", "", "here()", "id(concat('a','1'))", "//p:a | ",
	} {
		if _, err := compileXPath2(expr, env); err == nil || !errors.Is(err, ErrFormat) {
			t.Errorf("%q: accepted (%v)", expr, err)
		}
	}
	if _, err := compileXPath2("//q:a", env); err == nil {
		t.Error("an undeclared prefix was accepted")
	}
	if _, err := compileXPath2(strings.Repeat("/p:a", maxXPathSteps+1), env); !errors.Is(err, ErrLimit) {
		t.Errorf("too many steps: %v", err)
	}
	if _, err := compileXPath2(strings.Repeat("x", maxXPathLen+1), env); !errors.Is(err, ErrLimit) {
		t.Errorf("too long: %v", err)
	}
}

func TestXPathTransformSubset(t *testing.T) {
	_, env := xpathFixture(t)
	tests := []struct{ expr, want string }{
		{"not(ancestor-or-self::ds:Signature)", "subtract Signature#s"},
		{"ancestor-or-self::p:c", "intersect c"},
		{"not(ancestor-or-self::ds:Signature) and not(ancestor-or-self::p:a[@Id='a1'])", "subtract Signature#s;subtract a#a1"},
		{"count(ancestor-or-self::ds:Signature | here()/ancestor::ds:Signature[1]) > count(ancestor-or-self::ds:Signature)", "subtract Signature#s"},
	}
	for _, tc := range tests {
		ops, err := compileXPath1(tc.expr, env)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		var parts []string
		for _, op := range ops {
			parts = append(parts, op.kind+" "+setNames(op.set.roots))
		}
		if got := strings.Join(parts, ";"); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.expr, got, tc.want)
		}
	}
	for _, expr := range []string{
		"not(ancestor-or-self::ds:Signature) or true()", "self::text()", "1", "not(ancestor::ds:Signature)",
		"ancestor-or-self::ds:Signature[1]", "not(ancestor-or-self::ds:Signature", "not(ancestor-or-self::ds:Signature) andnot(ancestor-or-self::p:a)",
		"count(ancestor-or-self::x:Signature | here()/ancestor::x:Signature[1]) > count(ancestor-or-self::x:Signature)",
	} {
		if _, err := compileXPath1(expr, env); err == nil {
			t.Errorf("%q: accepted", expr)
		}
	}
}

// Node-sets with holes (an element left out, a descendant kept) are
// refused rather than canonicalized loosely.
func TestNodeSetWithHoleRefused(t *testing.T) {
	doc, env := xpathFixture(t)
	sub, _ := compileXPath2("//p:c", env)
	uni, _ := compileXPath2("//p:a[@Id='a3']", env)
	ns := &nodeSet{doc: doc, ops: []setOp{{kind: "subtract", set: sub}, {kind: "union", set: uni}}}
	if _, err := ns.resolve(); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("hole: %v", err)
	}
}

func FuzzXPathSubset(f *testing.F) {
	for _, s := range []string{"not(ancestor-or-self::ds:Signature)", "//p:a[@Id='a1'] | /", "here()/ancestor::ds:Signature[1]", "id('a1')", "ancestor-or-self::p:*"} {
		f.Add(s)
	}
	_, env := xpathFixture(f)
	f.Fuzz(func(t *testing.T, expr string) {
		compileXPath1(expr, env)
		compileXPath2(expr, env)
	})
}

// Each reference transformed as a node-set of the document costs a walk
// of it: past MaxNodeSetReferences of them, ErrLimit, not unbounded work.
func TestNodeSetReferencesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<d><e Id="x">dGV4dA==</e><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>`)
	for i := 0; i <= MaxNodeSetReferences; i++ {
		b.WriteString(`<ds:Reference URI="#x"><ds:Transforms><ds:Transform Algorithm="` + AlgBase64 + `"/></ds:Transforms><ds:DigestMethod Algorithm="` + AlgSHA256 + `"/><ds:DigestValue>AAAA</ds:DigestValue></ds:Reference>`)
	}
	b.WriteString(`</ds:SignedInfo></ds:Signature></d>`)
	doc, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	c := NewChecker(doc, Index(doc), nil)
	sig := doc.Root().SelectElement("Signature")
	refs := Find(doc.Root(), NSDSig, "Reference")
	for i, ref := range refs {
		_, err := c.Check(ref, sig)
		if i < MaxNodeSetReferences && err != nil {
			t.Fatalf("reference %d: %v", i, err)
		}
		if i == MaxNodeSetReferences && !errors.Is(err, ErrLimit) {
			t.Fatalf("reference %d: %v, want ErrLimit", i, err)
		}
	}
}
