package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"
	"unicode"
	"unicode/utf8"
)

// errSlowBody is the error of a request body that did not arrive at the
// minimum rate (answered 408).
var errSlowBody = errors.New("request body arrived too slowly")

type bodyKey struct{}

// readRequestBody reads the whole body of r, bounded by MaxBody, before
// the request takes a work slot: a client sending its body slowly holds
// only its connection, never a worker. The body must arrive at
// BodyMinRate bytes per second after a grace of BodyGrace (the read
// deadline of the connection is moved forward as bytes arrive); a slower
// body ends in errSlowBody. Memory grows with the bytes received, not with
// the Content-Length the client claims.
func (s *Server) readRequestBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	rc := http.NewResponseController(w)
	br := &rateReader{r: r.Body, rc: rc, start: time.Now(), grace: s.cfg.BodyGrace, rate: s.cfg.BodyMinRate, deadlines: true}
	defer func() {
		if br.deadlines {
			// The body is read: the connection waits for no more bytes of
			// this request, and the handler's work is bounded by
			// RequestTimeout.
			_ = rc.SetReadDeadline(time.Time{})
		}
	}()
	size := int64(512)
	if n := r.ContentLength; n > 0 {
		// One spare byte: the read that meets the end of the body finds
		// room, so a body of the stated length is never copied to grow.
		size = min(n, s.cfg.MaxBody, 1<<20) + 1
	}
	buf := make([]byte, 0, size)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := br.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// rateReader reads r, failing with errSlowBody once fewer than rate bytes
// per second after grace have arrived. With deadlines, a blocked read is
// interrupted by the connection's read deadline; without (a
// ResponseWriter that cannot set one), the rate is checked between reads.
type rateReader struct {
	r         io.Reader
	rc        *http.ResponseController
	start     time.Time
	grace     time.Duration
	rate      int64
	n         int64
	deadlines bool
}

func (b *rateReader) Read(p []byte) (int, error) {
	deadline := b.start.Add(b.grace + time.Duration(float64(b.n)/float64(b.rate)*float64(time.Second)))
	if b.deadlines {
		if err := b.rc.SetReadDeadline(deadline); err != nil {
			b.deadlines = false
		}
	}
	if !b.deadlines && time.Now().After(deadline) {
		return 0, errSlowBody
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		var ne net.Error
		if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			return n, errSlowBody
		}
	}
	return n, err
}

// requestBody returns the body read by readRequestBody (nil when there is
// none).
func requestBody(r *http.Request) []byte {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	return b
}

func withBody(ctx context.Context, body []byte) context.Context {
	return context.WithValue(ctx, bodyKey{}, body)
}

// checkNoDuplicateKeys refuses a JSON text in which an object names the
// same key twice, at any depth. Keys are compared as encoding/json matches
// them to struct fields (after unescaping, ASCII case and Unicode simple
// folding ignored: "content", "Content" and "con\u0074ent" are one key), so
// no two members of an object can fill the same field: a parser keeping
// the first value and one keeping the last see the same request. Time and
// memory are linear in len(data).
func checkNoDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		keys      map[string]bool
		expectKey bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // syntax errors are the decoder's to report
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.keys != nil && top.expectKey {
			if key, ok := tok.(string); ok {
				folded := foldName(key)
				if top.keys[folded] {
					return fmt.Errorf("key %q given twice", key)
				}
				top.keys[folded] = true
				top.expectKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{keys: map[string]bool{}, expectKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value ended: the enclosing object expects a key next.
		if len(stack) > 0 && stack[len(stack)-1].keys != nil {
			stack[len(stack)-1].expectKey = true
		}
	}
}

// foldName folds a JSON key as encoding/json does to match struct field
// names: ASCII letters upper-cased, other runes to the smallest rune of
// their simple fold orbit (so "ſ" and "s", "K" (Kelvin) and "k" fold
// alike).
func foldName(s string) string {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			out = append(out, byte(r))
			continue
		}
		for {
			r2 := unicode.SimpleFold(r)
			if r2 <= r {
				r = r2
				break
			}
			r = r2
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out)
}
