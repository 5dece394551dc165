package pades

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// Certification (DocMDP): what may change after a certification signature
// depends on P; DSS and document timestamps are always allowed.
func TestDocMDP(t *testing.T) {
	p := loadPKI(t)
	base, _ := shadowPDF(false, "")
	fill := func(pdf []byte) []byte {
		return appendUpdate(t, pdf, map[int]string{9: "<</Type/Annot/Subtype/Widget/FT/Tx/T(amount)/V(120)/Rect[72 600 272 630]/P 3 0 R/AP<</N 40 0 R>>>>",
			40: "<</Type/XObject/Subtype/Form/BBox[0 0 200 30]" + streamBody("BT /Helv 12 Tf (120) Tj ET")[2:]})
	}
	annot := func(pdf []byte) []byte {
		return appendUpdate(t, pdf, map[int]string{3: strings.Replace(ser(objectBody(t, pdf, 3)), "/Annots [9 0 R", "/Annots [41 0 R 9 0 R", 1),
			41: "<</Type/Annot/Subtype/Text/Rect[10 10 30 30]/Contents(note)>>"})
	}
	bt := sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t)}
	for _, c := range []struct {
		p                       int
		countersign, form, note bool
	}{
		{1, false, false, false},
		{2, true, true, false},
		{3, true, true, true},
	} {
		certified := signBytes(t, base, cred(p.Doctor), SignOptions{Certify: c.p, CAdES: bt})
		rep := verifyBytes(t, certified)
		mustPass(t, rep, "PAdES-BASELINE-T")
		if !strings.Contains(strings.Join(rep.Signatures[0].Warnings, " "), "certification signature") {
			t.Errorf("P=%d: not reported as a certification: %+v", c.p, rep.Signatures[0])
		}
		check := func(what string, pdf []byte, ok bool) {
			t.Helper()
			rep := verifyBytes(t, pdf)
			if got := rep.Signatures[0].Indication == verify.TotalPassed; got != ok {
				t.Errorf("P=%d, %s: passed=%v, want %v: %+v", c.p, what, got, ok, rep.Signatures[0].Errors)
			}
		}
		// Our signer refuses to break a P=1 certification; a hand-made
		// countersignature is judged by the verifier.
		var out bytes.Buffer
		_, err := Sign(context.Background(), bytes.NewReader(certified), int64(len(certified)), &out, cred(p.Pharmacist), SignOptions{})
		if (err == nil) != c.countersign {
			t.Errorf("P=%d: countersign error %v", c.p, err)
		}
		if err == nil {
			check("countersignature", out.Bytes(), true)
		}
		check("form filled", fill(certified), c.form)
		check("annotation", annot(certified), c.note)
		// LT and LTA are always allowed.
		lta, _ := extendBytes(t, certified, sign.LevelLTA)
		check("LTA", lta, true)
		// Only the first signature may certify.
		if _, err := Sign(context.Background(), bytes.NewReader(certified), int64(len(certified)), &out, cred(p.Pharmacist), SignOptions{Certify: 2}); err == nil {
			t.Errorf("P=%d: a second certification was made", c.p)
		}
	}
}

// An EHR template's empty signature field is signed by name; a field
// cannot be signed twice.
func TestExistingField(t *testing.T) {
	p := loadPKI(t)
	pdf := appendUpdate(t, samplePDF("Referral letter"), map[int]string{
		1: "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields[7 0 R]>>>>",
		3: "<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R/Annots[7 0 R]>>",
		7: "<</FT/Sig/T(DoctorSignature)/Type/Annot/Subtype/Widget/Rect[350 60 550 130]/P 3 0 R/F 4>>",
	})
	var out bytes.Buffer
	res, err := Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, cred(p.Doctor), SignOptions{Field: "DoctorSignature", Visible: &Appearance{Page: 1, X: 1, Y: 1, W: 100, H: 40}})
	if err != nil || res.Field != "DoctorSignature" {
		t.Fatal(err, res)
	}
	rep := verifyBytes(t, out.Bytes())
	mustPass(t, rep, "PAdES-BASELINE-B")
	if len(rep.Signatures) != 1 || !strings.Contains(strings.Join(rep.Signatures[0].Covers, " "), "DoctorSignature") {
		t.Fatalf("%+v", rep.Signatures)
	}
	signed := out.Bytes()
	out.Reset()
	if _, err := Sign(context.Background(), bytes.NewReader(signed), int64(len(signed)), &out, cred(p.Pharmacist), SignOptions{Field: "DoctorSignature"}); err == nil || !strings.Contains(err.Error(), "already signed") {
		t.Fatalf("signed twice: %v", err)
	}
	// A later revision that re-signs the already signed field is a forgery.
	resign := appendUpdate(t, signed, map[int]string{7: strings.Replace(ser(objectBody(t, signed, 7)), "/V ", "/V 99 0 R /Old ", 1)})
	mustFail(t, verifyBytes(t, resign), verify.SigConstraintsFailure, "signature field DoctorSignature changed")
}

// FieldMDP: a certified (P=2) document whose later approval signature
// locks the amount field: filling it after that signature is refused for
// that signature (the certification alone allows it).
func TestFieldMDP(t *testing.T) {
	p := loadPKI(t)
	base, _ := shadowPDF(false, "")
	certified := signBytes(t, base, cred(p.Doctor), SignOptions{Certify: 2})
	// Sign does not make FieldMDP locks: build one with the same parts.
	f, err := Open(bytes.NewReader(certified), int64(len(certified)))
	if err != nil {
		t.Fatal(err)
	}
	u, err := newUpdate(f)
	if err != nil {
		t.Fatal(err)
	}
	sig := Dict{"Type": Name("Sig"), "Filter": Name("Adobe.PPKLite"), "SubFilter": Name("ETSI.CAdES.detached"), "Contents": contentsMark{8192},
		"Reference": Array{Dict{"Type": Name("SigRef"), "TransformMethod": Name("FieldMDP"),
			"TransformParams": Dict{"Type": Name("TransformParams"), "Action": Name("Include"), "Fields": Array{plain("amount")}, "V": Name("1.2")}}}}
	if _, err := u.placeSignature(sig, "", nil, cred(p.Pharmacist), time.Now(), false); err != nil {
		t.Fatal(err)
	}
	s, err := u.bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.byteRange(); err != nil {
		t.Fatal(err)
	}
	res, err := sign.SignCAdES(context.Background(), s.signedReader(f), cred(p.Pharmacist), sign.CAdESOptions{NoSigningTime: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.fill(res.Signature); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := s.writeTo(f, &out); err != nil {
		t.Fatal(err)
	}
	locked := out.Bytes()
	mustPass(t, verifyBytes(t, locked))
	filled := appendUpdate(t, locked, map[int]string{9: "<</Type/Annot/Subtype/Widget/FT/Tx/T(amount)/V(120)/Rect[72 600 272 630]/P 3 0 R/AP<</N 10 0 R>>>>"})
	rep := verifyBytes(t, filled)
	if rep.Signatures[0].Indication != verify.TotalPassed || rep.Signatures[1].Indication == verify.TotalPassed {
		t.Fatalf("certification %s, locking approval %s: %v", rep.Signatures[0].Indication, rep.Signatures[1].Indication, rep.Signatures[1].Errors)
	}
	if !strings.Contains(strings.Join(rep.Signatures[1].Errors, " "), "FieldMDP") {
		t.Errorf("%v", rep.Signatures[1].Errors)
	}
}
