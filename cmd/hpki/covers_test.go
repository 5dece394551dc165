package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// hpki verify --covers PATH: the verdict fails unless the signature covers
// the element at PATH; a bad path or a CAdES input is a usage error.
func TestVerifyCoversFlag(t *testing.T) {
	dir := t.TempDir()
	presc, err := os.ReadFile("../../testdata/xml/prescription.xml")
	if err != nil {
		t.Fatal(err)
	}
	in := writeDoc(t, dir, "presc.xml", string(presc))
	if code, out, errOut := runCLI(t, append([]string{"sign", in, "--format", "xades", "--xml-id", "PrescriptionData"}, keyArgs("doctor")...)...); code != 0 {
		t.Fatalf("sign: %d %s %s", code, out, errOut)
	}
	txt := writeDoc(t, dir, "letter.txt", "referral letter")
	if code, out, errOut := runCLI(t, append([]string{"sign", txt}, keyArgs("doctor")...)...); code != 0 {
		t.Fatalf("sign: %d %s %s", code, out, errOut)
	}
	sig := filepath.Join(dir, "presc.signed.xml")
	base := []string{"verify", sig, "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.Path("ca-sign.crl")}
	tests := []struct {
		name  string
		extra []string
		code  int
		want  string
	}{
		{"covered", []string{"--covers", "/Document/PrescriptionData"}, 0, "PrescriptionData[1]"},
		{"covered, with namespace and position", []string{"--covers", "/Q{urn:example:hpki:eprescription:sample}Document/PrescriptionData[1]/Medication"}, 0, ""},
		{"not covered", []string{"--covers", "/Document/PrescriptionData", "--covers", "/Document"}, 1, "SIG_CONSTRAINTS_FAILURE"},
		{"not in the document", []string{"--covers", "/Document/DispensingData"}, 1, "is not in the document"},
		{"not a simple path", []string{"--covers", "//PrescriptionData"}, 3, ""},
		{"CAdES input", []string{"--covers", "/Document"}, 3, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{}, base...), tc.extra...)
			if tc.name == "CAdES input" {
				args[1] = txt + ".p7s"
				args = append(args, "--content", txt)
			}
			code, out, errOut := runCLI(t, args...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("exit %d (want %d)\n%s%s", code, tc.code, out, errOut)
			}
			if code == 3 {
				assertOneLineError(t, errOut)
			}
		})
	}
}
