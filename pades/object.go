package pades

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Object is a PDF object: nil (null), bool, int64, float64, Name, String,
// Array, Dict, Ref or *Stream.
type Object any

// Name is a PDF name without the leading slash, escapes resolved.
type Name string

// String is a PDF string. Pos and End are the file offsets of the token
// (from '(' or '<' to just after ')' or '>'), when parsed from a file.
type String struct {
	B        []byte
	Hex      bool
	Pos, End int64
}

// Array is a PDF array.
type Array []Object

// Dict is a PDF dictionary. Duplicate keys are refused by the parser (two
// readers could otherwise pick different values).
type Dict map[Name]Object

// Ref is an indirect reference.
type Ref struct {
	Num, Gen int
}

// Stream is a stream object: its dictionary and where its data lies in the
// file (the data is read on demand).
type Stream struct {
	Dict  Dict
	Start int64 // offset of the first data byte
	Len   int64
	// num, gen: the object it is (the key of its data in an encrypted
	// file).
	num, gen int
}

// Get returns d[k] (nil when absent).
func (d Dict) Get(k Name) Object { return d[k] }

// Name returns the name under k, or "".
func (d Dict) Name(k Name) Name {
	n, _ := d[k].(Name)
	return n
}

// equal compares two objects structurally (numbers by value; strings by
// bytes; stream data by position and length).
func equal(a, b Object) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64:
		switch y := b.(type) {
		case int64:
			return x == y
		case float64:
			return float64(x) == y
		}
		return false
	case float64:
		switch y := b.(type) {
		case int64:
			return x == float64(y)
		case float64:
			return x == y
		}
		return false
	case Name:
		y, ok := b.(Name)
		return ok && x == y
	case String:
		y, ok := b.(String)
		return ok && bytes.Equal(x.B, y.B)
	case Ref:
		y, ok := b.(Ref)
		return ok && x == y
	case Array:
		y, ok := b.(Array)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case Dict:
		y, ok := b.(Dict)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case *Stream:
		y, ok := b.(*Stream)
		return ok && x.Start == y.Start && x.Len == y.Len && equal(x.Dict, y.Dict)
	}
	return false
}

// diffKeys lists the keys whose values differ between two dictionaries.
func diffKeys(a, b Dict) []Name {
	var out []Name
	for k, v := range a {
		if w, ok := b[k]; !ok || !equal(v, w) {
			out = append(out, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// appendObject serialises o in PDF syntax.
func appendObject(b []byte, o Object) []byte {
	switch x := o.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, x)
	case int:
		return strconv.AppendInt(b, int64(x), 10)
	case int64:
		return strconv.AppendInt(b, x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.AppendInt(b, int64(x), 10)
		}
		return strconv.AppendFloat(b, x, 'f', -1, 64)
	case Name:
		return appendName(b, x)
	case String:
		if x.Hex {
			b = append(b, '<')
			b = fmt.Appendf(b, "%X", x.B)
			return append(b, '>')
		}
		return appendLiteral(b, x.B)
	case Ref:
		return fmt.Appendf(b, "%d %d R", x.Num, x.Gen)
	case Array:
		b = append(b, '[')
		for i, v := range x {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendObject(b, v)
		}
		return append(b, ']')
	case Dict:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		b = append(b, "<<"...)
		for _, k := range keys {
			b = appendName(b, Name(k))
			b = append(b, ' ')
			b = appendObject(b, x[Name(k)])
		}
		return append(b, ">>"...)
	case raw:
		return append(b, x...)
	case plain:
		return appendLiteral(b, x)
	}
	panic(fmt.Sprintf("pades: cannot serialise %T", o))
}

// raw is pre-serialised PDF syntax (used for placeholders).
type raw []byte

func appendName(b []byte, n Name) []byte {
	b = append(b, '/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < '!' || c > '~' || isDelim(c) || c == '#' {
			b = fmt.Appendf(b, "#%02X", c)
			continue
		}
		b = append(b, c)
	}
	return b
}

func appendLiteral(b, s []byte) []byte {
	b = append(b, '(')
	for _, c := range s {
		switch c {
		case '(', ')', '\\':
			b = append(b, '\\', c)
		case '\r':
			b = append(b, `\r`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, c)
		}
	}
	return append(b, ')')
}
