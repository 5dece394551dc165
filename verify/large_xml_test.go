package verify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

// No element-count ceiling: a CDA-like document of 50,000 elements is
// signed and verified (whole document and one element by Id), and a change
// deep inside it still fails. Documents are bounded by bytes and depth
// (xmlsig.Parse), not by a traversal limit.
func TestLargeDocumentOf50000Elements(t *testing.T) {
	if testing.Short() {
		t.Skip("large document")
	}
	p := testpki.MustLoad(t)
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ClinicalDocument xmlns="urn:hl7-org:v3"><component Id="body">`)
	const entries = 25000 // two elements each
	for i := 0; i < entries; i++ {
		fmt.Fprintf(&b, `<entry><observation value="%d">v%d</observation></entry>`, i, i)
	}
	b.WriteString(`</component></ClinicalDocument>`)
	doc := []byte(b.String())
	if n := strings.Count(b.String(), "<entry>") * 2; n < 50000 {
		t.Fatalf("only %d elements", n)
	}
	for _, o := range []sign.XAdESOptions{{}, {ReferenceID: "body"}} {
		signed := signXML(t, p.Doctor, doc, o)
		r := verifyXML(t, signed, nil, nil)
		if r.Indication != TotalPassed {
			t.Fatalf("reference %q: %s/%s %v", o.ReferenceID, r.Indication, r.SubIndication, r.Signatures[0].Errors)
		}
		forged := strings.Replace(string(signed), `<observation value="24999">v24999<`, `<observation value="24999">v99999<`, 1)
		if forged == string(signed) {
			t.Fatal("nothing changed")
		}
		if r := verifyXML(t, []byte(forged), nil, nil); r.Indication != TotalFailed || r.SubIndication != HashFailure {
			t.Fatalf("changed deep inside: %s/%s", r.Indication, r.SubIndication)
		}
	}
}
