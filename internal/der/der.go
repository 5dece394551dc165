// Package der reads DER structures field by field, accepting and refusing
// exactly what encoding/asn1's Unmarshal accepts and refuses for the same
// Go struct shapes, without reflection: the CMS and RFC 3161 parsers use it
// on the hot path of signature verification, where encoding/asn1's
// reflection cost more than the hashing.
//
// The rules copied from encoding/asn1 (Go 1.26) are: DER tag and length
// octets (minimal lengths, no indefinite length, minimal high tag
// numbers); a SEQUENCE read as a struct may hold trailing elements after
// its last field, which are neither read nor checked; an OPTIONAL field
// whose tag does not match is absent and the element is read by the next
// field; a field whose header cannot be read is an error even when
// optional; INTEGER, OBJECT IDENTIFIER, BOOLEAN and time values are
// checked as encoding/asn1 checks them.
//
// Errors are those of encoding/asn1, with its messages
// (asn1.StructuralError, asn1.SyntaxError, time parsing errors).
//
// Aliasing: every Element, and every []byte a function returns, is a
// sub-slice of the input; nothing is copied. Callers that keep results
// must keep the input unchanged.
package der

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"time"
)

// Header is the identifier and length octets of one element.
type Header struct {
	Class, Tag int
	Compound   bool
	Length     int
}

// ReadHeader reads the identifier and length octets at b[off:] and
// returns them with the offset of the content. It is encoding/asn1's
// parseTagAndLength: it does not check that the content fits in b.
func ReadHeader(b []byte, off int) (Header, int, error) {
	var h Header
	if off >= len(b) {
		return h, off, errors.New("asn1: internal error in parseTagAndLength")
	}
	c := b[off]
	off++
	h.Class = int(c >> 6)
	h.Compound = c&0x20 == 0x20
	h.Tag = int(c & 0x1f)
	if h.Tag == 0x1f {
		var err error
		if h.Tag, off, err = base128(b, off); err != nil {
			return h, off, err
		}
		if h.Tag < 0x1f {
			return h, off, asn1.SyntaxError{Msg: "non-minimal tag"}
		}
	}
	if off >= len(b) {
		return h, off, asn1.SyntaxError{Msg: "truncated tag or length"}
	}
	c = b[off]
	off++
	if c&0x80 == 0 {
		h.Length = int(c & 0x7f)
		return h, off, nil
	}
	n := int(c & 0x7f)
	if n == 0 {
		return h, off, asn1.SyntaxError{Msg: IndefiniteMsg}
	}
	for i := 0; i < n; i++ {
		if off >= len(b) {
			return h, off, asn1.SyntaxError{Msg: "truncated tag or length"}
		}
		c = b[off]
		off++
		if h.Length >= 1<<23 {
			return h, off, asn1.StructuralError{Msg: "length too large"}
		}
		h.Length = h.Length<<8 | int(c)
		if h.Length == 0 {
			return h, off, asn1.StructuralError{Msg: "superfluous leading zeros in length"}
		}
	}
	if h.Length < 0x80 {
		return h, off, asn1.StructuralError{Msg: "non-minimal length"}
	}
	return h, off, nil
}

// base128 is encoding/asn1's parseBase128Int.
func base128(b []byte, off int) (int, int, error) {
	var v int64
	for shifted := 0; off < len(b); shifted++ {
		if shifted == 5 {
			return 0, off, asn1.StructuralError{Msg: "base 128 integer too large"}
		}
		v <<= 7
		c := b[off]
		if shifted == 0 && c == 0x80 {
			return 0, off, asn1.SyntaxError{Msg: "integer is not minimally encoded"}
		}
		v |= int64(c & 0x7f)
		off++
		if c&0x80 == 0 {
			if v > math.MaxInt32 {
				return int(v), off, asn1.StructuralError{Msg: "base 128 integer too large"}
			}
			return int(v), off, nil
		}
	}
	return 0, off, asn1.SyntaxError{Msg: "truncated base 128 integer"}
}

// Element is one element read: its header, its content and its whole
// encoding (both sub-slices of the input).
type Element struct {
	Header
	Body, Full []byte
}

// RawValue returns the element as encoding/asn1 would fill an
// asn1.RawValue with it (sharing the input).
func (e Element) RawValue() asn1.RawValue {
	return asn1.RawValue{Class: e.Class, Tag: e.Tag, IsCompound: e.Compound, Bytes: e.Body, FullBytes: e.Full}
}

