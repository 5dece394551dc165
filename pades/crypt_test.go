package pades

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// encryptions are the ways qpdf encrypts a file for permissions (empty
// user password): every standard security handler revision it writes.
var encryptions = []struct {
	name string
	args []string
}{
	{"R2 RC4 40-bit", []string{"--allow-weak-crypto", "--encrypt", "", "owner-secret", "40", "--"}},
	{"R3 RC4 128-bit", []string{"--allow-weak-crypto", "--encrypt", "", "owner-secret", "128", "--use-aes=n", "--"}},
	{"R4 RC4 crypt filter", []string{"--allow-weak-crypto", "--encrypt", "", "owner-secret", "128", "--use-aes=n", "--force-V4", "--"}},
	{"R4 AES-128", []string{"--encrypt", "", "owner-secret", "128", "--use-aes=y", "--"}},
	{"R4 AES-128 object streams", []string{"--encrypt", "", "owner-secret", "128", "--use-aes=y", "--", "--object-streams=generate"}},
	{"R4 AES-128 metadata in clear", []string{"--encrypt", "", "owner-secret", "128", "--use-aes=y", "--cleartext-metadata", "--"}},
	{"R6 AES-256", []string{"--encrypt", "", "owner-secret", "256", "--"}},
	{"R6 AES-256 object streams", []string{"--encrypt", "", "owner-secret", "256", "--", "--object-streams=generate"}},
}

// qpdfEncrypt encrypts pdf with qpdf's arguments args.
func qpdfEncrypt(t testing.TB, pdf []byte, args []string) []byte {
	t.Helper()
	qpdf := peer.Require(t, "qpdf", popplerHint)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command(qpdf, append(append([]string{}, args...), in, out)...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// qpdfShow prints object num of the file with qpdf (strings decrypted),
// or with data, its decoded and decrypted stream data.
func qpdfShow(t *testing.T, name string, num int, data bool) []byte {
	t.Helper()
	qpdf := peer.Require(t, "qpdf", popplerHint)
	args := []string{"--show-object=" + itoa(num)}
	if data {
		args = append(args, "--filtered-stream-data")
	}
	out, err := exec.Command(qpdf, append(args, name)...).Output()
	if err != nil {
		t.Fatalf("qpdf --show-object=%d: %v", num, err)
	}
	return out
}

func itoa(n int) string { return string(appendObject(nil, int64(n))) }

// Files encrypted for permissions by qpdf, in every revision it writes,
// are signed (B-T, a visible countersignature), extended to LTA, and
// verify; qpdf finds them sound and reads what we added with its own
// decryption (the catalog's /Lang, the signature's /M and field name, a
// certificate of the DSS), pdfsig finds both signatures intact, pdftoppm renders the page. A
// byte changed inside the signed range fails.
func TestEncryptedForPermissions(t *testing.T) {
	p := loadPKI(t)
	db := nssDB(t, false)
	for _, e := range encryptions {
		t.Run(e.name, func(t *testing.T) {
			// The catalog, rewritten by each signature, has a string.
			in := qpdfEncrypt(t, referralPDFCatalog("<</Type/Catalog/Pages 2 0 R/Lang(ja-JP)>>"), e.args)
			if !bytes.Contains(in, []byte("/Encrypt")) {
				t.Fatal("qpdf did not encrypt")
			}
			bt := signBytes(t, in, cred(p.Doctor), SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t)}})
			mustPass(t, verifyBytes(t, bt), "PAdES-BASELINE-T")
			two := signBytes(t, bt, cred(p.Pharmacist), SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t)}, Visible: &Appearance{Page: 1, X: 50, Y: 60, W: 200, H: 70}})
			mustPass(t, verifyBytes(t, two))
			peerCheck(t, writeTemp(t, "two.pdf", two), 2, 0, db)
			lta, _ := extendBytes(t, two, sign.LevelLTA)
			mustPass(t, verifyBytes(t, lta), "PAdES-BASELINE-LTA", "PAdES-BASELINE-LTA")
			name := writeTemp(t, "lta.pdf", lta)
			peerCheck(t, name, 2, 1, db)
			checkDecryptedByQpdf(t, lta, name)

			// A byte inside the first signature's range.
			bad := bytes.Clone(lta)
			i := bytes.Index(bad, []byte("/MediaBox"))
			if i < 0 || i > len(in) {
				i = len(in) / 2
			}
			bad[i+1] ^= 0x01
			if rep, err := Verify(t.Context(), bytes.NewReader(bad), int64(len(bad)), verify.New(verifyOpts(t))); err == nil && rep.Indication == verify.TotalPassed {
				t.Fatal("a changed byte passed")
			}
		})
	}
}

