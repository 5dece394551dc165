package serve

import (
	"bytes"
	"encoding/base64"
	"unicode/utf8"
)

// decodeVerifyFast decodes the common shape of a VerifyRequest without
// encoding/json, whose scanner costs more than the verification itself for
// a 50 KB document: one object of the known keys, each at most once, whose
// values are strings without escapes or control characters (and, for
// requireRole, an array of such strings). Anything else returns ok=false
// and the caller uses encoding/json, so the accepted language and the
// result are exactly encoding/json's (FuzzDecodeVerifyFast checks it).
// Time and memory are linear in len(data).
func decodeVerifyFast(data []byte) (req *VerifyRequest, ok bool) {
	p := fastParser{data: data}
	p.ws()
	if !p.byte('{') {
		return nil, false
	}
	req = &VerifyRequest{}
	seen := map[string]bool{}
	p.ws()
	if p.byte('}') {
		return req, p.end()
	}
	for {
		p.ws()
		key, ok := p.str()
		if !ok || seen[string(key)] {
			return nil, false
		}
		seen[string(key)] = true
		p.ws()
		if !p.byte(':') {
			return nil, false
		}
		p.ws()
		switch string(key) {
		case "signature", "content":
			// base64.StdEncoding accepts only its alphabet, '=' and the line
			// breaks it skips; JSON forbids raw line breaks in strings. So
			// refusing '\r' and '\n' here and letting the decoder refuse
			// the rest is exactly JSON's string check, without a byte loop.
			s, ok := p.rawStr()
			if !ok || bytes.IndexByte(s, '\n') >= 0 || bytes.IndexByte(s, '\r') >= 0 {
				return nil, false
			}
			b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
			n, err := decodeBase64(b, s)
			if err != nil {
				return nil, false
			}
			if string(key) == "signature" {
				req.Signature = b[:n]
			} else {
				req.Content = b[:n]
			}
		case "contentName":
			s, ok := p.str()
			if !ok {
				return nil, false
			}
			req.ContentName = string(s)
		case "requireRole":
			if !p.byte('[') {
				return nil, false
			}
			req.RequireRole = []string{}
			p.ws()
			if !p.byte(']') {
				for {
					p.ws()
					s, ok := p.str()
					if !ok {
						return nil, false
					}
					req.RequireRole = append(req.RequireRole, string(s))
					p.ws()
					if p.byte(']') {
						break
					}
					if !p.byte(',') {
						return nil, false
					}
				}
			}
		default:
			return nil, false
		}
		p.ws()
		if p.byte('}') {
			return req, p.end()
		}
		if !p.byte(',') {
			return nil, false
		}
	}
}

type fastParser struct {
	data []byte
	i    int
}

func (p *fastParser) ws() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastParser) byte(c byte) bool {
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// rawStr reads a string without escapes and returns its contents, which
// the caller must still check for control characters and UTF-8.
func (p *fastParser) rawStr() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	rest := p.data[p.i:]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return nil, false
	}
	s := rest[:j]
	if bytes.IndexByte(s, '\\') >= 0 {
		return nil, false
	}
	p.i += j + 1
	return s, true
}

// str reads a string without escapes, control characters or invalid
// UTF-8, and returns its contents.
func (p *fastParser) str() ([]byte, bool) {
	start := p.i
	s, ok := p.rawStr()
	if !ok {
		return nil, false
	}
	for _, c := range s {
		if c < 0x20 {
			p.i = start
			return nil, false
		}
	}
	if !utf8.Valid(s) {
		p.i = start
		return nil, false
	}
	return s, true
}

func (p *fastParser) end() bool {
	p.ws()
	return p.i == len(p.data)
}
