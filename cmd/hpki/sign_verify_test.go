package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

// keyArgs name a software key of the test HPKI for hpki sign, offline
// (signing asks the certificate's CRL/OCSP service otherwise).
func keyArgs(who string) []string {
	return []string{"--key", testpki.Path(who + ".key"), "--cert", testpki.Path(who + ".pem"), "--chain", testpki.Path("chain-sign.pem"), "--offline"}
}

func writeDoc(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSignAndVerifyCLI(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	a := writeDoc(t, dir, "a.txt", "referral letter A")
	b := writeDoc(t, dir, "b.txt", "referral letter B")
	root, tsaRoot := testpki.Path("root.pem"), testpki.Path("tsa-root.pem")

	// Batch, level T, role required.
	args := append([]string{"sign", a, b, "--level", "T", "--tsa", tsaURL, "--tsa-trust", tsaRoot, "--require-role", "医師"}, keyArgs("doctor")...)
	if code, out, errOut := runCLI(t, args...); code != 0 {
		t.Fatalf("sign: exit %d\n%s%s", code, out, errOut)
	}
	before, _ := os.ReadFile(a)
	if string(before) != "referral letter A" {
		t.Fatal("input modified")
	}
	// Never overwrite without --force; nothing partial is left.
	if code, _, errOut := runCLI(t, args...); code != 3 || !strings.Contains(errOut, "exists") {
		t.Fatalf("second sign: exit %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, append(args, "--force")...); code != 0 {
		t.Fatalf("sign --force: exit %d %s", code, errOut)
	}

	code, out, errOut := runCLI(t, "verify", a+".p7s", "--content", a, "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t), "--tsa-trust", tsaRoot, "--output", "json", "--require-role", "Medical Doctor")
	if code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
	}
	var rep verify.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	s := rep.Signatures[0]
	if rep.Indication != verify.TotalPassed || s.Level != "CAdES-BASELINE-T" || s.Signer.Roles[0].Ja != "医師" || s.Timestamps[0].Type != "signature" || s.Covers[0] != "a.txt" {
		t.Fatalf("report %+v", rep)
	}
	if code, out, _ := runCLI(t, "verify", a+".p7s", "--content", a, "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t), "--tsa-trust", tsaRoot, "--lang", "ja"); code != 0 || !strings.Contains(out, "有効") || !strings.Contains(out, "医師（Medical Doctor）") || !strings.Contains(out, "タイムスタンプにより証明") {
		t.Fatalf("ja report: exit %d\n%s", code, out)
	}

	garbage := writeDoc(t, dir, "garbage.p7s", "not a signature")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"wrong content", []string{"verify", a + ".p7s", "--content", b, "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t), "--tsa-trust", tsaRoot}, 1, "HASH_FAILURE"},
		{"missing role", []string{"verify", a + ".p7s", "--content", a, "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t), "--tsa-trust", tsaRoot, "--require-role", "薬剤師"}, 1, "Pharmacist"},
		{"no content", []string{"verify", a + ".p7s", "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t), "--tsa-trust", tsaRoot}, 2, "SIGNED_DATA_NOT_FOUND"},
		{"default anchors do not trust the test HPKI", []string{"verify", a + ".p7s", "--content", a}, 2, "NO_CERTIFICATE_CHAIN_FOUND"},
		{"no revocation data, offline", []string{"verify", a + ".p7s", "--content", a, "--trust", root, "--tsa-trust", tsaRoot, "--offline"}, 2, "TRY_LATER"},
		{"--crl that is not a CRL", []string{"verify", a + ".p7s", "--content", a, "--trust", root, "--crl", garbage}, 3, ""},
		{"garbage signature", []string{"verify", garbage, "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t)}, 3, ""},
		{"truncated signature", []string{"verify", truncated(t, a+".p7s"), "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t)}, 3, ""},
		{"missing signature file", []string{"verify", filepath.Join(dir, "none.p7s")}, 3, ""},
		{"bad --output", []string{"verify", a + ".p7s", "--output", "xml"}, 3, ""},
		{"unknown role", []string{"verify", a + ".p7s", "--require-role", "Wizard"}, 3, ""},
		{"empty role", []string{"verify", a + ".p7s", "--content", a, "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t), "--tsa-trust", tsaRoot, "--require-role", ""}, 3, "empty HPKI role"},
		{"blank role", []string{"verify", a + ".p7s", "--content", a, "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t), "--tsa-trust", tsaRoot, "--require-role", " "}, 3, "empty HPKI role"},
		{"sign with an empty role", append([]string{"sign", b, "-o", filepath.Join(dir, "e.p7s"), "--require-role", ""}, keyArgs("doctor")...), 3, "empty HPKI role"},
		{"sign with a non-HPKI certificate", append([]string{"sign", b, "-o", filepath.Join(dir, "x.p7s")}, keyArgs("nonhpki")...), 1, ""},
		{"sign refusing a missing role", append([]string{"sign", b, "-o", filepath.Join(dir, "y.p7s"), "--require-role", "Pharmacist"}, keyArgs("doctor")...), 1, ""},
		{"sign with mismatched key", []string{"sign", b, "-o", filepath.Join(dir, "z.p7s"), "--key", testpki.Path("pharmacist.key"), "--cert", testpki.Path("doctor.pem")}, 3, ""},
		{"sign without a key", []string{"sign", b}, 3, ""},
		{"sign a missing file", append([]string{"sign", filepath.Join(dir, "none.txt")}, keyArgs("doctor")...), 3, ""},
		{"sign level T without TSA", append([]string{"sign", b, "--level", "T", "-o", filepath.Join(dir, "t.p7s")}, keyArgs("doctor")...), 3, ""},
		{"sign with an unreachable TSA", append([]string{"sign", b, "--level", "T", "--tsa", "http://127.0.0.1:1/", "--tsa-trust", tsaRoot, "-o", filepath.Join(dir, "u.p7s"), "--tsa-timeout", "2s"}, keyArgs("doctor")...), 1, ""},
		{"sign -o with two inputs", append([]string{"sign", a, b, "-o", filepath.Join(dir, "v.p7s")}, keyArgs("doctor")...), 3, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
			if tc.want != "" && !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("output lacks %q:\n%s%s", tc.want, out, errOut)
			}
			if code == 3 || (code == 1 && tc.args[0] == "sign") {
				assertOneLineError(t, errOut)
			}
		})
	}
	for _, name := range []string{"x.p7s", "y.p7s", "u.p7s"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s written by a failed sign", name)
		}
	}
}

func truncated(t *testing.T, name string) string {
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	out := name + ".truncated"
	os.WriteFile(out, data[:len(data)/2], 0o600)
	return out
}

func TestP12PasswordNeverFromArgv(t *testing.T) {
	cmd := newSignCmd()
	for _, name := range []string{"password", "pin", "p12-password"} {
		if cmd.Flags().Lookup(name) != nil {
			t.Fatalf("sign has a --%s flag: secrets must not be passed in argv", name)
		}
	}
}

// hpki sign --format xades in its three packagings, and hpki verify finding
// the format by itself: default names, the Covers line, and exit 1 once the
// signed content changes.
func TestSignAndVerifyXAdESCLI(t *testing.T) {
	dir := t.TempDir()
	presc, err := os.ReadFile("../../testdata/xml/prescription.xml")
	if err != nil {
		t.Fatal(err)
	}
	in := writeDoc(t, dir, "presc.xml", string(presc))
	root := testpki.Path("root.pem")
	tests := []struct {
		name, packaging, out, covers string
		extra                        []string
	}{
		{"enveloped element", "enveloped", "presc.signed.xml", "#PrescriptionData", []string{"--xml-id", "PrescriptionData"}},
		{"enveloping", "enveloping", "presc.xml.xades.xml", "element Object", nil},
		{"detached", "detached", "presc.xml.xades.xml", "file presc.xml", []string{"--force"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"sign", in, "--format", "xades", "--packaging", tc.packaging}, tc.extra...), keyArgs("doctor")...)
			if code, out, errOut := runCLI(t, args...); code != 0 || !strings.Contains(out, "XAdES-BASELINE-B "+tc.packaging) {
				t.Fatalf("sign: %d %s %s", code, out, errOut)
			}
			sig := filepath.Join(dir, tc.out)
			vargs := []string{"verify", sig, "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t)}
			if tc.packaging == "detached" {
				vargs = append(vargs, "--content", in)
			}
			if code, out, errOut := runCLI(t, vargs...); code != 0 || !strings.Contains(out, tc.covers) || !strings.Contains(out, "医師") {
				t.Fatalf("verify: %d %s %s", code, out, errOut)
			}
			// Change the signed prescription (in the signature file, or
			// the detached input) and verification fails with exit 1.
			target := sig
			if tc.packaging == "detached" {
				target = in
				defer os.WriteFile(in, presc, 0o600)
			}
			data, _ := os.ReadFile(target)
			os.WriteFile(target, []byte(strings.Replace(string(data), "<Days>28</Days>", "<Days>90</Days>", 1)), 0o600)
			if code, out, _ := runCLI(t, vargs...); code != 1 || !strings.Contains(out, "HASH_FAILURE") {
				t.Fatalf("changed content: exit %d\n%s", code, out)
			}
		})
	}
}

// hpki extend: LT then LTA (a renewal on top), the result verified offline
// from what it embeds alone; refusals and bad input with their exit codes.
func TestExtendCLI(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	doc := writeDoc(t, dir, "record.txt", "referral letter kept for decades")
	root, tsaRoot, crl := testpki.Path("root.pem"), testpki.Path("tsa-root.pem"), testpki.FreshCRLFile(t)
	if code, _, errOut := runCLI(t, append([]string{"sign", doc, "--level", "T", "--tsa", tsaURL, "--tsa-trust", tsaRoot}, keyArgs("doctor")...)...); code != 0 {
		t.Fatalf("sign: %s", errOut)
	}
	sig := doc + ".p7s"
	before, _ := os.ReadFile(sig)
	base := []string{"--content", doc, "--trust", root, "--tsa-trust", tsaRoot, "--offline", "--crl", crl}
	code, out, errOut := runCLI(t, append([]string{"extend", sig, "--to", "LTA", "--tsa", tsaURL}, base...)...)
	if code != 0 || !strings.Contains(out, "CAdES-BASELINE-LTA") {
		t.Fatalf("extend: %d %s %s", code, out, errOut)
	}
	if after, _ := os.ReadFile(sig); !bytes.Equal(before, after) {
		t.Fatal("the input signature was modified")
	}
	lta := filepath.Join(dir, "record.txt.lta.p7s")
	// Renew in place.
	if code, out, errOut := runCLI(t, append([]string{"extend", lta, "--to", "LTA", "--tsa", tsaURL, "--in-place"}, base...)...); code != 0 {
		t.Fatalf("renew: %d %s %s", code, out, errOut)
	}
	// Offline, no --crl: the embedded data is enough.
	code, out, errOut = runCLI(t, "verify", lta, "--content", doc, "--trust", root, "--tsa-trust", tsaRoot, "--offline", "--output", "json")
	if code != 0 || !strings.Contains(out, `"level": "CAdES-BASELINE-LTA"`) || strings.Count(out, `"type": "archive"`) != 2 {
		t.Fatalf("verify the renewed LTA offline: %d %s %s", code, out, errOut)
	}
	garbage := writeDoc(t, dir, "garbage.p7s", "not a signature")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"revocation unknown offline: refused", append([]string{"extend", sig, "--to", "LT", "-o", filepath.Join(dir, "x.p7s")}, "--content", doc, "--trust", root, "--tsa-trust", tsaRoot, "--offline"), 1, "TRY_LATER"},
		{"tampered content: refused", append([]string{"extend", sig, "--to", "LT", "-o", filepath.Join(dir, "y.p7s")}, "--content", garbage, "--trust", root, "--tsa-trust", tsaRoot, "--offline", "--crl", crl), 1, "HASH_FAILURE"},
		{"LTA without --tsa", append([]string{"extend", sig, "--to", "LTA"}, base...), 3, "--tsa"},
		{"bad level", append([]string{"extend", sig, "--to", "LTX"}, base...), 3, "LT or LTA"},
		{"garbage signature", append([]string{"extend", garbage, "--to", "LT"}, base...), 3, "unreadable"},
		{"output exists", append([]string{"extend", sig, "--to", "LTA", "--tsa", tsaURL, "-o", lta}, base...), 3, "exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d (want %d), stderr %q", code, tc.code, errOut)
			}
			assertOneLineError(t, errOut)
		})
	}
}

// hpki verify fetches revocation data online, here from an OCSP responder
// on 127.0.0.1 that --resolve puts in place of the certificate's host; the
// revoked signer fails, the doctor passes. hpki ocsp serve refuses bad
// input before listening.
func TestOnlineRevocationCLI(t *testing.T) {
	p := testpki.MustLoad(t)
	tsaURL := testTSA(t)
	r := &revocation.Responder{Issuer: p.SignCA.Cert, Cert: p.OCSP.Cert, Signer: p.OCSP.Key}
	r.Revoke(p.Revoked.Cert.SerialNumber, p.RevokedAt, 1)
	ocsp := httptest.NewServer(r)
	defer ocsp.Close()
	addr := strings.TrimPrefix(ocsp.URL, "http://")
	dir := t.TempDir()
	doc := writeDoc(t, dir, "letter.txt", "referral letter")
	root, tsaRoot := testpki.Path("root.pem"), testpki.Path("tsa-root.pem")
	for _, tc := range []struct {
		who  string
		code int
		want string
	}{
		{"doctor", 0, "not revoked at the signing time (OCSP, fetched"},
		{"revoked", 1, "BEFORE the signing time"},
	} {
		t.Run(tc.who, func(t *testing.T) {
			sig := filepath.Join(dir, tc.who+".p7s")
			if code, _, errOut := runCLI(t, append([]string{"sign", doc, "-o", sig, "--level", "T", "--tsa", tsaURL, "--tsa-trust", tsaRoot}, keyArgs(tc.who)...)...); code != 0 {
				t.Fatalf("sign: %s", errOut)
			}
			code, out, errOut := runCLI(t, "verify", sig, "--content", doc, "--trust", root, "--tsa-trust", tsaRoot, "--resolve", "ocsp.hpki-test.invalid="+addr)
			if code != tc.code || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want %d\n%s%s", code, tc.code, out, errOut)
			}
		})
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"missing flags", []string{"ocsp", "serve"}},
		{"CRL of another CA", []string{"ocsp", "serve", "--issuer", testpki.Path("ca-auth.pem"), "--cert", testpki.Path("ocsp.pem"), "--key", testpki.Path("ocsp.key"), "--crl", testpki.Path("ca-sign.crl")}},
		{"key of another certificate", []string{"ocsp", "serve", "--issuer", testpki.Path("ca-sign.pem"), "--cert", testpki.Path("ocsp.pem"), "--key", testpki.Path("doctor.key")}},
		{"bad --resolve", []string{"verify", filepath.Join(dir, "doctor.p7s"), "--resolve", "nohost"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, tc.args...)
			if code != 3 {
				t.Fatalf("exit %d, want 3: %s", code, errOut)
			}
			assertOneLineError(t, errOut)
		})
	}
}

// hpki sign --level LTA signs, timestamps and extends in one step, CAdES
// and XAdES; the result verifies offline from what it embeds.
func TestSignAtLTACLI(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	root, tsaRoot := testpki.Path("root.pem"), testpki.Path("tsa-root.pem")
	presc, _ := os.ReadFile("../../testdata/xml/prescription.xml")
	letter := writeDoc(t, dir, "letter.txt", "referral letter")
	xml := writeDoc(t, dir, "presc.xml", string(presc))
	common := append([]string{"--level", "LTA", "--tsa", tsaURL, "--tsa-trust", tsaRoot, "--trust", root, "--offline", "--crl", testpki.FreshCRLFile(t)}, keyArgs("doctor")...)
	for _, tc := range []struct {
		name, level string
		sign        []string
		verify      []string
	}{
		{"CAdES", "CAdES-BASELINE-LTA", []string{"sign", letter}, []string{"verify", letter + ".p7s", "--content", letter}},
		{"XAdES", "XAdES-BASELINE-LTA", []string{"sign", xml, "--format", "xades", "--xml-id", "PrescriptionData"}, []string{"verify", filepath.Join(dir, "presc.signed.xml")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append(tc.sign, common...)...)
			if code != 0 || !strings.Contains(out, tc.level) {
				t.Fatalf("sign: %d %s %s", code, out, errOut)
			}
			code, out, errOut = runCLI(t, append(tc.verify, "--trust", root, "--tsa-trust", tsaRoot, "--offline")...)
			if code != 0 || !strings.Contains(out, tc.level) {
				t.Fatalf("verify: %d %s %s", code, out, errOut)
			}
		})
	}
	// Without revocation data the new signature cannot reach LT: refused,
	// nothing written.
	code, _, errOut := runCLI(t, append([]string{"sign", letter, "-o", filepath.Join(dir, "x.p7s"), "--level", "LT", "--tsa", tsaURL, "--tsa-trust", tsaRoot, "--trust", root, "--offline"}, keyArgs("doctor")...)...)
	if code != 1 || !strings.Contains(errOut, "TRY_LATER") {
		t.Fatalf("LT without revocation data: exit %d %s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.p7s")); err == nil {
		t.Fatal("a refused signature was written")
	}
}

