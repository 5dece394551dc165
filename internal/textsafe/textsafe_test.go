package textsafe

import (
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Taro Yamada", "Taro Yamada"},
		{"山田 太郎 医師", "山田 太郎 医師"},
		{`back\slash`, `back\slash`},
		{"\x1b[2K\rVALID", `\x1b[2K\rVALID`},
		{"a\nTOTAL_PASSED b", `a\nTOTAL_PASSED b`},
		{"tab\there", `tab\there`},
		{"nul\x00", `nul\x00`},
		{"del\x7f", `del\x7f`},
		{"c1 csi \u009b2J", `c1 csi \x9b2J`},
		{"bad utf8 \xff\xfe", `bad utf8 \xff\xfe`},
		{"rlo \u202egnp.exe", `rlo \u202egnp.exe`},
		{"isolates \u2066\u2067\u2068\u2069", `isolates \u2066\u2067\u2068\u2069`},
		{"marks \u200e\u200f\u061c", `marks \u200e\u200f\u061c`},
		{"embeddings \u202a\u202b\u202c\u202d", `embeddings \u202a\u202b\u202c\u202d`},
		{"line sep \u2028para\u2029", `line sep \u2028para\u2029`},
	}
	for _, tc := range tests {
		got := String(tc.in)
		if got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if Unsafe(got) {
			t.Errorf("String(%q) = %q is still unsafe", tc.in, got)
		}
		if Unsafe(tc.in) != (tc.in != tc.want) {
			t.Errorf("Unsafe(%q) = %v", tc.in, Unsafe(tc.in))
		}
	}
}

func TestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/srv/records/2026/a.txt.p7s", "/srv/records/2026/a.txt.p7s"},
		{"/srv/紹介状 2026.pdf.p7s", "/srv/紹介状 2026.pdf.p7s"},
		{"a\nTOTAL_PASSED b.p7s", `"a\nTOTAL_PASSED b.p7s"`},
		{"x\u202ep7s.txt", `"x\u202ep7s.txt"`},
		{`quote".p7s`, `"quote\".p7s"`},
		{" leading.p7s", `" leading.p7s"`},
		{"zero\u200bwidth", `"zero\u200bwidth"`},
		{"", `""`},
	}
	for _, tc := range tests {
		if got := Name(tc.in); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.ContainsAny(Name(tc.in), "\n\r\x1b") {
			t.Errorf("Name(%q) keeps a control character", tc.in)
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"\x1b[2K\rVALID", "a\nTOTAL_PASSED b.p7s", "\u202e", "\xff", "山田"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if Unsafe(String(s)) {
			t.Fatalf("String(%q) unsafe", s)
		}
		if n := Name(s); Unsafe(n) {
			t.Fatalf("Name(%q) unsafe", s)
		}
	})
}
