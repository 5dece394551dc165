package verify

import (
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// xmlsecSign signs an XML-DSig template with xmlsec1 as the test doctor
// (the certificate goes into KeyInfo/X509Data).
func xmlsecSign(t *testing.T, template string) []byte {
	t.Helper()
	xmlsec := peer.Require(t, "xmlsec1", "apt-get install xmlsec1")
	dir := t.TempDir()
	tpl := filepath.Join(dir, "tpl.xml")
	if err := os.WriteFile(tpl, []byte(template), 0o600); err != nil {
		t.Fatal(err)
	}
	// Only the doctor's own certificate (the file also holds its chain).
	p := testpki.MustLoad(t)
	cert := filepath.Join(dir, "doctor.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Doctor.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "signed.xml")
	cmd := exec.Command(xmlsec, "--sign", "--privkey-pem", testpki.Path("doctor.key")+","+cert, "--id-attr:Id", "Object", "--id-attr:Id", "PrescriptionData", "--output", out, tpl)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmlsec1 --sign: %v\n%s", err, msg)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// dsigTemplate is an e-prescription style document (its layout requires
// /Document/PrescriptionData to be covered) with an unsigned-looking Note
// and a signature template whose one Reference has the given URI and
// transforms.
func dsigTemplate(uri, transforms, object string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:example:hpki:eprescription:sample">
  <PrescriptionData Id="PrescriptionData"><Days>28</Days></PrescriptionData>
  <Note>a note</Note>
  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
    <ds:SignedInfo>
      <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
      <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
      <ds:Reference URI="` + uri + `">
        <ds:Transforms>` + transforms + `</ds:Transforms>
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <ds:DigestValue/>
      </ds:Reference>
    </ds:SignedInfo>
    <ds:SignatureValue/>
    <ds:KeyInfo><ds:X509Data/></ds:KeyInfo>` + object + `
  </ds:Signature>
</Document>
`
}

const (
	tXPath    = `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>%s</ds:XPath></ds:Transform>`
	tXPath2   = `<ds:Transform Algorithm="http://www.w3.org/2002/06/xmldsig-filter2"><dsig-xpath:XPath xmlns:dsig-xpath="http://www.w3.org/2002/06/xmldsig-filter2" xmlns:p="urn:example:hpki:eprescription:sample" xmlns:dsig="http://www.w3.org/2000/09/xmldsig#" Filter="%s">%s</dsig-xpath:XPath></ds:Transform>`
	tExcC14N  = `<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>`
	tC14N     = `<ds:Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>`
	tBase64   = `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#base64"/>`
	tEnvelope = `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>`
)

func sprintf(format string, args ...string) string {
	for _, a := range args {
		format = strings.Replace(format, "%s", a, 1)
	}
	return format
}

// Documents signed by xmlsec1 with every transform real producers use
// verify, each change to what they cover fails, and what they leave out is
// said (and never satisfies a required location).
func TestTransformsSignedByXmlsec1(t *testing.T) {
	tests := []struct {
		name, uri, transforms, object string
		pass                          bool   // the untouched document passes
		covers                        string // in Covers
		tamper                        [2]string
		tamperPasses                  bool // the change is outside what is signed
	}{
		{name: "XPath not(ancestor-or-self::ds:Signature)", uri: "", transforms: sprintf(tXPath, "not(ancestor-or-self::ds:Signature)") + tExcC14N,
			pass: true, covers: "element Document", tamper: [2]string{"<Days>28<", "<Days>90<"}},
		{name: "XPath spelling of enveloped-signature", uri: "", transforms: sprintf(tXPath, "count(ancestor-or-self::ds:Signature | here()/ancestor::ds:Signature[1]) &gt; count(ancestor-or-self::ds:Signature)") + tC14N,
			pass: true, covers: "without the ds:Signature", tamper: [2]string{"a note", "another note"}},
		{name: "XPath ancestor-or-self selects the prescription", uri: "", transforms: sprintf(`<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath xmlns:p="urn:example:hpki:eprescription:sample">ancestor-or-self::p:PrescriptionData</ds:XPath></ds:Transform>`) + tExcC14N,
			pass: true, covers: "element PrescriptionData", tamper: [2]string{"a note", "another note"}, tamperPasses: true},
		{name: "XPath leaving out the signature and the note", uri: "", transforms: `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath xmlns:p="urn:example:hpki:eprescription:sample">not(ancestor-or-self::ds:Signature) and not(ancestor-or-self::p:Note)</ds:XPath></ds:Transform>` + tC14N,
			pass: true, covers: "left out", tamper: [2]string{"<Days>28<", "<Days>90<"}},
		{name: "XPath leaving out the signature and the note, note changed", uri: "", transforms: `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath xmlns:p="urn:example:hpki:eprescription:sample">not(ancestor-or-self::ds:Signature) and not(ancestor-or-self::p:Note)</ds:XPath></ds:Transform>` + tC14N,
			pass: true, covers: "/Q{urn:example:hpki:eprescription:sample}Document[1]/Q{urn:example:hpki:eprescription:sample}Note[1]", tamper: [2]string{"a note", "another note"}, tamperPasses: true},
		{name: "XPath Filter 2.0 subtract this signature", uri: "", transforms: sprintf(tXPath2, "subtract", "here()/ancestor::dsig:Signature[1]"),
			pass: true, covers: "without the ds:Signature", tamper: [2]string{"<Days>28<", "<Days>90<"}},
		{name: "XPath Filter 2.0 intersect the prescription", uri: "", transforms: sprintf(tXPath2, "intersect", "//p:PrescriptionData") + tExcC14N,
			pass: true, covers: "element PrescriptionData", tamper: [2]string{"<Days>28<", "<Days>90<"}},
		{name: "XPath Filter 2.0 intersect the prescription, note changed", uri: "", transforms: sprintf(tXPath2, "intersect", "//p:PrescriptionData") + tExcC14N,
			pass: true, covers: "element PrescriptionData", tamper: [2]string{"a note", "another note"}, tamperPasses: true},
		{name: "XPath Filter 2.0 subtracting the prescription meets no layout", uri: "", transforms: sprintf(tXPath2, "subtract", "//p:PrescriptionData | here()/ancestor::dsig:Signature[1]") + tExcC14N,
			pass: false, covers: "left out", tamper: [2]string{"<Days>28<", "<Days>90<"}},
		{name: "base64 transform on an enveloped object", uri: "#Object", transforms: tBase64,
			object: `<ds:Object Id="Object">JVBERi0xLjcK57S55LuL54q2</ds:Object>`,
			pass:   false /* only the object is covered: the layout's prescription is not */, covers: "#Object (transforms: base64)", tamper: [2]string{"JVBERi0xLjcK57S55LuL54q2", "JVBERi0xLjcK57S55LuL54q3"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			signed := xmlsecSign(t, dsigTemplate(tc.uri, tc.transforms, tc.object))
			r := verifyXML(t, signed, nil, nil)
			covers := strings.Join(r.Signatures[0].Covers, " | ")
			if (r.Indication == TotalPassed) != tc.pass || !strings.Contains(covers, tc.covers) {
				t.Fatalf("signed by xmlsec1: %s/%s, covers %q, errors %v", r.Indication, r.SubIndication, covers, r.Signatures[0].Errors)
			}
			if r.Indication != TotalPassed && r.Indication != TotalFailed {
				t.Fatalf("signed by xmlsec1: %s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
			}
			if !strings.Contains(string(signed), tc.tamper[0]) {
				t.Fatalf("nothing to tamper with: %q", tc.tamper[0])
			}
			forged := []byte(strings.Replace(string(signed), tc.tamper[0], tc.tamper[1], 1))
			r = verifyXML(t, forged, nil, nil)
			if tc.tamperPasses {
				if r.Indication != TotalPassed {
					t.Fatalf("a change outside what is signed: %s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
				}
				return
			}
			if r.Indication == TotalPassed {
				t.Fatalf("the changed document passes: covers %v", r.Signatures[0].Covers)
			}
			if tc.pass && r.SubIndication != HashFailure {
				t.Fatalf("changed: %s/%s, want HASH_FAILURE", r.Indication, r.SubIndication)
			}
		})
	}
}

// XPath beyond the subset is refused as unsupported (INDETERMINATE), never
// evaluated loosely and never a pass, although xmlsec1 signed it.
func TestUnsupportedXPathIsIndeterminate(t *testing.T) {
	for _, expr := range []string{
		"self::text()",
		"not(ancestor-or-self::ds:Signature) or true()",
		"ancestor-or-self::*[position()=1]",
		"string-length(.) &gt; 0",
	} {
		t.Run(expr, func(t *testing.T) {
			signed := xmlsecSign(t, dsigTemplate("", sprintf(tXPath, expr)+tExcC14N, ""))
			r := verifyXML(t, signed, nil, nil)
			if r.Indication != Indeterminate || r.SubIndication != FormatFailure || !strings.Contains(strings.Join(r.Signatures[0].Errors, " "), "not supported") {
				t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
			}
		})
	}
}

// A scanned-record manifest (JAHIS 電子保存 layout): a signed ds:Manifest
// lists the scanned files by relative path, the XML ones canonicalized.
// xmlsec1 signs it; each file is checked through its transforms, a file
// not given is SIGNED_DATA_NOT_FOUND, a changed one HASH_FAILURE.
func TestManifestOfDetachedFilesWithTransforms(t *testing.T) {
	page := "<?xml version=\"1.0\"?>\n<!-- page -->\n<Page  n=\"1\"   xmlns=\"urn:x\"><Text>scanned &#x41;</Text><Empty></Empty></Page>\n"
	image := "JPEG image bytes"
	xmlsec := peer.Require(t, "xmlsec1", "apt-get install xmlsec1")
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "scan"), 0o700)
	os.WriteFile(filepath.Join(dir, "scan", "page001.xml"), []byte(page), 0o600)
	os.WriteFile(filepath.Join(dir, "scan", "image001.jpg"), []byte(image), 0o600)
	ref := func(uri, transforms string) string {
		return `<ds:Reference URI="` + uri + `"><ds:Transforms>` + transforms + `</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>`
	}
	tpl := `<?xml version="1.0" encoding="UTF-8"?>
<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="Signature1"><ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<ds:Reference URI="#Manifest1" Type="http://www.w3.org/2000/09/xmldsig#Manifest"><ds:Transforms>` + tC14N + `</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
<ds:Object><ds:Manifest Id="Manifest1">` + ref("scan/page001.xml", tC14N) + ref("scan/image001.jpg", "") + `</ds:Manifest></ds:Object></ds:Signature>`
	tpl = strings.Replace(tpl, "<ds:Transforms></ds:Transforms>", "", 1)
	os.WriteFile(filepath.Join(dir, "tpl.xml"), []byte(tpl), 0o600)
	p := testpki.MustLoad(t)
	os.WriteFile(filepath.Join(dir, "doctor.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Doctor.Cert.Raw}), 0o600)
	cmd := exec.Command(xmlsec, "--sign", "--privkey-pem", testpki.Path("doctor.key")+",doctor.pem", "--id-attr:Id", "Manifest", "--output", "signed.xml", "tpl.xml")
	cmd.Dir = dir
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmlsec1 --sign: %v\n%s", err, msg)
	}
	signed, _ := os.ReadFile(filepath.Join(dir, "signed.xml"))
	files := func(m map[string]string) func(string) (io.Reader, error) {
		return func(uri string) (io.Reader, error) {
			if s, ok := m[uri]; ok {
				return strings.NewReader(s), nil
			}
			return nil, nil
		}
	}
	// The same page written differently (attribute order, spacing, a
	// character reference, an empty-element tag) canonicalizes the same.
	samePage := "<Page xmlns=\"urn:x\" n=\"1\"><Text>scanned A</Text><Empty/></Page>"
	tests := []struct {
		name  string
		files map[string]string
		ind   Indication
		sub   SubIndication
	}{
		{"all given", map[string]string{"scan/page001.xml": page, "scan/image001.jpg": image}, TotalPassed, ""},
		{"page written differently, same canonical form", map[string]string{"scan/page001.xml": samePage, "scan/image001.jpg": image}, TotalPassed, ""},
		{"page text changed", map[string]string{"scan/page001.xml": strings.Replace(page, "scanned", "forged", 1), "scan/image001.jpg": image}, TotalFailed, HashFailure},
		{"image changed", map[string]string{"scan/page001.xml": page, "scan/image001.jpg": image + "x"}, TotalFailed, HashFailure},
		{"page not given", map[string]string{"scan/image001.jpg": image}, Indeterminate, SignedDataNotFound},
		{"page is not XML", map[string]string{"scan/page001.xml": "not xml", "scan/image001.jpg": image}, TotalFailed, FormatFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := verifyXML(t, signed, files(tc.files), nil)
			if r.Indication != tc.ind || r.SubIndication != tc.sub {
				t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
			}
		})
	}
}

// The XPath transform leaves out every ds:Signature: another (foreign)
// ds:Signature element beside the real one is left out too, and the root
// is then not reported as covered whole (only its other children are).
func TestXPathLeavingOutAForeignSignature(t *testing.T) {
	tpl := dsigTemplate("", sprintf(tXPath, "not(ancestor-or-self::ds:Signature)")+tExcC14N, "")
	tpl = strings.Replace(tpl, "</Document>", `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><Days>90</Days></ds:Signature></Document>`, 1)
	signed := xmlsecSign(t, tpl)
	r := verifyXML(t, signed, nil, nil)
	covers := strings.Join(r.Signatures[0].Covers, " | ")
	if strings.Contains(covers, "element Document at") || !strings.Contains(covers, "left out") {
		t.Fatalf("covers %q", covers)
	}
	// The foreign ds:Signature is itself reported (malformed), so the
	// document never passes, changed or not.
	forged := strings.Replace(string(signed), "<Days>90</Days>", "<Days>900</Days>", 1)
	for _, doc := range [][]byte{signed, []byte(forged)} {
		if r := verifyXML(t, doc, nil, nil); r.Indication == TotalPassed {
			t.Fatalf("passed: %v", r.Signatures[0].Covers)
		}
	}
}

// A Manifest entry whose transforms select only part of a detached XML
// file: the report says what was covered and what was left out (Covers,
// SignedData.Partial and LeftOut, a warning), the digested octets are the
// selected part, a change to the part left out still verifies (it is not
// signed, and the report says so), a change to the selected part does not.
// The same file referenced whole is reported whole, without a warning.
func TestManifestPartialDetachedFile(t *testing.T) {
	page := "<page xmlns=\"urn:p\"><patient>Hanako</patient><result>negative</result></page>\n"
	xmlsec := peer.Require(t, "xmlsec1", "apt-get install xmlsec1")
	subtract := `<ds:Transform Algorithm="http://www.w3.org/2002/06/xmldsig-filter2"><dsig-xpath:XPath xmlns:dsig-xpath="http://www.w3.org/2002/06/xmldsig-filter2" xmlns:p="urn:p" Filter="subtract">//p:result</dsig-xpath:XPath></ds:Transform>` + tExcC14N
	for _, tc := range []struct {
		name, transforms string
		partial          bool
	}{
		{"subtract", subtract, true},
		{"whole", tExcC14N, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.MkdirAll(filepath.Join(dir, "scan"), 0o700)
			os.WriteFile(filepath.Join(dir, "scan", "page001.xml"), []byte(page), 0o600)
			tpl := `<?xml version="1.0" encoding="UTF-8"?>
<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="Signature1"><ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
<ds:Reference URI="#Manifest1" Type="http://www.w3.org/2000/09/xmldsig#Manifest"><ds:Transforms>` + tC14N + `</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
<ds:Object><ds:Manifest Id="Manifest1"><ds:Reference URI="scan/page001.xml"><ds:Transforms>` + tc.transforms + `</ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:Manifest></ds:Object></ds:Signature>`
			os.WriteFile(filepath.Join(dir, "tpl.xml"), []byte(tpl), 0o600)
			p := testpki.MustLoad(t)
			os.WriteFile(filepath.Join(dir, "doctor.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Doctor.Cert.Raw}), 0o600)
			cmd := exec.Command(xmlsec, "--sign", "--privkey-pem", testpki.Path("doctor.key")+",doctor.pem", "--id-attr:Id", "Manifest", "--output", "signed.xml", "tpl.xml")
			cmd.Dir = dir
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("xmlsec1 --sign: %v\n%s", err, msg)
			}
			signed, _ := os.ReadFile(filepath.Join(dir, "signed.xml"))
			given := func(s string) func(string) (io.Reader, error) {
				return func(uri string) (io.Reader, error) {
					if uri == "scan/page001.xml" {
						return strings.NewReader(s), nil
					}
					return nil, nil
				}
			}
			keep := func(o *Options) { o.KeepSignedData = true }
			for _, c := range []struct {
				name, page string
				ind        Indication
			}{
				{"as signed", page, TotalPassed},
				{"part left out changed", strings.Replace(page, "negative", "POSITIVE", 1), map[bool]Indication{true: TotalPassed, false: TotalFailed}[tc.partial]},
				{"selected part changed", strings.Replace(page, "Hanako", "Taro", 1), TotalFailed},
			} {
				r := verifyXML(t, signed, given(c.page), keep)
				if r.Indication != c.ind {
					t.Fatalf("%s: %s/%s %v", c.name, r.Indication, r.SubIndication, r.Signatures[0].Errors)
				}
				if r.Indication != TotalPassed {
					continue
				}
				s := r.Signatures[0]
				covers := strings.Join(s.Covers, " | ")
				sd := s.SignedData[len(s.SignedData)-1]
				if sd.URI != "scan/page001.xml" || sd.Partial != tc.partial {
					t.Fatalf("%s: signedData %+v", c.name, sd)
				}
				warned := strings.Contains(strings.Join(s.Warnings, " | "), "covers only part of this data")
				if !tc.partial {
					if strings.Contains(covers, "left out") || warned || sd.LeftOut != nil {
						t.Fatalf("%s: a whole file reported partial: %q %v", c.name, covers, s.Warnings)
					}
					continue
				}
				if !strings.Contains(covers, "only part of the file: covering whole 1 element(s): /Q{urn:p}page[1]/Q{urn:p}patient[1]; left out: /Q{urn:p}page[1]/Q{urn:p}result[1]") {
					t.Fatalf("%s: covers %q", c.name, covers)
				}
				if len(sd.LeftOut) != 1 || sd.LeftOut[0] != "/Q{urn:p}page[1]/Q{urn:p}result[1]" || !warned {
					t.Fatalf("%s: leftOut %q, warnings %q", c.name, sd.LeftOut, s.Warnings)
				}
				if string(sd.Data) != `<page xmlns="urn:p"><patient>Hanako</patient></page>` {
					t.Fatalf("%s: data %q", c.name, sd.Data)
				}
			}
		})
	}
}
