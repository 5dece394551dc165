package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/verify"
)

// hpki verify --extract writes exactly what each passed signature was
// verified over, and nothing for a signature that did not pass.
func TestVerifyExtract(t *testing.T) {
	dir := t.TempDir()
	root := testpki.Path("root.pem")
	letter := writeDoc(t, dir, "letter.txt", "紹介状: 田中様をご紹介します\n")
	env := filepath.Join(dir, "letter.p7m")
	if code, _, errOut := runCLI(t, append([]string{"sign", letter, "--packaging", "enveloping", "-o", env}, keyArgs("doctor")...)...); code != 0 {
		t.Fatal(errOut)
	}
	xmlIn := copyPrescription(t, dir)
	signedXML := filepath.Join(dir, "prescription.signed.xml")
	if code, _, errOut := runCLI(t, append([]string{"sign", xmlIn, "--format", "xades", "--xml-id", "PrescriptionData", "-o", signedXML}, keyArgs("doctor")...)...); code != 0 {
		t.Fatal(errOut)
	}
	verifyArgs := func(sig, out string) []string {
		return []string{"verify", sig, "--trust", root, "--offline", "--crl", testpki.Path("ca-sign.crl"), "--extract", out}
	}

	t.Run("enveloping CAdES: the content", func(t *testing.T) {
		out := filepath.Join(dir, "x1")
		if code, stdout, errOut := runCLI(t, verifyArgs(env, out)...); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
		}
		got, err := os.ReadFile(filepath.Join(out, "signature-1-1.bin"))
		want, _ := os.ReadFile(letter)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("extracted %q, %v; want the letter", got, err)
		}
	})
	t.Run("XAdES: the covered element, canonical", func(t *testing.T) {
		out := filepath.Join(dir, "x2")
		if code, stdout, errOut := runCLI(t, verifyArgs(signedXML, out)...); code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, errOut)
		}
		got, err := os.ReadFile(filepath.Join(out, "signature-1-1.xml"))
		if err != nil || !bytes.HasPrefix(got, []byte("<PrescriptionData")) || bytes.Contains(got, []byte("Signature")) {
			t.Fatalf("extracted %q, %v", got, err)
		}
	})
	t.Run("a changed document: nothing extracted", func(t *testing.T) {
		doc, _ := os.ReadFile(signedXML)
		bad := filepath.Join(dir, "changed.xml")
		os.WriteFile(bad, bytes.Replace(doc, []byte("</PrescriptionData>"), []byte("<Extra/></PrescriptionData>"), 1), 0o600)
		out := filepath.Join(dir, "x3")
		if code, _, _ := runCLI(t, verifyArgs(bad, out)...); code != 1 {
			t.Fatalf("exit %d, want 1", code)
		}
		if entries, _ := os.ReadDir(out); len(entries) != 0 {
			t.Fatalf("extracted %d files from a failed signature", len(entries))
		}
	})
	t.Run("an existing file is never replaced", func(t *testing.T) {
		out := filepath.Join(dir, "x1")
		code, _, errOut := runCLI(t, verifyArgs(env, out)...)
		if code != 3 || !strings.Contains(errOut, "exists") {
			t.Fatalf("exit %d: %s", code, errOut)
		}
	})
}

// A detached file is never copied out, except that of a file the
// transforms select only in part, what was verified (the selected part
// after the transforms) is written, never the file.
func TestExtractPartialDetachedFile(t *testing.T) {
	dir := t.TempDir()
	sig := writeDoc(t, dir, "sig.xml", "<x/>")
	rep := &verify.Report{Signatures: []verify.SignatureReport{{Indication: verify.TotalPassed, SignedData: []verify.SignedData{
		{URI: "scan/page001.xml", Manifest: true, Partial: true, LeftOut: []string{"/Q{urn:p}page[1]/Q{urn:p}result[1]"}, Checked: true, Data: []byte(`<page xmlns="urn:p"><patient>Hanako</patient></page>`)},
		{URI: "scan/image001.jpg", Manifest: true, Checked: true, Data: []byte("JPEG")},
	}}}}
	out := filepath.Join(dir, "x")
	written, err := extractSigned(out, sig, rep)
	if err != nil || len(written) != 1 || filepath.Base(written[0]) != "signature-1-1.xml" {
		t.Fatalf("written %v, %v", written, err)
	}
	if got, _ := os.ReadFile(written[0]); string(got) != `<page xmlns="urn:p"><patient>Hanako</patient></page>` {
		t.Fatalf("extracted %q", got)
	}
}
