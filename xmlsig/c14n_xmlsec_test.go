package xmlsig

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// Differential tests of the canonicalizer against libxml2's (xmlsec1), on
// documents shaped like real ones. For each document, algorithm and URI
// form, an XML-DSig signature is made with our canonicalizer (reference
// digest and SignedInfo) by filling in the bytes of a template, without
// re-serializing anything, and xmlsec1 must verify it: each digest and the
// signature value match only if libxml2's canonical octets are ours, byte
// for byte. The same octets must also equal the reference canonicalizer's.

// xmlsecDocs are the documents: each has an element with Id "target"
// whose ancestors declare namespaces and xml:* attributes, and SIG where
// the signature goes (the last child of the root).
var xmlsecDocs = map[string]string{
	// The shape of xadesjs output: prefixed ds and xades elements, the
	// signed data an Id'd element of a default-namespace document.
	"xadesjs-like": `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:example:hpki:eprescription:sample"><PrescriptionData Id="target"><Header><IssueDate>2026-11-20</IssueDate><Institution>試験病院</Institution></Header>
<Medication><Drug code="0000000">アムロジピン錠5mg</Drug><Dose>1錠</Dose></Medication></PrescriptionData><ds:Object xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig"><xades:SignedProperties Id="sp"><xades:SignedSignatureProperties><xades:SigningTime>2026-11-20T10:00:00Z</xades:SigningTime></xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object>SIG</Document>`,
	// A CDA-like document: comments and processing instructions inside and
	// outside the root, xml:lang and xml:space inherited, a prefix
	// re-declared to another namespace and back, the default namespace
	// undeclared, attributes and text needing escapes (character
	// references for tab, newline, carriage return), CR LF line ends,
	// superfluous re-declarations, attributes in several namespaces.
	"cda-like": "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<?xml-stylesheet type=\"text/xsl\" href=\"cda.xsl\"?>\r\n<!-- before the root -->\r\n" +
		`<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sdtc="urn:hl7-org:sdtc" xml:lang="ja-JP" xml:space="default">` + "\r\n" +
		`<component><section ID="s1"><code code="11329-0" codeSystem="2.16.840.1.113883.6.1" xsi:type="CE"/><!-- 所見 --><?render bold?>` + "\r\n" +
		`<text xmlns:sdtc="urn:hl7-org:sdtc" xml:space="preserve">白血球 &lt; 基準 &amp; "Na" &gt; 140&#xD;&#x9;tab</text>` +
		`<entry Id="target" sdtc:valueSet="1.2.3" a="t&#9;n&#10;r&#13;q&quot;lt&lt;amp&amp;gt&gt;'"><sdtc:x xmlns:sdtc="urn:other" sdtc:y="1"><sdtc:z xmlns:sdtc="urn:hl7-org:sdtc"/></sdtc:x>` +
		`<observation classCode="OBS" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><value xsi:type="PQ" value="6.1" unit="10*3/uL"/><!-- inside --><plain xmlns=""><inner xml:lang="en">text <![CDATA[a<b &amp; ]]]]>&gt;</inner></plain></observation>` + "\r\n" +
		`</entry></section></component>SIG</ClinicalDocument>` + "\r\n<!-- after the root -->\r\n",
	// Attribute values with literal white space (read as spaces, XML 1.0
	// §3.3.3: tab, line feed, CR LF, lone CR) next to character references
	// (which keep their character), on the fast parser path...
	"attr-whitespace": "<d xmlns=\"urn:d\">\r\n<entry Id=\"target\" a=\"1\ttab\nlf\r\ncrlf\rcr end\" b=\"r&#9;t&#10;n&#13;c&#13;&#10;x\" c='mixed\n&#10;\t&#9;'>t\r\nx\ry\tz</entry>SIG</d>",
	// ... and on the reference path (a CDATA section sends the document there).
	"attr-whitespace-cdata": "<d xmlns=\"urn:d\">\r\n<entry Id=\"target\" a=\"1\ttab\nlf\r\ncrlf\rcr end\" b=\"r&#9;t&#10;n&#13;c&#13;&#10;x\" c='mixed\n&#10;\t&#9;'><![CDATA[a\r\nb\tc]]><!-- a=\"x\ty\" --><?pi a=\"x\ty\"?>t\r\nx\ry\tz</entry>SIG</d>",
	// Namespaces declared on the target and only used below, unused
	// declarations, an ancestor's default namespace and xml:base (not
	// used with C14N 1.1, which hpki refuses on an ancestor).
	"namespaces": `<r:root xmlns:r="urn:r" xmlns:u="urn:unused" xmlns="urn:default" xml:base="http://example.org/a/"><mid xmlns:m="urn:m" m:attr="1">` +
		`<m:target Id="target" xmlns:x="urn:x" xmlns:y="urn:y" y:b="2" a="1"><x:child/><child xmlns="urn:default"/><r:child xmlns:r="urn:r2"/></m:target></mid>SIG</r:root>`,
	// Attributes in no namespace, out of order (upper case before lower
	// case, a prefix of another name), with escapes, on elements in no
	// namespace, in a default namespace and prefixed.
	"plain-attributes": `<d xmlns:p="urn:p"><entry Id="target" z="1" b="2"><z b="2" a="1" ab="&lt;&amp;&#9;&#10;&quot;x" Z="0"><p:y zz="1" z="2" Z="3"/><x id="1" c=""/>` +
		`<w xmlns="urn:w" y="2" x="1"><v u="2" t="1"><p:s r="2" q="1"/></v></w></z></entry>SIG</d>`,
}

