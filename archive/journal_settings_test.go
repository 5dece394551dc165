package archive

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

// signedPDF returns the test referral letter signed as PAdES B-T.
func (f *fixture) signedPDF(t *testing.T) []byte {
	t.Helper()
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
	return signed.Bytes()
}

// reportOf merges the journal at path.
func reportOf(t *testing.T, path string) Summary {
	t.Helper()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	sum, st, err := Report(r)
	if err != nil {
		t.Fatal(err)
	}
	if !st[0].Complete {
		t.Fatalf("the run finished, its journal is %+v", st[0])
	}
	return sum
}

// Report over a run's journal gives the run's summary: PDF records (a
// forged one among them), ERROR and SKIPPED entries are journaled too, and
// are checked again (never reused) on resume.
func TestReportMatchesTheRun(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 4)
	pdf := f.signedPDF(t)
	f.write(t, "p/ok.signed.pdf", pdf)
	forged := bytes.Clone(pdf)
	forged[6] ^= 1 // in the signed range: "%PDF-1.x"
	f.write(t, "p/forged.signed.pdf", forged)
	if err := syscall.Mkfifo(filepath.Join(f.dir, "d0", "pipe.p7s"), 0o600); err != nil {
		t.Fatal(err)
	}
	jpath := filepath.Join(t.TempDir(), "run.journal")
	j, err := OpenJournal(jpath)
	if err != nil {
		t.Fatal(err)
	}
	_, run := collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j})
	j.Close()
	if run.Skipped != 1 || run.Failed != 1 || run.Records != 6 {
		t.Fatalf("run %+v", run)
	}
	run.Resumed = 0
	if got := reportOf(t, jpath); got != run {
		t.Fatalf("report %+v, run %+v", got, run)
	}
	// Resumed: the CAdES verdicts are reused, the PDFs and the FIFO
	// checked again; the report is unchanged.
	j, _ = OpenJournal(jpath)
	recs, again := collect(t, paths(t, f.dir), Options{Verify: f.opts, Journal: j})
	j.Close()
	for _, r := range recs {
		if r.Resumed && (isPDFName(r.Path) || r.Status != "") {
			t.Fatalf("reused %+v", r)
		}
	}
	if again.Resumed != 4 {
		t.Fatalf("resumed %+v", again)
	}
	if got := reportOf(t, jpath); got != run {
		t.Fatalf("report after resume %+v, run %+v", got, run)
	}
}

// A journal verdict is reused only under the same validation settings:
// other trust anchors, another --at, renew after verify, each check again.
func TestJournalReusedOnlyUnderTheSameSettings(t *testing.T) {
	f := newFixture(t)
	doc := []byte("letter")
	f.write(t, "l.txt", doc)
	f.write(t, "l.txt.p7s", f.cades(t, f.p.Doctor, doc))
	jpath := filepath.Join(t.TempDir(), "run.journal")
	run := func(opts Options) []Record {
		j, err := OpenJournal(jpath)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		opts.Journal = j
		recs, _ := collect(t, paths(t, f.dir), opts)
		return recs
	}
	if recs := run(Options{Verify: f.opts}); recs[0].Indication != verify.TotalPassed || recs[0].Resumed {
		t.Fatalf("%+v", recs)
	}
	if recs := run(Options{Verify: f.opts}); !recs[0].Resumed {
		t.Fatalf("same settings not reused: %+v", recs)
	}
	other := f.opts
	other.Trust = trust.New([]*x509.Certificate{f.p.TSARoot.Cert}, nil)
	if recs := run(Options{Verify: other}); recs[0].Resumed || recs[0].Indication == verify.TotalPassed {
		t.Fatalf("verdict reused under other trust anchors: %+v", recs)
	}
	at := f.opts
	at.At = time.Now().Add(-time.Hour)
	if recs := run(Options{Verify: at}); recs[0].Resumed {
		t.Fatalf("verdict reused under another --at: %+v", recs)
	}
	if recs := run(Options{Verify: f.opts, Renew: &RenewOptions{TSA: f.tsa, Within: time.Hour}}); recs[0].Resumed || !recs[0].Renewed {
		t.Fatalf("renew reused a verify verdict: %+v", recs)
	}
	j, _ := OpenJournal(jpath)
	defer j.Close()
	if n := j.Foreign(VerdictSettings(Options{Verify: f.opts})); n == 0 {
		t.Fatal("verdicts of other settings not counted")
	}
	if VerdictSettings(Options{Verify: f.opts, Renew: &RenewOptions{}}) == VerdictSettings(Options{Verify: f.opts, Renew: &RenewOptions{DryRun: true}}) {
		t.Fatal("a dry run has the settings of a renewal")
	}
}

// A dry run writes nothing: not even a journal.
func TestDryRunRefusesAJournal(t *testing.T) {
	f := newFixture(t)
	f.corpus(t, 1)
	jpath := filepath.Join(t.TempDir(), "run.journal")
	j, err := OpenJournal(jpath)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	_, err = Process(context.Background(), paths(t, f.dir), Options{Verify: f.opts, Journal: j, Renew: &RenewOptions{DryRun: true}}, nil)
	if err == nil {
		t.Fatal("a dry run accepted a journal")
	}
	j.Close()
	if st, _ := os.Stat(jpath); st.Size() != 0 {
		t.Fatal("the dry run wrote the journal")
	}
}