// hpki archive verify and renew over a folder: one line per file and a
// summary, exit code of the worst record, JSON for programs; renewal
// extends the valid record in place and leaves the failing one alone.
func TestArchiveCLI(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	root, tsaRoot, crl := testpki.Path("root.pem"), testpki.Path("tsa-root.pem"), testpki.FreshCRLFile(t)
	good := writeDoc(t, dir, "good.txt", "referral letter")
	bad := writeDoc(t, dir, "bad.txt", "referral letter")
	for _, f := range []string{good, bad} {
		if code, _, errOut := runCLI(t, append([]string{"sign", f, "--level", "T", "--tsa", tsaURL, "--tsa-trust", tsaRoot}, keyArgs("doctor")...)...); code != 0 {
			t.Fatal(errOut)
		}
	}
	os.WriteFile(bad, []byte("changed"), 0o600)
	common := []string{dir, "--trust", root, "--tsa-trust", tsaRoot, "--offline", "--crl", crl}
	code, out, errOut := runCLI(t, append([]string{"archive", "verify"}, common...)...)
	if code != 1 || !strings.Contains(out, "2 files: 1 passed, 1 failed, 0 indeterminate") || !strings.Contains(out, "TOTAL_FAILED/HASH_FAILURE") {
		t.Fatalf("archive verify: %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, append([]string{"archive", "verify", "--output", "json"}, common...)...)
	var recs []map[string]any
	if err := json.Unmarshal([]byte(out), &recs); err != nil || len(recs) != 2 || code != 1 {
		t.Fatalf("json: %v %d %s", err, code, out)
	}
	before, _ := os.ReadFile(bad + ".p7s")
	code, out, errOut = runCLI(t, append([]string{"archive", "renew", "--tsa", tsaURL}, common...)...)
	if code != 1 || !strings.Contains(out, "1 renewed, 0 refused") || !strings.Contains(out, "CAdES-BASELINE-LTA") {
		t.Fatalf("archive renew: %d\n%s%s", code, out, errOut)
	}
	if after, _ := os.ReadFile(bad + ".p7s"); !bytes.Equal(before, after) {
		t.Fatal("the failing record was rewritten")
	}
	if code, out, _ := runCLI(t, "verify", good+".p7s", "--content", good, "--trust", root, "--tsa-trust", tsaRoot, "--offline"); code != 0 || !strings.Contains(out, "LTA") {
		t.Fatalf("renewed record: %d %s", code, out)
	}
	if code, _, errOut := runCLI(t, "archive", "renew", dir); code != 3 {
		t.Fatalf("renew without --tsa: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "archive", "verify", filepath.Join(dir, "missing")); code != 3 {
		t.Fatalf("missing folder: %d %s", code, errOut)
	} else {
		assertOneLineError(t, errOut)
	}
}

// testTSA starts the test TSA on 127.0.0.1 for the test's duration and
// returns its URL.
func testTSA(t *testing.T) string {
	t.Helper()
	p := testpki.MustLoad(t)
	hs := httptest.NewServer(&tsa.Server{Signer: p.TSA.Key, Cert: p.TSA.Cert})
	t.Cleanup(hs.Close)
	return hs.URL
}

// copyPrescription copies the sample e-prescription into dir (mode 0600)
// and returns its name.
func copyPrescription(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "xml", "prescription.xml"))
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "prescription.xml")
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestSignLevelFollowsTSA: --tsa without --level makes a timestamped
// signature (level T, not a B signature with the TSA silently ignored);
// --tsa with an explicit --level B is a usage error.
func TestSignLevelFollowsTSA(t *testing.T) {
	tsaURL := testTSA(t)
	dir := t.TempDir()
	a := writeDoc(t, dir, "a.txt", "referral letter")
	args := append([]string{"sign", a, "--tsa", tsaURL, "--tsa-trust", testpki.Path("tsa-root.pem"), "--output", "json"}, keyArgs("doctor")...)
	code, out, errOut := runCLI(t, args...)
	if code != 0 || !strings.Contains(out, "BASELINE-T") {
		t.Fatalf("sign --tsa: exit %d, want level T in %s%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, append(args, "--level", "B", "--force")...)
	if code != 3 || !strings.Contains(errOut, "--tsa is not used at --level B") {
		t.Fatalf("sign --tsa --level B: exit %d %q", code, errOut)
	}
	assertOneLineError(t, errOut)
}
