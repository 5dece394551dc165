package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/verify"
)

// copyLetter copies the sample referral letter PDF into dir.
func copyLetter(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "pdf", "referral-letter.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func pdfVerifyArgs(t *testing.T, name string) []string {
	return []string{"verify", name, "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t), "--tsa-trust", testpki.Path("tsa-root.pem")}
}

func TestPDFCLI(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	// Detected by content, whatever the name.
	letter := copyLetter(t, dir, "letter.dat")
	orig, _ := os.ReadFile(letter)
	signed := filepath.Join(dir, "letter.signed.pdf")
	args := append([]string{"sign", letter, "-o", signed, "--level", "T", "--tsa", tsaURL, "--tsa-trust", testpki.Path("tsa-root.pem"), "--visible", "1,350,60,200,70", "--reason", "紹介状の作成"}, keyArgs("doctor")...)
	if code, out, errOut := runCLI(t, args...); code != 0 || !strings.Contains(out, "PAdES-BASELINE-T") {
		t.Fatalf("sign: exit %d\n%s%s", code, out, errOut)
	}
	if now, _ := os.ReadFile(letter); string(now) != string(orig) {
		t.Fatal("input modified")
	}
	code, out, errOut := runCLI(t, append(pdfVerifyArgs(t, signed), "--output", "json")...)
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
	var rep verify.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Format != "PAdES" || rep.Signatures[0].Level != "PAdES-BASELINE-T" {
		t.Fatalf("%v %s", err, out)
	}
	// The pharmacist countersigns in a later revision; then LTA.
	both := filepath.Join(dir, "both.pdf")
	if code, _, errOut := runCLI(t, append([]string{"sign", signed, "-o", both, "--format", "pades", "--level", "T", "--tsa", tsaURL, "--tsa-trust", testpki.Path("tsa-root.pem")}, keyArgs("pharmacist")...)...); code != 0 {
		t.Fatalf("countersign: %s", errOut)
	}
	lta := filepath.Join(dir, "both.lta.pdf")
	ext := []string{"extend", both, "--to", "LTA", "--tsa", tsaURL, "--tsa-trust", testpki.Path("tsa-root.pem"), "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t)}
	if code, out, errOut := runCLI(t, ext...); code != 0 || !strings.Contains(out, "PAdES-BASELINE-LTA") {
		t.Fatalf("extend: exit %d %s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, pdfVerifyArgs(t, lta)...); code != 0 {
		t.Fatalf("verify LTA: exit %d\n%s%s", code, out, errOut)
	}
	// --extract writes each signed revision.
	exdir := filepath.Join(dir, "ex")
	if code, _, errOut := runCLI(t, append(pdfVerifyArgs(t, lta), "--extract", exdir)...); code != 0 || !strings.Contains(errOut, "signature-1.pdf") {
		t.Fatalf("extract: %d %s", code, errOut)
	}
	first, _ := os.ReadFile(filepath.Join(exdir, "signature-1.pdf"))
	whole, _ := os.ReadFile(signed)
	if string(first) != string(whole) {
		t.Error("the first signature's revision is not the file the doctor signed")
	}
	// Unsigned PDF: one line, exit 3.
	code, _, errOut = runCLI(t, pdfVerifyArgs(t, letter)...)
	if code != 3 || !strings.Contains(errOut, "no signatures in this PDF") {
		t.Fatalf("unsigned: exit %d %q", code, errOut)
	}
	assertOneLineError(t, errOut)
	// --content does not apply to a PDF.
	if code, _, _ := runCLI(t, append(pdfVerifyArgs(t, signed), "--content", letter)...); code != 3 {
		t.Fatalf("--content: exit %d", code)
	}
	// A changed byte in the signed revision: TOTAL_FAILED.
	bad := append([]byte{}, whole...)
	i := strings.Index(string(bad), "/MediaBox")
	bad[i+11] = '1'
	badName := filepath.Join(dir, "bad.pdf")
	os.WriteFile(badName, bad, 0o600)
	if code, out, _ := runCLI(t, pdfVerifyArgs(t, badName)...); code != 1 {
		t.Fatalf("tampered: exit %d %s", code, out)
	}
}

func TestPDFCLIErrors(t *testing.T) {
	dir := t.TempDir()
	txt := writeDoc(t, dir, "a.txt", "not a pdf")
	code, _, errOut := runCLI(t, append([]string{"sign", txt, "--format", "pades"}, keyArgs("doctor")...)...)
	if code != 3 || !strings.Contains(errOut, "not a PDF") {
		t.Fatalf("non-PDF: exit %d %q", code, errOut)
	}
	assertOneLineError(t, errOut)
	letter := copyLetter(t, dir, "letter.pdf")
	code, _, errOut = runCLI(t, "extend", letter, "--to", "LT", "--offline")
	if code != 3 || !strings.Contains(errOut, "no signatures") {
		t.Fatalf("extend unsigned: exit %d %q", code, errOut)
	}
	assertOneLineError(t, errOut)
	if _, err := os.Stat(filepath.Join(dir, "letter.lt.pdf")); err == nil {
		t.Fatal("an output was left behind")
	}
	// B-B cannot be extended: refused (exit 1), nothing written.
	if code, _, errOut := runCLI(t, append([]string{"sign", letter}, keyArgs("doctor")...)...); code != 0 {
		t.Fatal(errOut)
	}
	signed := filepath.Join(dir, "letter.signed.pdf")
	code, _, errOut = runCLI(t, "extend", signed, "--to", "LT", "--offline", "--trust", testpki.Path("root.pem"), "--crl", testpki.FreshCRLFile(t))
	if code != 1 || !strings.Contains(errOut, "signature timestamp") {
		t.Fatalf("extend B-B: exit %d %q", code, errOut)
	}
	// The output exists: refused without --force.
	if code, _, errOut := runCLI(t, append([]string{"sign", letter}, keyArgs("doctor")...)...); code != 3 || !strings.Contains(errOut, "exists") {
		t.Fatalf("exit %d %s", code, errOut)
	}
}

// A batch of PDFs and a text file: one key load, each in its own format.
func TestPDFBatchCLI(t *testing.T) {
	dir := t.TempDir()
	a := copyLetter(t, dir, "a.pdf")
	b := copyLetter(t, dir, "b.pdf")
	txt := writeDoc(t, dir, "c.txt", "referral letter C")
	if code, out, errOut := runCLI(t, append([]string{"sign", a, b, txt}, keyArgs("doctor")...)...); code != 0 || strings.Count(out, "PAdES-B") != 2 || !strings.Contains(out, "CAdES-B") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, name := range []string{"a.signed.pdf", "b.signed.pdf"} {
		if code, out, errOut := runCLI(t, pdfVerifyArgs(t, filepath.Join(dir, name))...); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", name, code, out, errOut)
		}
	}
}

// PDFs through main's CLI machinery: stdin and stdout, --output json
// results of sign and extend, several files in one verify run.
func TestPDFPipesAndJSON(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	letter := copyLetter(t, dir, "letter.pdf")
	orig, _ := os.ReadFile(letter)
	// sign - -o -: the signed PDF on stdout, the JSON result on stderr.
	code, signed, errOut := runCLIIn(t, orig, append([]string{"sign", "-", "-o", "-", "--level", "T", "--tsa", tsaURL, "--tsa-trust", testpki.Path("tsa-root.pem"), "--output", "json"}, keyArgs("doctor")...)...)
	if code != 0 || !strings.HasPrefix(signed, string(orig)) || len(signed) <= len(orig) {
		t.Fatalf("sign - -o -: %d %q", code, errOut)
	}
	var res writeResult
	if err := json.Unmarshal([]byte(errOut), &res); err != nil || res.Format != "PAdES" || res.Level != "PAdES-BASELINE-T" || res.ProvenTime == nil || res.Field == "" || !strings.Contains(res.Signer.Subject, "TEST DOCTOR") {
		t.Fatalf("sign result: %v %s", err, errOut)
	}
	// verify - reads the PDF from stdin.
	code, out, errOut := runCLIIn(t, []byte(signed), append(pdfVerifyArgs(t, "-"), "--output", "json")...)
	var rep verify.Report
	if code != 0 || json.Unmarshal([]byte(out), &rep) != nil || rep.Format != "PAdES" {
		t.Fatalf("verify -: %d %s %s", code, out, errOut)
	}
	// extend - -o - with a JSON result.
	code, lta, errOut := runCLIIn(t, []byte(signed), "extend", "-", "-o", "-", "--to", "LTA", "--tsa", tsaURL, "--trust", testpki.Path("root.pem"), "--tsa-trust", testpki.Path("tsa-root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t), "--output", "json")
	res = writeResult{}
	if code != 0 || !strings.HasPrefix(lta, signed) || json.Unmarshal([]byte(errOut), &res) != nil || res.Format != "PAdES" || res.Level != "PAdES-BASELINE-LTA" || res.Signer.Subject == "" {
		t.Fatalf("extend - -o -: %d %q", code, errOut)
	}
	ltaName := filepath.Join(dir, "letter.lta.pdf")
	os.WriteFile(ltaName, []byte(lta), 0o600)
	// Several files: a PDF, an unsigned PDF (an error object, exit 3) and
	// a CAdES signature, one jsonl line each.
	txt := writeDoc(t, dir, "c.txt", "referral letter C")
	if code, _, errOut := runCLI(t, append([]string{"sign", txt}, keyArgs("doctor")...)...); code != 0 {
		t.Fatal(errOut)
	}
	args := append(pdfVerifyArgs(t, ltaName), letter, txt+".p7s", "--output", "jsonl")
	code, out, _ = runCLI(t, args...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 3 || len(lines) != 3 || !strings.Contains(lines[0], `"PAdES"`) || !strings.Contains(lines[1], "no signatures in this PDF") || !strings.Contains(lines[2], `"CAdES"`) {
		t.Fatalf("verify several: %d\n%s", code, out)
	}
	// --packaging does not apply to a PDF signed inside itself.
	if code, _, errOut := runCLI(t, append([]string{"sign", letter, "--packaging", "enveloping"}, keyArgs("doctor")...)...); code != 3 || !strings.Contains(errOut, "signed inside itself") {
		t.Fatalf("--packaging: %d %s", code, errOut)
	}
}

// A LibreOffice export encrypted for permissions (RC4 128-bit, committed in
// testdata/pdf/producers) is signed, verifies, and fails once a byte it
// signed changes; a PDF that needs a user password (qpdf, AES-256 and RC4
// 40-bit) is refused in one line with exit 3.
func TestPDFEncryptedCLI(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "testdata", "pdf", "producers", "writer-permissions.pdf")
	signed := filepath.Join(dir, "signed.pdf")
	if code, out, errOut := runCLI(t, append([]string{"sign", src, "-o", signed}, keyArgs("doctor")...)...); code != 0 || !strings.Contains(out, "PAdES-BASELINE-B") {
		t.Fatalf("sign: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, pdfVerifyArgs(t, signed)...); code != 0 || !strings.Contains(out, "TOTAL_PASSED") {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
	data, _ := os.ReadFile(signed)
	orig, _ := os.ReadFile(src)
	data[len(orig)/2] ^= 0x01
	bad := filepath.Join(dir, "bad.pdf")
	os.WriteFile(bad, data, 0o600)
	if code, out, errOut := runCLI(t, pdfVerifyArgs(t, bad)...); code != 1 {
		t.Fatalf("verify of a changed file: exit %d, want 1\n%s%s", code, out, errOut)
	}

	qpdf := peer.Require(t, "qpdf", "apt-get install qpdf")
	for _, bits := range []string{"256", "40"} {
		locked := filepath.Join(dir, "locked"+bits+".pdf")
		// The user password is a fixture, not a secret.
		if out, err := exec.Command(qpdf, "--allow-weak-crypto", "--encrypt", "fixture-user", "fixture-owner", bits, "--", src, locked).CombinedOutput(); err != nil {
			t.Fatalf("qpdf: %v\n%s", err, out)
		}
		code, _, errOut := runCLI(t, append([]string{"sign", locked, "-o", filepath.Join(dir, "x.pdf")}, keyArgs("doctor")...)...)
		if code != 3 || !strings.Contains(errOut, "needs a password") {
			t.Fatalf("sign of a file with a user password: exit %d, want 3\n%s", code, errOut)
		}
		assertOneLineError(t, errOut)
	}
}
