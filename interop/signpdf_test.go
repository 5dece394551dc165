package interop

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

const popplerHint = "apt-get install poppler-utils qpdf"

// signpdf returns a function that signs a PDF with interop/node/signpdf.mjs
// (@signpdf) and the test doctor's key and certificate chain in a PKCS#12
// keystore made by OpenSSL (legacy PBE: node-forge reads no other).
func signpdf(t *testing.T) func(in, out, subFilter string) {
	t.Helper()
	node := peer.Require(t, "node", "apt-get install nodejs")
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	peer.RequireFile(t, filepath.Join("node", "node_modules", "@signpdf", "signpdf", "package.json"), "npm ci in interop/node")
	script, err := filepath.Abs(filepath.Join("node", "signpdf.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	p12 := filepath.Join(t.TempDir(), "doctor.p12")
	pass := "test-keystore-password"
	cmd := exec.Command(openssl, "pkcs12", "-export", "-legacy", "-inkey", testpki.Path("doctor.key"), "-in", testpki.Path("doctor.pem"),
		"-certfile", testpki.Path("ca-sign.pem"), "-name", "doctor", "-passout", "stdin", "-out", p12)
	cmd.Stdin = strings.NewReader(pass + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl pkcs12: %v\n%s", err, out)
	}
	return func(in, out, subFilter string) {
		t.Helper()
		cmd := exec.Command(node, script, "sign", p12, in, out, subFilter)
		cmd.Stdin = strings.NewReader(pass + "\n")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("signpdf: %v\n%s", err, msg)
		}
	}
}

// qpdfWarnings runs qpdf --check on name: it must not fail, and what it
// warns about is returned without the file's name.
func qpdfWarnings(t *testing.T, name string) []string {
	t.Helper()
	qpdf := peer.Require(t, "qpdf", popplerHint)
	out, err := exec.Command(qpdf, "--check", name).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && (!ok || ee.ExitCode() != 3) {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	var w []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "WARNING") || strings.Contains(l, "error:") {
			w = append(w, strings.ReplaceAll(l, name, "FILE"))
		}
	}
	if len(w) == 0 && !strings.Contains(string(out), "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", out)
	}
	return w
}

// peerCheck checks a signed file with qpdf, pdfsig and pdftoppm: qpdf
// warns of nothing but known (what the input already earned), pdfsig
// lists valid signatures, all intact, and dts document timestamps (poppler
// 22 cannot validate those: not asserted), and the first page renders.
func peerCheck(t *testing.T, name string, valid, dts int, known []string) {
	t.Helper()
	pdftoppm := peer.Require(t, "pdftoppm", popplerHint)
	for _, w := range qpdfWarnings(t, name) {
		if !slices.Contains(known, w) {
			t.Errorf("qpdf --check: %s", w)
		}
	}
	pdfsigCheck(t, name, valid, dts)
	png := filepath.Join(t.TempDir(), "page")
	if out, err := exec.Command(pdftoppm, "-r", "30", "-png", "-f", "1", "-l", "1", name, png).CombinedOutput(); err != nil {
		t.Errorf("pdftoppm: %v\n%s", err, out)
	}
}

// pdfsigCheck runs pdfsig on name: valid signatures, all intact, and dts
// document timestamps.
func pdfsigCheck(t *testing.T, name string, valid, dts int) {
	t.Helper()
	pdfsig := peer.Require(t, "pdfsig", popplerHint)
	out, _ := exec.Command(pdfsig, "-nocert", "-no-ocsp", name).CombinedOutput()
	if n := strings.Count(string(out), "Signature is Valid."); n != valid || strings.Count(string(out), "Signature #") != valid+dts {
		t.Errorf("pdfsig: %d valid signatures, want %d and %d document timestamps\n%s", n, valid, dts, out)
	}
}

func verifyPDF(t *testing.T, p *testpki.PKI, pdf []byte) *verify.Report {
	t.Helper()
	rep, err := pades.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), verifier(t, p))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// signpdfQuirk is the warning qpdf gives every file @signpdf's
// placeholder-plain writes (a blank line before its xref).
var signpdfQuirk = []string{"WARNING: FILE: extraneous whitespace seen before xref"}

