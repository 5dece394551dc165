package xmlsig

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/hpki-jp/hpki/internal/cms/cmstest"
)

// NamespaceHeavyDocument builds the worst case of namespace handling in
// canonicalization: depth nested <W> wrappers each declaring perWrapper
// namespaces (depth·perWrapper in scope), around a <PrescriptionData
// Id="PrescriptionData"> element with m empty children. When declare is
// set each child also declares a namespace of its own (which a
// canonicalizer copying the scope per declaring element pays for; Parse's
// MaxNamespaceDecls bounds how many such children a document has). With
// depth 16 and perWrapper 255 it is the document of the inclusive-C14N
// cost finding: 4,080 namespaces in scope, under the limits of Parse.
func NamespaceHeavyDocument(depth, perWrapper, m int, declare bool) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Document xmlns="urn:example:hpki:eprescription:sample">`)
	for j := 0; j < depth; j++ {
		b.WriteString("<W")
		for i := 0; i < perWrapper; i++ {
			fmt.Fprintf(&b, ` xmlns:p%d_%d="urn:n%d_%d"`, j, i, j, i)
		}
		b.WriteString(">")
	}
	b.WriteString(`<PrescriptionData Id="PrescriptionData">`)
	child := "<a/>"
	if declare {
		child = `<a xmlns:z="urn:z"/>`
	}
	for i := 0; i < m; i++ {
		b.WriteString(child)
	}
	b.WriteString("</PrescriptionData>")
	for j := 0; j < depth; j++ {
		b.WriteString("</W>")
	}
	b.WriteString("</Document>")
	return b.Bytes()
}

// allC14N lists every supported canonicalization.
var allC14N = []string{AlgC14N10, AlgC14N10Comments, AlgC14N11, AlgC14N11Comments, AlgExcC14N, AlgExcC14NComments}

// Canonicalization of the prescription element costs its size, not its
// size times the namespaces in scope, in every mode (an exclusive
// InclusiveNamespaces list included): scale s puts s wrappers of 255
// declarations around 2,000·s elements, so a canonicalizer comparing the
// whole scope per element grows 256-fold at 16x.
func TestCanonicalizeNamespaceCostLinear(t *testing.T) {
	for _, alg := range []string{AlgC14N10, AlgC14N11, AlgExcC14N} {
		{
			t.Run(alg[strings.LastIndex(alg, "/")+1:], func(t *testing.T) {
				cmstest.AssertLinear(t, "c14n", func(scale int) []byte {
					return NamespaceHeavyDocument(scale, 255, 2000*scale, false)
				}, func(in []byte) {
					doc, err := Parse(in)
					if err != nil {
						t.Fatal(err)
					}
					el, err := Index(doc).Lookup("PrescriptionData")
					if err != nil {
						t.Fatal(err)
					}
					if err := ReferenceData(discard{}, doc, el, nil, false, alg, "p0_0 p3_7 #default"); err != nil {
						t.Fatal(err)
					}
				})
			})
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// trickyNamespaceDocs exercise the namespace rules of canonicalization:
// redeclarations to the same and other URIs, default namespace undeclared
// and redeclared, prefixes used only by attributes, xml:* inheritance,
// InclusiveNamespaces prefixes declared above and below the apex.
var trickyNamespaceDocs = []string{
	`<a xmlns="urn:x" xmlns:p="urn:p"><p:b p:c="1" d="&lt;2"><!-- c --><e xmlns="">t&amp;</e></p:b></a>`,
	`<r xmlns:p="urn:p" xmlns:q="urn:q" xml:lang="ja"><s xmlns:p="urn:p"><t xmlns:p="urn:p2" q:x="1"><u xmlns:p="urn:p"/></t></s></r>`,
	`<r xmlns="urn:d"><s xmlns=""><t xmlns="urn:d"><u xmlns=""/></t></s><v xmlns="urn:e" xmlns:d="urn:d"><d:w/></v></r>`,
	`<r xmlns:a="urn:a" xmlns:b="urn:b" xml:space="preserve" xml:base="http://x/"><s Id="s" xmlns:c="urn:c" a:z="1"><b:t xmlns:a="urn:a2"><c:u a:y="2"/></b:t></s></r>`,
	`<?pi before?><!-- c0 --><r xmlns:p="urn:p"><p:s xmlns:p="urn:p"><p:t xmlns:p="urn:q"/></p:s><x xmlns=""/></r><!-- c1 --><?pi after?>`,
	`<r xmlns="urn:d" xmlns:p="urn:p"><s><t xmlns:p="urn:p"><p:u xmlns="urn:d"/></t></s></r>`,
	// Attributes in no namespace, in and out of order, below the apex.
	`<r xmlns:p="urn:p" a="0"><s z="1" a="2" m="&#9;&lt;"><p:t b="" a="x" ab="y"><u c="1" d="2"/><p:v xmlns="urn:e" y="1" x="2"/></p:t></s></r>`,
}

// The streaming canonicalizer equals the reference one (the straight
// per-element scope copy) byte for byte, errors included, on every
// element of the sample documents, the tricky documents and the
// namespace-heavy worst case, in every mode, with and without an
// InclusiveNamespaces list.
func TestCanonicalizeMatchesReference(t *testing.T) {
	docs := map[string][]byte{"heavy": NamespaceHeavyDocument(3, 5, 3, true)}
	for i, s := range trickyNamespaceDocs {
		docs[fmt.Sprintf("tricky%d", i)] = []byte(s)
	}
	files, _ := filepath.Glob("../testdata/xml/*.xml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = data
	}
	if len(files) == 0 {
		t.Fatal("no sample documents")
	}
	for i, s := range rawCases {
		docs[fmt.Sprintf("raw%d", i)] = []byte(s)
	}
	for name, data := range docs {
		doc, err := Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkSameAsReference(t, name, doc, nil)
		checkSameAsReferenceRaw(t, name, data)
	}
}

// rawCases are documents whose text is partly canonical already: the
// canonicalizer copies those parts from the text (rawdoc.go).
var rawCases = []string{
	`<a><b x="1" y="2">t</b><c/><d y="2" x="1">u</d><e  x="1">v</e><f x='1'>w</f><g x="1" >x</g><h>y</h ></a>`,
	`<a xmlns="urn:a"><b><c x="1">t</c></b><d xmlns=""><e>u</e></d><f xmlns="urn:f"><g>v</g></f></a>`,
	`<p:a xmlns:p="urn:p"><b>t<c>u</c></b><p:d x="1"><e/></p:d><f x="&amp;">g&amp;h</f><i>j&gt;k</i><l>m>n</l><o x="a	b">p</o></p:a>`,
	"<a><b>x\r\ny</b><c><!-- c --><d>e</d></c><f><?pi x?><g>h</g></f><i xml:lang=\"ja\"><j>k</j></i><l xmlns:q=\"urn:q\"><m q:x=\"1\">n</m></l></a>",
	`<?xml version="1.0"?><a xmlns="urn:a" xmlns:s="urn:s"><b><c>d</c><s:e><f>g</f></s:e></b><h><i><j>k</j></i><l>m</l></h></a>`,
	`<a><b><c><d>1</d><e>2</e></c><f><g>3</g></f></b><h>4</h></a>`,
	`<a xmlns:p="urn:p" xmlns:q="urn:a"><b x="1" p:y="2" q:z="3">t</b><c p:y="2" x="1"/><d q:z="3" p:y="2"/><e x="1" q:z="&amp;"/><p:f p:y="1"><g/></p:f></a>`,
	// Text whose bytes and canonical form differ: character references
	// in attributes and text, quotes, CDATA, comments, PIs, xmlns="".
	`<a><b x="a&#9;b">t</b><c x="a&#10;b">u</c><d x="a&#13;b">v</d><e x="a&quot;b">w</e><f x='a"b'>x</f><g x="&lt;&gt;">y</g><h>a&#13;b&#9;c&#x41;</h></a>`,
	`<a xmlns="urn:a"><b><![CDATA[x<y&z]]></b><c><!--k--><d>e</d><?pi  x ?></c><f xmlns=""><g xmlns="">h</g></f><i xmlns="urn:a"><j/></i></a>`,
	`<a xml:lang="ja" xml:space="preserve"><b xml:lang="en"><c xml:base="x/">d</c></b><e xmlns:p="urn:p" p:q=" 1 "><f>  g  </f></e></a>`,
}

