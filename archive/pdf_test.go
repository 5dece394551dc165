package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// Signed PDFs are records (verified and renewed in place); an unsigned PDF
// (the content of a detached signature) is not.
func TestPDFRecords(t *testing.T) {
	f := newFixture(t)
	letter, err := os.ReadFile(filepath.Join("..", "testdata", "pdf", "referral-letter.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	var signed bytes.Buffer
	if _, err := pades.Sign(context.Background(), bytes.NewReader(letter), int64(len(letter)), &signed,
		sign.Credential{Signer: f.p.Doctor.Key, Certificate: f.p.Doctor.Cert, Chain: f.p.Doctor.Chain},
		pades.SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: f.tsa}}); err != nil {
		t.Fatal(err)
	}
	rec := f.write(t, "2026/letter.signed.pdf", signed.Bytes())
	f.write(t, "2026/plain.pdf", letter)
	f.write(t, "2026/plain.pdf.p7s", f.cades(t, f.p.Doctor, letter))
	files, skipped, err := Walk(f.dir)
	if err != nil || len(skipped) != 0 || len(files) != 2 {
		t.Fatalf("%v %v %v", files, skipped, err)
	}
	recs := Run(context.Background(), files, Options{Verify: f.opts}, nil)
	for _, r := range recs {
		if r.Indication != verify.TotalPassed {
			t.Fatalf("%+v", r)
		}
	}
	recs = Run(context.Background(), []string{rec}, Options{Verify: f.opts, Renew: &RenewOptions{TSA: f.tsa, Within: 24 * time.Hour}}, nil)
	if len(recs) != 1 || !recs[0].Renewed || recs[0].Level != "PAdES-BASELINE-LTA" {
		t.Fatalf("%+v", recs)
	}
	now, _ := os.ReadFile(rec)
	if !bytes.HasPrefix(now, signed.Bytes()) {
		t.Fatal("renewal changed signed bytes")
	}
}
