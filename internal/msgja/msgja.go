// Package msgja translates the error and warning messages of verification
// reports, the errors of the packages the hpki command uses, and the
// messages of the command itself, into Japanese.
//
// The catalogue (catalogue_*.go) is keyed by the format of each message as
// the source writes it (fmt.Errorf, errors.New, fmt.Sprintf, the report
// helpers, "literal "+value concatenations, msg += parts), plus the common
// errors of the Go standard library that reach reports and the few words
// messages insert (embedded, given, fetched …). Tests keep it complete and
// current: a new message without Japanese, or an entry whose English is
// gone from the source, fails TestCatalogueComplete or
// TestCatalogueNotStale.
//
// A message is matched against the formats as a whole, the most specific
// first; a format's verbs capture the values. A value in the place of an
// error (%w, %v, %s) is translated in turn when it is itself a message, so
// a wrapped chain "outer: inner: innermost" reads in Japanese at every
// level; the last value of a format is translated as a chain. A message
// that no format matches is read as a list ("a; b", each a message), else
// split at its first "; " or ": " and each side translated. A part
// without an entry is kept as it is, in English.
//
// Only what a person reads is translated: text reports, the one-line
// errors, warnings and prompts of the command, and the lines of its text
// output (Format gives the Japanese of their formats). JSON reports, the
// JSON bodies of the serve API and log lines keep the English messages,
// which programs may match on.
//
// Security contract: the message is data, never a format. Values taken
// from it (certificate names, Ids, URIs, file names the input chose) are
// copied into the Japanese text verbatim and never interpreted; a value
// quoted with %q is never translated; matching uses RE2 regular
// expressions compiled from the catalogue only (linear in the message).
// A message longer than MaxLen is left as it is, and the work for one
// message is bounded (maxDepth levels, maxMatches lookups and matches),
// past which the rest stays English: time is bounded by the message size.
package msgja

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// MaxLen is the longest message translated; a longer one is kept as it is.
const MaxLen = 16 << 10

// maxDepth bounds the nesting of translated values.
const maxDepth = 12

// entry is one compiled catalogue format.
type entry struct {
	en, ja string
	re     *regexp.Regexp
	// literals are the fixed parts of the format, for a cheap test before
	// the regular expression runs.
	prefix, suffix string
	literals       []string
	// nested tells, for each verb, how its value is translated: not at
	// all (a quoted name, a number), as a whole message only (a value
	// inside the format: a name that merely contains ": " stays as it
	// is), or as a chain (the last value, after the format's own words).
	nested []nesting
	// covers is the index of the value that describes what a signature
	// covers (coversArgs), or -1.
	covers int
	// single tells that the format has one value, a string (%s, %v or
	// %w): it is what lies between the prefix and the suffix.
	single bool
	// lead is the verb letter of a format that begins with a value.
	lead byte
	// order is the number of literal bytes: longer formats are tried first.
	order int
}

// nesting is how the value of a verb is translated (entry.nested).
type nesting int

const (
	nestNone nesting = iota
	nestWhole
	nestChain
)

var (
	compileOnce sync.Once
	entries     []*entry
	// exact holds the formats without verbs, matched by lookup.
	exact map[string]string
	// byFirst holds the formats that begin with words by their first
	// byte, leading those that begin with a value; both in entries' order.
	byFirst [256][]*entry
	leading []*entry
)

// candidates returns the formats that may match msg, in the order they
// are tried: those that begin with msg's first byte, then those that begin
// with a value.
func candidates(msg string) func(func(int, *entry) bool) {
	return func(yield func(int, *entry) bool) {
		i := 0
		if msg != "" {
			for _, e := range byFirst[msg[0]] {
				if !yield(i, e) {
					return
				}
				i++
			}
		}
		for _, e := range leading {
			if !yield(i, e) {
				return
			}
			i++
		}
	}
}

// verb is one verb of a format.
type verb struct {
	start, end int  // the verb's bytes in the format
	letter     byte // v, s, q, d, …
}

// verbs returns the verbs of format (%% is not one).
func verbs(format string) []verb {
	var out []verb
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.[]", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			break
		}
		if format[j] == '%' {
			i = j
			continue
		}
		out = append(out, verb{start: i, end: j + 1, letter: format[j]})
		i = j
	}
	return out
}

// unescape turns %% into %.
func unescape(s string) string { return strings.ReplaceAll(s, "%%", "%") }

