// Package textsafe makes untrusted strings safe to print in text meant for
// a person: a terminal, a log file, a report read line by line.
//
// Security contract: the output of String (and Name) contains no
// character that can move the cursor, erase or redraw text, change the
// terminal's state, start a new line, or reorder the text around it: no C0
// control (U+0000–U+001F, newline and tab included), no DEL (U+007F), no C1
// control (U+0080–U+009F, which holds the 8-bit CSI), no line or paragraph
// separator (U+2028, U+2029) and no bidirectional formatting character
// (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069). Each of those,
// and each byte that is not valid UTF-8, is replaced by a visible escape
// (\n, \x1b, \u202e …). Every other character, Kanji included, is kept.
//
// Every text writer of hpki that prints a name, a path, a message or any
// other string taken from a certificate, a signature, a document or the
// file system passes it through this package. JSON output does not: the
// JSON encoder already escapes control characters, and programs need the
// exact value.
package textsafe

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// unsafeRune reports whether r must not reach a terminal unescaped.
func unsafeRune(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r == 0x2028, r == 0x2029:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Unsafe reports whether s holds a character String would escape (or
// bytes that are not valid UTF-8).
func Unsafe(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unsafeRune(r) {
			return true
		}
		i += n
	}
	return false
}

// String returns s with every unsafe character (see the package
// documentation) replaced by a visible escape: \n, \r, \t, \xNN for other
// bytes below U+0100 and for invalid UTF-8, \uNNNN above. A backslash is
// kept as it is, so String is for display, not for parsing back.
func String(s string) string {
	if !Unsafe(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case !unsafeRune(r):
			b.WriteString(s[i : i+n])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

// Strings applies String to each element of ss, in a new slice.
func Strings(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = String(s)
	}
	return out
}

// Name returns a file name (or path) for a text line: unchanged when it
// is plain, and quoted Go-style (strconv.Quote: "a\nb", with every unsafe
// and non-printable character escaped) when it holds an unsafe character,
// a double quote, or leading or trailing white space — so that a name can
// never pass for a line, a column or another name.
func Name(s string) string {
	if s == "" || Unsafe(s) || strings.ContainsRune(s, '"') || strings.TrimSpace(s) != s || !printable(s) {
		return strconv.Quote(s)
	}
	return s
}

// printable reports whether every rune of s is printable (strconv's
// definition: letters, marks, numbers, punctuation, symbols and the ASCII
// space), so that invisible format characters get Name quoted too.
func printable(s string) bool {
	for _, r := range s {
		if !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}
