package xmlsig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// sameTree returns a description of the first difference between two
// trees, or "" when they are the same (names, attributes in order, every
// child token with its data, parents and indexes).
func sameTree(a, b *etree.Element, path string) string {
	if a.Space != b.Space || a.Tag != b.Tag {
		return fmt.Sprintf("%s: element %s:%s, want %s:%s", path, a.Space, a.Tag, b.Space, b.Tag)
	}
	path += "/" + a.FullTag()
	if len(a.Attr) != len(b.Attr) {
		return fmt.Sprintf("%s: %d attributes, want %d", path, len(a.Attr), len(b.Attr))
	}
	for i := range a.Attr {
		x, y := a.Attr[i], b.Attr[i]
		if x.Space != y.Space || x.Key != y.Key || x.Value != y.Value || x.Element() != a {
			return fmt.Sprintf("%s: attribute %d %s:%s=%q, want %s:%s=%q", path, i, x.Space, x.Key, x.Value, y.Space, y.Key, y.Value)
		}
	}
	if len(a.Child) != len(b.Child) {
		return fmt.Sprintf("%s: %d children, want %d", path, len(a.Child), len(b.Child))
	}
	for i := range a.Child {
		x, y := a.Child[i], b.Child[i]
		if x.Parent() != a || x.Index() != i {
			return fmt.Sprintf("%s: child %d has the wrong parent or index", path, i)
		}
		switch xt := x.(type) {
		case *etree.Element:
			yt, ok := y.(*etree.Element)
			if !ok {
				return fmt.Sprintf("%s: child %d is an element, want %T", path, i, y)
			}
			if d := sameTree(xt, yt, path); d != "" {
				return d
			}
		case *etree.CharData:
			yt, ok := y.(*etree.CharData)
			if !ok || xt.Data != yt.Data || xt.IsWhitespace() != yt.IsWhitespace() || xt.IsCData() != yt.IsCData() {
				return fmt.Sprintf("%s: child %d text %q, want %#v", path, i, xt.Data, y)
			}
		case *etree.Comment:
			yt, ok := y.(*etree.Comment)
			if !ok || xt.Data != yt.Data {
				return fmt.Sprintf("%s: child %d comment %q, want %#v", path, i, xt.Data, y)
			}
		case *etree.ProcInst:
			yt, ok := y.(*etree.ProcInst)
			if !ok || xt.Target != yt.Target || xt.Inst != yt.Inst {
				return fmt.Sprintf("%s: child %d PI %q %q, want %#v", path, i, xt.Target, xt.Inst, y)
			}
		default:
			return fmt.Sprintf("%s: child %d of type %T", path, i, x)
		}
	}
	return ""
}

// checkFastParse: when the fast path accepts data, the reference path
// accepts it too and builds the same tree. It returns whether the fast
// path decided.
func checkFastParse(t testing.TB, data []byte) bool {
	t.Helper()
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(data) > MaxDocument || checkEncoding(data) != nil {
		return false
	}
	fast, ok := fastParse(data)
	if !ok {
		return false
	}
	ref, err := parseReference(data)
	if err != nil {
		t.Fatalf("the fast path accepts what the reference path refuses (%v):\n%q", err, data)
	}
	if d := sameTree(&fast.Element, &ref.Element, ""); d != "" {
		t.Fatalf("trees differ: %s\n%q", d, data)
	}
	return true
}

// fastParseCases are documents of every shape the fast path handles, and
// some it leaves to the reference path.
var fastParseCases = []string{
	`<d/>`,
	`<?xml version="1.0" encoding="UTF-8"?>` + "\n<d>\n</d>\n",
	`<?xml version='1.0' encoding='utf-8' standalone='yes'?><d/>`,
	`<?xml version="1.0"?><?xml-stylesheet href="a.xsl" type="text/xsl"?><!-- c --><d/><!-- after -->` + "\n",
	`<d xmlns="urn:d" xmlns:p="urn:p" p:a="1" b='2'><p:e xml:lang="ja">テキスト &amp; &lt;&gt;&apos;&quot; &#x41;&#65;&#x1F600;</p:e></d>`,
	"<d a=\"x\r\ny\rz\tw\n\">a\r\nb\rc\r\r\n</d>",
	`<d a="&#13;&#10;&#9;">&#13;` + "\n" + `</d>`,
	"<d a=\"\t\n\r\n\r&#9;&#10;&#13;\" b='x\r\r\ny'>\t\n\r\n\r</d>",
	"<d a=\"\t\n\r\n\r&#9;\"><![CDATA[\t\r\n]]></d>",
	`<d><![CDATA[x<y]]></d>`,
	`<d>]]></d>`,
	`<d>]]&gt;</d>`,
	`<d a="]]>"/>`,
	`<d a="<"/>`,
	`<d>&#0;</d>`,
	`<d>&#xD800;</d>`,
	`<d a="&#xDFFF;"/>`,
	`<d a="&#55296;"><![CDATA[]]></d>`,
	`<d><![CDATA[&#xD800;]]><!-- &#xD800; --><?pi &#xD800;?></d>`,
	`<?xml version="1.0" encoding="UTF-8" encoding="ISO-8859-1"?><d/>`,
	`<?xml version="1.0" encoding="UTF-8" encoding="UTF-8"?><d/>`,
	`<!-- c --><?xml version="1.0"?><d/>`,
	` <?xml version="1.0"?><d/>`,
	`<d xmlns:x="urn:a" xmlns:y="urn:a" x:q="1" y:q="2"/>`,
	`<d xmlns:x="urn:a" xmlns:y="urn:a" x:q="1" y:q="2"><![CDATA[]]></d>`,
	`<d xmlns:x="urn:a" xmlns:y="urn:b" x:q="1" y:q="2"/>`,
	`<d xmlns:x="urn:a" x:q="1" q="2"/>`,
	`<d xmlns:x="urn:a"><e xmlns:y="urn:a" x:q="1" y:q="2"/></d>`,
	`<d xmlns:x="urn:a" xmlns:y="urn:b"><e xmlns:y="urn:a" x:q="1" y:q="2"/></d>`,
	`<d>&#X41;</d>`,
	// Raw characters: U+FFFD, fullwidth and halfwidth forms (EF BF xx
	// others than BE, BF) are characters; U+FFFE, U+FFFF, surrogate
	// halves, overlong and cut sequences, C1 lead bytes and DEL are not
	// (or are, for DEL) as encoding/xml says.
	"<d a=\"\uFFFD\uFFE5\uFF26\uFFC0\">\uFFFD\uFFE5\uFFEE\u007f</d>",
	"<d>\uFFFE</d>",
	"<d a=\"x\uFFFF\"/>",
	"<d>\xef\xbf</d>",
	"<d>\xed\xa0\x80</d>",
	"<d a=\"\xc0\x80\"/>",
	"<d>\xe3\x82</d>",
	"<d>\x80</d>",
	"<d>\x85\xc2\x85</d>",
	"<d>\x7f\x01</d>",
	"<d a=\"\x0b\"/>",
	`<d>&unknown;</d>`,
	`<d>&amp</d>`,
	`<d a="1"b="2"/>`,
	`<d a = "1" ` + "\n" + `/>`,
	`<d></e>`,
	`<p:d xmlns:p="urn:p"></d>`,
	`<d><e xmlns:p="urn:p"/><p:e/></d>`,
	`<d xmlns:p="urn:p"><p:e xmlns:p="urn:q"/><p:e/></d>`,
	`<d xmlns:xmlns="urn:x"/>`,
	`<xmlns:d/>`,
	`<d xmlns:p=""><p:e/></d>`,
	`<d xmlns:p="urn:p"><e xmlns:p=""/></d>`,
	`<d xmlns=""/>`,
	`<d xml:space="preserve"/>`,
	`<:d/>`,
	`<d:/>`,
	`<a:b:c/>`,
	`<d-1 a.b="1" _c="2"/>`,
	`<1d/>`,
	`<d a="1" a="2"/>`,
	`<d p:a="1" xmlns:p="urn:p"/>`,
	`<d><!-- a -- b --></d>`,
	`<d><!-- a ---></d>`,
	`<d><!---></d>`,
	`<d><?pi?><?pi  x ?><?pi$x?></d>`,
	`<?xml version="1.1"?><d/>`,
	`<?xml version="1.0" encoding="ISO-8859-1"?><d/>`,
	`<?xml encoding="UTF-8" version="1.0"?><d/>`,
	` <d/>`,
	"\t\r\n<d/>\r\n",
	`&#32;<d/>`,
	`<d/>x`,
	`<d/><e/>`,
	`<d>`,
	`<d`,
	`<d a="1`,
	`<d/ >`,
	`<d>` + "\x01" + `</d>`,
	`<d>` + "\xEF\xBF\xBE" + `</d>`,
	`<d>` + "\xFF" + `</d>`,
	`<d><!--` + "\xFF" + `--></d>`,
	`<d a="` + "\x00" + `"/>`,
	`<d>` + "\u00A0" + `</d>` + "\u00A0",
	`<日本/>`,
	`<d 属性="1"/>`,
	`<!DOCTYPE d><d/>`,
	`<d` + manyAttrs(fastMaxAttrs) + `/>`,
	`<d` + manyAttrs(fastMaxAttrs+1) + `/>`,
	strings.Repeat("<a>", MaxDepth) + strings.Repeat("</a>", MaxDepth),
	strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1),
}

