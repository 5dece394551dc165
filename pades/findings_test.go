package pades

import (
	"bytes"
	"compress/flate"
	"fmt"
	"hash/adler32"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/cms/cmstest"
	"github.com/hpki-jp/hpki/verify"
)

// firstNotPassed fails t unless the first signature (S1) is not
// TOTAL_PASSED and one of its errors mentions msg.
func firstNotPassed(t testing.TB, rep *verify.Report, ind verify.Indication, msg string) {
	t.Helper()
	s := rep.Signatures[0]
	if s.Indication == verify.TotalPassed {
		t.Fatalf("S1 passed although the page was overlaid after it: %+v", s)
	}
	if ind != "" && s.Indication != ind {
		t.Errorf("S1: %s/%s, want %s: %v", s.Indication, s.SubIndication, ind, s.Errors)
	}
	if !strings.Contains(strings.Join(s.Errors, " "), msg) {
		t.Errorf("no error of S1 mentions %q: %v", msg, s.Errors)
	}
}

// overlayUpdate adds, after the signed sample, widget 40 (given its
// dictionary) to the form and to page 3, with more objects.
func overlayUpdate(t *testing.T, signed []byte, widget string, more map[int]string) []byte {
	page := ser(objectBody(t, signed, 3))
	af := objectBody(t, signed, 1).(Dict)["AcroForm"]
	fields := ser(af.(Dict)["Fields"])
	objs := map[int]string{
		1:  "<</Type/Catalog/Pages 2 0 R/AcroForm<</Fields" + strings.Replace(fields, "]", " 40 0 R]", 1) + "/SigFlags 3>>>>",
		3:  strings.Replace(page, "/Annots [", "/Annots [40 0 R ", 1),
		40: widget,
		41: "<</Type/XObject/Subtype/Form/BBox[0 0 595 842]" + streamBody("1 1 1 rg 0 0 595 842 re f BT /Helv 18 Tf 72 700 Td (Pay 1000 EUR) Tj ET")[2:],
	}
	for n, b := range more {
		objs[n] = b
	}
	return appendUpdate(t, signed, objs)
}

// Finding "indirect-rect-overlay": every value the change classifier
// consults is resolved through references; an empty signature widget
// whose /Rect (or a part of it, its flags, its appearance) is indirect is
// still seen to be visible.
func TestIndirectValuesInChanges(t *testing.T) {
	p := loadPKI(t)
	signed := signBytes(t, samplePDF("Pay 100 EUR"), cred(p.Doctor), SignOptions{})
	mustPass(t, verifyBytes(t, signed))
	for name, c := range map[string]struct {
		widget string
		more   map[int]string
		msg    string
	}{
		"Rect indirect":        {"<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig2)/Rect 42 0 R/P 3 0 R/F 4/AP<</N 41 0 R>>>>", map[int]string{42: "[0 0 595 842]"}, "visible, empty signature widget"},
		"Rect number indirect": {"<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig2)/Rect[0 0 42 0 R 842]/P 3 0 R/F 4/AP<</N 41 0 R>>>>", map[int]string{42: "595"}, "visible, empty signature widget"},
		"AP indirect":          {"<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig2)/Rect[0 0 595 842]/P 3 0 R/F 4/AP 42 0 R>>", map[int]string{42: "<</N 41 0 R>>"}, "visible, empty signature widget"},
		"F indirect":           {"<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig2)/Rect[0 0 595 842]/P 3 0 R/F 42 0 R/AP<</N 41 0 R>>>>", map[int]string{42: "4"}, "visible, empty signature widget"},
		"Rect unresolvable":    {"<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig2)/Rect 42 0 R/P 3 0 R/F 4/AP<</N 41 0 R>>>>", map[int]string{42: "<</Odd true>>"}, "visible, empty signature widget"},
		"FT indirect":          {"<</Type/Annot/Subtype/Widget/FT 42 0 R/T(Sig2)/Rect[0 0 0 0]/P 3 0 R/F 4/AP<</N 41 0 R>>>>", map[int]string{42: "/Tx"}, "form field"},
		"V indirect null":      {"<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig2)/V 42 0 R/Rect 43 0 R/P 3 0 R/F 4/AP<</N 41 0 R>>>>", map[int]string{42: "null", 43: "[0 0 595 842]"}, "visible, empty signature"},
	} {
		t.Run(name, func(t *testing.T) {
			rep := verifyBytes(t, overlayUpdate(t, signed, c.widget, c.more))
			firstNotPassed(t, rep, verify.TotalFailed, c.msg)
		})
	}
	// An invisible empty field (no area, or hidden) stays allowed, also
	// when its values are indirect.
	for name, c := range map[string]struct {
		widget string
		more   map[int]string
	}{
		"zero Rect indirect": {"<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig2)/Rect 42 0 R/P 3 0 R/F 4/AP<</N 41 0 R>>>>", map[int]string{42: "[0 0 0 0]"}},
		"hidden indirect":    {"<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig2)/Rect[0 0 595 842]/P 3 0 R/F 42 0 R/AP<</N 41 0 R>>>>", map[int]string{42: "2"}},
	} {
		t.Run(name, func(t *testing.T) {
			mustPass(t, verifyBytes(t, overlayUpdate(t, signed, c.widget, c.more)))
		})
	}
}

