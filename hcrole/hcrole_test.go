package hcrole

import (
	"bytes"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// realDER is the subjectDirectoryAttributes value of a real MEDIS HPKI
// signing certificate (role "Medical Doctor").
const realDER = "303430320606288185420001312831263024A0223120A00C060A2A830886910F01060101A2100C0E4D65646963616C20446F63746F72"

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRealDER(t *testing.T) {
	roles, err := ParseExtension(mustHex(t, realDER))
	if err != nil {
		t.Fatal(err)
	}
	if len(roles) != 1 {
		t.Fatalf("got %d roles, want 1", len(roles))
	}
	r := roles[0]
	if r.Text != "Medical Doctor" || !r.Scheme.Equal(SchemeNational) || r.Value != "" {
		t.Fatalf("got %+v", r)
	}
	if r.Ja() != "医師" || r.Kind() != KindNational || !r.Known() {
		t.Fatalf("catalogue: ja=%q kind=%v known=%v", r.Ja(), r.Kind(), r.Known())
	}
}

func TestMarshalReproducesRealDERByteForByte(t *testing.T) {
	want := mustHex(t, realDER)
	roles, err := ParseExtension(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := MarshalExtension(roles)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("re-encoding differs:\n got %X\nwant %X", got, want)
	}
	got2, err := MarshalExtension([]Role{{Scheme: SchemeNational, Text: "Medical Doctor"}})
	if err != nil || !bytes.Equal(got2, want) {
		t.Fatalf("encoding from scratch differs: %X, %v", got2, err)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		roles []Role
	}{
		{"one national", []Role{{Scheme: SchemeNational, Text: "Pharmacist"}}},
		{"doctor and director", []Role{{Scheme: SchemeNational, Text: "Medical Doctor"}, {Scheme: SchemeAdministrative, Text: "Director of Hospital"}}},
		{"with code value", []Role{{Scheme: SchemeNational, Value: "01", Text: "Dentist"}}},
		{"unknown scheme and text kept", []Role{{Scheme: asn1.ObjectIdentifier{1, 2, 3, 4}, Text: "Shaman"}}},
		{"japanese text", []Role{{Scheme: SchemeNational, Text: "医師"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			der, err := MarshalExtension(tc.roles)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseExtension(der)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.roles) {
				t.Fatalf("got %d roles, want %d", len(got), len(tc.roles))
			}
			for i := range got {
				if got[i].Text != tc.roles[i].Text || got[i].Value != tc.roles[i].Value || !got[i].Scheme.Equal(tc.roles[i].Scheme) {
					t.Errorf("role %d: got %+v, want %+v", i, got[i], tc.roles[i])
				}
			}
		})
	}
}

func TestUnknownRoleReportedAsIs(t *testing.T) {
	der, _ := MarshalExtension([]Role{{Scheme: asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 6, 9, 9}, Text: "Space Surgeon"}})
	roles, err := ParseExtension(der)
	if err != nil || len(roles) != 1 {
		t.Fatalf("roles=%v err=%v", roles, err)
	}
	if roles[0].Known() || roles[0].Ja() != "" || roles[0].Kind() != KindUnknown || roles[0].Text != "Space Surgeon" {
		t.Fatalf("unknown role altered: %+v", roles[0])
	}
}

func TestOtherStringTypes(t *testing.T) {
	// BMPString "Dentist" and PrintableString "Pharmacist" as free text.
	bmp := []byte{0x1e, 14}
	for _, c := range "Dentist" {
		bmp = append(bmp, 0, byte(c))
	}
	for _, tc := range []struct {
		name string
		text []byte
		want string
	}{
		{"bmp", bmp, "Dentist"},
		{"printable", append([]byte{0x13, 10}, "Pharmacist"...), "Pharmacist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der := buildWithText(tc.text)
			roles, err := ParseExtension(der)
			if err != nil {
				t.Fatal(err)
			}
			if roles[0].Text != tc.want {
				t.Fatalf("got %q", roles[0].Text)
			}
		})
	}
}

// buildWithText encodes one role whose free text element is given raw.
func buildWithText(text []byte) []byte {
	oid, _ := asn1.Marshal(SchemeNational)
	wrap := func(tag byte, b []byte) []byte {
		out, _ := asn1.Marshal(asn1.RawValue{FullBytes: append(append([]byte{tag}, derLen(len(b))...), b...)})
		return out
	}
	codedSet := wrap(0x31, append(wrap(0xa0, oid), wrap(0xa2, text)...))
	actor := wrap(0x30, wrap(0xa0, codedSet))
	attrOID, _ := asn1.Marshal(OIDHealthcareActor)
	attr := wrap(0x30, append(attrOID, wrap(0x31, wrap(0x31, actor))...))
	return wrap(0x30, attr)
}

func derLen(n int) []byte {
	if n < 128 {
		return []byte{byte(n)}
	}
	return []byte{0x81, byte(n)}
}

func TestParseHostileInput(t *testing.T) {
	real := mustHex(t, realDER)
	tests := map[string][]byte{
		"empty":            {},
		"garbage":          []byte("not asn.1 at all"),
		"truncated":        real[:len(real)-3],
		"trailing data":    append(append([]byte{}, real...), 0x00),
		"huge length":      {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff},
		"wrong outer tag":  append([]byte{0x31}, real[1:]...),
		"integer as text":  buildWithText([]byte{0x02, 0x01, 0x05}),
		"bad utf8":         buildWithText([]byte{0x0c, 0x02, 0xff, 0xfe}),
		"odd bmp":          buildWithText([]byte{0x1e, 0x03, 0x00, 0x41, 0x00}),
		"missing codedata": {0x30, 0x12, 0x30, 0x10, 0x06, 0x06, 0x28, 0x81, 0x85, 0x42, 0x00, 0x01, 0x31, 0x06, 0x31, 0x04, 0x30, 0x02, 0x05, 0x00},
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			roles, err := ParseExtension(in)
			if err == nil {
				t.Fatalf("accepted hostile input, roles %v", roles)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
		})
	}
}

