package verify

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

func given(name string, data []byte) GivenContent {
	return GivenContent{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// Content the caller gives is never ignored (issue 10, class 2): when the
// signature carries (or covers) other bytes, the verdict is
// TOTAL_FAILED/HASH_FAILURE and the report says why; the same bytes pass.
func TestGivenContentIsNeverIgnoredCAdES(t *testing.T) {
	p := testpki.MustLoad(t)
	sig := signDoc(t, p.Doctor, sign.CAdESOptions{Packaging: sign.Enveloping})
	tests := []struct {
		name    string
		content []byte
		want    SubIndication
	}{
		{"other document", []byte("a different referral letter"), HashFailure},
		{"prefix of the signed content", doc[:len(doc)-1], HashFailure},
		{"signed content with data appended", append(bytes.Clone(doc), "appended"...), HashFailure},
		{"empty file", []byte{}, HashFailure},
		{"the same bytes", doc, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := New(opts(t)).VerifyCAdES(context.Background(), sig, bytes.NewReader(tc.content), "given.txt")
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			rep.WriteText(&text, "en")
			if tc.want == "" {
				if rep.Indication != TotalPassed || !strings.Contains(text.String(), "identical to the given given.txt") {
					t.Fatalf("same bytes: %s/%s\n%s", rep.Indication, rep.SubIndication, text.String())
				}
				return
			}
			if rep.Indication != TotalFailed || rep.SubIndication != tc.want {
				t.Fatalf("verdict %s/%s, want TOTAL_FAILED/%s\n%s", rep.Indication, rep.SubIndication, tc.want, text.String())
			}
			for _, want := range []string{"INVALID", "the given content (given.txt) is not the content this signature carries", "NOT the given given.txt"} {
				if !strings.Contains(text.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, text.String())
				}
			}
		})
	}
	// Without given content the enveloping signature passes on its own.
	if rep, err := New(opts(t)).VerifyCAdES(context.Background(), sig, nil, ""); err != nil || rep.Indication != TotalPassed {
		t.Fatalf("enveloping alone: %v %v", rep, err)
	}
}

func TestGivenContentIsNeverIgnoredXAdES(t *testing.T) {
	p := testpki.MustLoad(t)
	presc := readXML(t, "prescription.xml")
	enveloped := signXML(t, p.Doctor, presc, sign.XAdESOptions{})
	res, err := sign.SignXAdESEnveloping(context.Background(), []byte("referral letter"), "text/plain", sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, sign.XAdESOptions{AllowNonHPKI: true})
	if err != nil {
		t.Fatal(err)
	}
	enveloping := res.Signature
	letter := []byte("%PDF-1.7 a scanned referral letter")
	res, err = sign.SignXAdESDetached(context.Background(), bytes.NewReader(letter), "letter.pdf", sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, sign.XAdESOptions{AllowNonHPKI: true})
	if err != nil {
		t.Fatal(err)
	}
	detached := res.Signature
	tests := []struct {
		name  string
		doc   []byte
		given GivenContent
		want  Indication
	}{
		{"enveloped, other file", enveloped, given("other.xml", []byte("<Other/>")), TotalFailed},
		{"enveloped, the unsigned original", enveloped, given("prescription.xml", presc), TotalFailed},
		{"enveloped, the document itself", enveloped, given("presc.signed.xml", enveloped), TotalPassed},
		{"enveloping, other file", enveloping, given("letter.txt", []byte("another letter")), TotalFailed},
		{"detached, the named file", detached, given("letter.pdf", letter), TotalPassed},
		{"detached, the named file changed", detached, given("letter.pdf", []byte("changed")), TotalFailed},
		{"detached, a file of another name", detached, given("invoice.pdf", letter), TotalFailed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := New(opts(t)).VerifyXAdESContent(context.Background(), tc.doc, tc.given, nil)
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			rep.WriteText(&text, "en")
			if rep.Indication != tc.want {
				t.Fatalf("verdict %s/%s, want %s\n%s", rep.Indication, rep.SubIndication, tc.want, text.String())
			}
			if tc.want == TotalFailed && (rep.SubIndication != HashFailure || !strings.Contains(text.String(), "HASH_FAILURE")) {
				t.Fatalf("sub-indication %s, want HASH_FAILURE\n%s", rep.SubIndication, text.String())
			}
			if tc.want == TotalFailed && tc.given.Name != "letter.pdf" && !strings.Contains(text.String(), "is not what the signatures cover") {
				t.Errorf("report does not say why:\n%s", text.String())
			}
		})
	}
}