// Fields reads the content of a SEQUENCE (or SET) as encoding/asn1 reads
// it into a struct: one call per struct field, in order.
type Fields struct {
	b   []byte
	off int
}

// NewFields starts reading the fields in content.
func NewFields(content []byte) *Fields { return &Fields{b: content} }

// Rest returns what has not been read. Inside a SEQUENCE encoding/asn1
// ignores it; at the top level Unmarshal returns it.
func (f *Fields) Rest() []byte { return f.b[f.off:] }

// Empty reports whether every byte has been read.
func (f *Fields) Empty() bool { return f.off == len(f.b) }

// IndefiniteMsg is the message of the refusal of an indefinite length:
// the input may be BER, which a caller can then try to normalise.
const IndefiniteMsg = "indefinite length found (not DER)"

// StrictMark begins the message of each refusal that goes beyond what
// encoding/asn1 refuses (see End, Version): the differential tests allow
// exactly these to differ from the encoding/asn1 reading.
const StrictMark = "beyond DER: "

// strictf is a refusal that encoding/asn1 would not make.
func strictf(format string, args ...any) error {
	return asn1.StructuralError{Msg: StrictMark + fmt.Sprintf(format, args...)}
}

// End refuses elements after the last field of what (a structure whose
// definition has no extension marker): encoding/asn1 ignores them inside
// a SEQUENCE, but a reader that ignores them and one that does not (as
// OpenSSL) would disagree on what the file holds.
func (f *Fields) End(what string) error {
	if !f.Empty() {
		return strictf("%d bytes after the last field of %s", len(f.b)-f.off, what)
	}
	return nil
}

// Version refuses a version number outside allowed (a CMS or TSP
// structure's version field).
func Version(v int, what string, allowed ...int) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return strictf("%s version %d is not one of %v", what, v, allowed)
}

// GeneralizedTimeZ reads a GeneralizedTime that must be in UTC ("Z"), as
// RFC 3161 and RFC 5280 require of the times they define.
func (f *Fields) GeneralizedTimeZ(what string) (time.Time, error) {
	if _, utc, err := f.OptionalUniversal(asn1.TagUTCTime, false); err != nil || utc {
		if err == nil {
			err = strictf("%s is a UTCTime, not a GeneralizedTime", what)
		}
		return time.Time{}, err
	}
	e, err := f.Universal(asn1.TagGeneralizedTime, false)
	if err != nil {
		return time.Time{}, err
	}
	if len(e.Body) == 0 || e.Body[len(e.Body)-1] != 'Z' {
		return time.Time{}, strictf("%s is not a GeneralizedTime in UTC (ending in Z)", what)
	}
	return GeneralizedTime(e.Body)
}

// match says which elements a field accepts.
type match struct {
	class, tag int
	compound   int8 // 0 primitive, 1 constructed, -1 either
	anyTag     bool // any class and tag (an untagged asn1.RawValue)
	explicit   bool // an EXPLICIT context-specific tag around an asn1.RawValue
}

const (
	primitive   = 0
	constructed = 1
	either      = -1
)

// read reads one field. present is false, without error, when the field
// is optional and the element does not match (nothing is consumed).
func (f *Fields) read(m match, optional bool) (e Element, present bool, err error) {
	if f.off == len(f.b) {
		if optional {
			return e, false, nil
		}
		return e, false, asn1.SyntaxError{Msg: "sequence truncated"}
	}
	h, off, err := ReadHeader(f.b, f.off)
	if err != nil {
		return e, false, err
	}
	if m.explicit {
		if off == len(f.b) {
			return e, false, asn1.StructuralError{Msg: "explicit tag has no child"}
		}
		if h.Class != asn1.ClassContextSpecific || h.Tag != m.tag || h.Length != 0 && !h.Compound {
			if optional {
				return e, false, nil
			}
			return e, false, asn1.StructuralError{Msg: "explicitly tagged member didn't match"}
		}
	} else if !m.anyTag && (h.Class != m.class || h.Tag != m.tag) || m.compound != either && h.Compound != (m.compound == constructed) {
		if optional {
			return e, false, nil
		}
		return e, false, asn1.StructuralError{Msg: fmt.Sprintf("tags don't match (%d vs class %d tag %d)", m.tag, h.Class, h.Tag)}
	}
	if off+h.Length < off || off+h.Length > len(f.b) {
		return e, false, asn1.SyntaxError{Msg: "data truncated"}
	}
	end := off + h.Length
	e = Element{Header: h, Body: f.b[off:end:end], Full: f.b[f.off:end:end]}
	f.off = end
	return e, true, nil
}

