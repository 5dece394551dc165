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
	"github.com/hpki-jp/hpki/tsa"
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

// swappingTSA is the fixture's TSA that first calls swap: the moment
// between the read of a record and the write of its renewal.
type swappingTSA struct {
	*tsa.Client
	swap func()
}

func (s swappingTSA) Timestamp(ctx context.Context, digest []byte) (*tsa.Token, error) {
	s.swap()
	return s.Client.Timestamp(ctx, digest)
}

// A signed PDF whose folder is renamed away, and a symbolic link to a
// folder outside put in its place, while its renewal is being made: the
// renewal lands in the folder read, nothing where the link leads.
func TestPDFRenewalWritesIntoTheFolderRead(t *testing.T) {
	f := newFixture(t)
	signed := f.signedPDF(t)
	rec := f.write(t, "sub/letter.signed.pdf", signed)
	sub, moved, outside := filepath.Dir(rec), filepath.Join(f.dir, "moved"), t.TempDir()
	swapped := false
	ts := swappingTSA{Client: f.tsa, swap: func() {
		if swapped {
			return
		}
		swapped = true
		if err := os.Rename(sub, moved); err != nil {
			t.Error(err)
		}
		if err := os.Symlink(outside, sub); err != nil {
			t.Error(err)
		}
	}}
	recs := Run(context.Background(), []string{rec}, Options{Verify: f.opts, Renew: &RenewOptions{TSA: ts, Within: 24 * time.Hour}}, nil)
	if len(recs) != 1 || !recs[0].Renewed || !swapped {
		t.Fatalf("swapped %v, %+v", swapped, recs)
	}
	now, err := os.ReadFile(filepath.Join(moved, "letter.signed.pdf"))
	if err != nil || len(now) <= len(signed) || !bytes.HasPrefix(now, signed) {
		t.Fatalf("the folder read does not hold the renewal (%d bytes, %v)", len(now), err)
	}
	if left, _ := os.ReadDir(outside); len(left) != 0 {
		t.Fatalf("the renewal wrote %s where the link leads", left[0].Name())
	}
}