// The fast path builds the tree the reference path builds, and accepts
// nothing the reference path refuses.
func TestFastParseMatchesReference(t *testing.T) {
	for _, c := range fastParseCases {
		checkFastParse(t, []byte(c))
	}
	for _, name := range []string{"prescription.xml", "cda-referral.xml"} {
		data, err := os.ReadFile("../testdata/xml/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !checkFastParse(t, data) {
			t.Fatalf("%s: the fast path left a sample document to the reference path", name)
		}
	}
	// Parse decides with the fast path or the reference path, never
	// differently: the hostile inputs of TestParseRefusesHostileInput go
	// through it too.
	for _, c := range fastParseCases {
		_, err := Parse([]byte(c))
		_, rerr := parseReference(bytes.TrimPrefix([]byte(c), utf8BOM))
		if (err == nil) != (rerr == nil) || err != nil && err.Error() != rerr.Error() {
			t.Errorf("%q: Parse says %v, the reference path %v", c, err, rerr)
		}
	}
}

// The node budget and the namespace declaration limit are those of Scan,
// counted the same way on the fast path.
func TestFastParseLimits(t *testing.T) {
	for _, doc := range []string{
		"<d>" + strings.Repeat("<e/>", MaxNodes(4*baseUnits)/3) + "</d>",
		"<d>" + strings.Repeat("<e/>", MaxNodes(4*baseUnits)/3+1) + "</d>",
		"<d>" + strings.Repeat(`<e xmlns:p="urn:p"/>`, MaxNamespaceDecls) + "</d>",
		"<d>" + strings.Repeat(`<e xmlns:p="urn:p"/>`, MaxNamespaceDecls+1) + "</d>",
	} {
		checkFastParse(t, []byte(doc))
		_, err := Parse([]byte(doc))
		rerr := Scan([]byte(doc))
		if (err == nil) != (rerr == nil) {
			t.Errorf("document of %d bytes: Parse says %v, Scan %v", len(doc), err, rerr)
		}
	}
}

func FuzzFastParse(f *testing.F) {
	for _, c := range fastParseCases {
		if len(c) < 4096 {
			f.Add([]byte(c))
		}
	}
	for _, s := range xmlsecDocs {
		f.Add([]byte(strings.Replace(s, "SIG", xmlsecTemplate(xmlsecCase{AlgExcC14N, "", "#target", false}), 1)))
	}
	for _, name := range []string{"prescription.xml"} {
		data, err := os.ReadFile("../testdata/xml/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastParse(t, data)
		checkTransient(t, data)
		checkParseSurveyed(t, "fuzz input", data)
	})
}

// checkTransient: ParseTransient decides as Parse does and builds the
// same tree, also from memory a previous tree was released to.
func checkTransient(t testing.TB, data []byte) {
	t.Helper()
	want, werr := Parse(data)
	for range 2 {
		got, release, err := ParseTransient(data)
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("ParseTransient says %v, Parse %v\n%q", err, werr, data)
		}
		if err != nil {
			return
		}
		if d := sameTree(&got.Element, &want.Element, ""); d != "" {
			t.Fatalf("ParseTransient's tree differs: %s\n%q", d, data)
		}
		release()
	}
}

