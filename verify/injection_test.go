package verify

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

// HostileNameCredential issues, from the test signing CA, an HPKI signing
// certificate for the doctor's key whose CN and Kanji name carry terminal
// escape sequences and bidi overrides: the report-injection attacker.
func hostileNameCredential(t testing.TB) *testpki.Credential {
	t.Helper()
	p := testpki.MustLoad(t)
	tmpl := testpki.SigningTemplate("Mallory \x1b[2K\rVALID — the signature is intact", "山田\u202e郎太\n医師", "HOSTILE1",
		[]string{"Medical Doctor"}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2046, 1, 1, 0, 0, 0, 0, time.UTC))
	c, err := testpki.IssueCert(tmpl, p.SignCA, p.Doctor.Key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A certificate name cannot redraw an INDETERMINATE report as VALID: the
// text report escapes ESC, CR, newlines and bidi controls in every value.
func TestTextReportEscapesHostileNames(t *testing.T) {
	c := hostileNameCredential(t)
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(doc), sign.Credential{Signer: c.Key, Certificate: c.Cert, Chain: c.Chain}, sign.CAdESOptions{AllowNonHPKI: true})
	if err != nil {
		t.Fatal(err)
	}
	o := opts(t)
	o.CRLs = nil // offline, no revocation data: INDETERMINATE/TRY_LATER
	rep, err := New(o).VerifyCAdES(context.Background(), res.Signature, bytes.NewReader(doc), "letter\x1b]0;pwned\x07.txt")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Indication != Indeterminate || rep.SubIndication != TryLater {
		t.Fatalf("verdict %s/%s, want INDETERMINATE/TRY_LATER", rep.Indication, rep.SubIndication)
	}
	for _, lang := range []string{"en", "ja"} {
		var b strings.Builder
		if err := rep.WriteText(&b, lang); err != nil {
			t.Fatal(err)
		}
		text := b.String()
		if strings.ContainsAny(text, "\x1b\r\x07\u202e") {
			t.Fatalf("%s: raw control in the report:\n%q", lang, text)
		}
		for _, want := range []string{`Mallory \x1b[2K\rVALID`, `山田\u202e郎太\n医師`, `letter\x1b]0;pwned\x07.txt`} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: report lacks the escaped %q:\n%s", lang, want, text)
			}
		}
		// The verdict is the first line and no other line claims validity.
		lines := strings.Split(text, "\n")
		if !strings.Contains(lines[0], "[INDETERMINATE/TRY_LATER]") {
			t.Errorf("%s: first line %q", lang, lines[0])
		}
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, "VALID") || strings.HasPrefix(l, "有効") {
				t.Errorf("%s: forged line %q", lang, l)
			}
		}
	}
	// JSON keeps the exact value.
	if !strings.Contains(rep.Signatures[0].Signer.Subject, "\x1b[2K\rVALID") {
		t.Errorf("subject in the report data: %q", rep.Signatures[0].Signer.Subject)
	}
}
