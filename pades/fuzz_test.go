package pades

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// FuzzReader feeds arbitrary bytes to the PDF reader and the whole
// verification: no panic, and time and memory bounded by the input.
func FuzzReader(f *testing.F) {
	p := loadPKI(f)
	sample := samplePDF("Referral letter")
	signed := signBytes(f, sample, cred(p.Doctor), SignOptions{})
	bt := signBytes(f, referralPDF(), cred(p.Doctor), SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(f)}, Visible: &Appearance{Page: 1, X: 10, Y: 10, W: 100, H: 40}})
	shadow, _ := shadowPDF(true, "")
	for _, s := range [][]byte{sample, signed, bt, shadow, signBytes(f, signed, cred(p.Pharmacist), SignOptions{}),
		[]byte("%PDF-1.7\nxref\n0 1\n0000000000 65535 f\r\ntrailer<</Size 1>>\nstartxref\n9\n%%EOF"),
		[]byte("%PDF-1.5\n1 0 obj<</Type/XRef/W[1 2 1]/Size 3/Length 4>>stream\n\x01\x00\x09\x00\nendstream endobj\nstartxref\n9\n%%EOF\n")} {
		f.Add(s)
	}
	// A real producer's file encrypted for permissions (RC4 128-bit);
	// qpdf's encryptions are in testdata/fuzz/FuzzReader.
	if lo, err := os.ReadFile("../testdata/pdf/producers/writer-permissions.pdf"); err == nil {
		f.Add(lo)
	}
	v := verify.New(verifyOpts(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		file, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, r := range file.Revisions {
			file.Catalog(r)
			file.pages(r)
			file.fields(r)
		}
		rep, err := Verify(context.Background(), bytes.NewReader(data), int64(len(data)), v)
		if err != nil {
			return
		}
		for _, s := range rep.Signatures {
			// A signature passes only over a whole revision.
			if s.Indication == verify.TotalPassed && !strings.HasPrefix(strings.Join(s.Covers, " "), "revision ") {
				t.Fatalf("passed without covering a revision: %+v", s)
			}
		}
	})
}
