package pades

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/verify"
)

// shadowPDF is a document prepared for the shadow attacks: its page shows
// content 4 under an overlay 7, has a text field 9 ("100") with appearance
// 10, and carries an unreferenced alternative content 11 ("Pay 1000 EUR").
// hidden, when set, adds an unlisted second definition of object 4 before
// the cross-reference table (for the hide-and-replace via cross-reference
// attack) and returns its offset.
func shadowPDF(hidden bool, contents string) ([]byte, int) {
	extra := ""
	if hidden {
		extra = "4 0 obj\n" + streamBody("BT /F1 18 Tf 72 720 Td (Pay 1000 EUR) Tj ET") + "\nendobj\n"
	}
	if contents == "" {
		contents = "[4 0 R 7 0 R]"
	}
	objs := []string{
		"<</Type/Catalog/Pages 2 0 R/AcroForm 8 0 R>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>/Contents " + contents + "/Annots[9 0 R]>>",
		streamBody("BT /F1 18 Tf 72 720 Td (Pay 100 EUR) Tj ET"),
		"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
		"<</Producer(hpki test)>>",
		streamBody("q 1 1 1 rg 70 700 300 40 re f Q BT /F1 18 Tf 72 720 Td (Approved) Tj ET"),
		"<</Fields[9 0 R]>>",
		"<</Type/Annot/Subtype/Widget/FT/Tx/T(amount)/V(100)/Rect[72 600 272 630]/P 3 0 R/AP<</N 10 0 R>>>>",
		"<</Type/XObject/Subtype/Form/BBox[0 0 200 30]/Length 42>>\nstream\nBT /Helv 12 Tf 2 10 Td (100) Tj ET       \nendstream",
		streamBody("BT /F1 18 Tf 72 720 Td (Pay 1000 EUR) Tj ET"),
	}
	pdf := buildPDF(objs, extra)
	return pdf, bytes.Index(pdf, []byte(extra+"xref"))
}