// compile builds the entry of one format.
func compile(en, ja string) *entry {
	e := &entry{en: en, ja: ja, covers: -1}
	if i, ok := coversArgs[en]; ok {
		e.covers = i
	}
	vs := verbs(en)
	var re strings.Builder
	re.WriteString("^")
	at := 0
	for k, v := range vs {
		lit := unescape(en[at:v.start])
		e.literals = append(e.literals, lit)
		e.order += len(lit)
		re.WriteString(regexp.QuoteMeta(lit))
		last := k == len(vs)-1 && v.end == len(en)
		switch v.letter {
		case 'd':
			re.WriteString(`(-?[0-9]+)`)
		case 'x', 'X':
			re.WriteString(`([0-9A-Fa-f]+)`)
		case 'q':
			re.WriteString(`("(?:[^"\\]|\\.)*"|` + "`[^`]*`" + `)`)
		default:
			if last {
				re.WriteString(`(.*)`)
			} else {
				re.WriteString(`(.*?)`)
			}
		}
		n := nestNone
		if v.letter == 'w' || v.letter == 's' || v.letter == 'v' && en[v.start:v.end] == "%v" {
			n = nestWhole
			if last {
				n = nestChain
			}
		}
		e.nested = append(e.nested, n)
		at = v.end
	}
	lit := unescape(en[at:])
	e.literals = append(e.literals, lit)
	e.order += len(lit)
	re.WriteString(regexp.QuoteMeta(lit))
	re.WriteString("$")
	e.re = regexp.MustCompile(re.String())
	e.prefix, e.suffix = e.literals[0], e.literals[len(e.literals)-1]
	if len(vs) == 1 && e.nested[0] != nestNone {
		e.single = true
	}
	if len(vs) > 0 && vs[0].start == 0 {
		e.lead = vs[0].letter
		if en[vs[0].start:vs[0].end] != "%"+string(vs[0].letter) {
			e.lead = 0 // %+v and the like: a value, not a message
		}
	}
	return e
}

func compileAll() {
	exact = map[string]string{}
	for en, ja := range catalogue {
		if len(verbs(en)) == 0 {
			exact[unescape(en)] = unescape(ja)
			continue
		}
		entries = append(entries, compile(en, ja))
	}
	// Formats that begin with words first, then those that begin with a
	// value (they match more loosely); longer ones first.
	sort.Slice(entries, func(i, j int) bool {
		if pi, pj := entries[i].prefix != "", entries[j].prefix != ""; pi != pj {
			return pi
		}
		if entries[i].order != entries[j].order {
			return entries[i].order > entries[j].order
		}
		return entries[i].en < entries[j].en
	})
	for _, e := range entries {
		if e.prefix == "" {
			leading = append(leading, e)
		} else {
			byFirst[e.prefix[0]] = append(byFirst[e.prefix[0]], e)
		}
	}
}

// Localize returns msg in Japanese, as far as the catalogue knows its
// parts; see the package documentation.
func Localize(msg string) string {
	if len(msg) > MaxLen {
		return msg
	}
	compileOnce.Do(compileAll)
	t := translator{budget: maxMatches}
	return t.localize(msg, 0)
}

// maxMatchLen is the longest text matched against the formats of more
// than one value (a regular expression's time grows with the text and
// the format); a longer message is translated by its parts, as a list or
// a chain.
const maxMatchLen = 4 << 10

// maxMatches bounds the work for one message, counted in lookups and
// regular expressions run, a unit per KiB of text each: past it, what is
// left stays English.
const maxMatches = 400

// translator is the state of one translation.
type translator struct {
	budget int // regular expression matches left
}

func (t *translator) localize(msg string, depth int) string {
	if msg == "" || depth > maxDepth {
		return msg
	}
	if ja, ok := t.match(msg, depth, true); ok {
		return ja
	}
	if ja, ok := t.list(msg, depth); ok {
		return ja
	}
	// A chain whose outer part is a message: "malformed CMS: …".
	if i := strings.Index(msg, ": "); i > 0 {
		if head, ok := t.match(msg[:i], depth+1, true); ok {
			return head + ": " + t.localize(msg[i+2:], depth+1)
		}
	}
	if ja, ok := t.match(msg, depth, false); ok {
		return ja
	}
	// A chain whose outer part has no entry and whose inner part is a
	// message that holds "; " ("file: a; b").
	if i, j := strings.Index(msg, ": "), strings.Index(msg, "; "); i > 0 && j > i {
		if inner, ok := t.whole(msg[i+2:], depth+1); ok {
			return t.localize(msg[:i], depth+1) + ": " + inner
		}
	}
	// A chain whose outer part has no entry ("file: inner", "a; b"): the
	// parts are translated on their own.
	if i := separator(msg); i >= 0 {
		return t.localize(msg[:i], depth+1) + msg[i:i+2] + t.localize(msg[i+2:], depth+1)
	}
	return msg
}

// whole translates msg as one message: by a format that matches it with
// plausible values, else as a list of messages, else by a format whose
// values inside hold list separators (a name may).
func (t *translator) whole(msg string, depth int) (string, bool) {
	if ja, ok := t.match(msg, depth, true); ok {
		return ja, true
	}
	if ja, ok := t.list(msg, depth); ok {
		return ja, true
	}
	return t.match(msg, depth, false)
}

// list translates msg as a list of messages joined with "; " (a report
// joins the errors of a timestamp, the refused revocation data, …) when
// each of them is a message of the catalogue.
func (t *translator) list(msg string, depth int) (string, bool) {
	if !strings.Contains(msg, "; ") {
		return "", false
	}
	parts := strings.Split(msg, "; ")
	for i, p := range parts {
		ja, ok := t.match(p, depth+1, true)
		if !ok {
			return "", false
		}
		parts[i] = ja
	}
	return strings.Join(parts, "; "), true
}

