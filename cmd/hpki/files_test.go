package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// withUmask runs f with the process umask set to mask.
func withUmask(mask int, f func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	f()
}

func mode(t *testing.T, name string) os.FileMode {
	t.Helper()
	st, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// hpki sign never replaces its input with its own signature, whatever
// --force says and however the output is spelled.
func TestSignNeverReplacesItsInput(t *testing.T) {
	dir := t.TempDir()
	in := writeDoc(t, dir, "letter.txt", "referral letter")
	hard := filepath.Join(dir, "hard.txt")
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	soft := filepath.Join(dir, "soft.txt")
	os.Symlink("letter.txt", soft)
	os.Mkdir(filepath.Join(dir, "sub"), 0o700)
	other := writeDoc(t, dir, "other.txt", "another letter")
	tests := []struct {
		name string
		args []string
	}{
		{"same name", []string{in, "-o", in}},
		{"other spelling", []string{in, "-o", filepath.Join(dir, "sub", "..", "letter.txt")}},
		{"hard link", []string{in, "-o", hard}},
		{"symbolic link", []string{in, "-o", soft}},
		{"xades to the input", []string{in, "--format", "xades", "--packaging", "detached", "-o", in}},
		{"default output is another input", []string{other + ".p7s", other}},
	}
	os.WriteFile(other+".p7s", []byte("old signature of other"), 0o600)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"sign"}, tc.args...), "--force")
			code, out, errOut := runCLI(t, append(args, keyArgs("doctor")...)...)
			if code != 3 || !strings.Contains(errOut, "refusing to replace it with its own signature") {
				t.Fatalf("exit %d, want 3\n%s%s", code, out, errOut)
			}
			assertOneLineError(t, errOut)
			if b, _ := os.ReadFile(in); string(b) != "referral letter" {
				t.Fatalf("input replaced: %q", b)
			}
			if b, _ := os.ReadFile(other + ".p7s"); string(b) != "old signature of other" {
				t.Fatalf("input replaced: %q", b)
			}
		})
	}
}

// Outputs honour the umask when new and keep the mode of the file they
// replace; a read-only file is replaced only with --force.
func TestOutputFileModes(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	doc := writeDoc(t, dir, "record.txt", "referral letter kept for decades")
	root, tsaRoot, crl := testpki.Path("root.pem"), testpki.Path("tsa-root.pem"), testpki.FreshCRLFile(t)
	sig := doc + ".p7s"

	// New file from a 0644 document, umask 027: 0640.
	os.Chmod(doc, 0o644)
	var code int
	var errOut string
	withUmask(0o027, func() {
		code, _, errOut = runCLI(t, append([]string{"sign", doc, "--level", "T", "--tsa", tsaURL, "--tsa-trust", tsaRoot}, keyArgs("doctor")...)...)
	})
	if code != 0 {
		t.Fatalf("sign: %s", errOut)
	}
	if m := mode(t, sig); m != 0o640 {
		t.Fatalf("new signature mode %v under umask 027, want 0640", m)
	}
	// Replaced 0600: stays 0600 (umask 022 would have given 0644).
	os.Chmod(sig, 0o600)
	withUmask(0o022, func() {
		code, _, errOut = runCLI(t, append([]string{"sign", doc, "--force", "--level", "T", "--tsa", tsaURL, "--tsa-trust", tsaRoot}, keyArgs("doctor")...)...)
	})
	if code != 0 || mode(t, sig) != 0o600 {
		t.Fatalf("sign --force over a 0600 file: exit %d mode %v %s", code, mode(t, sig), errOut)
	}
	base := []string{"--content", doc, "--trust", root, "--tsa-trust", tsaRoot, "--offline", "--crl", crl}
	// extend --in-place keeps 0600.
	if code, _, errOut := runCLI(t, append([]string{"extend", sig, "--to", "LT", "--in-place"}, base...)...); code != 0 || mode(t, sig) != 0o600 {
		t.Fatalf("extend --in-place: exit %d mode %v %s", code, mode(t, sig), errOut)
	}
	// A read-only record is refused without --force, replaced (and kept
	// read-only) with it.
	os.Chmod(sig, 0o444)
	before, _ := os.ReadFile(sig)
	code, out, errOut := runCLI(t, append([]string{"extend", sig, "--to", "LTA", "--tsa", tsaURL, "--in-place"}, base...)...)
	if code != 3 || !strings.Contains(errOut, "read-only") {
		t.Fatalf("extend --in-place on 0444: exit %d\n%s%s", code, out, errOut)
	}
	if after, _ := os.ReadFile(sig); !bytes.Equal(before, after) {
		t.Fatal("read-only record replaced")
	}
	if code, _, errOut := runCLI(t, append([]string{"extend", sig, "--to", "LTA", "--tsa", tsaURL, "--in-place", "--force"}, base...)...); code != 0 || mode(t, sig) != 0o444 {
		t.Fatalf("extend --in-place --force on 0444: exit %d mode %v %s", code, mode(t, sig), errOut)
	}
	// extend -o SIG without --in-place, or -o the content: refused.
	for _, o := range []string{sig, doc} {
		code, _, errOut := runCLI(t, append([]string{"extend", sig, "--to", "LT", "-o", o, "--force"}, base...)...)
		if code != 3 || !strings.Contains(errOut, "refusing to replace it") {
			t.Fatalf("extend -o %s: exit %d %s", filepath.Base(o), code, errOut)
		}
	}
	if b, _ := os.ReadFile(doc); string(b) != "referral letter kept for decades" {
		t.Fatal("content replaced")
	}
}

