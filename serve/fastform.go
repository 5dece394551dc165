package serve

import (
	"bufio"
	"bytes"
	"net/textproto"
)

// formPart is one part of a multipart body: its header and its bytes (a
// slice of the body, not a copy).
type formPart struct {
	header textproto.MIMEHeader
	data   []byte
}

// maxFastPartHeader bounds a part header the fast path reads; a larger one
// goes to mime/multipart.
const maxFastPartHeader = 8 << 10

// splitFormFast splits a multipart body held in memory into its parts
// without mime/multipart, whose reader copies every part through a 4 KiB
// window and scans each window twice. It accepts only the plain shape
// every client sends: the body begins with the delimiter line
// "--boundary\r\n" (no preamble), each part header is CRLF lines without
// continuations ending in an empty line, no part's bytes begin with
// "--boundary", each part ends at the first
// "\r\n--boundary", which must be followed by "\r\n" (another part) or
// "--" (the last). Anything else returns ok=false and the caller uses
// mime/multipart, so the parts and their bytes are exactly those
// mime/multipart would give (FuzzSplitFormFast checks it). Time is linear
// in len(body).
func splitFormFast(body []byte, boundary string) (parts []formPart, ok bool) {
	if boundary == "" {
		return nil, false
	}
	dash := []byte("--" + boundary)
	delim := []byte("\r\n--" + boundary)
	if !bytes.HasPrefix(body, dash) || !bytes.HasPrefix(body[len(dash):], []byte("\r\n")) {
		return nil, false
	}
	rest := body[len(dash)+2:]
	for {
		// The header: lines up to the first empty one.
		var hdr []byte
		if bytes.HasPrefix(rest, []byte("\r\n")) {
			hdr, rest = rest[:2], rest[2:]
		} else {
			end := bytes.Index(rest, []byte("\r\n\r\n"))
			if end < 0 || end > maxFastPartHeader {
				return nil, false
			}
			hdr, rest = rest[:end+4], rest[end+4:]
		}
		if !plainHeader(hdr) {
			return nil, false
		}
		h, err := textproto.NewReader(bufio.NewReaderSize(bytes.NewReader(hdr), len(hdr)+16)).ReadMIMEHeader()
		if err != nil {
			return nil, false
		}
		// The bytes: up to the first delimiter. (mime/multipart also
		// takes "--boundary" at the very start of a part's bytes as a
		// delimiter: left to it.)
		i := bytes.Index(rest, delim)
		if i < 0 || bytes.HasPrefix(rest, dash) {
			return nil, false
		}
		parts = append(parts, formPart{header: h, data: rest[:i:i]})
		after := rest[i+len(delim):]
		switch {
		case bytes.HasPrefix(after, []byte("\r\n")):
			rest = after[2:]
		case bytes.HasPrefix(after, []byte("--")):
			// The close delimiter: "--" then end of body or a line break
			// (what follows, the epilogue, is ignored by both).
			tail := after[2:]
			if len(tail) == 0 || bytes.HasPrefix(tail, []byte("\r\n")) {
				return parts, true
			}
			return nil, false
		default:
			return nil, false
		}
	}
}

// plainHeader reports whether a part header (ending in its empty line)
// has only CRLF line breaks and no continuation lines: then its end is the
// first CRLF CRLF, as textproto reads it.
func plainHeader(hdr []byte) bool {
	for i, c := range hdr {
		switch c {
		case '\n':
			if i == 0 || hdr[i-1] != '\r' {
				return false
			}
		case '\r':
			if i+1 >= len(hdr) || hdr[i+1] != '\n' {
				return false
			}
		case ' ', '\t':
			if i == 0 || hdr[i-1] == '\n' {
				return false
			}
		}
	}
	return true
}
