package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// runCLIIn runs the hpki command in-process with stdin.
func runCLIIn(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// verifyArgs validate offline against the test HPKI.
func verifyArgs(t *testing.T, sig ...string) []string {
	return append(append([]string{"verify"}, sig...), "--trust", testpki.Path("root.pem"), "--tsa-trust", testpki.Path("tsa-root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t))
}

func TestSignJSONResult(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	a := writeDoc(t, dir, "a.txt", "referral letter A")
	// -o names the file, --output the report: the signature is never
	// written to a file named "json".
	code, out, errOut := runCLI(t, append([]string{"sign", a, "-o", filepath.Join(dir, "a.sig"), "--output", "json", "--level", "T", "--tsa", tsaURL, "--tsa-trust", testpki.Path("tsa-root.pem")}, keyArgs("doctor")...)...)
	if code != 0 {
		t.Fatalf("sign: %d %s %s", code, out, errOut)
	}
	if fileExists("json") || fileExists(filepath.Join(dir, "json")) {
		t.Fatal("a file named json was written")
	}
	var r writeResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if r.Output != filepath.Join(dir, "a.sig") || r.Level != "CAdES-BASELINE-T" || r.Format != "CAdES" || r.ProvenTime == nil || r.ProvenTime.Location().String() != "UTC" ||
		!strings.Contains(r.Signer.Subject, "TEST DOCTOR") || len(r.Signer.Roles) == 0 || r.Signer.Roles[0].Ja != "医師" {
		t.Fatalf("result %+v", r)
	}
	// jsonl: one line per file.
	b := writeDoc(t, dir, "b.txt", "B")
	c := writeDoc(t, dir, "c.txt", "C")
	code, out, _ = runCLI(t, append([]string{"sign", b, c, "--output", "jsonl"}, keyArgs("doctor")...)...)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || len(lines) != 2 || !strings.Contains(lines[1], `"level":"CAdES-BASELINE-B"`) {
		t.Fatalf("jsonl: %d %q", code, out)
	}
	// Bad report format: usage error naming -o.
	if code, _, errOut := runCLI(t, append([]string{"sign", b, "--output", "x.p7s"}, keyArgs("doctor")...)...); code != 3 || !strings.Contains(errOut, "-o/--out") {
		t.Fatalf("--output x.p7s: %d %s", code, errOut)
	}
	// extend --output json.
	code, out, errOut = runCLI(t, "extend", filepath.Join(dir, "a.sig"), "--content", a, "--to", "LT", "--trust", testpki.Path("root.pem"), "--tsa-trust", testpki.Path("tsa-root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t), "--output", "json")
	if code != 0 {
		t.Fatalf("extend: %d %s %s", code, out, errOut)
	}
	var e writeResult
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.Level != "CAdES-BASELINE-LT" || e.ProvenTime == nil || e.Signer.Subject == "" || !fileExists(e.Output) {
		t.Fatalf("extend result %+v %v: %s", e, err, out)
	}
}

func TestSignTSATrustDefaultsToTrust(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	a := writeDoc(t, dir, "a.txt", "A")
	root, _ := os.ReadFile(testpki.Path("root.pem"))
	tsaRoot, _ := os.ReadFile(testpki.Path("tsa-root.pem"))
	both := writeDoc(t, dir, "anchors.pem", string(root)+string(tsaRoot))
	args := append([]string{"sign", a, "--level", "T", "--tsa", tsaURL}, keyArgs("doctor")...)
	if code, out, errOut := runCLI(t, append(args, "--trust", both)...); code != 0 {
		t.Fatalf("--trust with the TSA's root: %d %s %s", code, out, errOut)
	}
	// --trust without the TSA's root: the token is refused (the default
	// is --trust, not the embedded anchors nor any TSA).
	if code, _, errOut := runCLI(t, append(args, "--trust", testpki.Path("root.pem"), "--force")...); code != 1 || !strings.Contains(errOut, "tsa") {
		t.Fatalf("--trust without the TSA's root: %d %s", code, errOut)
	}
}

func TestVerifyManyAndJSONErrors(t *testing.T) {
	dir := t.TempDir()
	a := writeDoc(t, dir, "a.txt", "A")
	if code, _, errOut := runCLI(t, append([]string{"sign", a, "--packaging", "enveloping"}, keyArgs("doctor")...)...); code != 0 {
		t.Fatal(errOut)
	}
	good := a + ".p7s"
	garbage := writeDoc(t, dir, "garbage.p7s", "not a signature")
	missing := filepath.Join(dir, "missing.p7s")

	// One unreadable file, JSON: an error object on stdout and exit 3.
	code, out, errOut := runCLI(t, append(verifyArgs(t, garbage), "--output", "json")...)
	var e errorResult
	if code != 3 || json.Unmarshal([]byte(out), &e) != nil || e.File != garbage || e.Error == "" || e.ExitCode != 3 {
		t.Fatalf("garbage json: %d %q %q", code, out, errOut)
	}
	assertOneLineError(t, errOut)
	if code, out, _ := runCLI(t, append(verifyArgs(t, missing), "--output", "json")...); code != 3 || !strings.Contains(out, `"exitCode": 3`) {
		t.Fatalf("missing json: %d %q", code, out)
	}
	// Several files: each reported, exit the worst.
	code, out, _ = runCLI(t, verifyArgs(t, good, good)...)
	if code != 0 || strings.Count(out, "== ") != 2 {
		t.Fatalf("two good: %d %s", code, out)
	}
	code, out, errOut = runCLI(t, append(verifyArgs(t, good, garbage, good), "--output", "jsonl")...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 3 || len(lines) != 3 || !strings.Contains(lines[0], `"indication":"TOTAL_PASSED"`) || !strings.Contains(lines[1], `"error"`) || !strings.Contains(errOut, "garbage.p7s") {
		t.Fatalf("good garbage good: %d %q %q", code, out, errOut)
	}
	// Unknown signer (other root): TOTAL_FAILED or INDETERMINATE beats PASSED.
	code, out, _ = runCLI(t, append(verifyArgs(t, good, good), "--output", "json")...)
	var arr []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &arr) != nil || len(arr) != 2 || arr[1]["file"] != good {
		t.Fatalf("json array: %d %s", code, out)
	}
	// stdin.
	sig, _ := os.ReadFile(good)
	if code, out, errOut := runCLIIn(t, sig, verifyArgs(t, "-")...); code != 0 || !strings.Contains(out, "TOTAL_PASSED") {
		t.Fatalf("verify -: %d %s %s", code, out, errOut)
	}
	if code, _, _ := runCLIIn(t, sig, append(verifyArgs(t, "-"), "--content", "-")...); code != 3 {
		t.Fatalf("stdin twice: %d", code)
	}
}

func TestWorseExit(t *testing.T) {
	tests := []struct{ a, b, want int }{
		{0, 0, 0}, {0, 2, 2}, {2, 1, 1}, {1, 2, 1}, {1, 3, 3}, {3, 0, 3},
	}
	for _, tt := range tests {
		if got := worseExit(tt.a, tt.b); got != tt.want {
			t.Errorf("worseExit(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestFormatByContent(t *testing.T) {
	dir := t.TempDir()
	presc := copyPrescription(t, dir)
	// An XML document is signed with XAdES without --format.
	code, out, errOut := runCLI(t, append([]string{"sign", presc}, keyArgs("doctor")...)...)
	if code != 0 || !strings.Contains(out, "XAdES-BASELINE-B enveloped") || !fileExists(filepath.Join(dir, "prescription.signed.xml")) {
		t.Fatalf("sign xml: %d %s %s", code, out, errOut)
	}
	// --format cades still makes CAdES of it.
	if code, _, errOut := runCLI(t, append([]string{"sign", presc, "--format", "cades"}, keyArgs("doctor")...)...); code != 0 || !fileExists(presc+".p7s") {
		t.Fatalf("sign xml as cades: %d %s", code, errOut)
	}
	// PDF: PAdES by content, signed inside itself.
	pdf := copyLetter(t, dir, "referral.pdf")
	code, out, errOut = runCLI(t, append([]string{"sign", pdf}, keyArgs("doctor")...)...)
	if code != 0 || !strings.Contains(out, "PAdES-BASELINE-B") || !fileExists(filepath.Join(dir, "referral.signed.pdf")) || fileExists(pdf+".p7s") {
		t.Fatalf("sign pdf: %d %s %s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, append([]string{"sign", pdf, "--format", "cades"}, keyArgs("doctor")...)...); code != 0 || !fileExists(pdf+".p7s") {
		t.Fatalf("sign pdf --format cades: %d %s", code, errOut)
	}
	// A damaged PDF: one clear line, nothing written.
	broken := writeDoc(t, dir, "broken.pdf", "%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
	code, _, errOut = runCLI(t, append([]string{"sign", broken}, keyArgs("doctor")...)...)
	if code != 3 || !strings.Contains(errOut, "not a PDF") || fileExists(filepath.Join(dir, "broken.signed.pdf")) {
		t.Fatalf("sign broken pdf: %d %s", code, errOut)
	}
	assertOneLineError(t, errOut)
	// verify on a PDF without signatures: one line.
	code, _, errOut = runCLI(t, verifyArgs(t, pdf)...)
	if code != 3 || !strings.Contains(errOut, "no signatures in this PDF") {
		t.Fatalf("verify pdf: %d %s", code, errOut)
	}
	assertOneLineError(t, errOut)
}

func TestSignAndExtendPipes(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	doc := []byte("referral letter from stdin")
	// sign - -o -: the signature on stdout, the report on stderr.
	code, sig, errOut := runCLIIn(t, doc, append([]string{"sign", "-", "-o", "-", "--packaging", "enveloping"}, keyArgs("doctor")...)...)
	if code != 0 || !strings.Contains(errOut, "signed -") || len(sig) < 100 || sig[0] != 0x30 {
		t.Fatalf("sign - -o -: %d %q", code, errOut)
	}
	if code, _, _ := runCLIIn(t, doc, append([]string{"sign", "-"}, keyArgs("doctor")...)...); code != 3 {
		t.Fatal("sign - without -o")
	}
	// extend - -o -.
	code, lt, errOut := runCLIIn(t, []byte(sig), "extend", "-", "-o", "-", "--to", "LTA", "--tsa", tsaURL, "--trust", testpki.Path("root.pem"), "--tsa-trust", testpki.Path("tsa-root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t))
	if code != 0 || !strings.Contains(errOut, "CAdES-BASELINE-LTA") {
		t.Fatalf("extend - -o -: %d %q", code, errOut)
	}
	name := filepath.Join(dir, "x.lta.p7s")
	os.WriteFile(name, []byte(lt), 0o600)
	if code, out, errOut := runCLI(t, verifyArgs(t, name)...); code != 0 {
		t.Fatalf("verify piped LTA: %d %s %s", code, out, errOut)
	}
}

func TestArchiveJSONL(t *testing.T) {
	dir := t.TempDir()
	good := writeDoc(t, dir, "good.txt", "referral letter")
	bad := writeDoc(t, dir, "bad.txt", "referral letter")
	for _, f := range []string{good, bad} {
		if code, _, errOut := runCLI(t, append([]string{"sign", f}, keyArgs("doctor")...)...); code != 0 {
			t.Fatal(errOut)
		}
	}
	os.WriteFile(bad, []byte("changed"), 0o600)
	code, out, errOut := runCLI(t, "archive", "verify", dir, "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t), "--output", "jsonl")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 1 || len(lines) != 3 {
		t.Fatalf("archive verify --output jsonl: %d %q %s", code, out, errOut)
	}
	for i, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if last := i == len(lines)-1; (last && rec["summary"] == nil) || (!last && rec["path"] == nil) {
			t.Fatalf("line %d %q: one record per line, then the summary", i, l)
		}
	}
}
