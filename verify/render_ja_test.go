package verify

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestLocalizeMessage(t *testing.T) {
	tests := []struct{ lang, in, want string }{
		{"ja", "the content does not match the signed message digest: it was changed or is not the signed file", "内容が署名されたメッセージダイジェストと一致しません"},
		{"ja", `"HPKI TEST TSA" names no CRL or OCSP service: its revocation status was not checked`, `"HPKI TEST TSA" は CRL も OCSP`},
		{"ja", "reference #data uses SHA-1", "参照 #data は SHA-1"},
		{"ja", "something new", "something new"},
		{"en", "reference #data uses SHA-1", "reference #data uses SHA-1"},
	}
	for _, tt := range tests {
		if got := localizeMessage(tt.lang, tt.in); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s %q: %q", tt.lang, tt.in, got)
		}
	}
}

func TestWriteTextJapaneseMessages(t *testing.T) {
	r := &Report{Indication: TotalFailed, SubIndication: HashFailure, Signatures: []SignatureReport{{
		Indication: TotalFailed, SubIndication: HashFailure, Signer: Signer{Roles: []Role{}},
		Errors:   []string{"the content does not match the signed message digest: it was changed or is not the signed file"},
		Warnings: []string{"signing-certificate v1 (SHA-1 certificate hash) is used instead of v2"},
	}}}
	var ja, en bytes.Buffer
	if err := r.WriteText(&ja, "ja"); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteText(&en, "en"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ja.String(), "変更されたか") || !strings.Contains(ja.String(), "v1（証明書の SHA-1 ハッシュ）") {
		t.Errorf("ja:\n%s", ja.String())
	}
	if !strings.Contains(en.String(), "it was changed or is not the signed file") {
		t.Errorf("en:\n%s", en.String())
	}
}

// TestJapaneseOnlyInText: the Japanese of a wrapped chain is in the text
// report only; the JSON report keeps the English messages programs match.
func TestJapaneseOnlyInText(t *testing.T) {
	msg := "signer certificate: no path to a trust anchor: x509: certificate signed by unknown authority"
	r := &Report{Indication: Indeterminate, SubIndication: NoCertificateChainFound, Signatures: []SignatureReport{{
		Indication: Indeterminate, SubIndication: NoCertificateChainFound, Signer: Signer{Roles: []Role{}},
		Errors:     []string{msg},
		Timestamps: []Timestamp{{Type: "signature", Indication: TotalFailed, Errors: []string{"the TSA certificate was not valid at the timestamp's genTime", "timestamp genTime is after the time it must be proven at"}}},
	}}}
	var ja bytes.Buffer
	if err := r.WriteText(&ja, "ja"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"エラー: 署名者証明書: 信頼アンカーへの証明書パスがありません: x509: 証明書の発行者が不明（信頼できない認証局）です",
		"TSA 証明書はタイムスタンプの genTime 時点で有効ではありませんでした; タイムスタンプの genTime が、証明すべき時刻より後です",
	} {
		if !strings.Contains(ja.String(), want) {
			t.Errorf("ja lacks %q:\n%s", want, ja.String())
		}
	}
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), msg) || strings.ContainsRune(string(js), '署') {
		t.Errorf("JSON: %s", js)
	}
}