// Attribute-value normalisation (XML 1.0 §3.3.3) on both parser paths:
// literal white space becomes a space, a CR LF pair one space, character
// references keep their character; text keeps tabs and line feeds and
// turns CR LF and a lone CR into LF.
func TestAttributeValueNormalisation(t *testing.T) {
	const attr = "a=\"1\ttab\nlf\r\ncrlf\rcr &#9;&#10;&#13;&#13;&#10;\" b='\r\n\r\n'"
	wantA, wantB := "1 tab lf crlf cr \t\n\r\r\n", "  "
	const text = "t\r\nx\ry\tz\n"
	wantText := "t\nx\ny\tz\n"
	for _, tc := range []struct {
		name, doc string
		fast      bool
	}{
		{"fast", "<d " + attr + ">" + text + "</d>", true},
		{"cdata", "<d " + attr + ">" + text + "<![CDATA[]]></d>", false},
		{"33 attributes", "<d " + attr + manyAttrs(fastMaxAttrs-1) + ">" + text + "</d>", false},
		{"comment, PI and CDATA untouched", "<!-- a=\"\t\" --><?pi a=\"\t\"?><d " + attr + "><![CDATA[]]>" + text + "</d>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := fastParse([]byte(tc.doc)); ok != tc.fast {
				t.Fatalf("fast path decided: %v, want %v", ok, tc.fast)
			}
			for _, parse := range []func([]byte) (*etree.Document, error){Parse, parseReference} {
				doc, err := parse([]byte(tc.doc))
				if err != nil {
					t.Fatal(err)
				}
				r := doc.Root()
				if got := r.SelectAttrValue("a", ""); got != wantA {
					t.Errorf("a = %q, want %q", got, wantA)
				}
				if got := r.SelectAttrValue("b", ""); got != wantB {
					t.Errorf("b = %q, want %q", got, wantB)
				}
				if got := r.Text(); !strings.Contains(got, wantText) {
					t.Errorf("text = %q, want it to contain %q", got, wantText)
				}
			}
			if tc.name == "comment, PI and CDATA untouched" {
				doc, _ := parseReference([]byte(tc.doc))
				var b strings.Builder
				for _, tok := range doc.Child {
					switch x := tok.(type) {
					case *etree.Comment:
						b.WriteString(x.Data)
					case *etree.ProcInst:
						b.WriteString(x.Inst)
					}
				}
				if b.String() != " a=\"\t\" a=\"\t\"" {
					t.Errorf("comment and PI became %q", b.String())
				}
			}
		})
	}
}

