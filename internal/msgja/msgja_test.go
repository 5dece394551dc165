package msgja

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// jaVerbs returns the argument index and letter of each verb of a
// Japanese format, as expand reads them.
func jaVerbs(ja string) (idx []int, letters []byte) {
	next := 0
	for _, v := range verbs(ja) {
		i := next
		spec := ja[v.start:v.end]
		if o := strings.IndexByte(spec, '['); o >= 0 {
			c := strings.IndexByte(spec, ']')
			n, err := strconv.Atoi(spec[o+1 : c])
			if err != nil {
				return nil, nil
			}
			i = n - 1
		}
		next = i + 1
		idx = append(idx, i)
		letters = append(letters, v.letter)
	}
	return idx, letters
}

// TestCatalogueVerbs checks that each Japanese format uses every value of
// its English format exactly once, with the same verb, and keeps the
// literal percent signs.
func TestCatalogueVerbs(t *testing.T) {
	for en, ja := range catalogue {
		ev := verbs(en)
		idx, letters := jaVerbs(ja)
		if len(idx) != len(ev) {
			t.Errorf("%q: %d verbs, Japanese %q has %d", en, len(ev), ja, len(idx))
			continue
		}
		used := make([]bool, len(ev))
		for k, i := range idx {
			if i < 0 || i >= len(ev) || used[i] {
				t.Errorf("%q: Japanese %q uses value %d wrongly", en, ja, i+1)
				break
			}
			used[i] = true
			if letters[k] != ev[i].letter {
				t.Errorf("%q: value %d is %%%c, Japanese %q has %%%c", en, i+1, ev[i].letter, ja, letters[k])
			}
		}
		if strings.Count(en, "%%") != strings.Count(ja, "%%") {
			t.Errorf("%q: Japanese %q has another number of %%%%", en, ja)
		}
	}
}

// TestCatalogueNoDuplicates fails when two package catalogues give the
// same English format (merge would keep one silently).
func TestCatalogueNoDuplicates(t *testing.T) {
	seen := map[string]string{}
	all := map[string]map[string]string{"stdlib": stdlibJa, "words": wordsJa, "composed": composedJa}
	for k, v := range packageCatalogues {
		all[k] = v
	}
	for name, part := range all {
		for en := range part {
			if other, ok := seen[en]; ok {
				t.Errorf("%q is in both %s and %s", en, name, other)
			}
			seen[en] = name
		}
	}
}

// TestCatalogueIsJapanese checks that each translation holds Japanese
// text, unless the English is only names (ContentInfo: %v).
func TestCatalogueIsJapanese(t *testing.T) {
	for en, ja := range catalogue {
		if en == ja {
			continue
		}
		if !strings.ContainsFunc(ja, func(r rune) bool {
			return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) || r == '（'
		}) {
			t.Errorf("%q: %q holds no Japanese", en, ja)
		}
	}
}