// checkDecryptedByQpdf reads back with qpdf what the signer and the
// extension wrote encrypted: each signature dictionary's /M and its
// field's name are text for qpdf, the rewritten catalog keeps its /Lang,
// and the DSS certificates decode.
func checkDecryptedByQpdf(t *testing.T, pdf []byte, name string) {
	t.Helper()
	f, err := Open(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	rev := f.Revisions[len(f.Revisions)-1]
	fields, err := f.fields(rev)
	if err != nil || len(fields) < 2 {
		t.Fatalf("fields: %v %d", err, len(fields))
	}
	for _, fl := range fields {
		out := string(qpdfShow(t, name, fl.Ref.Num, false))
		if !strings.Contains(out, "/T ("+fl.Name+")") {
			t.Errorf("qpdf reads field %d as %s, want /T (%s)", fl.Ref.Num, out, fl.Name)
		}
		v, ok := fl.Dict["V"].(Ref)
		if !ok {
			t.Fatalf("field %s has no /V reference", fl.Name)
		}
		if out := string(qpdfShow(t, name, v.Num, false)); fl.Dict.Name("FT") == "Sig" && !strings.Contains(out, "/M (D:") && !strings.Contains(out, "/DocTimeStamp") {
			t.Errorf("qpdf reads signature %d without a date: %s", v.Num, out)
		}
	}
	cat, root, err := f.Catalog(rev)
	if err != nil {
		t.Fatal(err)
	}
	if out := string(qpdfShow(t, name, root.Num, false)); !strings.Contains(out, "/Lang (ja-JP)") {
		t.Errorf("qpdf reads the catalog as %s, want /Lang (ja-JP)", out)
	}
	dss := f.dict(rev, cat["DSS"])
	certs, _ := f.Resolve(rev, dss["Certs"])
	arr, _ := certs.(Array)
	if len(arr) == 0 {
		t.Fatal("no DSS certificates")
	}
	for _, c := range arr {
		r, _ := c.(Ref)
		if _, err := x509.ParseCertificate(qpdfShow(t, name, r.Num, true)); err != nil {
			t.Errorf("DSS certificate %d as qpdf decrypts it: %v", r.Num, err)
		}
	}
}

// A file that needs a user password, or uses another handler, is refused
// with one line; nothing panics on a damaged /Encrypt.
func TestEncryptedRefused(t *testing.T) {
	p := loadPKI(t)
	locked := qpdfEncrypt(t, referralPDF(), []string{"--encrypt", "user-secret", "owner-secret", "256", "--"})
	rc4locked := qpdfEncrypt(t, referralPDF(), []string{"--allow-weak-crypto", "--encrypt", "user-secret", "owner-secret", "128", "--use-aes=n", "--"})
	for name, pdf := range map[string][]byte{"R6 user password": locked, "R3 user password": rc4locked} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Sign(t.Context(), bytes.NewReader(pdf), int64(len(pdf)), &out, cred(p.Doctor), SignOptions{})
			if err == nil || !strings.Contains(err.Error(), "needs a password") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v", err)
			}
		})
	}
	aes := qpdfEncrypt(t, referralPDF(), encryptions[3].args)
	rc4 := qpdfEncrypt(t, referralPDF(), encryptions[1].args)
	for _, c := range []struct {
		name     string
		base     []byte
		from, to string
	}{
		{"public key handler", aes, "/Filter /Standard", "/Filter /PubSec__"},
		{"revision 5", aes, "/R 4", "/R 5"},
		{"crypt filter method", aes, "/CFM /AESV2", "/CFM /AESV9"},
		{"bad /O", aes, "/O <", "/O 1 <"},
		{"RC4 key of 129 bits", rc4, "/Standard /Length 128", "/Standard /Length 129"},
		{"RC4 key of 2048 bits", rc4, "/Standard /Length 128", "/Standard /Length 2048"},
		{"unpublished /V 3", rc4, "/V 2", "/V 3"},
		{"short /U", rc4, "/U <", "/U <00> /X <"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := bytes.Replace(c.base, []byte(c.from), []byte(c.to), 1)
			if bytes.Equal(bad, c.base) {
				t.Fatalf("%q not in qpdf's output", c.from)
			}
			var out bytes.Buffer
			_, err := Sign(t.Context(), bytes.NewReader(bad), int64(len(bad)), &out, cred(p.Doctor), SignOptions{})
			if err == nil || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

// TestWriteFuzzSeeds writes the encrypted seeds of FuzzReader (files qpdf
// encrypted in each revision, two of them signed) into testdata/fuzz.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("PADES_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set PADES_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz/FuzzReader/encrypted-*")
	}
	p := loadPKI(t)
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	os.MkdirAll(dir, 0o755)
	for i, e := range encryptions {
		if strings.Contains(e.name, "object streams") || strings.Contains(e.name, "metadata") {
			continue
		}
		data := qpdfEncrypt(t, samplePDF("Referral letter"), e.args)
		if i == 0 || strings.Contains(e.name, "AES-128") {
			data = signBytes(t, data, cred(p.Doctor), SignOptions{})
		}
		name := "encrypted-" + strings.NewReplacer(" ", "-", "/", "-").Replace(strings.ToLower(e.name))
		seed := "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(seed), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pdfsig signs files encrypted for permissions (its signature dictionary's
// strings encrypted by poppler, its /Contents not): we accept them, and a
// countersignature of ours keeps both valid for us and for pdfsig.
func TestWeAcceptPdfsigEncrypted(t *testing.T) {
	pdfsig := peer.Require(t, "pdfsig", popplerHint)
	db := nssDB(t, true)
	p := loadPKI(t)
	for _, e := range encryptions {
		t.Run(e.name, func(t *testing.T) {
			in := writeTemp(t, "in.pdf", qpdfEncrypt(t, referralPDF(), e.args))
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
			both := signBytes(t, data, cred(p.Pharmacist), SignOptions{})
			rep = verifyBytes(t, both)
			if rep.Indication != verify.TotalPassed || len(rep.Signatures) != 2 {
				t.Fatalf("%s %+v", rep.Indication, rep.Signatures)
			}
			peerCheck(t, writeTemp(t, "both.pdf", both), 2, 0, db)
		})
	}
}

// TestEncryptedFileIDChanged: a later revision that changes only the
// trailer's /ID[0] of a file encrypted for permissions. In revisions 2–4
// the file key derives from /ID[0], so readers can no longer open the file
// with the empty password: Verify refuses it (ErrNeedsPassword) instead of
// judging it with a key from the changed identifier. In revision 6 the key
// does not depend on /ID, and the change itself is a disallowed change.
func TestEncryptedFileIDChanged(t *testing.T) {
	p := loadPKI(t)
	for _, e := range encryptions {
		t.Run(e.name, func(t *testing.T) {
			in := qpdfEncrypt(t, referralPDFCatalog("<</Type/Catalog/Pages 2 0 R/Lang(ja-JP)>>"), e.args)
			signed := signBytes(t, in, cred(p.Doctor), SignOptions{})
			mustPass(t, verifyBytes(t, signed))
			changed := changeFileID(t, signed)
			rep, err := Verify(t.Context(), bytes.NewReader(changed), int64(len(changed)), verify.New(verifyOpts(t)))
			if strings.HasPrefix(e.name, "R6") {
				if err != nil {
					t.Fatalf("R6 (key independent of /ID): %v", err)
				}
				js, _ := json.Marshal(rep)
				if rep.Indication == verify.TotalPassed || !bytes.Contains(js, []byte("/ID[0]")) {
					t.Fatalf("changed /ID[0]: %s", js)
				}
				return
			}
			if !errors.Is(err, ErrNeedsPassword) {
				t.Fatalf("want ErrNeedsPassword, got %v (report %v)", err, rep)
			}
		})
	}
}

// changeFileID appends a revision restating the last trailer (and its
// catalog, byte for byte) with another /ID[0].
func changeFileID(t *testing.T, pdf []byte) []byte {
	t.Helper()
	f, err := Open(bytes.NewReader(pdf), int64(len(pdf)))
	if err != nil {
		t.Fatal(err)
	}
	last := f.Revisions[len(f.Revisions)-1]
	tr := Dict{}
	for k, v := range last.Trailer {
		tr[k] = v
	}
	delete(tr, "XRefStm")
	delete(tr, "Type")
	delete(tr, "W")
	delete(tr, "Index")
	delete(tr, "Filter")
	delete(tr, "DecodeParms")
	delete(tr, "Length")
	ids, _ := tr["ID"].(Array)
	if len(ids) != 2 {
		t.Fatalf("no /ID in %v", tr)
	}
	tr["ID"] = Array{String{B: bytes.Repeat([]byte{0x42}, 16)}, ids[1]}
	tr["Prev"] = int64(last.Head())
	var b bytes.Buffer
	b.Write(pdf)
	x := b.Len()
	b.WriteString("xref\n0 1\n0000000000 65535 f\r\ntrailer\n")
	b.Write(appendObject(nil, tr))
	fmt.Fprintf(&b, "\nstartxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}