// checkSameAsReferenceRaw: with the records of ParseSurveyed, the
// canonicalizer writes what the reference canonicalizer writes.
func checkSameAsReferenceRaw(t testing.TB, name string, data []byte) {
	doc, sv, release, err := ParseSurveyed(data)
	if err != nil {
		return
	}
	defer release()
	if sv.IX.raw == nil {
		return
	}
	checkSameAsReference(t, name+" (from the text)", doc, sv.IX.raw)
}

// checkSameAsReference compares the canonicalizer, given raw (nil: none),
// with the reference one.
func checkSameAsReference(t testing.TB, name string, doc *etree.Document, raw *rawDoc) {
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for _, alg := range allC14N {
			for _, prefixes := range []string{"", "p q #default a b c d"} {
				for _, whole := range []bool{false, true} {
					if whole && el != doc.Root() {
						continue
					}
					var d *etree.Document
					if whole {
						d = doc
					}
					for _, exclude := range []*etree.Element{nil, firstChildElement(el), firstChildElement(firstChildElement(el))} {
						var got, want bytes.Buffer
						err := canonicalizeTo(&got, el, d, exclude, raw, alg, prefixes, true)
						werr := refCanonicalizeTo(&want, el, d, exclude, alg, prefixes, true)
						if (err == nil) != (werr == nil) || !bytes.Equal(got.Bytes(), want.Bytes()) {
							t.Fatalf("%s: %s (%s %q whole=%v exclude=%v):\n got %s (%v)\nwant %s (%v)", name, el.Tag, alg, prefixes, whole, exclude != nil, got.Bytes(), err, want.Bytes(), werr)
						}
					}
				}
			}
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(doc.Root())
}

func firstChildElement(el *etree.Element) *etree.Element {
	if el == nil {
		return nil
	}
	if c := el.ChildElements(); len(c) > 0 {
		return c[0]
	}
	return nil
}

func FuzzCanonicalizeReference(f *testing.F) {
	for _, s := range trickyNamespaceDocs {
		f.Add([]byte(s))
	}
	f.Add(NamespaceHeavyDocument(2, 3, 2, true))
	for _, s := range rawCases {
		f.Add([]byte(s))
	}
	// The documents of the xmlsec1 differential test, signature included.
	for _, s := range xmlsecDocs {
		f.Add([]byte(strings.Replace(s, "SIG", xmlsecTemplate(xmlsecCase{AlgC14N10, "", "", true}), 1)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fast parse builds the tree the reference parse builds.
		checkFastParse(t, data)
		doc, err := Parse(data)
		if err != nil {
			return
		}
		checkSameAsReference(t, "fuzz", doc, nil)
		checkSameAsReferenceRaw(t, "fuzz", data)
		checkSurvey(t, "fuzz", doc)
	})
}

// With the records of ParseSurveyed, the canonical form of text that is
// already canonical is copied from the text, not rebuilt from the tree: a
// tree changed after parsing (which the records' contract forbids) shows
// it. Whole subtrees are copied, and the start tags of others.
func TestCanonicalizeCopiesFromText(t *testing.T) {
	const doc = `<r xmlns="urn:r" xmlns:p="urn:p"><a x="1"><b y="2">t</b></a><c z="3"/><d w="4">u<!-- c --></d><e/><f x="5" p:y="6"/></r>`
	for _, tc := range []struct {
		name, want string // inclusive; exclusive mode declares p on f, not r
		change     func(r *etree.Element)
	}{
		{"subtree", `<r xmlns="urn:r" xmlns:p="urn:p"><a x="1"><b y="2">t</b></a><c z="3"></c><d w="4">u</d><e></e><f x="5" p:y="6"></f></r>`, func(r *etree.Element) {
			b := r.FindElement("a/b")
			b.Attr[0].Value = "changed"
			b.SetText("changed")
		}},
		{"start tags", `<r xmlns="urn:r" xmlns:p="urn:p"><a x="1"><b y="2">t</b></a><c z="3"></c><d w="4">changed</d><e></e><f x="5" p:y="6"></f></r>`, func(r *etree.Element) {
			r.SelectElement("c").Attr[0].Value = "changed"
			r.SelectElement("f").Attr[1].Value = "changed"
			d := r.SelectElement("d")
			d.Attr[0].Value = "changed"
			d.SetText("changed")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, sv, release, err := ParseSurveyed([]byte(doc))
			if err != nil || sv.IX.raw == nil {
				t.Fatalf("%v, records %v", err, sv.IX.raw != nil)
			}
			defer release()
			tc.change(d.Root())
			for _, alg := range []string{AlgC14N10, AlgExcC14N} {
				var b bytes.Buffer
				if err := canonicalizeTo(&b, d.Root(), d, nil, sv.IX.raw, alg, "", false); err != nil {
					t.Fatal(err)
				}
				want := tc.want
				if alg == AlgExcC14N {
					want = strings.NewReplacer(` xmlns:p="urn:p">`, ">", "<f ", `<f xmlns:p="urn:p" `).Replace(want)
				}
				if b.String() != want {
					t.Fatalf("%s: got %s, want %s", alg, b.String(), want)
				}
			}
		})
	}
}
