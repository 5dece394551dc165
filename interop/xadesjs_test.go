package interop

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/internal/testtsa"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
	"github.com/hpki-jp/hpki/xmlsig"
)

// xadesjs returns a function that runs interop/node/xades.mjs with Node.
func xadesjs(t *testing.T) func(args ...string) (string, error) {
	t.Helper()
	node := peer.Require(t, "node", "apt-get install nodejs")
	peer.RequireFile(t, filepath.Join("node", "node_modules", "xadesjs", "package.json"), "npm ci in interop/node")
	script, err := filepath.Abs(filepath.Join("node", "xades.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	return func(args ...string) (string, error) {
		out, err := exec.Command(node, append([]string{script}, args...)...).CombinedOutput()
		return string(out), err
	}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testTSA(t *testing.T, p *testpki.PKI) *tsa.Client {
	return testtsa.Client(t, p.TSA, p.TSARoot, nil)
}

// verifyOptions validate against the committed test HPKI, with the signing
// CA's next CRL (issued after the timestamps the test makes), offline.
func verifyOptions(t testing.TB, p *testpki.PKI) verify.Options {
	return verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, []*x509.Certificate{p.SignCA.Cert}),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		CRLs:     [][]byte{p.FreshCRL(t)},
		Offline:  true,
	}
}

func verifier(t testing.TB, p *testpki.PKI) *verify.Verifier { return verify.New(verifyOptions(t, p)) }

// xadesjs verifies our enveloped XAdES (B-B and B-T, element by Id and whole
// document, exclusive and inclusive C14N, any prefix, KeyInfo referenced,
// two signatures in one document, enveloping), and rejects them once the signed content
// changes.
func TestXadesjsVerifiesOurXAdES(t *testing.T) {
	run := xadesjs(t)
	p := testpki.MustLoad(t)
	presc := readTestdata(t, "xml/prescription.xml")
	cda := readTestdata(t, "xml/cda-referral.xml")
	signXML := func(c *testpki.Credential, doc []byte, o sign.XAdESOptions) []byte {
		res, err := sign.SignXAdES(context.Background(), doc, sign.Credential{Signer: c.Key, Certificate: c.Cert, Chain: c.Chain}, o)
		if err != nil {
			t.Fatal(err)
		}
		return res.Signature
	}
	ts := testTSA(t, p)
	enveloping, err := sign.SignXAdESEnveloping(context.Background(), presc, "", sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, sign.XAdESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	twice := signXML(p.Pharmacist, signXML(p.Doctor, presc, sign.XAdESOptions{ReferenceID: "PrescriptionData"}), sign.XAdESOptions{ReferenceID: "PrescriptionData"})
	tests := []struct {
		name   string
		doc    []byte
		sigs   int
		tamper [2]string
	}{
		{"prescription element by Id, KeyInfo referenced", signXML(p.Doctor, presc, sign.XAdESOptions{ReferenceID: "PrescriptionData", ReferenceKeyInfo: true}), 1, [2]string{"<Days>28</Days>", "<Days>90</Days>"}},
		{"prescription B-T", signXML(p.Doctor, presc, sign.XAdESOptions{ReferenceID: "PrescriptionData", Level: sign.LevelT, TSA: ts}), 1, [2]string{"<Days>28</Days>", "<Days>90</Days>"}},
		{"inclusive C14N with xs prefix", signXML(p.Doctor, presc, sign.XAdESOptions{ReferenceID: "PrescriptionData", C14N: xmlsig.AlgC14N10, DSigPrefix: "xs"}), 1, [2]string{"<Days>28</Days>", "<Days>90</Days>"}},
		{"CDA referral, whole document", signXML(p.Doctor, cda, sign.XAdESOptions{}), 1, [2]string{"試験", "改竄"}},
		{"enveloping", enveloping.Signature, 1, [2]string{"<Days>28</Days>", "<Days>90</Days>"}},
		{"prescriber and pharmacist", twice, 2, [2]string{"<Days>28</Days>", "<Days>90</Days>"}},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(dir, "ours"+string(rune('a'+i))+".xml")
			os.WriteFile(f, tc.doc, 0o600)
			out, err := run("verify", f)
			if err != nil || strings.Count(out, "ok ") != tc.sigs {
				t.Fatalf("xadesjs rejected our signature (%v):\n%s", err, out)
			}
			bad := bytes.Replace(tc.doc, []byte(tc.tamper[0]), []byte(tc.tamper[1]), 1)
			if bytes.Equal(bad, tc.doc) {
				t.Fatalf("tamper string %q not in document", tc.tamper[0])
			}
			os.WriteFile(f, bad, 0o600)
			if out, err := run("verify", f); err == nil {
				t.Fatalf("xadesjs accepted a changed document:\n%s", out)
			}
		})
	}
}

