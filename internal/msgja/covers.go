package msgja

import "regexp"

// coversJa rewrite, in order, the fixed parts of the descriptions of what
// a signature covers (verify and xmlsig build them: "file letter.pdf",
// "the whole document (element Document at /Q{…}Document[1], without its
// ds:Signature)", …). Element names, paths and Ids hold no space, so the
// values between the fixed parts are matched as \S+; a file name is kept
// as it is.
var coversJa = []struct {
	re *regexp.Regexp
	ja string
}{
	{regexp.MustCompile(`^the whole document, Reference without URI, enveloped`), `文書全体（URI のない Reference、enveloped）`},
	{regexp.MustCompile(`^the whole document`), `文書全体`},
	{regexp.MustCompile(`^content given by the caller \(Reference without URI\)`), `呼び出し側が渡す内容（URI のない Reference）`},
	{regexp.MustCompile(`^external (\S+) \(never fetched\)`), `外部の ${1}（取得しません）`},
	{regexp.MustCompile(`^file `), `ファイル `},
	{regexp.MustCompile(`^detached content \(not given\)$`), `デタッチドの内容（指定なし）`},
	{regexp.MustCompile(`^detached content`), `デタッチドの内容`},
	{regexp.MustCompile(`^enveloped content \((\d+) bytes, type (\S+)\)`), `格納された内容（${1} バイト、型 ${2}）`},
	{regexp.MustCompile(`^the signature value of `), `署名値: `},
	{regexp.MustCompile(`^field `), `フィールド `},
	{regexp.MustCompile(` — not checked: file not given`), ` — 未確認: ファイルが指定されていません`},
	{regexp.MustCompile(` — not checked: not given \(give it with --content\)`), ` — 未確認: 指定されていません（--content で指定してください）`},
	{regexp.MustCompile(` \(element (\S+) at (\S+?), without its ds:Signature\)`), `（要素 ${1}、位置 ${2}、ds:Signature を除く）`},
	{regexp.MustCompile(` \(element (\S+) at (\S+?), without the ds:Signature at (\S+?)\)`), `（要素 ${1}、位置 ${2}、${3} の ds:Signature を除く）`},
	{regexp.MustCompile(` \(element (\S+) at (\S+?)\)`), `（要素 ${1}、位置 ${2}）`},
	{regexp.MustCompile(` \(transforms: ([^()]*)\)`), `（変換: ${1}）`},
	{regexp.MustCompile(` \(only part of the file: `), `（ファイルの一部のみ: `},
	{regexp.MustCompile(` \(only part of the data: `), `（データの一部のみ: `},
	{regexp.MustCompile(`covering whole (\d+) element\(s\): `), `全体を対象とする要素 ${1} 個: `},
	{regexp.MustCompile(`; left out: `), `; 対象外: `},
	{regexp.MustCompile(`, and (\d+) more\b`), `、ほか ${1} 個`},
	{regexp.MustCompile(`; identical to the given (.+)$`), `; 指定された ${1} と同一`},
	{regexp.MustCompile(`; NOT the given (.+)$`), `; 指定された ${1} ではありません`},
}

// Covers returns a description of what a signature covers (a Covers
// entry of a report) in Japanese: its fixed parts translated, the names,
// paths and file names in it kept as they are. A description in another
// form (a PDF's byte ranges) is translated as a message.
func Covers(s string) string {
	if len(s) > MaxLen {
		return s
	}
	if ja, ok := coversParts(s); ok {
		return ja
	}
	return Localize(s)
}

// coversParts translates the fixed parts of a description of what a
// signature covers, and tells whether it found any.
func coversParts(s string) (string, bool) {
	out := s
	for _, c := range coversJa {
		out = c.re.ReplaceAllString(out, c.ja)
	}
	return out, out != s
}

// coversArgs name the value of a message format that is a description of
// what a signature covers, by its index.
var coversArgs = map[string]int{
	`%s was changed after signing (digest mismatch)`: 0,
	`%s: only the root element matches the signed digest, the processing instructions outside it (a stylesheet changes what a reader sees) are not covered; remove them to verify the signed content`: 0,
	`%s: the signature covers only part of this data; what it leaves out may be changed without breaking the signature`:                                                                               0,
	`%s listed in the signed Manifest was changed after signing (digest mismatch)`:                                                                                                                    0,
	`%s (allowed to be absent)`:                                0,
	`%s, inside this signature's own ds:Signature (ds:Object)`: 0,
	`manifest: %s`: 0,
	`the given content (%s) is not the content this signature carries and covers (%s)`: 1,
}