// Universal reads a required field of a universal type: tag and whether
// it is constructed (a struct or slice is a constructed SEQUENCE, an int
// or *big.Int a primitive INTEGER …).
func (f *Fields) Universal(tag int, compound bool) (Element, error) {
	e, _, err := f.read(match{class: asn1.ClassUniversal, tag: tag, compound: flag(compound)}, false)
	return e, err
}

// OptionalUniversal is Universal for a field tagged `asn1:"optional"`.
func (f *Fields) OptionalUniversal(tag int, compound bool) (Element, bool, error) {
	return f.read(match{class: asn1.ClassUniversal, tag: tag, compound: flag(compound)}, true)
}

// Implicit reads a field tagged `asn1:"tag:N"` (with optional) of a type
// that is constructed or not.
func (f *Fields) Implicit(tag int, compound, optional bool) (Element, bool, error) {
	return f.read(match{class: asn1.ClassContextSpecific, tag: tag, compound: flag(compound)}, optional)
}

// Any reads an asn1.RawValue field without tag parameters (optional or
// not): any element.
func (f *Fields) Any(optional bool) (Element, bool, error) {
	return f.read(match{anyTag: true, compound: either}, optional)
}

// ImplicitRaw reads an asn1.RawValue field tagged `asn1:"tag:N"`: a
// context-specific element N, constructed or not.
func (f *Fields) ImplicitRaw(tag int, optional bool) (Element, bool, error) {
	return f.read(match{class: asn1.ClassContextSpecific, tag: tag, compound: either}, optional)
}

// ExplicitRaw reads an asn1.RawValue field tagged `asn1:"explicit,tag:N"`:
// the element is the [N] wrapper itself, as encoding/asn1 gives it.
func (f *Fields) ExplicitRaw(tag int, optional bool) (Element, bool, error) {
	return f.read(match{tag: tag, compound: either, explicit: true}, optional)
}

func flag(compound bool) int8 {
	if compound {
		return constructed
	}
	return primitive
}

// Top reads the element at the start of b as encoding/asn1's Unmarshal
// reads a value of a universal type (a struct: SEQUENCE, constructed) and
// returns it with the bytes after it.
func Top(b []byte, tag int, compound bool) (Element, []byte, error) {
	f := Fields{b: b}
	e, err := f.Universal(tag, compound)
	if err != nil {
		return e, nil, err
	}
	return e, f.Rest(), nil
}

// TopAny reads the element at the start of b as Unmarshal reads an
// asn1.RawValue, and returns it with the bytes after it.
func TopAny(b []byte) (Element, []byte, error) {
	f := Fields{b: b}
	e, _, err := f.Any(false)
	if err != nil {
		return e, nil, err
	}
	return e, f.Rest(), nil
}

// SequenceOf checks the content of a SEQUENCE OF as encoding/asn1's
// parseSequenceOf does before reading the elements (each a universal
// element of the given tag and form, within the content) and returns
// them.
func SequenceOf(content []byte, tag int, compound bool) ([]Element, error) {
	var out []Element
	for off := 0; off < len(content); {
		h, next, err := ReadHeader(content, off)
		if err != nil {
			return nil, err
		}
		t := h.Tag
		switch t {
		case asn1.TagIA5String, asn1.TagGeneralString, asn1.TagT61String, asn1.TagUTF8String, asn1.TagNumericString, asn1.TagBMPString:
			t = asn1.TagPrintableString
		case asn1.TagGeneralizedTime, asn1.TagUTCTime:
			t = asn1.TagUTCTime
		}
		if h.Class != asn1.ClassUniversal || h.Compound != compound || t != tag {
			return nil, asn1.StructuralError{Msg: "sequence tag mismatch"}
		}
		if next+h.Length < next || next+h.Length > len(content) {
			return nil, asn1.SyntaxError{Msg: "truncated sequence"}
		}
		end := next + h.Length
		out = append(out, Element{Header: h, Body: content[next:end:end], Full: content[off:end:end]})
		off = end
	}
	return out, nil
}

// checkInteger is encoding/asn1's: non-empty and minimally encoded.
func checkInteger(b []byte) error {
	if len(b) == 0 {
		return asn1.StructuralError{Msg: "empty integer"}
	}
	if len(b) == 1 {
		return nil
	}
	if b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 == 0x80 {
		return asn1.StructuralError{Msg: "integer not minimally-encoded"}
	}
	return nil
}

