package serve

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// FuzzDecodeBase64: decodeBase64 decodes what encoding/base64 decodes, to
// the same bytes, and refuses what it refuses.
func FuzzDecodeBase64(f *testing.F) {
	for _, s := range []string{"", "AA==", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", "QUJD\nREVGR0hJSktMTU5PUFFS", "QUJDREVG=0hJSktMTU5PUFFS", "QUJDREVGR0hJSk*MTU5PUFFSU1RV", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		want := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
		wn, werr := base64.StdEncoding.Decode(want, src)
		got := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
		gn, gerr := decodeBase64(got, src)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("%q: encoding/base64 %v, decodeBase64 %v", src, werr, gerr)
		}
		if werr == nil && !bytes.Equal(want[:wn], got[:gn]) {
			t.Fatalf("%q: encoding/base64 %x, decodeBase64 %x", src, want[:wn], got[:gn])
		}
	})
}

func TestDecodeBase64(t *testing.T) {
	for n := range 200 {
		raw := bytes.Repeat([]byte{0xfb, 0xff, 0x00, 0x3e, 0x7f}, n)[:n*3/2]
		src := []byte(base64.StdEncoding.EncodeToString(raw))
		dst := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
		m, err := decodeBase64(dst, src)
		if err != nil || !bytes.Equal(dst[:m], raw) {
			t.Fatalf("%d bytes: %v %x", len(raw), err, dst[:m])
		}
	}
}

func BenchmarkDecodeBase64(b *testing.B) {
	raw := bytes.Repeat([]byte("紹介状 referral letter, 50 KB. "), 1500)
	src := []byte(base64.StdEncoding.EncodeToString(raw))
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(src)))
	b.Run("table", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			_, _ = decodeBase64(dst, src)
		}
	})
	b.Run("encoding/base64", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		for b.Loop() {
			_, _ = base64.StdEncoding.Decode(dst, src)
		}
	})
}
