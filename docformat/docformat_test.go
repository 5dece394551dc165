package docformat

import (
	"os"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	sd := append([]byte{0x30, 0x82, 0x01, 0x00}, oidSignedData...)
	ber := append([]byte{0x30, 0x80}, oidSignedData...)
	data := append([]byte{0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01}, 0, 0)
	tests := []struct {
		name string
		in   []byte
		want Kind
	}{
		{"empty", nil, Other},
		{"text", []byte("referral letter"), Other},
		{"xml", []byte("<?xml version=\"1.0\"?><a/>"), XML},
		{"xml bom space", []byte("\xef\xbb\xbf \r\n<Document/>"), XML},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), PDF},
		{"pdf after junk", []byte("junk\n%PDF-1.4\n"), PDF},
		{"pdf beyond sniff", append([]byte(strings.Repeat("x", SniffLen)), "%PDF-1.4"...), Other},
		{"cms der", sd, CMS},
		{"cms ber", ber, CMS},
		{"cms short form", append([]byte{0x30, 0x7f}, oidSignedData...), CMS},
		{"pkcs7 data is not signed data", data, Other},
		{"truncated", sd[:8], Other},
		{"bad length", append([]byte{0x30, 0x89}, oidSignedData...), Other},
		{"pem", []byte("-----BEGIN CMS-----\nMIIB\n-----END CMS-----\n"), PEM},
	}
	for _, tt := range tests {
		if got := Detect(tt.in); got != tt.want {
			t.Errorf("%s: Detect = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestDetectCommittedSignatures(t *testing.T) {
	for name, want := range map[string]Kind{"../testdata/certs/root.pem": PEM} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Skip(err)
		}
		if got := Detect(data); got != want {
			t.Errorf("%s: %v, want %v", name, got, want)
		}
	}
}

func FuzzDetect(f *testing.F) {
	f.Add([]byte("<a/>"))
	f.Add([]byte("%PDF-1.7"))
	f.Add(append([]byte{0x30, 0x80}, oidSignedData...))
	f.Fuzz(func(t *testing.T, b []byte) {
		k := Detect(b)
		if k.String() == "" {
			t.Fatal("no name")
		}
		if len(b) > SniffLen && Detect(b[:SniffLen]) != k {
			t.Fatal("looked beyond SniffLen")
		}
	})
}