// A PDF signed by @signpdf (node-forge PKCS#7, adbe.pkcs7.detached or
// ETSI.CAdES.detached) verifies with us (signature, content, trust in the
// test HPKI); we countersign it (B-T) in a later revision and both verify,
// for us and for pdfsig, and qpdf finds nothing new wrong. A byte changed
// inside the range @signpdf signed fails.
func TestWeAcceptSignpdf(t *testing.T) {
	signJS := signpdf(t)
	p := testpki.MustLoad(t)
	for _, sub := range []string{"adbe.pkcs7.detached", "ETSI.CAdES.detached"} {
		t.Run(sub, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "signpdf.pdf")
			signJS(filepath.Join("..", "testdata", "pdf", "referral-letter.pdf"), out, sub)
			signed, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(signed, []byte("/SubFilter /"+sub)) {
				t.Fatalf("@signpdf did not write SubFilter %s", sub)
			}
			peerCheck(t, out, 1, 0, signpdfQuirk)
			rep := verifyPDF(t, p, signed)
			if rep.Indication != verify.TotalPassed || len(rep.Signatures) != 1 || rep.Signatures[0].Signer.HPKI == "none" {
				t.Fatalf("@signpdf signature: %s/%s %+v", rep.Indication, rep.SubIndication, rep.Signatures)
			}

			two := countersign(t, p, signed)
			name := filepath.Join(dir, "two.pdf")
			os.WriteFile(name, two, 0o600)
			rep = verifyPDF(t, p, two)
			if rep.Indication != verify.TotalPassed || len(rep.Signatures) != 2 {
				t.Fatalf("@signpdf then hpki: %s/%s %+v", rep.Indication, rep.SubIndication, rep.Signatures)
			}
			peerCheck(t, name, 2, 0, signpdfQuirk)

			// One byte of the page dictionary, inside both signed ranges.
			i := bytes.Index(signed, []byte("/MediaBox"))
			for _, doc := range [][]byte{signed, two} {
				bad := bytes.Clone(doc)
				bad[i+1] ^= 0x01
				if rep := verifyPDF(t, p, bad); rep.Indication == verify.TotalPassed || rep.Signatures[0].Indication == verify.TotalPassed {
					t.Fatalf("a changed byte in the @signpdf range passed: %+v", rep.Signatures)
				}
			}
		})
	}
}

// countersign adds a B-T signature of the test pharmacist in a new revision.
func countersign(t *testing.T, p *testpki.PKI, pdf []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	_, err := pades.Sign(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), &out,
		sign.Credential{Signer: p.Pharmacist.Key, Certificate: p.Pharmacist.Cert, Chain: p.Pharmacist.Chain},
		pades.SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t, p)}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// @signpdf signing on top of our signature (placeholder-plain) writes a
// catalog with /AcroForm twice (ours, kept as it was, and its own): poppler
// finds both signatures intact, qpdf warns that the last key wins, but the
// document is ambiguous (two readers may see two forms), and we refuse it
// with an error naming the duplicate key, never a verdict.
func TestSignpdfOverOursIsAmbiguous(t *testing.T) {
	signJS := signpdf(t)
	p := testpki.MustLoad(t)
	letter, err := os.ReadFile(filepath.Join("..", "testdata", "pdf", "referral-letter.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ours := filepath.Join(dir, "ours.pdf")
	os.WriteFile(ours, countersign(t, p, letter), 0o600)
	both := filepath.Join(dir, "both.pdf")
	signJS(ours, both, "adbe.pkcs7.detached")
	pdfsigCheck(t, both, 2, 0)
	if w := strings.Join(qpdfWarnings(t, both), "\n"); !strings.Contains(w, "duplicated key /AcroForm") {
		t.Errorf("qpdf does not see the duplicate /AcroForm: %s", w)
	}
	data, err := os.ReadFile(both)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := pades.Verify(context.Background(), bytes.NewReader(data), int64(len(data)), verifier(t, p))
	if err == nil || !strings.Contains(err.Error(), "duplicate key /AcroForm") {
		t.Fatalf("want a refusal naming the duplicate /AcroForm, got %v %+v", err, rep)
	}
}
