package sign

import (
	"bytes"
	"context"
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
				"--id-attr:Id", "PrescriptionData", "--id-attr:Id", xmlsig.NSXAdES132+":SignedProperties", "--id-attr:Id", xmlsig.NSDSig+":KeyInfo", "--id-attr:Id", xmlsig.NSDSig+":Object",
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
				"--id-attr:Id", "PrescriptionData", "--id-attr:Id", xmlsig.NSXAdES132+":SignedProperties", "--id-attr:Id", xmlsig.NSDSig+":KeyInfo", "--id-attr:Id", xmlsig.NSDSig+":Object",
				"--url-map:letter.txt", letter, f).CombinedOutput(); err == nil {
				t.Fatalf("xmlsec1 accepted a changed document: %s", out)
			}
		})
	}
}

func letterBytes() []byte { return letter }
