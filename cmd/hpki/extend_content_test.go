package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// hpki extend --content on an enveloped XAdES document: content that the
// signatures do not cover is refused (HASH_FAILURE), never ignored.
func TestExtendXAdESContentNeverIgnored(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	in := copyPrescription(t, dir)
	signed := filepath.Join(dir, "prescription.signed.xml")
	if code, _, errOut := runCLI(t, append([]string{"sign", in, "--format", "xades", "--xml-id", "PrescriptionData", "-o", signed, "--level", "T", "--tsa", tsaURL, "--tsa-trust", testpki.Path("tsa-root.pem")}, keyArgs("doctor")...)...); code != 0 {
		t.Fatal(errOut)
	}
	other := writeDoc(t, dir, "other.xml", "<Document>another prescription</Document>")
	base := []string{"extend", signed, "--to", "LT", "--trust", testpki.Path("root.pem"), "--tsa-trust", testpki.Path("tsa-root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t)}
	code, _, errOut := runCLI(t, append(base, "--content", other, "-o", filepath.Join(dir, "x.xml"))...)
	if code != 1 || !strings.Contains(errOut, "HASH_FAILURE") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, append(base, "--content", signed, "-o", filepath.Join(dir, "y.xml"))...); code != 0 {
		t.Fatalf("control, the document itself as content: exit %d: %s", code, errOut)
	}
	// A B-B document gets its signature timestamp while it is extended:
	// the document given as content is still the document itself.
	bb := filepath.Join(dir, "bb.signed.xml")
	if code, _, errOut := runCLI(t, append([]string{"sign", in, "--format", "xades", "--xml-id", "PrescriptionData", "-o", bb}, keyArgs("doctor")...)...); code != 0 {
		t.Fatal(errOut)
	}
	bbArgs := append([]string{"extend", bb}, base[2:]...)
	if code, _, errOut := runCLI(t, append(bbArgs, "--content", bb, "--tsa", tsaURL, "-o", filepath.Join(dir, "z.xml"))...); code != 0 {
		t.Fatalf("B-B document as its own content: exit %d: %s", code, errOut)
	}
}
