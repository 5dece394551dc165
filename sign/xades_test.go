package sign

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/xmlsig"
)

// xmlsec1 verifies our enveloped (element and whole document, B-B and B-T)
// and detached XAdES signatures, with the Id attributes declared.
func TestXmlsec1AcceptsOurXAdES(t *testing.T) {
	xmlsec := peer.Require(t, "xmlsec1", "apt-get install xmlsec1")
	p := testpki.MustLoad(t)
	presc, err := os.ReadFile("../testdata/xml/prescription.xml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	letter := filepath.Join(dir, "letter.txt")
	os.WriteFile(letter, letterBytes(), 0o600)
	ts := testTSA(t)
	detached := func(o XAdESOptions) []byte {
		res, err := SignXAdESDetached(context.Background(), bytes.NewReader(letterBytes()), "letter.txt", cred(p.Doctor), o)
		if err != nil {
			t.Fatal(err)
		}
		return res.Signature
	}
	enveloped := func(o XAdESOptions) []byte {
		res, err := SignXAdES(context.Background(), presc, cred(p.Doctor), o)
		if err != nil {
			t.Fatal(err)
		}
		return res.Signature
	}
	tests := []struct {
		name string
		doc  []byte
	}{
		{"enveloped element by Id with KeyInfo reference", enveloped(XAdESOptions{ReferenceID: "PrescriptionData", ReferenceKeyInfo: true})},
		{"enveloped whole document", enveloped(XAdESOptions{})},
		{"enveloped B-T", enveloped(XAdESOptions{ReferenceID: "PrescriptionData", Level: LevelT, TSA: ts})},
		{"enveloped inclusive C14N, xs prefix", enveloped(XAdESOptions{ReferenceID: "PrescriptionData", C14N: xmlsig.AlgC14N10, DSigPrefix: "xs"})},
		{"detached", detached(XAdESOptions{})},
		// Namespaces rebound and undeclared, xml:lang inherited, text and
		// attributes needing escapes, a stylesheet PI before the root: the
		// canonical forms must be those of libxml2.
		{"tricky namespaces, exclusive C14N", signTricky(t, p.Doctor, XAdESOptions{ReferenceID: "PrescriptionData"})},
		{"tricky namespaces, exclusive C14N, whole document", signTricky(t, p.Doctor, XAdESOptions{})},
		{"tricky namespaces, C14N 1.0", signTricky(t, p.Doctor, XAdESOptions{ReferenceID: "PrescriptionData", C14N: xmlsig.AlgC14N10})},
		{"tricky namespaces, C14N 1.0, whole document", signTricky(t, p.Doctor, XAdESOptions{C14N: xmlsig.AlgC14N10})},
		{"tricky namespaces, C14N 1.1", signTricky(t, p.Doctor, XAdESOptions{ReferenceID: "PrescriptionData", C14N: xmlsig.AlgC14N11})},
		{"1200 elements", signMany(t, p.Doctor, 1200)},
		{"enveloping XML", func() []byte {
			res, err := SignXAdESEnveloping(context.Background(), presc, "", cred(p.Doctor), XAdESOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return res.Signature
		}()},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(dir, "signed"+string(rune('a'+i))+".xml")
			os.WriteFile(f, tc.doc, 0o600)
			cmd := exec.Command(xmlsec, "--verify", "--trusted-pem", testpki.Path("root.pem"), "--untrusted-pem", testpki.Path("ca-sign.pem"),
				"--id-attr:Id", "PrescriptionData", "--id-attr:Id", "urn:p:PrescriptionData", "--id-attr:Id", xmlsig.NSXAdES132+":SignedProperties", "--id-attr:Id", xmlsig.NSDSig+":KeyInfo", "--id-attr:Id", xmlsig.NSDSig+":Object",
				"--url-map:letter.txt", letter, f)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "OK") {
				t.Fatalf("xmlsec1: %v\n%s", err, out)
			}
			// A changed document fails with xmlsec1 too.
			bad := bytes.Replace(tc.doc, []byte("<Days>28</Days>"), []byte("<Days>90</Days>"), 1)
			if bytes.Equal(bad, tc.doc) {
				os.WriteFile(letter, []byte("changed"), 0o600)
				defer os.WriteFile(letter, letterBytes(), 0o600)
			}
			os.WriteFile(f, bad, 0o600)
			if out, err := exec.Command(xmlsec, "--verify", "--trusted-pem", testpki.Path("root.pem"), "--untrusted-pem", testpki.Path("ca-sign.pem"),
				"--id-attr:Id", "PrescriptionData", "--id-attr:Id", "urn:p:PrescriptionData", "--id-attr:Id", xmlsig.NSXAdES132+":SignedProperties", "--id-attr:Id", xmlsig.NSDSig+":KeyInfo", "--id-attr:Id", xmlsig.NSDSig+":Object",
				"--url-map:letter.txt", letter, f).CombinedOutput(); err == nil {
				t.Fatalf("xmlsec1 accepted a changed document: %s", out)
			}
		})
	}
}

func letterBytes() []byte { return letter }

// trickyXML exercises the corners of canonicalization.
const trickyXML = `<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="cda.xsl"?>
<Document xmlns="urn:x" xmlns:p="urn:p" xmlns:u="urn:unused" xml:lang="ja"><p:PrescriptionData Id="PrescriptionData" p:c="1" b="&lt;&quot;&#9;&amp;" a="z"><!-- c --><e xmlns="">t&amp;&gt;&#13;<g xmlns:p="urn:p"/></e><Days>28</Days><p:q xmlns:p="urn:p2" xml:space="preserve"> 処方 </p:q></p:PrescriptionData></Document>
`

func signTricky(t testing.TB, c *testpki.Credential, o XAdESOptions) []byte {
	t.Helper()
	o.AllowNonHPKI = true
	res, err := SignXAdES(context.Background(), []byte(trickyXML), cred(c), o)
	if err != nil {
		t.Fatal(err)
	}
	return res.Signature
}

// ManyElements returns a CDA-like document of n entry elements (one of
// them holding <Days>28</Days>).
func ManyElements(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ClinicalDocument xmlns="urn:hl7-org:v3"><component><section><Days>28</Days>`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `<entry typeCode="DRIV"><observation classCode="OBS"><value>%d</value></observation></entry>`, i)
	}
	b.WriteString("</section></component></ClinicalDocument>\n")
	return b.Bytes()
}

func signMany(t testing.TB, c *testpki.Credential, n int) []byte {
	t.Helper()
	res, err := SignXAdES(context.Background(), ManyElements(n/3), cred(c), XAdESOptions{AllowNonHPKI: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.Signature
}

// BenchmarkSignXAdES signs the sample prescription grown to about 26 KB
// (B-B, reference by Id, software key), to compare with BenchmarkSignCAdES:
// the difference is the XML work (parse, canonicalize, serialize).
func BenchmarkSignXAdES(b *testing.B) {
	p := testpki.MustLoad(b)
	presc, err := os.ReadFile("../testdata/xml/prescription.xml")
	if err != nil {
		b.Fatal(err)
	}
	doc := bytes.Replace(presc, []byte("</PrescriptionData>"), append(bytes.Repeat([]byte("<Medication><Drug code=\"0000000\">アムロジピン錠5mg</Drug><Dose>1錠</Dose><Usage>1日1回 朝食後</Usage><Days>28</Days></Medication>\n"), 120), "</PrescriptionData>"...), 1)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := SignXAdES(context.Background(), doc, cred(p.Doctor), XAdESOptions{ReferenceID: "PrescriptionData"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "signatures/s")
}