// xrefOnly appends an update made only of a cross-reference section that
// points object num at off.
func xrefOnly(t *testing.T, pdf []byte, num, off int) []byte {
	f, err := Open(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	last := f.Revisions[len(f.Revisions)-1]
	x := len(pdf)
	return append(append([]byte{}, pdf...), fmt.Sprintf("xref\n%d 1\n%010d 00000 n\r\ntrailer\n<</Size %d/Root 1 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", num, off, last.Trailer["Size"], last.Head(), x)...)
}

func TestAttacks(t *testing.T) {
	p := loadPKI(t)
	doctor := cred(p.Doctor)
	base, _ := shadowPDF(false, "")
	signed := signBytes(t, base, doctor, SignOptions{})
	mustPass(t, verifyBytes(t, signed), "PAdES-BASELINE-B")

	hiddenBase, hiddenAt := shadowPDF(true, "")
	hiddenSigned := signBytes(t, hiddenBase, doctor, SignOptions{})
	mustPass(t, verifyBytes(t, hiddenSigned))
	danglingSigned := signBytes(t, func() []byte { b, _ := shadowPDF(false, "[4 0 R 99 0 R]"); return b }(), doctor, SignOptions{})

	newContent := streamBody("BT /F1 18 Tf 72 720 Td (Pay 1000 EUR) Tj ET")
	cases := []struct {
		name string
		pdf  []byte
		sub  verify.SubIndication
		msg  string
	}{
		// Incremental saving attack: a later revision replaces the content.
		{"ISA: content replaced", appendUpdate(t, signed, map[int]string{4: newContent}), verify.SigConstraintsFailure, "stream 4 was changed"},
		// ISA with the new catalog: another page tree.
		{"ISA: catalog replaced", appendUpdate(t, signed, map[int]string{1: "<</Type/Catalog/Pages 12 0 R/AcroForm 8 0 R>>", 12: "<</Type/Pages/Kids[3 0 R]/Count 1>>"}), verify.SigConstraintsFailure, "catalog's /Pages changed"},
		// ISA without a cross-reference section: objects after %%EOF
		// that a repairing reader might use.
		{"ISA: objects after %%EOF", append(append([]byte{}, signed...), "4 0 obj\n"+newContent+"\nendobj\n"...), verify.SigConstraintsFailure, "after the last %%EOF"},
		// ISA with objects in the update that no section lists.
		{"ISA: unlisted object in an update", appendUpdate(t, append(append([]byte{}, signed...), "4 0 obj\n"+newContent+"\nendobj\n"...), map[int]string{40: "<</Dummy true>>"}),
			verify.SigConstraintsFailure, "not part of any object the cross-reference sections list"},
		// Shadow attack, hide: the overlay is dropped after signing.
		{"shadow hide: overlay removed", appendUpdate(t, signed, map[int]string{3: strings.Replace(ser(objectBody(t, signed, 3)), "[4 0 R 7 0 R]", "[4 0 R]", 1)}), verify.SigConstraintsFailure, "/Contents changed"},
		// Shadow attack, hide via the annotation's flags.
		{"shadow hide: field hidden", appendUpdate(t, signed, map[int]string{9: "<</Type/Annot/Subtype/Widget/FT/Tx/T(amount)/V(100)/F 2/Rect[72 600 272 630]/P 3 0 R/AP<</N 10 0 R>>>>"}), verify.SigConstraintsFailure, "form field amount changed"},
		// Shadow attack, replace: the field gets another value and look.
		{"shadow replace: form value", appendUpdate(t, signed, map[int]string{9: "<</Type/Annot/Subtype/Widget/FT/Tx/T(amount)/V(1000)/Rect[72 600 272 630]/P 3 0 R/AP<</N 12 0 R>>>>",
			12: "<</Type/XObject/Subtype/Form/BBox[0 0 200 30]" + streamBody("BT /Helv 12 Tf (1000) Tj ET")[2:]}), verify.SigConstraintsFailure, "form field amount filled in"},
		// Shadow attack, replace via overlay: another font.
		{"shadow replace: font", appendUpdate(t, signed, map[int]string{5: "<</Type/Font/Subtype/Type1/BaseFont/Courier>>"}), verify.SigConstraintsFailure, "/Font object 5 was changed"},
		// Shadow attack, hide-and-replace: the page now shows the hidden
		// alternative content 11 that the signed revision carried.
		{"shadow hide-and-replace: page contents", appendUpdate(t, signed, map[int]string{3: strings.Replace(ser(objectBody(t, signed, 3)), "[4 0 R 7 0 R]", "11 0 R", 1)}), verify.SigConstraintsFailure, "/Contents changed"},
		// Hide-and-replace via the cross-reference table alone: object 4
		// now points at the second, unlisted definition of the signed bytes.
		{"shadow hide-and-replace: xref only", xrefOnly(t, hiddenSigned, 4, hiddenAt), verify.SigConstraintsFailure, "stream 4 was changed"},
		// A dangling reference of the signed revision filled in later.
		{"dangling reference filled", appendUpdate(t, danglingSigned, map[int]string{99: newContent}), verify.SigConstraintsFailure, "dangling reference"},
		// The signature field removed by a later revision: still judged.
		{"signature removed", appendUpdate(t, signed, map[int]string{8: "<</Fields[9 0 R]>>"}), verify.SigConstraintsFailure, "was removed"},
		// An object deleted.
		{"object deleted", appendUpdate(t, signed, map[int]string{7: ""}), verify.SigConstraintsFailure, "deleted"},
		// An annotation added to an approval-signed (not certified) document.
		{"annotation added", appendUpdate(t, signed, map[int]string{3: strings.Replace(ser(objectBody(t, signed, 3)), "/Annots [9 0 R ", "/Annots [9 0 R 40 0 R ", 1),
			40: "<</Type/Annot/Subtype/FreeText/Rect[70 700 370 740]/Contents(Pay 1000 EUR)/DA(/Helv 18 Tf 0 g)>>"}), verify.SigConstraintsFailure, "an annotation was added"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Verify(t.Context(), bytes.NewReader(c.pdf), int64(len(c.pdf)), verify.New(verifyOpts(t)))
			if err != nil {
				t.Fatal(err)
			}
			mustFail(t, rep, c.sub, c.msg)
		})
	}
}

