package pades

import (
	"errors"
	"fmt"
	"strconv"
)

// Bounds of the parser. Every object is parsed from a window of the file
// at most MaxObjectSize bytes long (stream data aside, which is never
// parsed as syntax), nested at most MaxDepth deep.
const (
	MaxDepth      = 64
	MaxObjectSize = 8 << 20
)

// errShort says the window ended before the object did.
var errShort = errors.New("pades: object runs past the window")

func isWS(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isWS(c) && !isDelim(c) }

// parser reads PDF syntax from b, which holds the file from offset base;
// final says that b reaches the end of the file.
type parser struct {
	b     []byte
	base  int64
	p     int
	final bool
}

func (ps *parser) off() int64 { return ps.base + int64(ps.p) }

func (ps *parser) errf(format string, args ...any) error {
	return fmt.Errorf("pades: offset %d: %s", ps.off(), fmt.Sprintf(format, args...))
}

// short returns errShort when more of the file could help, else a syntax
// error.
func (ps *parser) short(what string) error {
	if !ps.final {
		return errShort
	}
	return ps.errf("unexpected end of file in %s", what)
}

// ws skips white space and comments.
func (ps *parser) ws() {
	for ps.p < len(ps.b) {
		c := ps.b[ps.p]
		if isWS(c) {
			ps.p++
			continue
		}
		if c == '%' {
			for ps.p < len(ps.b) && ps.b[ps.p] != '\n' && ps.b[ps.p] != '\r' {
				ps.p++
			}
			continue
		}
		return
	}
}

// keyword reads a run of regular characters.
func (ps *parser) keyword() (string, error) {
	ps.ws()
	s := ps.p
	for ps.p < len(ps.b) && isRegular(ps.b[ps.p]) {
		ps.p++
	}
	if ps.p == len(ps.b) && !ps.final {
		return "", errShort
	}
	return string(ps.b[s:ps.p]), nil
}

// expect reads the keyword kw.
func (ps *parser) expect(kw string) error {
	k, err := ps.keyword()
	if err != nil {
		return err
	}
	if k != kw {
		return ps.errf("expected %q, found %q", kw, trunc(k))
	}
	return nil
}

func trunc(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// integer reads an unsigned decimal integer (object numbers, offsets).
func (ps *parser) integer() (int64, error) {
	k, err := ps.keyword()
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(k, 10, 64)
	if err != nil || n < 0 || len(k) > 15 || k[0] == '+' {
		return 0, ps.errf("expected a non-negative integer, found %q", trunc(k))
	}
	return n, nil
}

// object parses one direct object (or a reference).
func (ps *parser) object(depth int) (Object, error) {
	if depth > MaxDepth {
		return nil, ps.errf("objects nested deeper than %d", MaxDepth)
	}
	ps.ws()
	if ps.p >= len(ps.b) {
		return nil, ps.short("object")
	}
	c := ps.b[ps.p]
	switch {
	case c == '/':
		return ps.name()
	case c == '(':
		return ps.literal()
	case c == '<':
		if ps.p+1 >= len(ps.b) {
			return nil, ps.short("object")
		}
		if ps.b[ps.p+1] == '<' {
			return ps.dict(depth)
		}
		return ps.hex()
	case c == '[':
		ps.p++
		arr := Array{}
		for {
			ps.ws()
			if ps.p >= len(ps.b) {
				return nil, ps.short("array")
			}
			if ps.b[ps.p] == ']' {
				ps.p++
				return arr, nil
			}
			v, err := ps.object(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
	case c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9'):
		return ps.number()
	case isRegular(c):
		k, err := ps.keyword()
		if err != nil {
			return nil, err
		}
		switch k {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return nil, ps.errf("unexpected keyword %q", trunc(k))
	}
	return nil, ps.errf("unexpected character %q", c)
}

// number reads a number, or a reference "N G R".
func (ps *parser) number() (Object, error) {
	start := ps.p
	k, err := ps.keyword()
	if err != nil {
		return nil, err
	}
	if n, err := strconv.ParseInt(k, 10, 64); err == nil {
		if k[0] != '+' && k[0] != '-' && n <= 1<<31 {
			// Maybe a reference: look ahead for "G R".
			save := ps.p
			if g, err := ps.keyword(); err == nil && len(g) > 0 && len(g) <= 5 && allDigits(g) {
				if r, err := ps.keyword(); err == nil && r == "R" {
					gen, _ := strconv.Atoi(g)
					return Ref{Num: int(n), Gen: gen}, nil
				} else if err == errShort {
					return nil, err
				}
			} else if err == errShort {
				return nil, err
			}
			ps.p = save
		}
		return n, nil
	}
	f, err := strconv.ParseFloat(k, 64)
	if err != nil || len(k) > 40 {
		ps.p = start
		return nil, ps.errf("bad number %q", trunc(k))
	}
	return f, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (ps *parser) name() (Object, error) {
	ps.p++ // '/'
	var out []byte
	for ps.p < len(ps.b) && isRegular(ps.b[ps.p]) {
		c := ps.b[ps.p]
		if c == '#' && ps.p+2 < len(ps.b) {
			h, ok1 := unhex(ps.b[ps.p+1])
			l, ok2 := unhex(ps.b[ps.p+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				ps.p += 3
				continue
			}
		}
		out = append(out, c)
		ps.p++
	}
	if ps.p == len(ps.b) && !ps.final {
		return nil, errShort
	}
	return Name(out), nil
}

func (ps *parser) literal() (Object, error) {
	start := ps.off()
	ps.p++
	depth := 1
	var out []byte
	for ps.p < len(ps.b) {
		c := ps.b[ps.p]
		ps.p++
		switch c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return String{B: out, Pos: start, End: ps.off()}, nil
			}
		case '\\':
			if ps.p >= len(ps.b) {
				return nil, ps.short("string")
			}
			e := ps.b[ps.p]
			ps.p++
			switch e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if ps.p < len(ps.b) && ps.b[ps.p] == '\n' {
					ps.p++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for i := 0; i < 2 && ps.p < len(ps.b) && ps.b[ps.p] >= '0' && ps.b[ps.p] <= '7'; i++ {
						v = v*8 + int(ps.b[ps.p]-'0')
						ps.p++
					}
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return nil, ps.short("string")
}

func (ps *parser) hex() (Object, error) {
	start := ps.off()
	ps.p++
	var out []byte
	var hi byte
	half := false
	for ps.p < len(ps.b) {
		c := ps.b[ps.p]
		ps.p++
		if c == '>' {
			if half {
				out = append(out, hi<<4)
			}
			return String{B: out, Hex: true, Pos: start, End: ps.off()}, nil
		}
		if isWS(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return nil, ps.errf("bad character %q in a hex string", c)
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	return nil, ps.short("hex string")
}

func (ps *parser) dict(depth int) (Object, error) {
	ps.p += 2
	d := Dict{}
	for {
		ps.ws()
		if ps.p+1 >= len(ps.b) {
			return nil, ps.short("dictionary")
		}
		if ps.b[ps.p] == '>' && ps.b[ps.p+1] == '>' {
			ps.p += 2
			return d, nil
		}
		if ps.b[ps.p] != '/' {
			return nil, ps.errf("dictionary key is not a name")
		}
		k, err := ps.name()
		if err != nil {
			return nil, err
		}
		v, err := ps.object(depth + 1)
		if err != nil {
			return nil, err
		}
		key := k.(Name)
		if _, dup := d[key]; dup {
			return nil, ps.errf("duplicate key /%s in a dictionary", key)
		}
		if v != nil { // a null value is the same as an absent key
			d[key] = v
		}
	}
}
