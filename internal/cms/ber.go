package cms

// BER normalisation (RFC 5652 allows BER for everything but the signed
// attributes). normaliseBER turns indefinite lengths into definite ones and
// constructed OCTET STRINGs into primitive ones, copying everything else
// element by element.
//
// Cost: two passes over the input, each visiting every element once, so
// time and memory are linear in the input: the first pass measures the
// normalised length of every constructed element (kept in pre-order in a
// slice), the second writes the output into one buffer of the measured
// size. Nesting deeper than maxDepth is refused, so the recursion is
// bounded too.

type berNormaliser struct {
	lens []int // normalised content length of each constructed element, pre-order
	next int   // next entry of lens to use while writing
	out  []byte
}

func normaliseBER(in []byte) ([]byte, error) {
	var n berNormaliser
	total, rest, err := n.measure(in, 0, false)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, formatErr("trailing data after BER element")
	}
	n.out = make([]byte, 0, total)
	if _, err := n.write(in, false); err != nil {
		return nil, err
	}
	if len(n.out) != total {
		return nil, formatErr("BER normalisation wrote %d bytes, measured %d", len(n.out), total)
	}
	return n.out, nil
}

// berHeader is the decoded identifier and length octets of one element.
type berHeader struct {
	tag         []byte
	constructed bool
	indefinite  bool
	length      int // content length when definite
	hdrLen      int
}

func readBERHeader(in []byte) (berHeader, error) {
	var h berHeader
	if len(in) < 2 {
		return h, formatErr("truncated element")
	}
	tagLen := 1
	if in[0]&0x1f == 0x1f {
		for tagLen < len(in) && in[tagLen]&0x80 != 0 {
			tagLen++
		}
		tagLen++
		if tagLen >= len(in) {
			return h, formatErr("truncated tag")
		}
	}
	h.tag = in[:tagLen]
	h.constructed = in[0]&0x20 != 0
	p := tagLen
	l := int(in[p])
	p++
	switch {
	case l == 0x80:
		if !h.constructed {
			return h, formatErr("indefinite length on a primitive element")
		}
		h.indefinite = true
		l = 0
	case l > 0x80:
		k := l & 0x7f
		if k > 4 || p+k > len(in) {
			return h, formatErr("bad length")
		}
		l = 0
		for i := 0; i < k; i++ {
			l = l<<8 | int(in[p+i])
		}
		p += k
	}
	if !h.indefinite && (l < 0 || l > len(in)-p) {
		return h, formatErr("element longer than its input")
	}
	h.length, h.hdrLen = l, p
	return h, nil
}

// isOctetString reports whether the element is a universal OCTET STRING
// (primitive 0x04 or constructed 0x24).
func (h berHeader) isOctetString() bool {
	return len(h.tag) == 1 && h.tag[0]&^0x20 == 0x04
}

// children calls f on each child of a constructed element whose content
// starts at body, and returns the input after the element.
func (h berHeader) children(body []byte, f func(child []byte) ([]byte, error)) ([]byte, error) {
	if h.indefinite {
		rest := body
		for {
			if len(rest) >= 2 && rest[0] == 0 && rest[1] == 0 {
				return rest[2:], nil
			}
			if len(rest) == 0 {
				return nil, formatErr("indefinite length without end-of-contents")
			}
			r, err := f(rest)
			if err != nil {
				return nil, err
			}
			rest = r
		}
	}
	content := body[:h.length]
	for len(content) > 0 {
		r, err := f(content)
		if err != nil {
			return nil, err
		}
		content = r
	}
	return body[h.length:], nil
}

// measure returns the normalised size of the element at in (only its
// content when inOctets: a segment of a constructed OCTET STRING) and the
// rest of the input, recording constructed elements' content lengths.
func (n *berNormaliser) measure(in []byte, depth int, inOctets bool) (int, []byte, error) {
	if depth > maxDepth {
		return 0, nil, formatErr("nesting deeper than %d", maxDepth)
	}
	h, err := readBERHeader(in)
	if err != nil {
		return 0, nil, err
	}
	if inOctets && !h.isOctetString() {
		return 0, nil, formatErr("constructed OCTET STRING with a non-OCTET STRING segment")
	}
	if !h.constructed {
		if inOctets {
			return h.length, in[h.hdrLen+h.length:], nil
		}
		return len(h.tag) + lengthLen(h.length) + h.length, in[h.hdrLen+h.length:], nil
	}
	slot := len(n.lens)
	n.lens = append(n.lens, 0)
	octets := h.isOctetString()
	content := 0
	rest, err := h.children(in[h.hdrLen:], func(child []byte) ([]byte, error) {
		size, r, err := n.measure(child, depth+1, octets)
		content += size
		if content > MaxSize {
			return nil, formatErr("normalised BER exceeds %d bytes", MaxSize)
		}
		return r, err
	})
	if err != nil {
		return 0, nil, err
	}
	n.lens[slot] = content
	if inOctets {
		return content, rest, nil
	}
	tagLen := len(h.tag)
	if octets {
		tagLen = 1
	}
	return tagLen + lengthLen(content) + content, rest, nil
}

// write appends the normalised element at in (only its content when
// inOctets) and returns the rest of the input. It visits elements in the
// order measure did and takes their lengths from n.lens.
func (n *berNormaliser) write(in []byte, inOctets bool) ([]byte, error) {
	h, err := readBERHeader(in)
	if err != nil {
		return nil, err
	}
	if !h.constructed {
		body := in[h.hdrLen : h.hdrLen+h.length]
		if !inOctets {
			n.out = append(n.out, h.tag...)
			n.out = appendLength(n.out, h.length)
		}
		n.out = append(n.out, body...)
		return in[h.hdrLen+h.length:], nil
	}
	if n.next >= len(n.lens) {
		return nil, formatErr("BER normalisation out of step")
	}
	content := n.lens[n.next]
	n.next++
	octets := h.isOctetString()
	if !inOctets {
		if octets {
			n.out = append(n.out, 0x04)
		} else {
			n.out = append(n.out, h.tag...)
		}
		n.out = appendLength(n.out, content)
	}
	return h.children(in[h.hdrLen:], func(child []byte) ([]byte, error) {
		return n.write(child, octets)
	})
}

func lengthLen(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n < 0x100:
		return 2
	case n < 0x10000:
		return 3
	case n < 0x1000000:
		return 4
	}
	return 5
}

func appendLength(out []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(out, byte(n))
	case n < 0x100:
		return append(out, 0x81, byte(n))
	case n < 0x10000:
		return append(out, 0x82, byte(n>>8), byte(n))
	case n < 0x1000000:
		return append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, 0x84, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// SplitPadding returns the first BER/DER element of in and the number of
// bytes after it, when everything after it is zero bytes (some producers
// pad their files): Parse refuses such input, a caller that accepts the
// padding parses element instead and says so. padding is 0 when in has no
// trailing data or when what follows is not only zeros (element is then
// nil).
func SplitPadding(in []byte) (element []byte, padding int) {
	var n berNormaliser
	_, rest, err := n.measure(in, 0, false)
	if err != nil || len(rest) == 0 || len(rest) == len(in) {
		return nil, 0
	}
	for _, b := range rest {
		if b != 0 {
			return nil, 0
		}
	}
	return in[:len(in)-len(rest)], len(rest)
}
