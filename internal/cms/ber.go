package cms

import (
	"golang.org/x/crypto/cryptobyte"
)

// normaliseBER re-encodes BER as DER where it matters for parsing:
// indefinite lengths become definite, and constructed OCTET STRINGs become
// primitive. Everything already definite is copied element by element.
func normaliseBER(in []byte) ([]byte, error) {
	out, rest, err := berElement(in, 0)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, formatErr("trailing data after BER element")
	}
	return out, nil
}

// berElement normalises one element and returns it with the remaining input.
func berElement(in []byte, depth int) ([]byte, []byte, error) {
	if depth > maxDepth {
		return nil, nil, formatErr("nesting deeper than %d", maxDepth)
	}
	if len(in) < 2 {
		return nil, nil, formatErr("truncated element")
	}
	// Tag (multi-byte tags kept as they are).
	tagLen := 1
	if in[0]&0x1f == 0x1f {
		for tagLen < len(in) && in[tagLen]&0x80 != 0 {
			tagLen++
		}
		tagLen++
		if tagLen >= len(in) {
			return nil, nil, formatErr("truncated tag")
		}
	}
	tag := in[:tagLen]
	constructed := in[0]&0x20 != 0
	p := tagLen
	l := int(in[p])
	p++
	indefinite := false
	switch {
	case l == 0x80:
		if !constructed {
			return nil, nil, formatErr("indefinite length on a primitive element")
		}
		indefinite = true
	case l > 0x80:
		n := l & 0x7f
		if n > 4 || p+n > len(in) {
			return nil, nil, formatErr("bad length")
		}
		l = 0
		for i := 0; i < n; i++ {
			l = l<<8 | int(in[p+i])
		}
		p += n
	}
	if !constructed {
		if l < 0 || p+l > len(in) {
			return nil, nil, formatErr("element longer than its input")
		}
		return encodeTLV(tag, in[p:p+l]), in[p+l:], nil
	}
	var body []byte
	var children [][]byte
	if indefinite {
		rest := in[p:]
		for {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				rest = rest[2:]
				break
			}
			child, r, err := berElement(rest, depth+1)
			if err != nil {
				return nil, nil, err
			}
			children = append(children, child)
			rest = r
		}
		body = nil
		for _, c := range children {
			body = append(body, c...)
		}
		in = rest
	} else {
		if l < 0 || p+l > len(in) {
			return nil, nil, formatErr("element longer than its input")
		}
		content := in[p : p+l]
		for len(content) > 0 {
			child, r, err := berElement(content, depth+1)
			if err != nil {
				return nil, nil, err
			}
			children = append(children, child)
			content = r
		}
		for _, c := range children {
			body = append(body, c...)
		}
		in = in[p+l:]
	}
	// Constructed OCTET STRING (universal 4): concatenate the segments.
	if tagLen == 1 && tag[0] == 0x24 {
		var data []byte
		for _, c := range children {
			s := cryptobyte.String(c)
			var seg cryptobyte.String
			if !s.ReadASN1Bytes((*[]byte)(&seg), 0x04) {
				return nil, nil, formatErr("constructed OCTET STRING with a non-OCTET STRING segment")
			}
			data = append(data, seg...)
		}
		return encodeTLV([]byte{0x04}, data), in, nil
	}
	return encodeTLV(tag, body), in, nil
}

func encodeTLV(tag, body []byte) []byte {
	out := append([]byte{}, tag...)
	n := len(body)
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	default:
		out = append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, body...)
}
