package serve

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"reflect"
	"testing"
)

// stdParts reads body with mime/multipart (raw parts, as readVerifyForm
// does).
func stdParts(body []byte, boundary string) ([]formPart, error) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var parts []formPart
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return parts, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		parts = append(parts, formPart{header: p.Header, data: data})
	}
}

const fuzzBoundary = "XyZ0123"

// FuzzSplitFormFast: whatever the fast path splits, mime/multipart reads
// as the same parts (headers and bytes), and ends there.
func FuzzSplitFormFast(f *testing.F) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.SetBoundary(fuzzBoundary)
	w, _ := mw.CreateFormFile("signature", "s.p7s")
	w.Write([]byte("\x30\x82\r\n--XyZ012\r\n"))
	w, _ = mw.CreateFormField("content")
	w.Write([]byte("letter\r\n-- XyZ0123"))
	mw.Close()
	for _, s := range []string{
		buf.String(),
		"--XyZ0123\r\n\r\nabc\r\n--XyZ0123--",
		"--XyZ0123\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--XyZ0123--\r\nepilogue",
		"preamble\r\n--XyZ0123\r\n\r\nabc\r\n--XyZ0123--",
		"--XyZ0123\n\nabc\n--XyZ0123--",
		"--XyZ0123\r\nA: b\r\n c\r\n\r\nx\r\n--XyZ0123--",
		"--XyZ0123\r\nA: b\r\n\r\nx\r\n--XyZ0123 \r\n\r\ny\r\n--XyZ0123--",
		"--XyZ0123\r\nA: b\r\n\r\nx\r\n--XyZ0123X\r\n--XyZ0123--",
		"--XyZ0123\r\nA b\r\n\r\nx\r\n--XyZ0123--",
		"--XyZ0123\r\n\r\nx\r\n--XyZ0123--x",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := splitFormFast(body, fuzzBoundary)
		if !ok {
			return
		}
		std, err := stdParts(body, fuzzBoundary)
		if err != nil {
			t.Fatalf("fast path split %q, mime/multipart refused it: %v", body, err)
		}
		if len(fast) != len(std) {
			t.Fatalf("%q: fast %d parts, mime/multipart %d", body, len(fast), len(std))
		}
		for i := range fast {
			if !reflect.DeepEqual(fast[i].header, std[i].header) || !bytes.Equal(fast[i].data, std[i].data) {
				t.Fatalf("%q part %d: fast %q %q, mime/multipart %q %q", body, i, fast[i].header, fast[i].data, std[i].header, std[i].data)
			}
		}
	})
}

func TestSplitFormFast(t *testing.T) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("signature", "s.p7s")
	w.Write([]byte("sig\r\n--not the boundary"))
	w, _ = mw.CreateFormFile("content", "letter.txt")
	w.Write([]byte("letter"))
	mw.Close()
	parts, ok := splitFormFast(buf.Bytes(), mw.Boundary())
	std, err := stdParts(buf.Bytes(), mw.Boundary())
	if !ok || err != nil || len(parts) != 2 || !reflect.DeepEqual(parts, std) {
		t.Fatalf("%v %v %q %q", ok, err, parts, std)
	}
	if (&multipart.Part{Header: parts[1].header}).FormName() != "content" || string(parts[1].data) != "letter" {
		t.Fatalf("%q", parts[1])
	}
	// Shapes left to mime/multipart.
	for _, s := range []string{
		"preamble\r\n--XyZ0123\r\n\r\nabc\r\n--XyZ0123--",
		"--XyZ0123\n\nabc\n--XyZ0123--",
		"--XyZ0123\r\nA: b\r\n c\r\n\r\nx\r\n--XyZ0123--",
		"--XyZ0123\r\nA: b\r\n\r\nx\r\n--XyZ0123 \r\n\r\ny\r\n--XyZ0123--",
		"--XyZ0123\r\nA: b\r\n\r\nx\r\n--XyZ0123X\r\n--XyZ0123--",
		"--XyZ0123\r\n\r\nx",
		"--XyZ0123\r\n\r\nx\r\n--XyZ0123--x",
	} {
		if _, ok := splitFormFast([]byte(s), fuzzBoundary); ok {
			t.Errorf("fast path split %q", s)
		}
	}
}
