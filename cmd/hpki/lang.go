package main

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hpki-jp/hpki/internal/msgja"
	"github.com/hpki-jp/hpki/verify"
)

// uiLang is the language of help, messages and text reports: "en" or
// "ja". run sets it from the environment (langFromEnv) and from --lang
// found anywhere in the arguments (scanLang) before the commands are
// built, so help texts and usage errors are in that language too; the
// root's persistent --lang flag then binds to it.
var uiLang = "en"

// langFromEnv is the language the locale environment selects, as
// setlocale does: the first of LC_ALL, LC_MESSAGES and LANG that is set;
// ja_JP.* (or ja) selects Japanese, anything else English.
func langFromEnv(getenv func(string) string) string {
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			if v == "ja" || strings.HasPrefix(v, "ja_") || strings.HasPrefix(v, "ja.") {
				return "ja"
			}
			return "en"
		}
	}
	return "en"
}

// scanLang finds --lang VALUE or --lang=VALUE in args (before a lone
// "--"), the last one winning as in flag parsing.
func scanLang(args []string) (string, bool) {
	val, found := "", false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return val, found
		case a == "--lang" && i+1 < len(args):
			val, found = args[i+1], true
			i++
		case strings.HasPrefix(a, "--lang="):
			val, found = strings.TrimPrefix(a, "--lang="), true
		}
	}
	return val, found
}

// selectLang sets uiLang for a run from the environment and args.
func selectLang(args []string) error {
	uiLang = langFromEnv(os.Getenv)
	if v, ok := scanLang(args); ok {
		if v != "en" && v != "ja" {
			return usageError(fmt.Errorf("--lang must be en or ja, not %q", v))
		}
		uiLang = v
	}
	return nil
}

// registerLang adds the persistent --lang flag to the root command.
func registerLang(root *cobra.Command) {
	root.PersistentFlags().StringVar(&uiLang, "lang", uiLang, "language of help, messages and text reports: en or ja (default from LC_ALL/LC_MESSAGES/LANG)")
	_ = root.RegisterFlagCompletionFunc("lang", cobra.FixedCompletions([]string{"en", "ja"}, cobra.ShellCompDirectiveNoFileComp))
}

// sayf formats a line of text output, a warning or a prompt in the current
// language: with Japanese selected, its format is replaced by the
// Japanese of the catalogue (internal/msgja), which takes the same values.
func sayf(format string, args ...any) string {
	if uiLang == "ja" {
		format = msgja.Format(format)
	}
	return fmt.Sprintf(format, args...)
}

// tr returns the text in the current language: ja when Japanese is
// selected and ja is not empty, else en.
func tr(en, ja string) string {
	if uiLang == "ja" && ja != "" {
		return ja
	}
	return en
}

// localize translates the help of cmd and its subcommands when Japanese is
// selected (see i18n_ja.go); texts without a translation stay English.
func localize(cmd *cobra.Command) {
	if uiLang != "ja" {
		return
	}
	localizeHelp(cmd)
}

// localTime formats t for a text report: in the local time zone with its
// name, e.g. 2026-11-23 16:39:05 JST. JSON reports keep RFC 3339 UTC.
func localTime(t time.Time) string {
	return t.Local().Format(verify.TextTimeLayout)
}