type xmlsecCase struct {
	alg, prefixes, uri string
	enveloped          bool
}

func xmlsecCases(doc string) []xmlsecCase {
	algs := []struct{ alg, prefixes string }{
		{AlgExcC14N, ""}, {AlgExcC14NComments, ""}, {AlgExcC14N, "#default xsi sdtc y"},
		{AlgC14N10, ""}, {AlgC14N10Comments, ""},
	}
	if !strings.Contains(doc, "xml:base") {
		algs = append(algs, struct{ alg, prefixes string }{AlgC14N11, ""}, struct{ alg, prefixes string }{AlgC14N11Comments, ""})
	}
	var out []xmlsecCase
	for _, a := range algs {
		for _, uri := range []string{"#target", "#xpointer(id('target'))"} {
			out = append(out, xmlsecCase{a.alg, a.prefixes, uri, false})
		}
		out = append(out, xmlsecCase{a.alg, a.prefixes, "", true})
	}
	return out
}

// xmlsecTemplate is the signature with placeholders for the digest and the
// signature value.
func xmlsecTemplate(c xmlsecCase) string {
	var b strings.Builder
	b.WriteString(`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="` + c.alg + `"`)
	inc := ""
	if c.prefixes != "" {
		inc = `<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="` + c.prefixes + `"/>`
	}
	b.WriteString(">" + inc + `</ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="` + AlgRSASHA256 + `"/>`)
	b.WriteString(`<ds:Reference URI="` + c.uri + `"><ds:Transforms>`)
	if c.enveloped {
		b.WriteString(`<ds:Transform Algorithm="` + AlgEnveloped + `"/>`)
	}
	b.WriteString(`<ds:Transform Algorithm="` + c.alg + `">` + inc + `</ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="` + AlgSHA256 + `"/><ds:DigestValue>RElHRVNUUExBQ0VIT0xERVI=</ds:DigestValue></ds:Reference></ds:SignedInfo><ds:SignatureValue>SIGVALUE</ds:SignatureValue></ds:Signature>`)
	return b.String()
}

