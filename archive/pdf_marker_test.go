package archive

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/verify"
)

// A signed PDF whose /ByteRange was mangled is still a record (found by the
// walk, verified, reported failed), never silently left out.
func TestMangledPDFSignatureIsARecord(t *testing.T) {
	f := newFixture(t)
	pdf := f.signedPDF(t)
	f.write(t, "ok.signed.pdf", pdf)
	f.write(t, "mangled.signed.pdf", bytes.Replace(pdf, []byte("/ByteRange"), []byte("/ByteRangX"), 1))
	recs, sum := collect(t, paths(t, f.dir), Options{Verify: f.opts})
	if sum.Records != 2 || sum.Passed != 1 || len(recs) != 2 {
		t.Fatalf("%+v %v", sum, names(recs))
	}
	if !strings.HasSuffix(recs[0].Path, "mangled.signed.pdf") || recs[0].Indication == verify.TotalPassed {
		t.Fatalf("%+v", recs[0])
	}
}

func TestPDFLooksSigned(t *testing.T) {
	pad := strings.Repeat("x", 64<<10-5)
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"<</ByteRange[0 1 2 3]>>", true},
		{"<</Type /Sig>>", true},
		{"<</Type/Sig/Filter/Adobe.PPKLite>>", true},
		{"<</FT\r\n  /Sig /V 5 0 R>>", true},
		{"<</FT/Sig", true},
		{"<</Type/DocTimeStamp>>", true},
		{pad + "/Type /Sig>>", true}, // across a block boundary
		{"<</Type/Page/MediaBox[0 0 200 200]>>", false},
		{"<</SigFlags 3/Type/Signature>>", false},
		{"<</Type /SigRef>>", false},
		{"", false},
	} {
		got, err := pdfLooksSigned(strings.NewReader(tc.text))
		if err != nil || got != tc.want {
			t.Errorf("%.40q: %v %v", tc.text[max(0, len(tc.text)-40):], got, err)
		}
	}
}

// FuzzPDFLooksSigned: the block-wise look for a signature marker agrees
// with a look at the whole text, wherever the blocks are cut.
func FuzzPDFLooksSigned(f *testing.F) {
	f.Add([]byte("<</Type /Sig>>"), 0)
	f.Add([]byte("<</FT\n/Sig"), 100)
	f.Add([]byte("/ByteRange"), 65530)
	f.Fuzz(func(t *testing.T, text []byte, pad int) {
		if pad < 0 || pad > 200<<10 || len(text) > 1<<10 {
			return
		}
		data := append(bytes.Repeat([]byte{' '}, pad), text...)
		got, err := pdfLooksSigned(bytes.NewReader(data))
		want := pdfSigMarker.Match(append(bytes.Clone(data), '\n'))
		if err != nil || got != want {
			t.Fatalf("pad %d %q: %v %v, want %v", pad, text, got, err, want)
		}
	})
}

// A PDF found by the walk without any signature name in its text is
// still given to the PDF reader (signature dictionaries may sit in
// compressed object streams, which an attack used to hide a signed PDF
// from a run): a readable PDF without signatures is no record, one the
// reader cannot read is listed as SKIPPED, never silently left out.
func TestUnmarkedPDFsAreJudgedByTheReader(t *testing.T) {
	letter, err := os.ReadFile(filepath.Join("..", "testdata", "pdf", "referral-letter.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.write(t, "plain.pdf", letter)
	f.write(t, "broken.pdf", []byte("%PDF-1.7\n1 0 obj << /Length 99999 >>\nstream\nnot really\n"))
	recs, sum := collect(t, paths(t, f.dir), Options{Verify: f.opts})
	if len(recs) != 1 || !strings.HasSuffix(recs[0].Path, "broken.pdf") || recs[0].Status != StatusSkipped || sum.Passed != 0 {
		t.Fatalf("%+v %v %+v", sum, names(recs), recs)
	}
}
