package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// englishWord is a lower-case English word: what may remain in a Japanese
// error line once identifiers are taken out.
var englishWord = regexp.MustCompile(`[a-z]{3,}`)

// jaIdentifiers are the names kept in Japanese messages: element paths,
// flags, file names, formats and algorithm names.
var jaIdentifiers = regexp.MustCompile(`\S*\{[^}]*\}\S*|--[a-z-]+|asn1:|x509:|crypto/\w+:|[\w.-]+\.(txt|p7s|pdf|xml)|CAdES[\w-]*|SHA-\d+|signing-certificate(-v2)?|content-type|message-digest|[A-Z][A-Za-z]*[A-Z][A-Za-z]*`)

// TestVerifyJapaneseErrorLines: with --lang ja, the error, warning and
// covers lines of the report of a tampered and of a detached signature
// without its content, and the one-line error of an unreadable signature,
// are in Japanese (identifiers aside).
func TestVerifyJapaneseErrorLines(t *testing.T) {
	t.Setenv("LANG", "C")
	dir := t.TempDir()
	a := writeDoc(t, dir, "a.txt", "referral letter A")
	if code, out, errOut := runCLI(t, append([]string{"sign", a}, keyArgs("doctor")...)...); code != 0 {
		t.Fatalf("sign: %d %s%s", code, out, errOut)
	}
	b := writeDoc(t, dir, "b.txt", "referral letter A, changed")
	garbage := writeDoc(t, dir, "garbage.p7s", "\x30\x03\x02\x01")
	presc, err := os.ReadFile("../../testdata/xml/prescription.xml")
	if err != nil {
		t.Fatal(err)
	}
	x := writeDoc(t, dir, "presc.xml", string(presc))
	if code, out, errOut := runCLI(t, append([]string{"sign", x, "--format", "xades", "--packaging", "enveloped", "--xml-id", "PrescriptionData"}, keyArgs("doctor")...)...); code != 0 {
		t.Fatalf("sign xades: %d %s%s", code, out, errOut)
	}
	signed := filepath.Join(dir, "presc.signed.xml")
	data, err := os.ReadFile(signed)
	if err != nil {
		t.Fatal(err)
	}
	writeDoc(t, dir, "presc.signed.xml", strings.Replace(string(data), "<Days>28</Days>", "<Days>90</Days>", 1))
	common := []string{"--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t), "--lang", "ja"}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"tampered", []string{"verify", a + ".p7s", "--content", b}, 1, "変更されたか"},
		{"missing content", []string{"verify", a + ".p7s"}, 2, "--content で指定してください"},
		{"unreadable", []string{"verify", garbage}, 3, "署名を読み取れません"},
		{"tampered XAdES", []string{"verify", signed}, 1, "署名後に変更されました"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append(tc.args, common...)...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("exit %d, want %d and %q:\n%s%s", code, tc.code, tc.want, out, errOut)
			}
			n := 0
			for _, line := range strings.Split(out+errOut, "\n") {
				msg, ok := "", false
				for _, p := range []string{"  エラー: ", "  警告: ", "hpki: ", "  対象: "} {
					if m, found := strings.CutPrefix(line, p); found {
						msg, ok = m, true
					}
				}
				if !ok {
					continue
				}
				n++
				assertJapanese(t, msg, dir, line)
			}
			if n == 0 {
				t.Fatalf("no error line:\n%s%s", out, errOut)
			}
			t.Logf("%s%s", out, errOut)
		})
	}
}

// assertJapanese fails when msg (a line, or the message part of it, with
// the folder dir taken out) holds an English word besides identifiers.
func assertJapanese(t *testing.T, msg, dir, line string) {
	t.Helper()
	msg = jaValues.ReplaceAllString(msg, "")
	msg = strings.ReplaceAll(msg, dir+string(os.PathSeparator), "")
	if w := englishWord.FindString(jaIdentifiers.ReplaceAllString(msg, "")); w != "" {
		t.Errorf("English %q in %q", w, line)
	}
}

// jaValues are the values a message quotes: quoted strings, paths,
// distinguished names, flags with digits, command and tool names.
var jaValues = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|\S*/\S*|\b[A-Z]+=[^,（]*|--[a-z0-9-]+|\barchive (verify|renew|report)\b|\bcgo\b`)