func TestLocalize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "the content does not match the signed message digest: it was changed or is not the signed file",
			"内容が署名されたメッセージダイジェストと一致しません: 変更されたか、署名されたファイルではありません"},
		{"value", "reference #data uses SHA-1", "参照 #data は SHA-1 を使っています"},
		{"quoted", `"HPKI TEST TSA" names no CRL or OCSP service: its revocation status was not checked`,
			`"HPKI TEST TSA" は CRL も OCSP サービスも示していません: 失効状態は確認していません`},
		{"reordered", "RSA-1024 is too weak for a signature without proof of existence before 2030-01-01T00:00:00Z",
			"2030-01-01T00:00:00Z より前の存在証明がない署名には RSA-1024 は弱すぎます"},
		{"two levels", "the signature value does not verify with the signer's key: crypto/rsa: verification error",
			"署名値が署名者の鍵で検証できません: crypto/rsa: 検証エラー（署名が一致しません）"},
		{"three levels", "signer certificate: no path to a trust anchor: x509: certificate signed by unknown authority",
			"署名者証明書: 信頼アンカーへの証明書パスがありません: x509: 証明書の発行者が不明（信頼できない認証局）です"},
		{"expired chain", "signer certificate: no path to a trust anchor: x509: certificate has expired or is not yet valid: current time 2040-01-01T00:00:00Z is after 2035-01-01T00:00:00Z",
			"署名者証明書: 信頼アンカーへの証明書パスがありません: x509: 証明書が有効期限切れか、まだ有効期間前です: 現在時刻 2040-01-01T00:00:00Z は 2035-01-01T00:00:00Z より後です"},
		{"outer without entry", "letter.p7s: unreadable signature: malformed CMS: truncated element",
			"letter.p7s: 署名を読み取れません: CMS の形式が不正です: 要素が途中で切れています"},
		{"word", "embedded CRL ignored: CRL has an unknown critical extension 2.5.29.99",
			"署名に格納された CRL は使いませんでした: CRL に不明な重要（critical）拡張 2.5.29.99 があります"},
		{"timestamp kind", "a signature timestamp failed validation and is ignored: the token's SHA-256 imprint does not cover this data",
			"署名タイムスタンプの検証に失敗したため無視しました: トークンの SHA-256 インプリントはこのデータを対象としていません"},
		{"pdf change", "revision 3: the empty signature field Sig2 was signed, with a direct signature dictionary",
			"リビジョン 3: 空の署名フィールド Sig2 に署名されました（署名辞書が直接オブジェクトです）"},
		{"revocation", `no revocation data fresh enough proves the status of "TEST DOCTOR Taro" at 2026-01-02T03:04:05Z (embedded CRL ignored: issued 2026-01-01T00:00:00Z, before 2026-01-02T03:04:05Z, the time it must prove: data issued at or after that time is needed; given OCSP response ignored: OCSP nextUpdate before thisUpdate); the CA has published nothing newer yet: retry after 2026-01-03T00:00:00Z (offline: give --crl/--ocsp or embed it with hpki extend --to LT)`,
			`"TEST DOCTOR Taro" の 2026-01-02T03:04:05Z 時点の失効状態: 十分に新しい失効情報がありません（署名に格納された CRL は使いませんでした: 発行は 2026-01-01T00:00:00Z で、証明すべき時刻 2026-01-02T03:04:05Z より前です: その時刻以降に発行されたデータが必要です; 指定された OCSP レスポンスは使いませんでした: OCSP の nextUpdate が thisUpdate より前です）。CA はまだ新しい情報を公開していません: 2026-01-03T00:00:00Z 以降に再試行してください（オフラインです: --crl/--ocsp で指定するか、hpki extend --to LT で署名に格納してください）`},
		{"list", "embedded CRL ignored: CRL signature algorithm is not supported; fetched CRL ignored: delta CRLs are not supported",
			"署名に格納された CRL は使いませんでした: CRL の署名アルゴリズムには対応していません; 取得した CRL は使いませんでした: 差分 CRL には対応していません"},
		{"outer first", `signer certificate: no revocation data proves the status of "TEST DOCTOR Taro" at 2026-11-23T17:13:49Z (offline: give --crl/--ocsp or embed it with hpki extend --to LT)`,
			`署名者証明書: "TEST DOCTOR Taro" の 2026-11-23T17:13:49Z 時点の失効状態: 失効情報がありません（オフラインです: --crl/--ocsp で指定するか、hpki extend --to LT で署名に格納してください）`},
		{"weak format", "malformed XML signature document: ds:Signature may hold only SignedInfo, SignatureValue, KeyInfo? and Object*, in that order (XML-DSig §4.1): ds:KeyInfo is out of place",
			"XML 署名文書の形式が不正です: ds:Signature が含められるのは SignedInfo、SignatureValue、KeyInfo?、Object* をこの順でだけです（XML-DSig §4.1）: ds:KeyInfo の位置が不正です"},
		{"weak format 2", `given CRL ignored: revocation data rejected: the CRL is the partition "http://crl.example/p.crl", which is not a CRL distribution point of the certificate: it says nothing about it`,
			`指定された CRL は使いませんでした: 失効情報を受け付けません: この CRL は分割 CRL "http://crl.example/p.crl" で、証明書の CRL 配布点ではありません: この証明書については何も示しません`},
		{"sentence with ; in a chain", "malformed CMS: signed attribute signing-time (1.2.840.113549.1.9.5) appears 2 times; it may appear only once",
			"CMS の形式が不正です: 署名属性 signing-time（1.2.840.113549.1.9.5）が 2 回現れます。1 回だけ許されます"},
		{"outer without entry, inner with ;", `opening the key: wrong PIN for "HPKI Application" (no warning from the token); not retried`,
			`opening the key: "HPKI Application" の PIN が違います（no warning from the token）。再試行はしません`},
		{"archive skip", "a symbolic link to a directory, not a regular file",
			"ディレクトリへのシンボリックリンクで、通常のファイルではありません"},
		{"usage", "--to must be LT or LTA, not \"B\"", "--to は LT か LTA です（\"B\" ではありません）"},
		{"key file", "doctor.p12: wrong password", "doctor.p12: パスワードが違います"},
		{"pkcs11", "PKCS#11 module: /nope.so is not a PKCS#11 library (it cannot be loaded or has no C_GetFunctionList)",
			"PKCS#11 モジュール: /nope.so は PKCS#11 ライブラリではありません（読み込めないか、C_GetFunctionList がありません）"},
		{"auth", `login: HTTP 401: signed for origin "https://a.example", this server is "https://b.example"`,
			`ログイン: HTTP 401: オリジン "https://a.example" に対する署名ですが、このサーバは "https://b.example" です`},
		{"card kind", `no signing key: no HPKI authentication certificate (digitalSignature, policy 1.2.392.100495.1.5.1.2) on "HPKI Application"`,
			`署名鍵がありません: "HPKI Application" に HPKI 認証用証明書（digitalSignature、ポリシー 1.2.392.100495.1.5.1.2） がありません`},
		{"unknown", "something new", "something new"},
		{"unknown chain", "foo: bar; baz", "foo: bar; baz"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Localize(tt.in); got != tt.want {
				t.Errorf("Localize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestLocalizeHostileValues checks that values taken from the input
// (certificate names, Ids) are copied verbatim: a verb, regular expression
// syntax, a separator or a catalogue message inside them neither breaks
// the translation nor is read as a format.
func TestLocalizeHostileValues(t *testing.T) {
	for _, name := range []string{
		`%s%v%w%d%[1]s%!`,
		`.*(a|b)+$^\1[`,
		`Evil: unreadable signature; x`,
		`"quoted" \" name`,
		`${1}$1 %% 100%`,
		strings.Repeat(": ", 200),
		"名前: テスト",
	} {
		q := strconv.Quote(name)
		in := q + " names no CRL or OCSP service: its revocation status was not checked"
		want := q + " は CRL も OCSP サービスも示していません: 失効状態は確認していません"
		if got := Localize(in); got != want {
			t.Errorf("quoted name %q:\n got %q\nwant %q", name, got, want)
		}
		in = "the given content (" + name + ") is not the content this signature carries and covers (file.pdf)"
		if got := Localize(in); !strings.Contains(got, name) || !strings.HasPrefix(got, "指定された内容（") {
			t.Errorf("name %q:\n got %q", name, got)
		}
	}
}

// TestLocalizeBounded checks that long and deeply nested messages are
// translated in bounded time and a message over MaxLen is kept.
func TestLocalizeBounded(t *testing.T) {
	deep := strings.Repeat("signer certificate: ", 500) + "unreadable signature"
	got := Localize(deep)
	if !strings.HasPrefix(got, "署名者証明書: 署名者証明書: ") {
		t.Errorf("deep chain: %.80q", got)
	}
	long := strings.Repeat("x", MaxLen+1)
	if Localize(long) != long {
		t.Error("a message over MaxLen changed")
	}
	seps := strings.Repeat("a: b; ", 10000)
	if got := Localize(seps); got != seps {
		t.Errorf("separators: %.80q", got)
	}
}

func BenchmarkLocalize(b *testing.B) {
	msg := "signer certificate: no path to a trust anchor: x509: certificate has expired or is not yet valid: current time 2040-01-01T00:00:00Z is after 2035-01-01T00:00:00Z"
	Localize(msg)
	b.ReportAllocs()
	for b.Loop() {
		Localize(msg)
	}
}

// BenchmarkLocalizeAdversarial: a long list of nested messages, the
// work bounded by maxMatches.
func BenchmarkLocalizeAdversarial(b *testing.B) {
	msg := strings.Repeat("embedded CRL ignored: signer certificate: x; ", 350)
	b.ReportAllocs()
	for b.Loop() {
		Localize(msg)
	}
}

func BenchmarkLocalizeRevocation(b *testing.B) {
	msg := `no revocation data fresh enough proves the status of "TEST DOCTOR Taro" at 2026-01-02T03:04:05Z (embedded CRL ignored: issued 2026-01-01T00:00:00Z, before 2026-01-02T03:04:05Z, the time it must prove: data issued at or after that time is needed; given OCSP response ignored: OCSP nextUpdate before thisUpdate); the CA has published nothing newer yet: retry after 2026-01-03T00:00:00Z (offline: give --crl/--ocsp or embed it with hpki extend --to LT)`
	b.ReportAllocs()
	for b.Loop() {
		Localize(msg)
	}
}

// FuzzLocalize: any message is translated without a panic, valid UTF-8
// stays valid, and a message no entry knows comes back unchanged.
func FuzzLocalize(f *testing.F) {
	for _, s := range []string{
		"signer certificate: no path to a trust anchor: x509: certificate signed by unknown authority",
		`"%s" names no CRL or OCSP service: its revocation status was not checked`,
		"embedded CRL ignored: a; b: c; fetched CRL ignored: %!v(MISSING)",
		"revision 3: %s by %s, whose signature is INDETERMINATE: its appearance on the page is accepted only once it passes",
		": ; : ;;: ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		got := Localize(msg)
		if utf8.ValidString(msg) && !utf8.ValidString(got) {
			t.Fatalf("%q became invalid UTF-8: %q", msg, got)
		}
		if !strings.ContainsAny(msg, ":;") && len(msg) > 0 && !knownWords(msg) && got != msg && !matchesSomething(msg) {
			t.Fatalf("%q changed to %q", msg, got)
		}
	})
}

// knownWords tells whether msg is an entry without verbs.
func knownWords(msg string) bool {
	Localize("")
	_, ok := exact[msg]
	return ok
}

// matchesSomething tells whether some format of the catalogue matches msg.
func matchesSomething(msg string) bool {
	for _, e := range entries {
		if e.re.MatchString(msg) {
			return true
		}
	}
	return false
}

func TestCovers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"detached content (not given)", "デタッチドの内容（指定なし）"},
		{"letter.pdf; identical to the given letter.pdf", "letter.pdf; 指定された letter.pdf と同一"},
		{"enveloped content (57 bytes, type data); NOT the given a.txt", "格納された内容（57 バイト、型 data）; 指定された a.txt ではありません"},
		{"the whole document (element Document at /Q{urn:x}Document[1], without its ds:Signature)",
			"文書全体（要素 Document、位置 /Q{urn:x}Document[1]、ds:Signature を除く）"},
		{"file scan/page001.xml (transforms: XPath Filter 2.0, canonicalization) (only part of the file: covering whole 1 element(s): /Q{urn:p}page[1]; left out: /Q{urn:p}page[1]/Q{urn:p}result[1])",
			"ファイル scan/page001.xml（変換: XPath Filter 2.0, canonicalization）（ファイルの一部のみ: 全体を対象とする要素 1 個: /Q{urn:p}page[1]; 対象外: /Q{urn:p}page[1]/Q{urn:p}result[1])"},
		{"file letter.pdf — not checked: file not given", "ファイル letter.pdf — 未確認: ファイルが指定されていません"},
		{"revision 1 of 2: bytes 0–10 and 20–30 of 40 (all of the revision but this signature's /Contents)",
			"リビジョン 1（全 2）: 40 バイト中のバイト 0–10 と 20–30（この署名の /Contents を除くリビジョン全体）"},
		{"#PrescriptionData", "#PrescriptionData"},
		{"given %s.txt", "given %s.txt"},
	}
	for _, tt := range tests {
		if got := Covers(tt.in); got != tt.want {
			t.Errorf("Covers(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
	// A message that quotes a description translates it too, "; " in it
	// included.
	for in, want := range map[string]string{
		"file letter.pdf was changed after signing (digest mismatch)": "ファイル letter.pdf は署名後に変更されました（ダイジェスト不一致）",
		"file p.xml (only part of the file: covering whole 1 element(s): /Q{urn:p}page[1]; left out: /Q{urn:p}r[1]) listed in the signed Manifest was changed after signing (digest mismatch)": "署名された Manifest にある ファイル p.xml（ファイルの一部のみ: 全体を対象とする要素 1 個: /Q{urn:p}page[1]; 対象外: /Q{urn:p}r[1]) は署名後に変更されました（ダイジェスト不一致）",
		"manifest: file scan.pdf — not checked: file not given (allowed to be absent)":                                                                                                         "マニフェスト: ファイル scan.pdf — 未確認: ファイルが指定されていません（なくてもよいもの）",
	} {
		if got := Localize(in); got != want {
			t.Errorf("Localize(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

// TestFormat: a format of the catalogue gives its Japanese, which takes
// the same values; another is returned as it is.
func TestFormat(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"%d files: %d passed, %d failed, %d indeterminate", "%d ファイル: 有効 %d、無効 %d、未確定 %d"},
		{"not in the catalogue %s", "not in the catalogue %s"},
	} {
		if got := Format(tt.in); got != tt.want {
			t.Errorf("Format(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