// Documents that are not well-formed (or not namespace-well-formed) are
// refused on both parser paths as format errors.
func TestParseRefusesNotWellFormed(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`<d>&#xD800;</d>`, "not an XML character"},
		{`<d a="&#xDFFF;"/>`, "not an XML character"},
		{`<d a="&#55296;"><![CDATA[]]></d>`, "not an XML character"},
		{`<d><![CDATA[]]>&#xDBFF;</d>`, "not an XML character"},
		{`<?xml version="1.0" encoding="UTF-8" encoding="ISO-8859-1"?><d/>`, "twice"},
		{`<?xml version="1.0" encoding="UTF-8" encoding="UTF-8"?><d/>`, "twice"},
		{`<!-- c --><?xml version="1.0"?><d/>`, "not at the very start"},
		{` <?xml version="1.0"?><d/>`, "not at the very start"},
		{`<?pi?><?xml version="1.0"?><d/>`, "not at the very start"},
		{`<d xmlns:x="urn:a" xmlns:y="urn:a" x:q="1" y:q="2"/>`, "same namespace"},
		{`<d xmlns:x="urn:a"><e xmlns:y="urn:a" x:q="1" y:q="2"><![CDATA[]]></e></d>`, "same namespace"},
	} {
		for _, data := range [][]byte{[]byte(c.doc), []byte(strings.Replace(c.doc, "<d", "<d"+manyAttrs(fastMaxAttrs+1), 1))} {
			_, err := Parse(data)
			if err == nil || !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%q: %v, want a format error saying %q", data, err, c.want)
			}
		}
	}
	for _, ok := range []string{
		`<d xmlns:x="urn:a" xmlns:y="urn:b" x:q="1" y:q="2"/>`,
		`<d xmlns:x="urn:a" x:q="1" q="2"/>`,
		`<d xmlns:x="urn:a" xmlns:y="urn:b"><e xmlns:y="urn:a" x:q="1"/><f y:q="2" x:q="1"/></d>`,
		`<d><![CDATA[&#xD800;]]><!-- &#xD800; --><?pi &#xD800;?></d>`,
		`<?xml version="1.0" encoding="UTF-8"?><!-- c --><d/>`,
	} {
		if _, err := Parse([]byte(ok)); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// ParseTransient builds the tree Parse builds; release zeroes it (nothing
// of it can be read after release), and a tree built later from the same
// memory is again the tree Parse builds.
func TestParseTransient(t *testing.T) {
	presc, err := os.ReadFile("../testdata/xml/prescription.xml")
	if err != nil {
		t.Fatal(err)
	}
	docs := append([]string{string(presc)}, fastParseCases...)
	for round := 0; round < 3; round++ {
		for _, c := range docs {
			want, werr := Parse([]byte(c))
			got, release, err := ParseTransient([]byte(c))
			if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
				t.Fatalf("%q: ParseTransient says %v, Parse %v", c, err, werr)
			}
			if err != nil {
				continue
			}
			if d := sameTree(&got.Element, &want.Element, ""); d != "" {
				t.Fatalf("round %d: trees differ: %s\n%q", round, d, c)
			}
			root := got.Root()
			release()
			release() // does nothing
			if _, fast := fastParse(bytes.TrimPrefix([]byte(c), utf8BOM)); fast && (root.Tag != "" || root.Child != nil || root.Parent() != nil) {
				t.Fatalf("round %d: the root survives release: %q", round, c)
			}
		}
	}
	// After a release called twice, two trees held at once are still
	// each their own (the parser went back to the pool once).
	_, release, err := ParseTransient(presc)
	if err != nil {
		t.Fatal(err)
	}
	release()
	release()
	a, releaseA, errA := ParseTransient(presc)
	b, releaseB, errB := ParseTransient([]byte(fastParseCases[4]))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	wantA, _ := Parse(presc)
	wantB, _ := Parse([]byte(fastParseCases[4]))
	if d := sameTree(&a.Element, &wantA.Element, ""); d != "" {
		t.Fatalf("first of two trees held at once: %s", d)
	}
	if d := sameTree(&b.Element, &wantB.Element, ""); d != "" {
		t.Fatalf("second of two trees held at once: %s", d)
	}
	releaseA()
	releaseB()
	// A document the fast path leaves to the reference path, and one
	// refused, go the same way as with Parse.
	for _, c := range []string{`<d><![CDATA[x]]></d>`, `<!DOCTYPE d><d/>`} {
		_, werr := Parse([]byte(c))
		doc, release, err := ParseTransient([]byte(c))
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Fatalf("%q: ParseTransient says %v, Parse %v", c, err, werr)
		}
		if err == nil {
			if doc.Root() == nil {
				t.Fatalf("%q: no root", c)
			}
			release()
		}
	}
}

// Every slab a pooled parse took goes back to its pool all zero (release
// clears only what the parse may have written), after a successful parse
// of many nodes and after parses that fail in a start tag with attributes
// already added, or at any point of the document.
func TestReleaseZeroesSlabs(t *testing.T) {
	presc, err := os.ReadFile("../testdata/xml/prescription.xml")
	if err != nil {
		t.Fatal(err)
	}
	grown := bytes.Replace(presc, []byte("</PrescriptionData>"), append(bytes.Repeat([]byte(`<M a="1" b="2"><D c="x">t</D><E/></M>`+"\n"), 300), "</PrescriptionData>"...), 1)
	docs := [][]byte{grown, []byte(`<r a="1" b="2" c="3" d="4"><s x="1" y="2" z="3" x="4"/></r>`)}
	for cut := 0; cut < len(grown); cut += len(grown) / 97 {
		docs = append(docs, grown[:cut])
	}
	for _, d := range docs {
		p := &fastParser{pooled: true}
		p.parse(d)
		taken := p.taken
		p.reset()
		for _, a := range taken.els {
			if !reflect.ValueOf(a).Elem().IsZero() {
				t.Fatalf("%d bytes: an element slab is not zero", len(d))
			}
		}
		for _, a := range taken.texts {
			if !reflect.ValueOf(a).Elem().IsZero() {
				t.Fatalf("%d bytes: a text slab is not zero", len(d))
			}
		}
		for _, a := range taken.attrs {
			if !reflect.ValueOf(a).Elem().IsZero() {
				t.Fatalf("%d bytes: an attribute slab is not zero", len(d))
			}
		}
		for _, a := range taken.toks {
			if !reflect.ValueOf(a).Elem().IsZero() {
				t.Fatalf("%d bytes: a token slab is not zero", len(d))
			}
		}
	}
}
