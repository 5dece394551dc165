package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// NAME.p7m carrying its own content, with another file NAME beside it:
// the pairing is not ignored, the record is TOTAL_FAILED/HASH_FAILURE.
func TestArchivePairedContentNotIgnored(t *testing.T) {
	f := newFixture(t)
	letter := []byte("referral letter")
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(letter), sign.Credential{Signer: f.p.Doctor.Key, Certificate: f.p.Doctor.Cert, Chain: f.p.Doctor.Chain}, sign.CAdESOptions{Packaging: sign.Enveloping})
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "same.txt.p7m", res.Signature)
	f.write(t, "same.txt", letter)
	f.write(t, "other.txt.p7m", res.Signature)
	f.write(t, "other.txt", []byte("another letter"))
	_, recs := runWithin(t, f, 60e9)
	got := map[string]Record{}
	for _, r := range recs {
		got[filepath.Base(r.Path)] = r
	}
	if r := got["same.txt.p7m"]; r.Indication != verify.TotalPassed {
		t.Errorf("same content: %+v", r)
	}
	if r := got["other.txt.p7m"]; r.Indication != verify.TotalFailed || r.SubIndication != verify.HashFailure {
		t.Errorf("other content: %+v", r)
	}
}

// Detached content is streamed whole, never cut at a size limit: data
// appended beyond 512 MiB to a signed file is detected (issue 10, class
// 5). The file is sparse: no real disk use.
func TestArchiveContentBeyond512MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 2 GiB of zeros")
	}
	f := newFixture(t)
	const size = 512 << 20
	name := filepath.Join(f.dir, "scan.dcm")
	file, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := file.Truncate(size); err != nil {
		t.Fatal(err)
	}
	cred := sign.Credential{Signer: f.p.Doctor.Key, Certificate: f.p.Doctor.Cert, Chain: f.p.Doctor.Chain}
	cades, err := sign.SignCAdES(context.Background(), file, cred, sign.CAdESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	file.Seek(0, 0)
	xades, err := sign.SignXAdESDetached(context.Background(), file, "scan.dcm", cred, sign.XAdESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "scan.dcm.p7s", cades.Signature)
	f.write(t, "scan.xades.xml", xades.Signature)
	// Data appended beyond 512 MiB (file grows to 513 MiB, sparse).
	if _, err := file.WriteAt([]byte("appended after signing"), size+(1<<20)-64); err != nil {
		t.Fatal(err)
	}
	file.Close()
	_, recs := runWithin(t, f, 600e9)
	if len(recs) != 2 {
		t.Fatalf("records %+v", recs)
	}
	for _, r := range recs {
		if r.Indication != verify.TotalFailed || r.SubIndication != verify.HashFailure {
			t.Errorf("%s: %s/%s %s, want TOTAL_FAILED/HASH_FAILURE", filepath.Base(r.Path), r.Indication, r.SubIndication, r.Error)
		}
	}
}
