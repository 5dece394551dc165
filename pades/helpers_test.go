package pades

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// samplePDF builds a small one-page PDF with a classic cross-reference
// table showing text.
func samplePDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj ET", text)
	return buildPDF([]string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
		streamBody(content),
		"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
		"<</Producer(hpki test)>>",
	}, "")
}

func streamBody(content string) string {
	return fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(content)+1, content)
}

// buildPDF writes objects 1..n (object 1 the catalog, 6 the info
// dictionary when present) with a classic cross-reference table; extra is
// written, unlisted, before the table.
func buildPDF(objs []string, extra string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	b.WriteString(extra)
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	info := ""
	if len(objs) >= 6 {
		info = "/Info 6 0 R"
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root 1 0 R%s/ID[<0102030405060708090A0B0C0D0E0F10><0102030405060708090A0B0C0D0E0F10>]>>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, info, x)
	return b.Bytes()
}

// appendUpdate appends a hand-made incremental update defining objs (number
// → body, "" for a free entry) with a classic cross-reference section.
func appendUpdate(t testing.TB, pdf []byte, objs map[int]string) []byte {
	t.Helper()
	f, err := Open(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	last := f.Revisions[len(f.Revisions)-1]
	var b bytes.Buffer
	b.Write(pdf)
	offs := map[int]int{}
	nums := []int{}
	for n, body := range objs {
		nums = append(nums, n)
		if body == "" {
			continue
		}
		offs[n] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, body)
	}
	sort.Ints(nums)
	x := b.Len()
	b.WriteString("xref\n")
	size, _ := last.Trailer["Size"].(int64)
	for _, n := range nums {
		if int64(n) >= size {
			size = int64(n) + 1
		}
		if objs[n] == "" {
			fmt.Fprintf(&b, "%d 1\n0000000000 00001 f\r\n", n)
			continue
		}
		fmt.Fprintf(&b, "%d 1\n%010d 00000 n\r\n", n, offs[n])
	}
	root := last.Trailer["Root"].(Ref)
	fmt.Fprintf(&b, "trailer\n<</Size %d/Root %d 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n", size, root.Num, last.Head(), x)
	return b.Bytes()
}

// objectBody returns the body (between "obj" and "endobj") of object num as
// the last revision has it, serialised.
func objectBody(t testing.TB, pdf []byte, num int) Object {
	t.Helper()
	f, err := Open(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	o, err := f.Object(f.Revisions[len(f.Revisions)-1], num)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func ser(o Object) string { return string(appendObject(nil, o)) }

// referralPDF is a one-page referral letter (紹介状) in Japanese, set in
// the non-embedded HeiseiMin-W3 font (UniJIS-UCS2-H): the sample of
// testdata/pdf.
func referralPDF() []byte { return referralPDFCatalog("<</Type/Catalog/Pages 2 0 R>>") }

// referralPDFCatalog is referralPDF with another catalog dictionary.
func referralPDFCatalog(catalog string) []byte {
	line := func(x, y, size int, s string) string {
		var h strings.Builder
		for _, r := range s {
			fmt.Fprintf(&h, "%04X", r)
		}
		return fmt.Sprintf("BT /F1 %d Tf %d %d Td <%s> Tj ET\n", size, x, y, h.String())
	}
	content := line(250, 780, 20, "紹介状") +
		line(72, 730, 11, "テスト総合病院 内科 御侍史") +
		line(72, 700, 11, "患者氏名: 試験 花子 様 (昭和45年1月1日生)") +
		line(72, 670, 11, "傷病名: 2型糖尿病") +
		line(72, 640, 11, "紹介目的: 精査加療のお願い") +
		line(72, 600, 11, "いつもお世話になっております。上記の患者様をご紹介いたします。") +
		line(72, 580, 11, "ご多忙中恐縮ですが、よろしくお願い申し上げます。") +
		line(72, 520, 11, "(合成データ: 実在の人物・医療機関とは関係ありません)")
	return buildPDF([]string{
		catalog,
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>",
		streamBody(content),
		"<</Type/Font/Subtype/Type0/BaseFont/HeiseiMin-W3/Encoding/UniJIS-UCS2-H/DescendantFonts[7 0 R]>>",
		"<</Producer(hpki sample)/Title(Referral letter sample)>>",
		"<</Type/Font/Subtype/CIDFontType0/BaseFont/HeiseiMin-W3/CIDSystemInfo<</Registry(Adobe)/Ordering(Japan1)/Supplement 2>>/FontDescriptor 8 0 R/DW 1000/W[1 95 500]>>",
		"<</Type/FontDescriptor/FontName/HeiseiMin-W3/Flags 6/FontBBox[-123 -257 1001 910]/ItalicAngle 0/Ascent 859/Descent -141/CapHeight 709/StemV 69>>",
	}, "")
}

func TestWriteSample(t *testing.T) {
	if os.Getenv("PADES_WRITE_SAMPLE") == "" {
		t.Skip("set PADES_WRITE_SAMPLE=1 to rewrite testdata/pdf/referral-letter.pdf")
	}
	os.MkdirAll("../testdata/pdf", 0o755)
	if err := os.WriteFile("../testdata/pdf/referral-letter.pdf", referralPDF(), 0o644); err != nil {
		t.Fatal(err)
	}
}