// Int64 decodes INTEGER content into an int64 (encoding/asn1's
// parseInt64).
func Int64(b []byte) (int64, error) {
	if err := checkInteger(b); err != nil {
		return 0, err
	}
	if len(b) > 8 {
		return 0, asn1.StructuralError{Msg: "integer too large"}
	}
	var v int64
	for _, c := range b {
		v = v<<8 | int64(c)
	}
	v <<= 64 - uint8(len(b))*8
	v >>= 64 - uint8(len(b))*8
	return v, nil
}

// Int decodes INTEGER content as encoding/asn1 decodes it into an int
// (int64 rules, or int32 rules where int has 32 bits).
func Int(b []byte) (int, error) {
	v, err := Int64(b)
	if err != nil {
		return 0, err
	}
	if strconv.IntSize == 32 && (len(b) > 4 || v != int64(int32(v))) {
		return 0, asn1.StructuralError{Msg: "integer too large"}
	}
	return int(v), nil
}

// BigInt decodes INTEGER content (encoding/asn1's parseBigInt).
func BigInt(b []byte) (*big.Int, error) {
	if err := checkInteger(b); err != nil {
		return nil, err
	}
	v := new(big.Int)
	if b[0]&0x80 == 0x80 {
		not := make([]byte, len(b))
		for i := range not {
			not[i] = ^b[i]
		}
		v.SetBytes(not)
		v.Add(v, big.NewInt(1))
		return v.Neg(v), nil
	}
	return v.SetBytes(b), nil
}

// Bool decodes BOOLEAN content (only 0x00 and 0xff, as DER requires).
func Bool(b []byte) (bool, error) {
	if len(b) != 1 || b[0] != 0 && b[0] != 0xff {
		return false, asn1.SyntaxError{Msg: "invalid boolean"}
	}
	return b[0] == 0xff, nil
}

// OIDLen returns the number of components of the OBJECT IDENTIFIER
// content b, or an error where encoding/asn1's parseObjectIdentifier
// fails.
func OIDLen(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, asn1.SyntaxError{Msg: "zero length OBJECT IDENTIFIER"}
	}
	n := 1
	for off := 0; off < len(b); n++ {
		var err error
		if _, off, err = base128(b, off); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// AppendOID decodes OBJECT IDENTIFIER content into dst's spare capacity
// (growing it when needed) and returns the identifier, a slice of dst
// whose capacity ends with it, and dst extended by it. It reads what
// encoding/asn1's parseObjectIdentifier reads, to the same components.
func AppendOID(dst []int, b []byte) (oid asn1.ObjectIdentifier, grown []int, err error) {
	n, err := OIDLen(b)
	if err != nil {
		return nil, dst, err
	}
	start := len(dst)
	if cap(dst)-start < n {
		dst = make([]int, 0, max(n, 64))
		start = 0
	}
	dst = dst[:start+n]
	v, off, _ := base128(b, 0)
	if v < 80 {
		dst[start], dst[start+1] = v/40, v%40
	} else {
		dst[start], dst[start+1] = 2, v-80
	}
	for i := start + 2; off < len(b); i++ {
		dst[i], off, _ = base128(b, off)
	}
	return asn1.ObjectIdentifier(dst[start : start+n : start+n]), dst, nil
}

// OID decodes OBJECT IDENTIFIER content into a new identifier.
func OID(b []byte) (asn1.ObjectIdentifier, error) {
	n, err := OIDLen(b)
	if err != nil {
		return nil, err
	}
	oid, _, err := AppendOID(make([]int, 0, n), b)
	return oid, err
}

// GeneralizedTime decodes GeneralizedTime content (encoding/asn1's
// parseGeneralizedTime).
func GeneralizedTime(b []byte) (time.Time, error) {
	if t, ok := canonicalGeneralizedTime(b); ok {
		return t, nil
	}
	const format = "20060102150405.999999999Z0700"
	s := string(b)
	t, err := time.Parse(format, s)
	if err != nil {
		return t, err
	}
	if t.Format(format) != s {
		return t, fmt.Errorf("asn1: time did not serialize back to the original value and may be invalid: given %q, but serialized as %q", s, t.Format(format))
	}
	return t, nil
}

// UTCTime decodes UTCTime content (encoding/asn1's parseUTCTime).
func UTCTime(b []byte) (time.Time, error) {
	if len(b) == 13 && b[12] == 'Z' {
		if yy, ok := digits(b[:2]); ok {
			year := 1900 + yy
			if yy < 50 {
				year = 2000 + yy
			}
			if t, ok := dateTime(year, b[2:12]); ok {
				return t, nil
			}
		}
	}
	s := string(b)
	format := "0601021504Z0700"
	t, err := time.Parse(format, s)
	if err != nil {
		format = "060102150405Z0700"
		t, err = time.Parse(format, s)
	}
	if err != nil {
		return t, err
	}
	if t.Format(format) != s {
		return t, fmt.Errorf("asn1: time did not serialize back to the original value and may be invalid: given %q, but serialized as %q", s, t.Format(format))
	}
	if t.Year() >= 2050 {
		t = t.AddDate(-100, 0, 0)
	}
	return t, nil
}

// AlgorithmIdentifier reads a pkix.AlgorithmIdentifier field (the
// algorithm, then any element as parameters), decoding the identifier
// with oid (OID when nil).
func (f *Fields) AlgorithmIdentifier(oid func([]byte) (asn1.ObjectIdentifier, error)) (pkix.AlgorithmIdentifier, error) {
	e, err := f.Universal(asn1.TagSequence, true)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, err
	}
	return AlgorithmIdentifierBody(e.Body, oid)
}

