package verify

import "regexp"

// jaMessages translate the most frequent error and warning messages of
// reports into Japanese for WriteText(w, "ja"), matched on the English
// text; a message without an entry is shown as it is. JSON reports keep
// the English messages (programs match on them and on the indications).
var jaMessages = []struct {
	re *regexp.Regexp
	ja string
}{
	{regexp.MustCompile(`^the content does not match the signed message digest: it was changed or is not the signed file$`), `内容が署名されたメッセージダイジェストと一致しません: 変更されたか、署名されたファイルではありません`},
	{regexp.MustCompile(`^detached signature: give the signed file with --content$`), `デタッチド署名です: 署名されたファイルを --content で指定してください`},
	{regexp.MustCompile(`^the signature value does not verify with the signer's key: (.*)$`), `署名値が署名者の鍵で検証できません: $1`},
	{regexp.MustCompile(`^"(.*)" names no CRL or OCSP service: its revocation status was not checked$`), `"$1" は CRL も OCSP サービスも示していません: 失効状態は確認していません`},
	{regexp.MustCompile(`^the signer's certificate is not an HPKI signing \(署名用\) certificate$`), `署名者の証明書は HPKI 署名用証明書ではありません`},
	{regexp.MustCompile(`^the signer's certificate \(named by the SignerInfo sid\) is not in the signature$`), `署名者の証明書（SignerInfo の sid が示すもの）が署名に含まれていません`},
	{regexp.MustCompile(`^signing-certificate v1 \(SHA-1 certificate hash\) is used instead of v2$`), `signing-certificate v2 の代わりに v1（証明書の SHA-1 ハッシュ）が使われています`},
	{regexp.MustCompile(`^no signing-certificate\(-v2\) attribute: .*$`), `signing-certificate(-v2) 属性がありません: CAdES ではない単純な CMS 署名で、署名者証明書は sid だけで示されています`},
	{regexp.MustCompile(`^claimed signing-time (.*) is later than the signature timestamp$`), `署名者の主張する署名時刻 $1 が署名タイムスタンプより後です`},
	{regexp.MustCompile(`^reference (.*) uses SHA-1$`), `参照 $1 は SHA-1 を使っています`},
	{regexp.MustCompile(`^a (\w+) timestamp failed validation and is ignored: (.*)$`), `$1 タイムスタンプの検証に失敗したため無視しました: $2`},
	{regexp.MustCompile(`^no signed attributes: not a CAdES signature$`), `署名属性がありません: CAdES 署名ではありません`},
	{regexp.MustCompile(`^signer certificate: (.*)$`), `署名者証明書: $1`},
}

// localizeMessage returns msg in lang ("en" or "ja").
func localizeMessage(lang, msg string) string {
	if lang != "ja" {
		return msg
	}
	for _, m := range jaMessages {
		if m.re.MatchString(msg) {
			return m.re.ReplaceAllString(msg, m.ja)
		}
	}
	return msg
}