// The signature wrapping attack: the /Contents string is shortened and
// the freed room of the excluded hole carries other bytes.
func TestSignatureWrapping(t *testing.T) {
	p := loadPKI(t)
	signed := signBytes(t, samplePDF("Pay 100 EUR"), cred(p.Doctor), SignOptions{})
	f, err := Open(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := f.signatures()
	if err != nil || len(sigs) != 1 {
		t.Fatal(err)
	}
	a, b := sigs[0].br[1], sigs[0].br[2]
	cmsHex := strings.TrimRight(string(signed[a+1:b-1]), "0")
	if len(cmsHex)%2 == 1 {
		cmsHex += "0"
	}
	// <CMS>/X(........) fills the hole exactly; the signed bytes are intact.
	hole := "<" + cmsHex + ">/X("
	pad := int(b-a) - len(hole) - 1
	wrapped := append([]byte{}, signed...)
	copy(wrapped[a:], hole+strings.Repeat("A", pad)+")")
	rep := verifyBytes(t, wrapped)
	mustFail(t, rep, verify.FormatFailure, "wrapped signature")

	// A /ByteRange that stops short of the revision's end.
	short := bytes.Replace(signed, []byte(fmt.Sprintf("[%d %d %d %d]", 0, a, b, sigs[0].br[3])), []byte(fmt.Sprintf("[%d %d %d %d]", 0, a, b, sigs[0].br[3]-10)), 1)
	mustFail(t, verifyBytes(t, short), "", "")
}

// Universal signature forgery: signature dictionaries without a usable
// /ByteRange or /Contents.
func TestUniversalSignatureForgery(t *testing.T) {
	base := samplePDF("Pay 100 EUR")
	for name, sig := range map[string]string{
		"no ByteRange":      "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/Contents<3000>>>",
		"null ByteRange":    "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange null/Contents<3000>>>",
		"zero ByteRange":    "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 0 0 0]/Contents<3000>>>",
		"no Contents":       "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 10 20 30]>>",
		"literal Contents":  "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange[0 10 20 30]/Contents(x)>>",
		"unknown SubFilter": "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/adbe.x509.rsa_sha1/ByteRange[0 10 20 30]/Contents<00>>>",
	} {
		t.Run(name, func(t *testing.T) {
			pdf := appendUpdate(t, base, map[int]string{
				1: "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[7 0 R]/SigFlags 3>>>>",
				7: "<</FT/Sig/T(S)/V 8 0 R/Type/Annot/Subtype/Widget/Rect[0 0 0 0]/P 3 0 R>>",
				8: sig,
			})
			mustFail(t, verifyBytes(t, pdf), verify.FormatFailure, "")
		})
	}
}

// Roles that allow changes (DSS, document information, cross-reference
// streams) cannot be lent to what a page shows.
func TestRoleConfusion(t *testing.T) {
	p := loadPKI(t)
	doctor := cred(p.Doctor)
	newContent := streamBody("BT /F1 18 Tf 72 720 Td (Pay 1000 EUR) Tj ET")
	withCatalog := func(cat string) []byte {
		return buildPDF([]string{
			cat,
			"<</Type/Pages/Kids[3 0 R]/Count 1>>",
			"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
			streamBody("BT /F1 18 Tf 72 720 Td (Pay 100 EUR) Tj ET"),
			"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
			"<</Producer(hpki test)>>",
		}, "")
	}
	// The signed revision's DSS names the page's content stream (and its
	// /Contents through an array the DSS also names).
	dssLies := signBytes(t, withCatalog("<</Type/Catalog/Pages 2 0 R/DSS<</Certs[4 0 R]>>>>"), doctor, SignOptions{})
	mustFail(t, verifyBytes(t, appendUpdate(t, dssLies, map[int]string{4: newContent})), verify.SigConstraintsFailure, "stream 4 was changed")
	// /Info names the page's content stream.
	info := bytes.Replace(samplePDF("Pay 100 EUR"), []byte("/Info 6 0 R"), []byte("/Info 4 0 R"), 1)
	infoLies := signBytes(t, info, doctor, SignOptions{})
	mustFail(t, verifyBytes(t, appendUpdate(t, infoLies, map[int]string{4: newContent})), verify.SigConstraintsFailure, "stream 4 was changed")
	// A cross-reference stream that takes the number of the page's content.
	signed := signBytes(t, samplePDF("Pay 100 EUR"), doctor, SignOptions{})
	f, err := Open(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatal(err)
	}
	last := f.Revisions[len(f.Revisions)-1]
	x := len(signed)
	row := []byte{1, byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x), 0, 0}
	xs := append(append([]byte{}, signed...), fmt.Sprintf("4 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Index[4 1]/Prev %d/Root 1 0 R/Length 7>>\nstream\n", last.Trailer["Size"], last.Head())...)
	xs = append(xs, row...)
	xs = append(xs, fmt.Sprintf("\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", x)...)
	mustFail(t, verifyBytes(t, xs), verify.SigConstraintsFailure, "stream 4 was changed")
}

// A visible signature widget without a signature (the "sneaky signature"
// overlay) is not a signature: judged as an annotation.
func TestEmptyVisibleSignatureWidget(t *testing.T) {
	p := loadPKI(t)
	signed := signBytes(t, samplePDF("Pay 100 EUR"), cred(p.Doctor), SignOptions{})
	page := ser(objectBody(t, signed, 3))
	af := objectBody(t, signed, 1).(Dict)["AcroForm"]
	fields := ser(af.(Dict)["Fields"])
	overlay := appendUpdate(t, signed, map[int]string{
		1:  "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields" + strings.Replace(fields, "]", " 40 0 R]", 1) + "/SigFlags 3>>>>",
		3:  strings.Replace(page, "/Annots [", "/Annots [40 0 R ", 1),
		40: "<</Type/Annot/Subtype/Widget/FT/Sig/T(Overlay)/Rect[70 700 370 740]/P 3 0 R/AP<</N 41 0 R>>>>",
		41: "<</Type/XObject/Subtype/Form/BBox[0 0 300 40]" + streamBody("1 1 1 rg 0 0 300 40 re f BT /Helv 18 Tf (Pay 1000 EUR) Tj ET")[2:],
	})
	mustFail(t, verifyBytes(t, overlay), verify.SigConstraintsFailure, "visible, empty signature widget")
}
