package archive

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/internal/testtsa"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

type fixture struct {
	dir  string
	tsa  *tsa.Client
	opts verify.Options
	p    *testpki.PKI
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	p := testpki.MustLoad(t)
	return &fixture{
		dir: t.TempDir(),
		tsa: testtsa.Client(t, p.TSA, p.TSARoot, nil),
		opts: verify.Options{
			Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
			TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
			CRLs:     [][]byte{p.FreshCRL(t)},
			Offline:  true,
		},
		p: p,
	}
}

func (f *fixture) write(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(f.dir, name)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func (f *fixture) cades(t *testing.T, c *testpki.Credential, content []byte) []byte {
	t.Helper()
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(content), sign.Credential{Signer: c.Key, Certificate: c.Cert, Chain: c.Chain}, sign.CAdESOptions{Level: sign.LevelT, TSA: f.tsa})
	if err != nil {
		t.Fatal(err)
	}
	return res.Signature
}

// A folder of records: found (signature files only), each validated with
// its content beside it, the tampered and the revoked reported as such;
// renewal extends only what validates, in place, and a second pass finds
// nothing due.
func TestVerifyAndRenewFolder(t *testing.T) {
	f := newFixture(t)
	letter := []byte("referral letter")
	f.write(t, "2026/a.txt", letter)
	f.write(t, "2026/a.txt.p7s", f.cades(t, f.p.Doctor, letter))
	f.write(t, "2026/b.txt", []byte("changed after signing"))
	f.write(t, "2026/b.txt.p7s", f.cades(t, f.p.Doctor, letter))
	f.write(t, "2026/c.txt", letter)
	f.write(t, "2026/c.txt.p7s", f.cades(t, f.p.Revoked, letter))
	presc, err := os.ReadFile("../testdata/xml/prescription.xml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := sign.SignXAdES(context.Background(), presc, sign.Credential{Signer: f.p.Doctor.Key, Certificate: f.p.Doctor.Cert, Chain: f.p.Doctor.Chain}, sign.XAdESOptions{ReferenceID: "PrescriptionData", Level: sign.LevelT, TSA: f.tsa})
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "2027/presc.signed.xml", res.Signature)
	f.write(t, "2027/unsigned.xml", presc)
	f.write(t, "2027/garbage.p7s", []byte("not a signature"))

	files, err := Find(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("found %v", files)
	}
	want := map[string]verify.Indication{
		"2026/a.txt.p7s": verify.TotalPassed, "2026/b.txt.p7s": verify.TotalFailed, "2026/c.txt.p7s": verify.TotalFailed,
		"2027/presc.signed.xml": verify.TotalPassed, "2027/garbage.p7s": verify.TotalFailed,
	}
	n := 0
	recs := Run(context.Background(), files, Options{Verify: f.opts, Jobs: 3}, func(Record) { n++ })
	if n != len(files) {
		t.Fatalf("%d reports for %d files", n, len(files))
	}
	for _, r := range recs {
		rel, _ := filepath.Rel(f.dir, r.Path)
		if r.Indication != want[rel] {
			t.Errorf("%s: %s/%s %s, want %s", rel, r.Indication, r.SubIndication, r.Error, want[rel])
		}
		if rel == "2026/a.txt.p7s" && (r.Content == "" || r.RenewBy == nil || r.Level != "CAdES-BASELINE-T") {
			t.Errorf("a: %+v", r)
		}
	}
	before, _ := os.ReadFile(filepath.Join(f.dir, "2026/b.txt.p7s"))
	renewOpts := Options{Verify: f.opts, Renew: &RenewOptions{TSA: f.tsa, Within: 365 * 24 * time.Hour}}
	dry := Run(context.Background(), files, Options{Verify: f.opts, Renew: &RenewOptions{TSA: f.tsa, DryRun: true}}, nil)
	for _, r := range Run(context.Background(), files, renewOpts, nil) {
		rel, _ := filepath.Rel(f.dir, r.Path)
		wantRenewed := want[rel] == verify.TotalPassed
		if r.Renewed != wantRenewed || (wantRenewed && verify.LevelRank(r.Level) != 3) {
			t.Errorf("%s: renewed %v level %s (%s)", rel, r.Renewed, r.Level, r.Error)
		}
	}
	for _, r := range dry {
		rel, _ := filepath.Rel(f.dir, r.Path)
		if r.WouldRenew != (want[rel] == verify.TotalPassed) || r.Renewed {
			t.Errorf("dry run %s: %v", rel, r.Renewed)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(f.dir, "2026/b.txt.p7s")); !bytes.Equal(before, after) {
		t.Error("a failing record was rewritten")
	}
	// Renewed records are B-LTA with a deadline years away: nothing due.
	for _, r := range Run(context.Background(), files, renewOpts, nil) {
		if r.Renewed {
			t.Errorf("%s renewed twice", r.Path)
		}
	}
}

// Detached XAdES content is looked up beside the signature file only.
func TestBesideResolver(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "letter.pdf"), []byte("pdf"), 0o600)
	r := besideResolver(dir)
	for uri, found := range map[string]bool{"letter.pdf": true, "file://letter.pdf": true, "../letter.pdf": false, "/etc/passwd": false, "http://127.0.0.1/x": false, "other.pdf": false} {
		rd, err := r(uri)
		if err != nil || (rd != nil) != found {
			t.Errorf("%q: %v %v", uri, rd != nil, err)
		}
	}
}

func BenchmarkArchiveVerify(b *testing.B) {
	p := testpki.MustLoad(b)
	dir := b.TempDir()
	opts := verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		CRLs:     [][]byte{p.FreshCRL(b)},
		Offline:  true,
	}
	letter := bytes.Repeat([]byte("referral letter 紹介状 "), 2000)
	var files []string
	for i := 0; i < 100; i++ {
		res, err := sign.SignCAdES(context.Background(), bytes.NewReader(letter), sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, sign.CAdESOptions{})
		if err != nil {
			b.Fatal(err)
		}
		name := filepath.Join(dir, "r"+string(rune('a'+i%26))+string(rune('a'+i/26))+".txt")
		os.WriteFile(name, letter, 0o600)
		os.WriteFile(name+".p7s", res.Signature, 0o600)
		files = append(files, name+".p7s")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range Run(context.Background(), files, Options{Verify: opts}, nil) {
			if r.Indication != verify.TotalPassed {
				b.Fatal(r)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(files))/b.Elapsed().Seconds(), "records/s")
}