// xmlsecSign fills in the template of c in doc with our canonicalizer and
// key; it returns the signed document and the octets our reference
// digested.
func xmlsecSign(t *testing.T, doc string, c xmlsecCase, key crypto.Signer) ([]byte, []byte) {
	t.Helper()
	data := []byte(strings.Replace(doc, "SIG", xmlsecTemplate(c), 1))
	parsed, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	sig := Find(parsed.Root(), NSDSig, "Signature")[0]
	ref := Find(sig, NSDSig, "Reference")[0]
	var refData bytes.Buffer
	r, err := CheckReferenceTo(ref, parsed, Index(parsed), sig, nil, &refData)
	if err != nil {
		t.Fatal(err)
	}
	// The reference canonicalizer agrees.
	var want bytes.Buffer
	var whole = c.uri == ""
	comments := strings.HasPrefix(c.uri, "#xpointer")
	var exclude = sig
	if !c.enveloped {
		exclude = nil
	}
	refDoc := parsed
	if !whole {
		refDoc = nil
	}
	if err := refCanonicalizeTo(&want, r.Target, refDoc, exclude, c.alg, c.prefixes, comments); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(refData.Bytes(), want.Bytes()) {
		t.Fatalf("differs from the reference canonicalizer:\n got %q\nwant %q", refData.Bytes(), want.Bytes())
	}
	sum := crypto.SHA256.New()
	sum.Write(refData.Bytes())
	data = bytes.Replace(data, []byte("RElHRVNUUExBQ0VIT0xERVI="), []byte(base64.StdEncoding.EncodeToString(sum.Sum(nil))), 1)
	parsed, err = Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	si := Find(parsed.Root(), NSDSig, "SignedInfo")[0]
	canon, err := Canonicalize(si, c.alg, c.prefixes)
	if err != nil {
		t.Fatal(err)
	}
	h := crypto.SHA256.New()
	h.Write(canon)
	sv, err := key.Sign(rand.Reader, h.Sum(nil), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Replace(data, []byte("SIGVALUE"), []byte(base64.StdEncoding.EncodeToString(sv)), 1), refData.Bytes()
}

func TestCanonicalizeMatchesXmlsec1(t *testing.T) {
	xmlsec := peer.Require(t, "xmlsec1", "apt-get install xmlsec1")
	p := testpki.MustLoad(t)
	if _, ok := p.Doctor.Key.Public().(*rsa.PublicKey); !ok {
		t.Fatal("the doctor's test key is not RSA")
	}
	dir := t.TempDir()
	for name, doc := range xmlsecDocs {
		for _, c := range xmlsecCases(doc) {
			t.Run(name+" "+c.alg[strings.LastIndexAny(c.alg, "/#")+1:]+" "+c.prefixes+" URI="+c.uri, func(t *testing.T) {
				signed, refData := xmlsecSign(t, doc, c, p.Doctor.Key)
				f := filepath.Join(dir, "signed.xml")
				if err := os.WriteFile(f, signed, 0o600); err != nil {
					t.Fatal(err)
				}
				out, err := exec.Command(xmlsec, "--verify", "--pubkey-cert-pem", testpki.Path("doctor.pem"), "--id-attr:Id", "PrescriptionData", "--id-attr:Id", "entry", "--id-attr:Id", "urn:m:target",
					"--id-attr:Id", "urn:hl7-org:v3:entry", "--store-references", f).CombinedOutput()
				if err != nil || !bytes.Contains(out, []byte("OK")) {
					t.Fatalf("xmlsec1 does not verify (its canonical form differs from ours: %q): %v\n%s", refData, err, out)
				}
				// The check has teeth: one more attribute in the target and
				// xmlsec1 refuses.
				if err := os.WriteFile(f, bytes.Replace(signed, []byte(`Id="target"`), []byte(`Id="target" changed="1"`), 1), 0o600); err != nil {
					t.Fatal(err)
				}
				if out, err := exec.Command(xmlsec, "--verify", "--pubkey-cert-pem", testpki.Path("doctor.pem"), "--id-attr:Id", "PrescriptionData", "--id-attr:Id", "entry", "--id-attr:Id", "urn:m:target",
					"--id-attr:Id", "urn:hl7-org:v3:entry", f).CombinedOutput(); err == nil {
					t.Fatalf("xmlsec1 verifies a changed target: %s", out)
				}
			})
		}
	}
}

// A signer who signed a line feed or a tab in an attribute value (written
// as a character reference) did not sign a literal one, which every reader
// takes for a space (XML 1.0 §3.3.3), and the other way round: changing
// one into the other breaks the digest, on both parser paths.
func TestAttributeWhitespaceForgery(t *testing.T) {
	p := testpki.MustLoad(t)
	for _, fallback := range []string{"", "<![CDATA[x]]>"} {
		for _, tc := range []struct{ signed, forged string }{
			{`dosage="1 tablet&#10;x3 days"`, "dosage=\"1 tablet\nx3 days\""},
			{`dosage="1 tablet&#10;x3 days"`, "dosage=\"1 tablet\r\nx3 days\""},
			{`dosage="1 tablet&#13;x3 days"`, "dosage=\"1 tablet\rx3 days\""},
			{`dosage="1 tablet&#9;x3 days"`, "dosage=\"1 tablet\tx3 days\""},
			{"dosage=\"1 tablet\nx3 days\"", `dosage="1 tablet&#10;x3 days"`},
			{"dosage=\"1 tablet\tx3 days\"", `dosage="1 tablet&#9;x3 days"`},
		} {
			doc := `<Document xmlns="urn:d"><PrescriptionData Id="target"><Drug ` + tc.signed + `>Drug A` + fallback + `</Drug></PrescriptionData>SIG</Document>`
			c := xmlsecCase{AlgExcC14N, "", "#target", false}
			signed, _ := xmlsecSign(t, doc, c, p.Doctor.Key)
			forged := bytes.Replace(signed, []byte(tc.signed), []byte(tc.forged), 1)
			if bytes.Equal(forged, signed) {
				t.Fatal("the forgery changed nothing")
			}
			for _, data := range [][]byte{signed, forged} {
				parsed, err := Parse(data)
				if err != nil {
					t.Fatal(err)
				}
				ref := Find(parsed.Root(), NSDSig, "Reference")[0]
				sig := Find(parsed.Root(), NSDSig, "Signature")[0]
				r, err := CheckReferenceTo(ref, parsed, Index(parsed), sig, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				if honest := bytes.Equal(data, signed); honest != r.Match {
					t.Errorf("%q (signed %q, fallback %q): honest %v, digest matches %v", tc.forged, tc.signed, fallback, honest, r.Match)
				}
			}
		}
	}
}
