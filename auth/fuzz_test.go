package auth

import (
	"strings"
	"testing"
)

// FuzzToBeSigned: an accepted (origin, nonce, time) gives exactly four
// lines from which the same three values are read back, so no two requests
// share the signed bytes.
func FuzzToBeSigned(f *testing.F) {
	f.Add("https://ehr.example", "bm9uY2U", "2030-01-01T09:00:00Z")
	f.Add("https://a\nnonce=b", "c", "d")
	f.Add("o", "n=x\ntime=y", "t")
	f.Fuzz(func(t *testing.T, origin, nonce, at string) {
		tbs, err := ToBeSigned(origin, nonce, at)
		if err != nil {
			return
		}
		lines := strings.Split(string(tbs), "\n")
		if len(lines) != 4 || lines[0] != LoginVersion ||
			lines[1] != "origin="+origin || lines[2] != "nonce="+nonce || lines[3] != "time="+at {
			t.Fatalf("%q does not read back as (%q, %q, %q)", tbs, origin, nonce, at)
		}
	})
}