// Finding "doctimestamp-widget-overlay": a document timestamp is
// invisible; one with a visible widget is a change not allowed for the
// earlier signatures. A later approval signature with a visible widget is
// allowed only when it passes itself.
func TestVisibleLaterSignatureWidget(t *testing.T) {
	p := loadPKI(t)
	signed := signBytes(t, samplePDF("Pay 100 EUR"), cred(p.Doctor), SignOptions{})
	sigDict := func(sub string) string {
		return "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/" + sub + "/ByteRange[0 10 20 30]/Contents<" + strings.Repeat("00", 64) + ">>>"
	}
	t.Run("document timestamp", func(t *testing.T) {
		pdf := overlayUpdate(t, signed, "<</Type/Annot/Subtype/Widget/FT/Sig/T(Stamp)/Rect[0 0 595 842]/P 3 0 R/F 4/AP<</N 41 0 R>>/V 42 0 R>>",
			map[int]string{42: strings.Replace(sigDict("ETSI.RFC3161"), "/Type/Sig", "/Type/DocTimeStamp", 1)})
		firstNotPassed(t, verifyBytes(t, pdf), verify.TotalFailed, "document timestamp with a visible widget")
	})
	t.Run("document timestamp, indirect Rect", func(t *testing.T) {
		pdf := overlayUpdate(t, signed, "<</Type/Annot/Subtype/Widget/FT/Sig/T(Stamp)/Rect 43 0 R/P 3 0 R/F 4/AP<</N 41 0 R>>/V 42 0 R>>",
			map[int]string{42: sigDict("ETSI.RFC3161"), 43: "[0 0 595 842]"})
		firstNotPassed(t, verifyBytes(t, pdf), verify.TotalFailed, "document timestamp with a visible widget")
	})
	t.Run("signature that does not verify", func(t *testing.T) {
		pdf := overlayUpdate(t, signed, "<</Type/Annot/Subtype/Widget/FT/Sig/T(Sig2)/Rect[0 0 595 842]/P 3 0 R/F 4/AP<</N 41 0 R>>/V 42 0 R>>",
			map[int]string{42: sigDict("ETSI.CAdES.detached")})
		firstNotPassed(t, verifyBytes(t, pdf), verify.TotalFailed, "that signature does not verify")
	})
	t.Run("invisible document timestamp allowed", func(t *testing.T) {
		pdf := overlayUpdate(t, signed, "<</Type/Annot/Subtype/Widget/FT/Sig/T(Stamp)/Rect[0 0 0 0]/P 3 0 R/F 132/V 42 0 R>>",
			map[int]string{42: sigDict("ETSI.RFC3161")})
		rep := verifyBytes(t, pdf)
		if s := rep.Signatures[0]; s.Indication != verify.TotalPassed {
			t.Fatalf("S1 %s: %v", s.Indication, s.Errors)
		}
	})
	t.Run("visible signature that passes", func(t *testing.T) {
		two := signBytes(t, signed, cred(p.Pharmacist), SignOptions{Visible: &Appearance{Page: 1, X: 50, Y: 60, W: 200, H: 70}})
		rep := verifyBytes(t, two)
		mustPass(t, rep)
		if !strings.Contains(strings.Join(rep.Signatures[0].Warnings, " "), "visible") {
			t.Errorf("S1's warnings do not name the visible signature: %v", rep.Signatures[0].Warnings)
		}
	})
}

// Finding "xref-over-198-entries-refused": tables of any length, in one or
// several subsections, are read whole (a table longer than the first
// parsing window was read twice into the same section).
func TestXrefTableSizes(t *testing.T) {
	for _, n := range []int{1, 198, 199, 200, 10000} {
		for _, split := range []int{1, 3} {
			t.Run(fmt.Sprintf("%d entries, %d subsections", n, split), func(t *testing.T) {
				objs := []string{"<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[]/Count 0>>"}
				for i := len(objs); i < n; i++ {
					objs = append(objs, fmt.Sprintf("<</N %d>>", i))
				}
				pdf := buildPDF(objs, "")
				if split > 1 {
					pdf = splitTable(t, pdf, split)
				}
				f, err := Open(bytes.NewReader(pdf), int64(len(pdf)))
				if err != nil {
					t.Fatal(err)
				}
				last := f.Revisions[len(f.Revisions)-1]
				for i := 1; i <= n; i++ {
					o, err := f.Object(last, i)
					if err != nil || o == nil {
						t.Fatalf("object %d: %v %v", i, o, err)
					}
				}
			})
		}
	}
}