// archive renew keeps the mode of each record and skips read-only ones
// unless --force.
func TestArchiveRenewFileModes(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	tsaRoot := testpki.Path("tsa-root.pem")
	for _, name := range []string{"private.txt", "locked.txt"} {
		doc := writeDoc(t, dir, name, "record "+name)
		if code, _, errOut := runCLI(t, append([]string{"sign", doc, "--level", "T", "--tsa", tsaURL, "--tsa-trust", tsaRoot}, keyArgs("doctor")...)...); code != 0 {
			t.Fatalf("sign: %s", errOut)
		}
	}
	private, locked := filepath.Join(dir, "private.txt.p7s"), filepath.Join(dir, "locked.txt.p7s")
	os.Chmod(private, 0o600)
	os.Chmod(locked, 0o444)
	args := []string{"archive", "renew", dir, "--tsa", tsaURL, "--tsa-trust", tsaRoot, "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t)}
	code, out, _ := runCLI(t, args...)
	if code != 1 || !strings.Contains(out, "read-only") || !strings.Contains(out, "1 renewed, 1 refused") {
		t.Fatalf("renew: exit %d\n%s", code, out)
	}
	if mode(t, private) != 0o600 || mode(t, locked) != 0o444 {
		t.Fatalf("modes %v %v", mode(t, private), mode(t, locked))
	}
	if code, out, _ := runCLI(t, append(args, "--force")...); code != 0 || mode(t, locked) != 0o444 || !strings.Contains(out, "1 renewed, 0 refused") {
		t.Fatalf("renew --force: exit %d mode %v\n%s", code, mode(t, locked), out)
	}
}

// hpki verify --content is never ignored: a signature carrying its own
// content (enveloping CAdES, enveloped XAdES) fails with HASH_FAILURE when
// the given file is something else.
func TestVerifyContentNeverIgnored(t *testing.T) {
	dir := t.TempDir()
	doc := writeDoc(t, dir, "letter.txt", "referral letter")
	other := writeDoc(t, dir, "other.txt", "another letter")
	if code, _, errOut := runCLI(t, append([]string{"sign", doc, "--packaging", "enveloping", "-o", doc + ".p7m"}, keyArgs("doctor")...)...); code != 0 {
		t.Fatalf("sign: %s", errOut)
	}
	base := []string{"--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t)}
	if code, out, _ := runCLI(t, append([]string{"verify", doc + ".p7m", "--content", doc}, base...)...); code != 0 {
		t.Fatalf("same content: exit %d\n%s", code, out)
	}
	code, out, _ := runCLI(t, append([]string{"verify", doc + ".p7m", "--content", other}, base...)...)
	if code != 1 || !strings.Contains(out, "TOTAL_FAILED/HASH_FAILURE") || !strings.Contains(out, "is not the content this signature carries") {
		t.Fatalf("other content: exit %d\n%s", code, out)
	}
	presc, err := os.ReadFile("../../testdata/xml/prescription.xml")
	if err != nil {
		t.Fatal(err)
	}
	xml := writeDoc(t, dir, "presc.xml", string(presc))
	if code, _, errOut := runCLI(t, append([]string{"sign", xml, "--format", "xades"}, keyArgs("doctor")...)...); code != 0 {
		t.Fatalf("sign xades: %s", errOut)
	}
	signed := filepath.Join(dir, "presc.signed.xml")
	code, out, _ = runCLI(t, append([]string{"verify", signed, "--content", other}, base...)...)
	if code != 1 || !strings.Contains(out, "HASH_FAILURE") || !strings.Contains(out, "is not what the signatures cover") {
		t.Fatalf("xades, other content: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, append([]string{"verify", signed, "--content", signed}, base...)...); code != 0 {
		t.Fatalf("xades, the document itself: exit %d\n%s", code, out)
	}
}

// An output made from a private (0600) file is never wider than it: the
// signature of a 0600 record, an enveloping or enveloped signature carrying
// its content, and an extended copy of a 0600 signature are all 0600, even
// under umask 022.
func TestOutputsNoWiderThanTheirInput(t *testing.T) {
	dir := t.TempDir()
	letter := writeDoc(t, dir, "letter.txt", "紹介状")
	rx := copyPrescription(t, dir)
	cases := []struct {
		out  string
		args []string
	}{
		{"letter.txt.p7s", []string{"sign", letter}},
		{"letter.p7m", []string{"sign", letter, "--packaging", "enveloping", "-o", filepath.Join(dir, "letter.p7m")}},
		{"prescription.signed.xml", []string{"sign", rx, "--format", "xades", "--xml-id", "PrescriptionData"}},
		{"letter.xades.xml", []string{"sign", letter, "--format", "xades", "--packaging", "enveloping", "-o", filepath.Join(dir, "letter.xades.xml")}},
	}
	for _, tc := range cases {
		var code int
		var errOut string
		withUmask(0o022, func() { code, _, errOut = runCLI(t, append(tc.args, keyArgs("doctor")...)...) })
		if code != 0 {
			t.Fatalf("%v: %s", tc.args, errOut)
		}
		if m := mode(t, filepath.Join(dir, tc.out)); m != 0o600 {
			t.Errorf("%s: mode %v from a 0600 input, want 0600", tc.out, m)
		}
	}
}
