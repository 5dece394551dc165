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
	sameIndex(t, name, sv.IX, Index(doc))
}

// sameIndex: got and want map the same identifiers to the same elements
// and list the same duplicates.
func sameIndex(t testing.TB, name string, got, want *IDIndex) {
	t.Helper()
	if !slices.Equal(got.Duplicates, want.Duplicates) || len(got.byID) != len(want.byID) {
		t.Fatalf("%s: Id index differs: %q %d, want %q %d", name, got.Duplicates, len(got.byID), want.Duplicates, len(want.byID))
	}
	for id, el := range want.byID {
		if got.byID[id] != el {
			t.Fatalf("%s: Id %q indexes another element", name, id)
		}
	}
}

// checkParseSurveyed: the survey ParseSurveyed gathers while parsing is
// SurveyDocument's of the tree it returns.
func checkParseSurveyed(t testing.TB, name string, data []byte) {
	t.Helper()
	doc, sv, release, err := ParseSurveyed(data)
	if err != nil {
		return
	}
	defer release()
	want := SurveyDocument(doc)
	if !slices.Equal(sv.Signatures, want.Signatures) || sv.References != want.References {
		t.Fatalf("%s: ParseSurveyed finds %d signatures and %d references, SurveyDocument %d and %d", name, len(sv.Signatures), sv.References, len(want.Signatures), want.References)
	}
	sameIndex(t, name, sv.IX, want.IX)
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
		checkParseSurveyed(t, name, []byte(data))
	}
}

// TestParseSurveyedBorrows: ParseSurveyed's tree shares the caller's bytes
// (its contract: data unchanged until release), ParseTransient's does not.
func TestParseSurveyedBorrows(t *testing.T) {
	const text = `<Document><Data Id="d1">紹介状</Data></Document>`
	for _, tc := range []struct {
		name    string
		parse   func([]byte) (*etree.Element, func(), error)
		borrows bool
	}{
		{"ParseSurveyed", func(b []byte) (*etree.Element, func(), error) {
			doc, _, release, err := ParseSurveyed(b)
			return doc.Root(), release, err
		}, true},
		{"ParseTransient", func(b []byte) (*etree.Element, func(), error) {
			doc, release, err := ParseTransient(b)
			return doc.Root(), release, err
		}, false},
	} {
		data := []byte(text)
		root, release, err := tc.parse(data)
		if err != nil {
			t.Fatal(err)
		}
		copy(data[1:], "Xocument")
		if got := root.Tag == "Xocument"; got != tc.borrows {
			t.Errorf("%s: root is %q after the caller's bytes changed (borrows: %v)", tc.name, root.Tag, tc.borrows)
		}
		release()
	}
}
