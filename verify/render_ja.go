package verify

import (
	"strings"

	"github.com/hpki-jp/hpki/internal/msgja"
)

// localizeMessage returns msg in lang ("en" or "ja"). Japanese comes from
// the catalogue of internal/msgja, which knows every error and warning
// the report packages write and the common standard-library errors among
// them; a part without an entry is shown as it is. Only text reports are
// translated: JSON reports keep the English messages (programs match on
// them and on the indications).
func localizeMessage(lang, msg string) string {
	if lang != "ja" {
		return msg
	}
	return msgja.Localize(msg)
}

// localizeMessages returns msgs in lang, joined with sep.
func localizeMessages(lang string, msgs []string, sep string) string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = localizeMessage(lang, m)
	}
	return strings.Join(out, sep)
}

// localizeCovers returns the descriptions of what a signature covers in
// lang, joined with "; ".
func localizeCovers(lang string, covers []string) string {
	if lang != "ja" {
		return strings.Join(covers, "; ")
	}
	out := make([]string, len(covers))
	for i, c := range covers {
		out[i] = msgja.Covers(c)
	}
	return strings.Join(out, "; ")
}
