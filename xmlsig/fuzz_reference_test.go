package xmlsig_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/xmlsig"
)

// FuzzReferences resolves every ds:Reference of every ds:Signature of a
// fuzzed document (CheckReference) and builds the archive timestamp input
// of each signature (ArchiveInput), detached files coming from memory:
// bad input gets an error, never a panic, and a reference reported as
// matching was checked.
func FuzzReferences(f *testing.F) {
	p := testpki.MustLoad(f)
	cred := sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}
	for _, name := range []string{"prescription.xml", "cda-referral.xml"} {
		doc, err := os.ReadFile("../testdata/xml/" + name)
		if err != nil {
			f.Fatal(err)
		}
		res, err := sign.SignXAdES(context.Background(), doc, cred, sign.XAdESOptions{AllowNonHPKI: true, ReferenceKeyInfo: true})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(res.Signature)
	}
	det, err := sign.SignXAdESDetached(context.Background(), strings.NewReader("detached letter"), "letter.txt", cred, sign.XAdESOptions{AllowNonHPKI: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(det.Signature)
	env, err := sign.SignXAdESEnveloping(context.Background(), []byte("enveloped data"), "text/plain", cred, sign.XAdESOptions{AllowNonHPKI: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(env.Signature)
	detached := func(uri string) (io.Reader, error) {
		if uri == "letter.txt" {
			return strings.NewReader("detached letter"), nil
		}
		return nil, nil
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := xmlsig.Parse(data)
		if err != nil {
			return
		}
		ix := xmlsig.Index(doc)
		sigs := xmlsig.Find(doc.Root(), xmlsig.NSDSig, "Signature")
		if len(sigs) > 4 {
			sigs = sigs[:4]
		}
		for _, sig := range sigs {
			si := xmlsig.Child(sig, xmlsig.NSDSig, "SignedInfo")
			if si == nil {
				continue
			}
			refs := xmlsig.Children(si, xmlsig.NSDSig, "Reference")
			if len(refs) > 8 {
				refs = refs[:8]
			}
			for _, ref := range refs {
				var out bytes.Buffer
				r, err := xmlsig.CheckReferenceTo(ref, doc, ix, sig, detached, &out)
				if err != nil {
					continue
				}
				if r.Match && !r.Checked {
					t.Fatalf("reference %q matches without being checked", r.URI)
				}
			}
			_, _ = xmlsig.ArchiveInput(doc, sig, detached, nil, xmlsig.AlgExcC14N)
		}
	})
}