// splitTable rewrites the single subsection "0 n" of pdf's table into k
// subsections.
func splitTable(t *testing.T, pdf []byte, k int) []byte {
	x := bytes.LastIndex(pdf, []byte("xref\n0 "))
	tr := bytes.Index(pdf[x:], []byte("trailer"))
	var n int
	fmt.Sscanf(string(pdf[x+5:]), "0 %d", &n)
	lines := strings.SplitAfter(string(pdf[x:x+tr]), "\r\n")
	head := strings.Index(lines[0], "\n")
	lines[0] = lines[0][head+1:]
	lines[0] = lines[0][strings.Index(lines[0], "\n")+1:]
	var b strings.Builder
	b.WriteString("xref\n")
	per := (n + k - 1) / k
	for i := 0; i < n; i += per {
		c := min(per, n-i)
		fmt.Fprintf(&b, "%d %d\n", i, c)
		for _, l := range lines[i : i+c] {
			b.WriteString(l)
		}
	}
	out := append(append([]byte{}, pdf[:x]...), b.String()...)
	return append(out, pdf[x+tr:]...)
}

// flateXrefUpdate appends to pdf an update whose cross-reference stream,
// listing object 6 again and itself, decodes to pad more bytes than its
// /Index says (or, with count > 0, lists count free entries).
func flateXrefUpdate(t testing.TB, pdf []byte, num, pad, count int) []byte {
	var head int
	if _, err := fmt.Sscanf(string(pdf[bytes.LastIndex(pdf, []byte("startxref")):]), "startxref\n%d", &head); err != nil {
		t.Fatal(err)
	}
	out := append([]byte{}, pdf...)
	o6 := len(out)
	out = append(out, fmt.Sprintf("6 0 obj\n<</Title(rev %d)>>\nendobj\n", num)...)
	x := len(out)
	rows := []byte{1, byte(o6 >> 24), byte(o6 >> 16), byte(o6 >> 8), byte(o6), 0, 0, 1, byte(x >> 24), byte(x >> 16), byte(x >> 8), byte(x), 0, 0}
	index := fmt.Sprintf("[6 1 %d 1]", num)
	if count > 0 {
		index = fmt.Sprintf("[6 1 %d 1 1000 %d]", num, count)
		pad = 7 * count
	}
	z := zlibPadded(rows, pad)
	out = append(out, fmt.Sprintf("%d 0 obj\n<</Type/XRef/Size %d/Index%s/W[1 4 2]/Filter/FlateDecode/Root 1 0 R/Info 6 0 R/Prev %d/Length %d>>\nstream\n", num, num+1+1000+count, index, head, len(z))...)
	out = append(out, z...)
	return append(out, fmt.Sprintf("\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", x)...)
}

var zeroBlocks = map[int][]byte{}

// zlibPadded returns the zlib stream of data followed by pad zero bytes;
// the raw deflate data of the zeros is made once per length and appended
// after a sync flush of data (deflate blocks are independent there).
func zlibPadded(data []byte, pad int) []byte {
	zb, ok := zeroBlocks[pad]
	if !ok {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestCompression)
		zero := make([]byte, 1<<20)
		for n := pad; n > 0; n -= min(n, len(zero)) {
			fw.Write(zero[:min(n, len(zero))])
		}
		fw.Close()
		zb = b.Bytes()
		zeroBlocks[pad] = zb
	}
	var b bytes.Buffer
	b.Write([]byte{0x78, 0xda})
	fw, _ := flate.NewWriter(&b, flate.BestCompression)
	fw.Write(data)
	fw.Flush()
	b.Write(zb)
	a := adler32.New()
	a.Write(data)
	zero := make([]byte, 1<<20)
	for n := pad; n > 0; n -= min(n, len(zero)) {
		a.Write(zero[:min(n, len(zero))])
	}
	return a.Sum(b.Bytes())
}

// Finding "xref-stream-memory": cross-reference streams that decode to far
// more than their entries need cost memory bounded by the input (16·N +
// 64 MB, allocation counted), growing linearly with the number of updates.
func TestXrefStreamMemory(t *testing.T) {
	p := loadPKI(t)
	signed := signBytes(t, samplePDF("Pay 100 EUR"), cred(p.Doctor), SignOptions{})
	v := verify.New(verifyOpts(t))
	run := func(in []byte) {
		if rep, err := Verify(t.Context(), bytes.NewReader(in), int64(len(in)), v); err == nil && rep.Indication == verify.TotalPassed {
			t.Error("a file with padded cross-reference streams passed")
		}
	}
	// Padding after the entries.
	cmstest.AssertLinear(t, "padded xref streams", func(scale int) []byte {
		pdf := signed
		for i := 0; i < 4*scale; i++ {
			pdf = flateXrefUpdate(t, pdf, 30+i, 60<<20, 0)
		}
		return pdf
	}, run)
	// Millions of free entries, compressed to a few kilobytes.
	cmstest.AssertLinear(t, "huge /Index", func(scale int) []byte {
		pdf := signed
		for i := 0; i < scale; i++ {
			pdf = flateXrefUpdate(t, pdf, 30+i, 0, 4<<20-2000)
		}
		return pdf
	}, run)
}
