package main

import (
	"strings"
	"testing"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// hasKana reports whether s has Japanese text: hiragana or katakana (the
// English texts quote kanji role names such as 医師, never kana).
func hasKana(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.In(r, unicode.Hiragana, unicode.Katakana)
	}) >= 0
}

// hasJapanese reports whether s has kana or kanji (for short texts such
// as example comments: "# 更新").
func hasJapanese(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han)
	}) >= 0
}

// jaHelpExempt lists the help texts that may stay English under --lang ja,
// by command path and field ("Long", "Example" or "--flag"). Only cobra's
// own built-ins may be listed, and only what cannot be translated.
// It is empty: cobra's help and completion commands are translated too
// (i18n_ja_cmds.go); add an entry ("hpki completion bash Long") only for a
// cobra built-in whose text cannot be replaced.
var jaHelpExempt = map[string]bool{}

// untranslatedHelp walks the command tree built under --lang ja and returns
// every command Short, Long and flag usage (and Example comment) without
// Japanese text.
func untranslatedHelp(root *cobra.Command) []string {
	var missing []string
	check := func(path, field, text string) {
		if text == "" || hasKana(text) || jaHelpExempt[path+" "+field] {
			return
		}
		missing = append(missing, path+" "+field+": "+text)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		p := c.CommandPath()
		check(p, "Short", c.Short)
		if c.Long == "" {
			missing = append(missing, p+" Long: empty")
		}
		check(p, "Long", c.Long)
		for _, line := range strings.Split(c.Example, "\n") {
			if _, comment, ok := strings.Cut(line, "# "); ok && !hasJapanese(comment) {
				missing = append(missing, p+" Example comment: "+comment)
			}
		}
		seen := map[string]bool{}
		visit := func(f *pflag.Flag) {
			if seen[f.Name] {
				return
			}
			seen[f.Name] = true
			check(p, "--"+f.Name, f.Usage)
		}
		c.LocalFlags().VisitAll(visit)
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	return missing
}

// TestJapaneseHelpEverywhere: under --lang ja every command and
// subcommand (including help and completion) has a Japanese short and long
// help and every flag a Japanese usage, so a new command or flag cannot
// forget its translation.
func TestJapaneseHelpEverywhere(t *testing.T) {
	saved := uiLang
	defer func() { uiLang = saved }()
	uiLang = "ja"
	root := newRootCmd()
	if missing := untranslatedHelp(root); len(missing) > 0 {
		t.Errorf("%d help texts without Japanese (add them to i18n_ja*.go):\n%s", len(missing), strings.Join(missing, "\n"))
	}
}

// TestLocalizeLongStale: a translation is used only for the English text it
// was made from; a rewritten (or absent) English long help is not
// covered by an old translation.
func TestLocalizeLongStale(t *testing.T) {
	saved := uiLang
	defer func() { uiLang = saved }()
	uiLang = "en"
	cur := newRootCmd()
	ext, _, err := cur.Find([]string{"extend"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := localizeLong("hpki extend", ext.Long); !ok {
		t.Error("current extend help not translated")
	}
	for _, tc := range []struct{ path, long string }{
		{"hpki extend", "Extend signatures (rewritten)."},
		{"hpki extend", ""},
		{"hpki version", "Print the version (a new long help)."},
		{"hpki no-such", "x"},
	} {
		if ja, ok := localizeLong(tc.path, tc.long); ok {
			t.Errorf("%s %q: stale translation used: %.40s", tc.path, tc.long, ja)
		}
	}
}

// TestJapaneseHelpOutput: --help --lang ja (and LANG=ja_JP.UTF-8) prints
// the Japanese long help and flag usages of every kind of command, and
// usage errors of subcommands are Japanese too.
func TestJapaneseHelpOutput(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "C")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"extend", "--help", "--lang", "ja"}, []string{"長期保存レベルに延長します", "# 更新", "フラグ:", "共通フラグ:", "[フラグ]", "（既定 \"sha256\"）"}},
		{[]string{"ts", "verify", "--help", "--lang", "ja"}, []string{"タイムスタンプであることを", "信頼点"}},
		{[]string{"archive", "renew", "--help", "--lang=ja"}, []string{"B-LTA に", "再実行すると続きから再開"}},
		{[]string{"serve", "--help", "--lang", "ja"}, []string{"API を HTTP(S)", "HTTPS のサーバ証明書"}},
		{[]string{"cert", "--help", "--lang", "ja"}, []string{"コマンド:", "証明書を表示します"}},
		{[]string{"help", "completion", "zsh", "--lang", "ja"}, []string{"zsh 用の補完スクリプト", "補完候補の説明を出さない"}},
		{[]string{"version", "--help", "--lang", "ja"}, []string{"ビルド日時", "version のヘルプ"}},
	} {
		code, out, errOut := runCLI(t, tc.args...)
		for _, w := range tc.want {
			if code != 0 || !strings.Contains(out, w) {
				t.Errorf("%v: %d lacks %q\n%s%s", tc.args, code, w, out, errOut)
			}
		}
	}
	t.Setenv("LANG", "ja_JP.UTF-8")
	if code, out, _ := runCLI(t, "archive", "report", "--help"); code != 0 || !strings.Contains(out, "ジャーナル") {
		t.Errorf("LANG=ja_JP.UTF-8 archive report --help: %d %s", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"ts", "verify"}, "引数"},
		{[]string{"cert", "inspect", "--bogus", "x"}, "不明なフラグです: --bogus"},
		{[]string{"archive", "verify", "--shard"}, "フラグに値が必要です: --shard"},
		{[]string{"extend", "a", "--to"}, "フラグに値が必要です: --to"},
		{[]string{"cert", "frob"}, "コマンドはありません"},
		{[]string{"tsa", "serve", "-Z"}, "不明な短縮フラグです"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != 3 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: %d %s", tc.args, code, errOut)
		}
		assertOneLineError(t, errOut)
	}
}