func TestOtherAttributesSkipped(t *testing.T) {
	// SEQUENCE { Attribute { 2.5.4.3, SET { UTF8String "x" } } } then the real hcRole attribute.
	other := []byte{0x30, 0x0a, 0x06, 0x03, 0x55, 0x04, 0x03, 0x31, 0x03, 0x0c, 0x01, 'x'}
	real := mustHex(t, realDER)
	inner := append(append([]byte{}, other...), real[2:]...)
	der := append([]byte{0x30, byte(len(inner))}, inner...)
	roles, err := ParseExtension(der)
	if err != nil || len(roles) != 1 || roles[0].Text != "Medical Doctor" {
		t.Fatalf("roles=%v err=%v", roles, err)
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		in, code, ja string
		kind         RoleKind
		ok           bool
	}{
		{"Medical Doctor", "Medical Doctor", "医師", KindNational, true},
		{"medical  doctor", "Medical Doctor", "医師", KindNational, true},
		{"医師", "Medical Doctor", "医師", KindNational, true},
		{"薬剤師", "Pharmacist", "薬剤師", KindNational, true},
		{"Director of Hospital", "Director of Hospital", "病院長", KindAdministrative, true},
		{"診療所院長", "Director of Clinic", "診療所院長", KindAdministrative, true},
		{"Witch Doctor", "", "", KindUnknown, false},
		{"", "", "", KindUnknown, false},
	}
	for _, tc := range tests {
		e, ok := Lookup(tc.in)
		if ok != tc.ok || e.Code != tc.code || e.Ja != tc.ja || e.Kind != tc.kind {
			t.Errorf("Lookup(%q) = %+v, %v", tc.in, e, ok)
		}
	}
}

func TestCatalogueIsConsistent(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Catalogue() {
		if seen[e.Code] || seen[e.Ja] {
			t.Errorf("duplicate entry %+v", e)
		}
		seen[e.Code], seen[e.Ja] = true, true
		if (e.Kind == KindNational) != e.Scheme.Equal(SchemeNational) {
			t.Errorf("%s: kind %v does not match scheme %s", e.Code, e.Kind, e.Scheme)
		}
	}
	if len(Catalogue()) < 30 {
		t.Errorf("catalogue has %d entries", len(Catalogue()))
	}
}

func TestRequirement(t *testing.T) {
	doctor := []Role{{Scheme: SchemeNational, Text: "Medical Doctor"}}
	director := []Role{{Scheme: SchemeNational, Text: "Medical Doctor"}, {Scheme: SchemeAdministrative, Text: "Director of Hospital"}}
	foreign := []Role{{Scheme: asn1.ObjectIdentifier{1, 2, 3}, Text: "Medical Doctor"}}
	tests := []struct {
		name  string
		specs []string
		roles []Role
		ok    bool
	}{
		{"empty accepts all", nil, nil, true},
		{"doctor", []string{"Medical Doctor"}, doctor, true},
		{"japanese", []string{"医師"}, doctor, true},
		{"any of, comma", []string{"Dentist,Medical Doctor"}, doctor, true},
		{"any of, repeated", []string{"Dentist", "歯科医師", "医師"}, doctor, true},
		{"pharmacist missing", []string{"Pharmacist"}, doctor, false},
		{"admin role", []string{"病院長"}, director, true},
		{"admin role missing", []string{"病院長"}, doctor, false},
		{"no roles", []string{"医師"}, nil, false},
		{"foreign scheme does not count", []string{"医師"}, foreign, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := ParseRequirement(tc.specs...)
			if err != nil {
				t.Fatal(err)
			}
			err = req.Check(tc.roles)
			if (err == nil) != tc.ok {
				t.Fatalf("Check = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "required HPKI role") {
				t.Fatalf("unclear error %q", err)
			}
		})
	}
	// An empty or blank role is refused, never the zero (accept-all)
	// requirement.
	for _, specs := range [][]string{{""}, {" "}, {"医師", ""}, {"医師,"}, {",医師"}, {"医師,,Dentist"}, {"医師、 "}, {"\t"}} {
		if r, err := ParseRequirement(specs...); err == nil || !strings.Contains(err.Error(), "empty HPKI role") {
			t.Fatalf("ParseRequirement(%q) = %v, %v; want an empty-role error", specs, r, err)
		}
	}
	if _, err := ParseRequirement("Astronaut"); err == nil || !strings.Contains(err.Error(), "Medical Doctor (医師)") {
		t.Fatalf("unknown role error = %v", err)
	}
}

func FuzzParseExtension(f *testing.F) {
	f.Add(mustHex(f, realDER))
	f.Add(buildWithText([]byte{0x1e, 0x02, 0x00, 0x41}))
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, in []byte) {
		roles, err := ParseExtension(in)
		if err != nil {
			return
		}
		// Whatever parses must encode again (the Value field aside).
		for _, r := range roles {
			if r.Text == "" || len(r.Scheme) < 2 {
				return
			}
		}
		if len(roles) > 0 {
			if _, err := MarshalExtension(roles); err != nil {
				t.Fatalf("parsed roles %v do not re-encode: %v", roles, err)
			}
		}
	})
}
