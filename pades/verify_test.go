package pades

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/internal/testtsa"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

func verifyOpts(t testing.TB) verify.Options {
	p := testpki.MustLoad(t)
	return verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, []*x509.Certificate{p.SignCA.Cert}),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		CRLs:     [][]byte{p.FreshCRL(t)},
		Offline:  true,
	}
}

func testTSA(t testing.TB) *tsa.Client {
	p := testpki.MustLoad(t)
	return testtsa.Client(t, p.TSA, p.TSARoot, nil)
}

func verifyBytes(t testing.TB, pdf []byte) *verify.Report {
	t.Helper()
	rep, err := Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), verify.New(verifyOpts(t)))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustPass(t testing.TB, rep *verify.Report, levels ...string) {
	t.Helper()
	if rep.Indication != verify.TotalPassed {
		t.Fatalf("indication %s/%s: %+v", rep.Indication, rep.SubIndication, rep.Signatures)
	}
	for i, l := range levels {
		if rep.Signatures[i].Level != l {
			t.Errorf("signature %d: level %q, want %q", i, rep.Signatures[i].Level, l)
		}
	}
}

func mustFail(t testing.TB, rep *verify.Report, sub verify.SubIndication, msg string) {
	t.Helper()
	if rep.Indication == verify.TotalPassed {
		t.Fatalf("a forgery passed: %+v", rep.Signatures)
	}
	if sub != "" && rep.SubIndication != sub {
		t.Errorf("sub-indication %s, want %s: %+v", rep.SubIndication, sub, rep.Signatures)
	}
	if msg != "" {
		all := strings.Join(rep.Errors, " ")
		for _, s := range rep.Signatures {
			all += " " + strings.Join(s.Errors, " ")
		}
		if !strings.Contains(all, msg) {
			t.Errorf("no error mentions %q: %s", msg, all)
		}
	}
}

func TestSignVerifyLevels(t *testing.T) {
	p := loadPKI(t)
	pdf := samplePDF("Referral letter")
	b := signBytes(t, pdf, cred(p.Doctor), SignOptions{})
	rep := verifyBytes(t, b)
	mustPass(t, rep, "PAdES-BASELINE-B")
	if rep.Format != "PAdES" || rep.Signatures[0].Signer.SubjectJa == "" || len(rep.Signatures[0].Covers) == 0 {
		t.Errorf("report: %+v", rep.Signatures[0])
	}
	bt := signBytes(t, pdf, cred(p.Doctor), SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t)}})
	mustPass(t, verifyBytes(t, bt), "PAdES-BASELINE-T")
	// A countersignature in a later revision: both pass.
	two := signBytes(t, bt, cred(p.Pharmacist), SignOptions{})
	rep = verifyBytes(t, two)
	mustPass(t, rep, "PAdES-BASELINE-T", "PAdES-BASELINE-B")
	if len(rep.Signatures) != 2 {
		t.Fatalf("%d signatures", len(rep.Signatures))
	}
}

func TestNoSignatures(t *testing.T) {
	pdf := samplePDF("x")
	_, err := Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), verify.New(verifyOpts(t)))
	if !errors.Is(err, ErrNoSignatures) {
		t.Fatal(err)
	}
	_, err = Verify(context.Background(), strings.NewReader("hello"), 5, verify.New(verifyOpts(t)))
	if !errors.Is(err, ErrNotPDF) {
		t.Fatal(err)
	}
}

var _ = time.Now

func TestDebugReport(t *testing.T) {
	p := loadPKI(t)
	two := signBytes(t, signBytes(t, samplePDF("x"), cred(p.Doctor), SignOptions{}), cred(p.Pharmacist), SignOptions{})
	rep := verifyBytes(t, two)
	for _, s := range rep.Signatures {
		t.Logf("%s %s %s covers=%q warn=%q err=%q", s.ID, s.Indication, s.Level, s.Covers, s.Warnings, s.Errors)
	}
}

func extendBytes(t testing.TB, pdf []byte, to sign.Level) ([]byte, *ExtendResult) {
	t.Helper()
	var out bytes.Buffer
	res, err := Extend(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out, ExtendOptions{To: to, TSA: testTSA(t), Verify: verifyOpts(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), pdf) {
		t.Fatal("extension changed earlier bytes")
	}
	return out.Bytes(), res
}

func TestExtend(t *testing.T) {
	p := loadPKI(t)
	bt := signBytes(t, samplePDF("Referral letter"), cred(p.Doctor), SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t)}})
	lt, res := extendBytes(t, bt, sign.LevelLT)
	if res.Level != "PAdES-BASELINE-LT" {
		t.Fatalf("LT: %s %+v", res.Level, res.Report.Signatures)
	}
	// Self-contained: valid with nothing given.
	self := verifyOpts(t)
	self.CRLs = nil
	rep, err := Verify(context.Background(), bytes.NewReader(lt), int64(len(lt)), verify.New(self))
	if err != nil {
		t.Fatal(err)
	}
	mustPass(t, rep, "PAdES-BASELINE-LT")
	lta, res := extendBytes(t, lt, sign.LevelLTA)
	if res.Level != "PAdES-BASELINE-LTA" {
		t.Fatalf("LTA: %s %+v", res.Level, res.Report.Signatures)
	}
	rep = verifyBytes(t, lta)
	mustPass(t, rep, "PAdES-BASELINE-LTA")
	if len(rep.Signatures) != 2 || rep.Signatures[1].Kind != "documentTimestamp" {
		t.Fatalf("%+v", rep.Signatures)
	}
	// Renewal: a further DSS and document timestamp.
	renewed, res := extendBytes(t, lta, sign.LevelLTA)
	if res.Level != "PAdES-BASELINE-LTA" || len(res.Report.Signatures) != 3 {
		t.Fatalf("renewed: %s %+v", res.Level, res.Report.Signatures)
	}
	mustPass(t, verifyBytes(t, renewed))
	// B-B cannot be extended.
	bb := signBytes(t, samplePDF("x"), cred(p.Doctor), SignOptions{})
	if _, err := Extend(context.Background(), bytes.NewReader(bb), int64(len(bb)), io.Discard, ExtendOptions{To: sign.LevelLT, Verify: verifyOpts(t)}); err == nil {
		t.Fatal("B-B extended")
	}
}