// Our verifier accepts XAdES-BES made by xadesjs with the test doctor's key
// (element by Id and whole document), reports the role and what is covered,
// and fails it once the content changes.
func TestWeVerifyXadesjsXAdES(t *testing.T) {
	run := xadesjs(t)
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	tests := []struct {
		name, in, id, covers string
		tamper               [2]string
	}{
		{"prescription element", "prescription.xml", "PrescriptionData", "#PrescriptionData", [2]string{"<Days>28</Days>", "<Days>90</Days>"}},
		{"CDA whole document", "cda-referral.xml", "", "whole document", [2]string{"試験", "改竄"}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "js"+string(rune('a'+i))+".xml")
			args := []string{"sign", testpki.Path("doctor.key"), testpki.Path("doctor.pem"), filepath.Join("..", "testdata", "xml", tc.in), out}
			if tc.id != "" {
				args = append(args, tc.id)
			}
			if msg, err := run(args...); err != nil {
				t.Fatalf("xadesjs sign: %v\n%s", err, msg)
			}
			doc, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			v := verifier(t, p)
			r, err := v.VerifyXAdES(context.Background(), doc, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Indication != verify.TotalPassed || len(r.Signatures) != 1 {
				t.Fatalf("xadesjs signature: %s/%s %+v", r.Indication, r.SubIndication, r.Signatures)
			}
			s := r.Signatures[0]
			if len(s.Signer.Roles) != 1 || s.Signer.Roles[0].Code != "Medical Doctor" || s.Signer.Roles[0].Ja != "医師" {
				t.Errorf("role Medical Doctor (医師) not reported: %+v", s.Signer.Roles)
			}
			if !strings.Contains(strings.Join(s.Covers, " "), tc.covers) {
				t.Errorf("covers %q, want %q", s.Covers, tc.covers)
			}
			bad := bytes.Replace(doc, []byte(tc.tamper[0]), []byte(tc.tamper[1]), 1)
			r, err = v.VerifyXAdES(context.Background(), bad, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Indication != verify.TotalFailed || r.SubIndication != verify.HashFailure {
				t.Fatalf("changed xadesjs document: %s/%s, want TOTAL_FAILED/HASH_FAILURE", r.Indication, r.SubIndication)
			}
		})
	}
}

// A XAdES-BES made by xadesjs is extended: to B-LT (signature timestamp,
// CertificateValues, RevocationValues), which xadesjs still verifies, and
// to B-LTA, whose core signature xmlsec1 still verifies. (xadesjs 2.6
// cannot read the XAdES 1.4.1 ArchiveTimeStamp element: its parser knows
// only 1.3.2's, so the LTA is checked with xmlsec1 and our verifier.)
func TestExtendXadesjsXAdES(t *testing.T) {
	run := xadesjs(t)
	xmlsec := peer.Require(t, "xmlsec1", "apt-get install xmlsec1")
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	signed := filepath.Join(dir, "js.xml")
	if msg, err := run("sign", testpki.Path("doctor.key"), testpki.Path("doctor.pem"), filepath.Join("..", "testdata", "xml", "prescription.xml"), signed, "PrescriptionData"); err != nil {
		t.Fatalf("xadesjs sign: %v\n%s", err, msg)
	}
	doc, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []sign.Level{sign.LevelLT, sign.LevelLTA} {
		t.Run(string(to), func(t *testing.T) {
			res, err := extend.XAdES(context.Background(), doc, nil, extend.Options{To: to, TSA: testTSA(t, p), Verify: verifyOptions(t, p)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Level != "XAdES-BASELINE-"+string(to) {
				t.Fatalf("level %s", res.Level)
			}
			out := filepath.Join(dir, "js-"+string(to)+".xml")
			os.WriteFile(out, res.Signature, 0o600)
			if to == sign.LevelLT {
				if msg, err := run("verify", out); err != nil || !strings.Contains(msg, "ok ") {
					t.Fatalf("xadesjs rejects the extended signature: %v\n%s", err, msg)
				}
				return
			}
			if msg, err := exec.Command(xmlsec, "--verify", "--trusted-pem", testpki.Path("root.pem"), "--untrusted-pem", testpki.Path("ca-sign.pem"),
				"--id-attr:Id", "PrescriptionData", "--id-attr:Id", xmlsig.NSXAdES132+":SignedProperties", out).CombinedOutput(); err != nil {
				t.Fatalf("xmlsec1 rejects the extended signature: %v\n%s", err, msg)
			}
		})
	}
}
