package pades

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/sign"
)

// Appearance places a visible signature: a rectangle on a page (1-based,
// in PDF points from the page's lower-left corner) showing the signer's
// name (Kanji from the certificate when present), HPKI role and the
// claimed signing time.
//
// The text uses the Adobe-Japan1 standard font HeiseiMin-W3 with the
// UniJIS-UCS2-H CMap, not embedded: every reader with Japanese support
// (Acrobat, poppler with a Japanese system font, pdf.js) has a font for
// it, and nothing is bundled or licensed. A reader without any Japanese
// font shows substitutes; the signature is unaffected.
type Appearance struct {
	Page       int
	X, Y, W, H float64
}

// ParseAppearance parses "PAGE,X,Y,W,H".
func ParseAppearance(s string) (*Appearance, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 5 {
		return nil, fmt.Errorf("visible signature %q: want PAGE,X,Y,W,H", s)
	}
	page, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil || page < 1 {
		return nil, fmt.Errorf("visible signature %q: bad page", s)
	}
	var v [4]float64
	for i := range v {
		v[i], err = strconv.ParseFloat(strings.TrimSpace(parts[i+1]), 64)
		if err != nil || v[i] < 0 || v[i] > 14400 {
			return nil, fmt.Errorf("visible signature %q: bad number %q", s, parts[i+1])
		}
	}
	if v[2] < 10 || v[3] < 10 {
		return nil, fmt.Errorf("visible signature %q: width and height must be at least 10 points", s)
	}
	return &Appearance{Page: page, X: v[0], Y: v[1], W: v[2], H: v[3]}, nil
}

// appearance writes the appearance stream of a visible signature and
// returns its reference.
func (u *update) appearance(vis *Appearance, rect Array, cred sign.Credential, when time.Time) (Ref, error) {
	w, h := num(rect[2])-num(rect[0]), num(rect[3])-num(rect[1])
	name, _ := hcrole.JapaneseName(cred.Certificate)
	if name == "" {
		name = cred.Certificate.Subject.CommonName
	}
	var roles []string
	for _, r := range hcrole.Classify(cred.Certificate).Roles {
		if ja := r.Ja(); ja != "" {
			roles = append(roles, ja)
		} else {
			roles = append(roles, r.Text)
		}
	}
	lines := []string{"署名: " + name}
	if len(roles) > 0 {
		lines = append(lines, "資格: "+strings.Join(roles, "・"))
	}
	lines = append(lines, "日時: "+when.UTC().Format("2006-01-02 15:04")+" UTC", "HPKI電子署名 (PAdES)")
	size := min(h/float64(len(lines)+1), 12)
	var b strings.Builder
	fmt.Fprintf(&b, "q 0.2 0.2 0.6 RG 1 w 0.5 0.5 %s %s re S Q\n", ff(w-1), ff(h-1))
	fmt.Fprintf(&b, "BT 0 0 0 rg /F1 %s Tf %s TL 4 %s Td\n", ff(size), ff(size*1.2), ff(h-size-3))
	for i, l := range lines {
		if i > 0 {
			b.WriteString("T* ")
		}
		b.WriteString("<")
		for _, r := range l {
			if r > 0xFFFF {
				r = '?'
			}
			fmt.Fprintf(&b, "%04X", r)
		}
		b.WriteString("> Tj\n")
	}
	b.WriteString("ET\n")
	font := u.add(Dict{
		"Type": Name("Font"), "Subtype": Name("Type0"), "BaseFont": Name("HeiseiMin-W3"),
		"Encoding": Name("UniJIS-UCS2-H"),
		"DescendantFonts": Array{Dict{
			"Type": Name("Font"), "Subtype": Name("CIDFontType0"), "BaseFont": Name("HeiseiMin-W3"),
			"CIDSystemInfo": Dict{"Registry": plain("Adobe"), "Ordering": plain("Japan1"), "Supplement": int64(2)},
			"FontDescriptor": Dict{
				"Type": Name("FontDescriptor"), "FontName": Name("HeiseiMin-W3"), "Flags": int64(6),
				"FontBBox": Array{int64(-123), int64(-257), int64(1001), int64(910)}, "ItalicAngle": int64(0),
				"Ascent": int64(859), "Descent": int64(-141), "CapHeight": int64(709), "StemV": int64(69),
			},
			"DW": int64(1000),
			"W":  Array{int64(1), int64(95), int64(500)},
		}},
	})
	return u.add(newStream{
		dict: Dict{
			"Type": Name("XObject"), "Subtype": Name("Form"),
			"BBox":      Array{int64(0), int64(0), w, h},
			"Resources": Dict{"Font": Dict{"F1": font}},
		},
		data: []byte(b.String()),
	}), nil
}

func num(o Object) float64 {
	switch x := o.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

func ff(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }
