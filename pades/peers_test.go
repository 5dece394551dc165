package pades

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

const popplerHint = "apt-get install poppler-utils qpdf libnss3-tools"

// nssDB makes an NSS database trusting the test root and, with doctor set,
// holding the doctor's key under the nickname "doctor".
func nssDB(t *testing.T, doctor bool) string {
	t.Helper()
	certutil := peer.Require(t, "certutil", popplerHint)
	dir := t.TempDir()
	db := "sql:" + filepath.Join(dir, "db")
	os.MkdirAll(filepath.Join(dir, "db"), 0o700)
	run(t, certutil, "-N", "-d", db, "--empty-password")
	run(t, certutil, "-A", "-d", db, "-n", "root", "-t", "CT,C,C", "-i", testpki.Path("root.pem"))
	run(t, certutil, "-A", "-d", db, "-n", "signca", "-t", ",,", "-i", testpki.Path("ca-sign.pem"))
	if doctor {
		pk12util := peer.Require(t, "pk12util", popplerHint)
		openssl := peer.Require(t, "openssl", "apt-get install openssl")
		p12 := filepath.Join(dir, "doctor.p12")
		run(t, openssl, "pkcs12", "-export", "-inkey", testpki.Path("doctor.key"), "-in", testpki.Path("doctor.pem"), "-name", "doctor", "-passout", "pass:x", "-out", p12)
		run(t, pk12util, "-i", p12, "-d", db, "-W", "x")
	}
	return db
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func writeTemp(t *testing.T, name string, data []byte) string {
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// peerCheck runs qpdf --check, pdfsig and pdftoppm on a signed file: the
// structure is sound, every signature (want of them) is intact for poppler
// and listed with the dts document timestamps (which poppler 22 lists but
// cannot validate: "Unimplemented Feature"), and the page still renders.
// poppler's certificate check fails on every HPKI-profile certificate,
// whoever signed ("unknown critical extension" in NSS): not asserted.
func peerCheck(t *testing.T, name string, want, dts int, db string) {
	t.Helper()
	qpdf := peer.Require(t, "qpdf", popplerHint)
	pdfsig := peer.Require(t, "pdfsig", popplerHint)
	pdftoppm := peer.Require(t, "pdftoppm", popplerHint)
	out, err := exec.Command(qpdf, "--check", name).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	out, _ = exec.Command(pdfsig, "-nssdir", db, "-no-ocsp", name).CombinedOutput()
	if n := strings.Count(string(out), "Signature is Valid."); n != want || strings.Contains(string(out), "Invalid") {
		t.Errorf("pdfsig: %d valid signatures, want %d\n%s", n, want, out)
	}
	if n := strings.Count(string(out), "Signature #"); n != want+dts {
		t.Errorf("pdfsig: %d signatures listed, want %d\n%s", n, want+dts, out)
	}
	png := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(pdftoppm, "-r", "30", "-png", "-f", "1", "-l", "1", name, png).CombinedOutput(); err != nil {
		t.Errorf("pdftoppm: %v\n%s", err, out)
	}
}

// poppler's pdfsig accepts our signatures at every level, qpdf finds the
// files sound, pdftoppm renders them.
func TestPeersAcceptOurs(t *testing.T) {
	p := loadPKI(t)
	db := nssDB(t, false)
	bb := signBytes(t, referralPDF(), cred(p.Doctor), SignOptions{Visible: &Appearance{Page: 1, X: 350, Y: 60, W: 200, H: 70}})
	peerCheck(t, writeTemp(t, "bb.pdf", bb), 1, 0, db)
	bt := signBytes(t, referralPDF(), cred(p.Doctor), SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t)}})
	peerCheck(t, writeTemp(t, "bt.pdf", bt), 1, 0, db)
	lt, _ := extendBytes(t, bt, sign.LevelLT)
	peerCheck(t, writeTemp(t, "lt.pdf", lt), 1, 0, db)
	lta, _ := extendBytes(t, lt, sign.LevelLTA)
	peerCheck(t, writeTemp(t, "lta.pdf", lta), 1, 1, db)
}

// We accept what pdfsig -add-signature makes (NSS, adbe.pkcs7.detached),
// and a countersignature of ours on top of it stays valid for both.
func TestWeAcceptPdfsig(t *testing.T) {
	pdfsig := peer.Require(t, "pdfsig", popplerHint)
	db := nssDB(t, true)
	in := writeTemp(t, "letter.pdf", referralPDF())
	out := filepath.Join(filepath.Dir(in), "signed.pdf")
	run(t, pdfsig, "-nssdir", db, "-add-signature", "-nick", "doctor", "-new-signature-field-name", "Doctor", in, out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyBytes(t, data)
	if rep.Indication != verify.TotalPassed || len(rep.Signatures) != 1 {
		t.Fatalf("%s %+v", rep.Indication, rep.Signatures)
	}
	// And it can sign an empty field of ours... and ours after its.
	p := loadPKI(t)
	both := signBytes(t, data, cred(p.Pharmacist), SignOptions{})
	rep = verifyBytes(t, both)
	if rep.Indication != verify.TotalPassed || len(rep.Signatures) != 2 {
		t.Fatalf("%s %+v", rep.Indication, rep.Signatures)
	}
	peerCheck(t, writeTemp(t, "both.pdf", both), 2, 0, db)
}

// Files from other producers' structures: qpdf rewrites the sample with
// object and cross-reference streams, linearised; each is signed (B-T,
// then LTA), still opens in qpdf, pdfsig and pdftoppm, and verifies.
func TestRealWorldStructures(t *testing.T) {
	qpdf := peer.Require(t, "qpdf", popplerHint)
	p := loadPKI(t)
	db := nssDB(t, false)
	src := writeTemp(t, "letter.pdf", referralPDF())
	for name, args := range map[string][]string{
		"object streams":        {"--object-streams=generate"},
		"linearized":            {"--linearize"},
		"linearized+objstreams": {"--linearize", "--object-streams=generate"},
		"qdf":                   {"--qdf"},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "x.pdf")
			run(t, qpdf, append(append(args, src), out)...)
			in, _ := os.ReadFile(out)
			bt := signBytes(t, in, cred(p.Doctor), SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t)}})
			mustPass(t, verifyBytes(t, bt), "PAdES-BASELINE-T")
			two := signBytes(t, bt, cred(p.Pharmacist), SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t)}, Visible: &Appearance{Page: 1, X: 50, Y: 60, W: 200, H: 70}})
			mustPass(t, verifyBytes(t, two))
			lta, _ := extendBytes(t, two, sign.LevelLTA)
			mustPass(t, verifyBytes(t, lta), "PAdES-BASELINE-LTA", "PAdES-BASELINE-LTA")
			peerCheck(t, writeTemp(t, "lta.pdf", lta), 2, 1, db)
			if !bytes.HasPrefix(lta, in) {
				t.Fatal("original bytes changed")
			}
		})
	}
}
