package keyfile

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// FuzzLoadPKCS12 loads fuzzed PKCS#12 files: an error with a one-line
// message naming the file, or a credential whose key matches its
// certificate; never a panic, and never the password in a message.
func FuzzLoadPKCS12(f *testing.F) {
	p := testpki.MustLoad(f)
	const password = "fuzz-password"
	for _, enc := range []*pkcs12.Encoder{pkcs12.Modern, pkcs12.Legacy} {
		data, err := enc.WithRand(rand.Reader).Encode(p.Doctor.Key, p.Doctor.Cert, p.Doctor.Chain, password)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte{0x30, 0x80, 0x02, 0x01, 0x03, 0x00, 0x00})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := os.CreateTemp(dir, "fuzz-*.p12")
		if err != nil {
			t.Fatal(err)
		}
		name := file.Name()
		defer os.Remove(name)
		if _, err := file.Write(data); err != nil {
			t.Fatal(err)
		}
		file.Close()
		c, err := LoadPKCS12(name, []byte(password))
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, password) || strings.Contains(msg, "\n") || !strings.Contains(msg, filepath.Base(name)) {
				t.Fatalf("message %q", msg)
			}
			return
		}
		if c.Signer == nil || c.Certificate == nil {
			t.Fatal("credential without key or certificate")
		}
	})
}
