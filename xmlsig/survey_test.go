package xmlsig

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/beevik/etree"
)

// checkSurvey: SurveyDocument finds what Find, CheckReferences and Index
// find, in the same order.
func checkSurvey(t testing.TB, name string, doc *etree.Document) {
	t.Helper()
	sv := SurveyDocument(doc)
	if want := Find(doc.Root(), NSDSig, "Signature"); !slices.Equal(sv.Signatures, want) {
		t.Fatalf("%s: %d signatures, Find says %d", name, len(sv.Signatures), len(want))
	}
	if want := len(Find(doc.Root(), NSDSig, "Reference")); sv.References != want {
		t.Fatalf("%s: %d references, Find says %d", name, sv.References, want)
	}
	if (sv.CheckReferences() == nil) != (CheckReferences(doc) == nil) {
		t.Fatalf("%s: CheckReferences differs", name)
	}
	ix := Index(doc)
	if !slices.Equal(sv.IX.Duplicates, ix.Duplicates) || len(sv.IX.byID) != len(ix.byID) {
		t.Fatalf("%s: Id index differs: %q %d, want %q %d", name, sv.IX.Duplicates, len(sv.IX.byID), ix.Duplicates, len(ix.byID))
	}
	for id, el := range ix.byID {
		if sv.IX.byID[id] != el {
			t.Fatalf("%s: Id %q indexes another element", name, id)
		}
	}
}

func TestSurveyMatchesWalks(t *testing.T) {
	files, _ := filepath.Glob("../testdata/xml/*.xml")
	if len(files) == 0 {
		t.Fatal("no sample documents")
	}
	docs := map[string]string{
		"nested": `<r xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="a"><ds:Signature Id="b"><ds:SignedInfo><ds:Reference URI="#a"/><Reference/></ds:SignedInfo></ds:Signature>` +
			`<x xmlns="http://www.w3.org/2000/09/xmldsig#" ID="a"><Signature id="b"><Reference/><Reference/></Signature></x><Signature/><ds:Signature Id="a"/></r>`,
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = string(data)
	}
	for name, data := range docs {
		doc, err := Parse([]byte(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkSurvey(t, name, doc)
	}
}
