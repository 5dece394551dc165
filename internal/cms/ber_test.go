package cms

import (
	"bytes"
	"encoding/asn1"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// berNest wraps body in depth indefinite-length SEQUENCEs.
func berNest(depth int, body []byte) []byte {
	out := make([]byte, 0, len(body)+4*depth)
	for i := 0; i < depth; i++ {
		out = append(out, 0x30, 0x80)
	}
	out = append(out, body...)
	for i := 0; i < depth; i++ {
		out = append(out, 0x00, 0x00)
	}
	return out
}

// berOctets is a constructed, indefinite OCTET STRING of n segments of
// seg bytes each, with one nested constructed segment.
func berOctets(n, seg int) []byte {
	out := []byte{0x24, 0x80}
	chunk := append([]byte{0x04, byte(seg)}, bytes.Repeat([]byte{'a'}, seg)...)
	for i := 0; i < n; i++ {
		out = append(out, chunk...)
	}
	out = append(out, 0x24, 0x80)
	out = append(out, chunk...)
	out = append(out, 0x00, 0x00, 0x00, 0x00)
	return out
}

func TestNormaliseBER(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
		want []byte // nil: must fail
	}{
		{"definite DER kept", []byte{0x30, 0x03, 0x02, 0x01, 0x05}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}},
		{"indefinite SEQUENCE", []byte{0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00}, []byte{0x30, 0x03, 0x02, 0x01, 0x05}},
		{"constructed OCTET STRING", []byte{0x24, 0x80, 0x04, 0x01, 'a', 0x24, 0x03, 0x04, 0x01, 'b', 0x00, 0x00}, []byte{0x04, 0x02, 'a', 'b'}},
		{"multi-byte tag", []byte{0xbf, 0x81, 0x01, 0x80, 0x05, 0x00, 0x00, 0x00}, []byte{0xbf, 0x81, 0x01, 0x02, 0x05, 0x00}},
		{"long definite length", append([]byte{0x04, 0x81, 0x80}, make([]byte, 128)...), append([]byte{0x04, 0x81, 0x80}, make([]byte, 128)...)},
		{"nesting at the limit", berNest(maxDepth, []byte{0x05, 0x00}), nil},
		{"nesting beyond the limit", berNest(maxDepth+2, []byte{0x05, 0x00}), nil},
		{"missing end-of-contents", []byte{0x30, 0x80, 0x02, 0x01, 0x05}, nil},
		{"indefinite primitive", []byte{0x04, 0x80, 0x00, 0x00}, nil},
		{"INTEGER inside OCTET STRING", []byte{0x24, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00}, nil},
		{"length beyond input", []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00}, nil},
		{"five length octets", []byte{0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00}, nil},
		{"trailing data", []byte{0x05, 0x00, 0x05}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normaliseBER(tc.in)
			switch {
			case tc.name == "nesting at the limit":
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				var rv asn1.RawValue
				if _, err := asn1.Unmarshal(got, &rv); err != nil {
					t.Fatalf("output is not DER: %v", err)
				}
			case tc.want == nil:
				if err == nil {
					t.Fatalf("accepted: % x", got)
				}
			case err != nil || !bytes.Equal(got, tc.want):
				t.Fatalf("got % x, %v; want % x", got, err, tc.want)
			}
		})
	}
}

// BER normalisation allocates about the size of its output, whatever the
// nesting: not one copy per level (64 levels used to cost 64 copies).
func TestNormaliseBERLinear(t *testing.T) {
	measure := func(in []byte) uint64 {
		runtime.GC()
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		if _, err := normaliseBER(in); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&b)
		return b.TotalAlloc - a.TotalAlloc
	}
	var first float64
	for _, scale := range []int{1, 4, 16} {
		in := berNest(maxDepth-3, berOctets(1000*scale, 100))
		got := measure(in)
		perByte := float64(got) / float64(len(in))
		t.Logf("%2dx: %d bytes in, %d bytes allocated (%.2f per input byte)", scale, len(in), got, perByte)
		if got > 3*uint64(len(in))+1<<16 {
			t.Errorf("%dx: %d bytes allocated for %d bytes of input: more than the output and the length table", scale, got, len(in))
		}
		if scale == 1 {
			first = perByte
		} else if perByte > 4*first+1 {
			t.Errorf("%dx: %.2f bytes per input byte, %.2f at 1x", scale, perByte, first)
		}
	}
}

// TestParseDeepBERSaysWhy: BER nested beyond the limit is refused with the
// reason (its nesting), not with the DER reader's "indefinite length".
func TestParseDeepBERSaysWhy(t *testing.T) {
	_, err := Parse(berNest(maxDepth+2, []byte{0x05, 0x00}))
	if err == nil || !strings.Contains(err.Error(), "nesting deeper than") || strings.Contains(err.Error(), "indefinite length") {
		t.Fatalf("err = %v, want the nesting named", err)
	}
	if !errors.Is(err, ErrFormat) {
		t.Fatalf("err = %v, want ErrFormat", err)
	}
}
