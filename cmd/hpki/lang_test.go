package main

import (
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
)

func TestLangFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{nil, "en"},
		{map[string]string{"LANG": "ja_JP.UTF-8"}, "ja"},
		{map[string]string{"LANG": "ja"}, "ja"},
		{map[string]string{"LANG": "en_US.UTF-8"}, "en"},
		{map[string]string{"LANG": "ja_JP.UTF-8", "LC_ALL": "C"}, "en"},
		{map[string]string{"LANG": "C", "LC_ALL": "ja_JP.eucJP"}, "ja"},
		{map[string]string{"LANG": "C", "LC_MESSAGES": "ja_JP.UTF-8"}, "ja"},
		{map[string]string{"LANG": "japanese"}, "en"},
	}
	for _, tt := range tests {
		if got := langFromEnv(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("%v: %s, want %s", tt.env, got, tt.want)
		}
	}
}

func TestScanLang(t *testing.T) {
	tests := []struct {
		args  []string
		want  string
		found bool
	}{
		{[]string{"--help"}, "", false},
		{[]string{"--help", "--lang", "ja"}, "ja", true},
		{[]string{"--lang=en", "verify", "--lang", "ja"}, "ja", true},
		{[]string{"verify", "--", "--lang", "ja"}, "", false},
		{[]string{"--lang"}, "", false},
	}
	for _, tt := range tests {
		if got, found := scanLang(tt.args); got != tt.want || found != tt.found {
			t.Errorf("%v: %q %v", tt.args, got, found)
		}
	}
}

func TestJapaneseThroughout(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "en_US.UTF-8")
	// --help in Japanese, wherever --lang is.
	for _, args := range [][]string{{"--help", "--lang", "ja"}, {"--lang", "ja", "--help"}, {"--lang=ja", "help"}} {
		code, out, errOut := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, "使い方:") || !strings.Contains(out, "署名を検証します") {
			t.Errorf("%v: %d %s %s", args, code, out, errOut)
		}
	}
	code, out, _ := runCLI(t, "sign", "--help", "--lang", "ja")
	if code != 0 || !strings.Contains(out, "フラグ:") || !strings.Contains(out, "秘密鍵ファイル") {
		t.Errorf("sign --help --lang ja: %d %s", code, out)
	}
	// The locale selects Japanese; --lang en overrides it.
	t.Setenv("LANG", "ja_JP.UTF-8")
	if code, out, _ := runCLI(t, "--help"); code != 0 || !strings.Contains(out, "使い方:") {
		t.Errorf("LANG=ja_JP.UTF-8 --help: %s", out)
	}
	if code, out, _ := runCLI(t, "--help", "--lang", "en"); code != 0 || !strings.Contains(out, "Usage:") {
		t.Errorf("--lang en: %s", out)
	}
	// Usage errors in Japanese, one line, exit 3.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify"}, "引数が少なくとも 1 個必要です"},
		{[]string{"frob"}, "コマンドはありません"},
		{[]string{"sign", "x", "--bogus"}, "不明なフラグです: --bogus"},
		{[]string{"--lang", "fr", "verify"}, "--lang must be en or ja"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != 3 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: %d %s", tc.args, code, errOut)
		}
		assertOneLineError(t, errOut)
	}
	t.Setenv("LANG", "C")
}

func TestTextReportLocalTime(t *testing.T) {
	t.Setenv("LANG", "C")
	tz, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zoneinfo:", err)
	}
	saved := time.Local
	time.Local = tz
	defer func() { time.Local = saved }()
	dir := t.TempDir()
	a := writeDoc(t, dir, "a.txt", "A")
	if code, _, errOut := runCLI(t, append([]string{"sign", a, "--packaging", "enveloping"}, keyArgs("doctor")...)...); code != 0 {
		t.Fatal(errOut)
	}
	code, out, _ := runCLI(t, "verify", a+".p7s", "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t), "--lang", "ja")
	if code != 0 || !strings.Contains(out, " JST") || !strings.Contains(out, "有効") {
		t.Fatalf("text report: %d %s", code, out)
	}
	code, out, _ = runCLI(t, "verify", a+".p7s", "--trust", testpki.Path("root.pem"), "--offline", "--crl", testpki.FreshCRLFile(t), "--output", "json")
	if code != 0 || strings.Contains(out, "+09:00") || !strings.Contains(out, "Z\"") {
		t.Fatalf("JSON report must stay UTC: %s", out)
	}
}

func TestLocalizeErrorWrongPIN(t *testing.T) {
	saved := uiLang
	defer func() { uiLang = saved }()
	uiLang = "ja"
	got := localizeError(`opening the signing key: wrong PIN for "HPKI Application" (token state COUNT_LOW, FINAL_TRY: one more wrong PIN locks the card); not retried`)
	for _, want := range []string{`"HPKI Application" の PIN が違います`, "FINAL_TRY（最後の 1 回）", "あと 1 回間違えるとカードがロックされます", "再試行はしません"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	uiLang = "en"
	if got := localizeError("wrong PIN for \"x\" (no warning from the token); not retried"); !strings.Contains(got, "wrong PIN") {
		t.Errorf("en: %q", got)
	}
}

// TestJapaneseLongHelpCurrent: the Japanese help of sign and verify is
// shown (its English key is the command's current text).
func TestJapaneseLongHelpCurrent(t *testing.T) {
	t.Setenv("LANG", "C")
	for _, tc := range []struct{ cmd, want string }{
		{"sign", "形式は内容で決まります"},
		{"verify", "ETSI EN 319 102-1 に従って検証します"},
	} {
		code, out, _ := runCLI(t, tc.cmd, "--help", "--lang", "ja")
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("%s --help --lang ja: %d\n%s", tc.cmd, code, out)
		}
	}
}