// separator returns the index of the first "; " in msg (a list of
// messages), else of the first ": " (a chain), or -1.
func separator(msg string) int {
	if i := strings.Index(msg, "; "); i >= 0 {
		return i
	}
	return strings.Index(msg, ": ")
}

// match translates msg with the first (most specific) entry whose format
// matches it as a whole (see translateArgs for strict).
func (t *translator) match(msg string, depth int, strict bool) (string, bool) {
	// The work of a lookup or a match grows with the text: each costs a
	// unit per KiB.
	cost := 1 + len(msg)>>10
	t.budget -= cost
	if depth > maxDepth || t.budget < 0 {
		return "", false
	}
	if ja, ok := exact[msg]; ok {
		return ja, true
	}
	long := len(msg) > maxMatchLen
	for _, e := range candidates(msg) {
		if !strings.HasPrefix(msg, e.prefix) || !strings.HasSuffix(msg, e.suffix) || len(msg) < e.order {
			continue
		}
		ok := true
		for k := 1; k < len(e.literals)-1; k++ {
			l := e.literals[k]
			if !strings.Contains(msg, l) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		var args []string
		switch {
		case e.single:
			// "words %s words": the value is what lies between.
			args = []string{msg[len(e.prefix) : len(msg)-len(e.suffix)]}
		case long:
			continue // a list or a chain: translated by its parts
		default:
			t.budget -= cost
			if t.budget < 0 {
				return "", false
			}
			m := e.re.FindStringSubmatch(msg)
			if m == nil {
				continue
			}
			args = m[1:]
		}
		if !t.translateArgs(e, args, depth, strict) {
			continue
		}
		return expand(e.ja, args), true
	}
	return "", false
}

// weak tells whether e has too few words of its own to tell a message
// ("%w: %s is %s" matches any sentence with " is " after ": "): its
// values must all be messages.
func (e *entry) weak() bool { return e.prefix == "" && e.order < 8 }

// translateArgs translates the values of a match of e in place, and
// tells whether the match is plausible. A format that begins with a value
// matches almost anything that ends right ("%s CRL ignored: %v" matched
// against a list of such messages takes "x; fetched" for that value): the
// value counts only when it is a message itself (always so for a leading
// error, %w or %v), or holds no list separator. strict asks the same of
// the other values inside the format, and a weak format that all its
// values are messages. The values inside are checked before
// the last one is translated, so a refused match costs little.
func (t *translator) translateArgs(e *entry, args []string, depth int, strict bool) bool {
	for i, a := range args {
		if e.nested[i] != nestWhole {
			continue
		}
		if ja, ok := t.whole(a, depth+1); ok {
			args[i] = ja
			continue
		}
		leading := i == 0 && e.prefix == ""
		// A description of what a signature covers may hold "; " (its
		// list of what it leaves out).
		list := strings.Contains(a, "; ") && i != e.covers
		if e.weak() || leading && (e.lead == 'w' || e.lead == 'v') || (leading || strict) && list {
			return false
		}
		if i == e.covers {
			args[i], _ = coversParts(a)
		}
	}
	for i, a := range args {
		if e.nested[i] != nestChain {
			continue
		}
		if i == e.covers {
			if ja, ok := t.whole(a, depth+1); ok {
				args[i] = ja
			} else {
				args[i], _ = coversParts(a)
			}
		} else if !e.weak() {
			args[i] = t.localize(a, depth+1)
		} else if ja, ok := t.whole(a, depth+1); ok {
			args[i] = ja
		} else {
			return false
		}
	}
	return true
}

// expand writes the Japanese format ja with its verbs replaced by args:
// a verb takes the next value, or the n-th with an index (%[2]s); %%
// is a percent sign. The values are copied, never read as formats.
func expand(ja string, args []string) string {
	var b strings.Builder
	next := 0
	at := 0
	for _, v := range verbs(ja) {
		b.WriteString(unescape(ja[at:v.start]))
		at = v.end
		i := next
		spec := ja[v.start:v.end]
		if o := strings.IndexByte(spec, '['); o >= 0 {
			if c := strings.IndexByte(spec, ']'); c > o {
				if n, err := strconv.Atoi(spec[o+1 : c]); err == nil {
					i = n - 1
				}
			}
		}
		next = i + 1
		if i >= 0 && i < len(args) {
			b.WriteString(args[i])
		}
	}
	b.WriteString(unescape(ja[at:]))
	return b.String()
}

// Format returns the Japanese of a message format of the catalogue (the
// format of a line of a command's text output, given to fmt.Sprintf
// afterwards), or format itself when it has no entry. Every value of the
// English format is used exactly once by the Japanese (TestCatalogueVerbs),
// so the Japanese takes the same arguments.
func Format(format string) string {
	if ja, ok := catalogue[format]; ok {
		return ja
	}
	return format
}
