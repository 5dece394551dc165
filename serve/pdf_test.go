package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// POST /v1/verify takes a signed PDF and answers with the report of
// pades.Verify, the call hpki verify makes for a PDF.
func TestVerifyPDF(t *testing.T) {
	f := newFixture(t, nil)
	letter, err := os.ReadFile(filepath.Join("..", "testdata", "pdf", "referral-letter.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	cred := sign.Credential{Signer: f.p.Doctor.Key, Certificate: f.p.Doctor.Cert, Chain: f.p.Doctor.Chain}
	if _, err := pades.Sign(context.Background(), bytes.NewReader(letter), int64(len(letter)), &buf, cred, pades.SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: f.tsa}}); err != nil {
		t.Fatal(err)
	}
	signed := buf.Bytes()
	var rep verify.Report
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: signed, RequireRole: []string{"医師"}}, &rep); code != 200 || rep.Indication != verify.TotalPassed {
		t.Fatalf("%d %+v", code, rep)
	}
	if rep.Format != "PAdES" || len(rep.Signatures) != 1 || rep.Signatures[0].Level != "PAdES-BASELINE-T" {
		t.Fatalf("report %+v", rep)
	}
	// The same JSON as the library's report (what hpki verify prints).
	lib, err := pades.Verify(context.Background(), bytes.NewReader(signed), int64(len(signed)), verify.New(verifyOptions(t, f.p)))
	if err != nil {
		t.Fatal(err)
	}
	var a, b map[string]any
	ja, _ := json.Marshal(lib)
	jb, _ := json.Marshal(rep)
	_ = json.Unmarshal(ja, &a)
	_ = json.Unmarshal(jb, &b)
	delete(a, "validationTime")
	delete(b, "validationTime")
	if ka, kb := keys(a), keys(b); ka != kb {
		t.Fatalf("report fields differ: %s vs %s", ka, kb)
	}

	// A changed byte in the signed revision fails; the role is enforced.
	bad := bytes.Clone(signed)
	i := bytes.Index(bad, []byte("/MediaBox"))
	bad[i+11] = '1'
	for _, c := range []struct {
		name string
		req  VerifyRequest
		ind  verify.Indication
	}{
		{"tampered", VerifyRequest{Signature: bad}, verify.TotalFailed},
		{"role not met", VerifyRequest{Signature: signed, RequireRole: []string{"薬剤師"}}, verify.TotalFailed},
	} {
		var r verify.Report
		if code := f.call(t, "POST", "/v1/verify", "", c.req, &r); code != 200 || r.Indication != c.ind {
			t.Errorf("%s: %d %s", c.name, code, r.Indication)
		}
	}
	// Refused: a PDF without signatures (422), content with a PDF (400).
	var e struct{ Error string }
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: letter}, &e); code != 422 || e.Error == "" {
		t.Errorf("unsigned PDF: %d %q", code, e.Error)
	}
	if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: signed, Content: letter}, &e); code != 400 {
		t.Errorf("PDF with content: %d %q", code, e.Error)
	}
}

// POST /v1/sign with format pades signs a PDF (the answer is the whole
// signed file, the PDF unchanged then one revision) with the user's
// server-held key; /v1/extend takes that PDF to LT and LTA; each verifies
// as pades.Verify says. A LibreOffice export encrypted for permissions is
// signed too. Refused: a non-PDF with format pades, a packaging, content
// given with a PDF to extend.
func TestSignExtendPDF(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.login(t, f.p.DoctorAuth)
	letter, err := os.ReadFile(filepath.Join("..", "testdata", "pdf", "referral-letter.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	locked, err := os.ReadFile(filepath.Join("..", "testdata", "pdf", "producers", "writer-permissions.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	for name, pdf := range map[string][]byte{"referral letter": letter, "encrypted for permissions": locked} {
		t.Run(name, func(t *testing.T) {
			var sr SignResponse
			if code := f.call(t, "POST", "/v1/sign", tok, SignRequest{Content: pdf, Format: "pades", Level: "T", RequireRole: []string{"医師"}}, &sr); code != 200 || sr.Format != "pades" || sr.TimestampTime == nil {
				t.Fatalf("sign: %d %+v", code, sr)
			}
			if !bytes.HasPrefix(sr.Signature, pdf) {
				t.Fatal("the signed PDF does not start with the PDF")
			}
			lib, err := pades.Verify(context.Background(), bytes.NewReader(sr.Signature), int64(len(sr.Signature)), verify.New(verifyOptions(t, f.p)))
			if err != nil || lib.Indication != verify.TotalPassed || lib.Signatures[0].Level != "PAdES-BASELINE-T" {
				t.Fatalf("the server's PDF signature: %v %+v", err, lib)
			}
			doc := sr.Signature
			for _, to := range []string{"LT", "LTA"} {
				var er ExtendResponse
				if code := f.call(t, "POST", "/v1/extend", "", ExtendRequest{Signature: doc, To: to}, &er); code != 200 || er.Level != "PAdES-BASELINE-"+to || er.Report.Indication != verify.TotalPassed {
					t.Fatalf("extend to %s: %d %s %+v", to, code, er.Level, er.Report)
				}
				if !bytes.HasPrefix(er.Signature, doc) {
					t.Fatalf("extend to %s changed earlier bytes", to)
				}
				doc = er.Signature
			}
			var rep verify.Report
			if code := f.call(t, "POST", "/v1/verify", "", VerifyRequest{Signature: doc}, &rep); code != 200 || rep.Indication != verify.TotalPassed || len(rep.Signatures) != 2 {
				t.Fatalf("verify LTA: %d %+v", code, rep)
			}
		})
	}
	var e struct{ Error string }
	for name, c := range map[string]struct {
		path string
		tok  string
		req  any
		code int
	}{
		"pades of a non-PDF":     {"/v1/sign", tok, SignRequest{Content: []byte("not a PDF"), Format: "pades"}, 400},
		"pades with a packaging": {"/v1/sign", tok, SignRequest{Content: letter, Format: "pades", Packaging: "enveloping"}, 400},
		"unsigned PDF to extend": {"/v1/extend", "", ExtendRequest{Signature: letter, To: "LT"}, 422},
		"PDF to extend, content": {"/v1/extend", "", ExtendRequest{Signature: letter, Content: letter, To: "LT"}, 400},
		"unknown format":         {"/v1/sign", tok, SignRequest{Content: letter, Format: "pdf"}, 400},
	} {
		if code := f.call(t, "POST", c.path, c.tok, c.req, &e); code != c.code || e.Error == "" {
			t.Errorf("%s: %d %q, want %d", name, code, e.Error, c.code)
		}
	}
}