// AlgorithmIdentifierBody reads the content of an AlgorithmIdentifier.
func AlgorithmIdentifierBody(b []byte, oid func([]byte) (asn1.ObjectIdentifier, error)) (pkix.AlgorithmIdentifier, error) {
	var ai pkix.AlgorithmIdentifier
	if oid == nil {
		oid = OID
	}
	f := Fields{b: b}
	o, err := f.Universal(asn1.TagOID, false)
	if err != nil {
		return ai, err
	}
	if ai.Algorithm, err = oid(o.Body); err != nil {
		return ai, err
	}
	params, ok, err := f.Any(true)
	if err != nil {
		return ai, err
	}
	if ok {
		ai.Parameters = params.RawValue()
	}
	return ai, nil
}

// Time reads a time.Time field as encoding/asn1 reads one (with or
// without the "generalized" or "utc" parameter, which change nothing for
// a universal element): a UTCTime or a GeneralizedTime.
func (f *Fields) Time() (time.Time, error) {
	tag := asn1.TagUTCTime
	if f.off < len(f.b) {
		h, _, err := ReadHeader(f.b, f.off)
		if err != nil {
			return time.Time{}, err
		}
		if h.Class == asn1.ClassUniversal && h.Tag == asn1.TagGeneralizedTime {
			tag = asn1.TagGeneralizedTime
		}
	}
	e, err := f.Universal(tag, false)
	if err != nil {
		return time.Time{}, err
	}
	if tag == asn1.TagUTCTime {
		return UTCTime(e.Body)
	}
	return GeneralizedTime(e.Body)
}

// canonicalGeneralizedTime reads the form signers and TSAs write,
// YYYYMMDDHHMMSS[.f]Z with a fraction of one to nine digits not ending
// in 0, without time.Parse: what it reads, parseGeneralizedTime reads to
// the same time (the form formats back to itself). ok is false for any
// other input, which the caller then reads with time.Parse.
func canonicalGeneralizedTime(b []byte) (time.Time, bool) {
	if len(b) < 15 || b[len(b)-1] != 'Z' {
		return time.Time{}, false
	}
	year, ok := digits(b[:4])
	if !ok {
		return time.Time{}, false
	}
	nsec := 0
	if frac := b[14 : len(b)-1]; len(frac) > 0 {
		if len(frac) < 2 || len(frac) > 10 || frac[0] != '.' || frac[len(frac)-1] == '0' {
			return time.Time{}, false
		}
		f, ok := digits(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for i := len(frac) - 1; i < 9; i++ {
			f *= 10
		}
		nsec = f
	}
	t, ok := dateTime(year, b[4:14])
	return t.Add(time.Duration(nsec)), ok
}

// dateTime reads MMDDHHMMSS of the given year in UTC; ok is false when a
// field is not digits or out of its range (as time.Parse refuses it).
func dateTime(year int, b []byte) (time.Time, bool) {
	var v [5]int
	for i := range v {
		n, ok := digits(b[2*i : 2*i+2])
		if !ok {
			return time.Time{}, false
		}
		v[i] = n
	}
	month, day, hour, minute, sec := v[0], v[1], v[2], v[3], v[4]
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	// The last day of the month: day 0 of the next.
	if day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC), true
}

// digits reads b as a decimal number; ok is false when b is empty or
// holds anything but the digits 0 to 9.
func digits(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
