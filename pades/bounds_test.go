package pades

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// Hostile structures end in an error, quickly, never a panic or a loop.
func TestBounds(t *testing.T) {
	deep := "%PDF-1.7\n1 0 obj\n" + strings.Repeat("[", 100000) + "\nendobj\n"
	loopPrev := "%PDF-1.7\nxref\n0 1\n0000000000 65535 f\r\ntrailer<</Size 1/Prev 9>>\nstartxref\n9\n%%EOF\n"
	hugeCount := "%PDF-1.7\nxref\n0 99999999999\n0000000000 65535 f\r\ntrailer<</Size 1>>\nstartxref\n9\n%%EOF\n"
	for name, data := range map[string]string{
		"deep nesting":     withXref(deep, 1),
		"Prev loop":        loopPrev,
		"huge subsection":  hugeCount,
		"no startxref":     "%PDF-1.7\n",
		"startxref beyond": "%PDF-1.7\nstartxref\n999999\n%%EOF\n",
		"length beyond":    withXref("%PDF-1.7\n1 0 obj<</Length 999999999>>stream\nxx\nendstream endobj\n", 1),
		"length loop":      withXref("%PDF-1.7\n1 0 obj<</Length 1 0 R>>stream\nxx\nendstream endobj\n", 1),
		"objstm bomb":      withXref("%PDF-1.7\n1 0 obj<</Type/ObjStm/N 99999999/First 0/Length 0>>stream\n\nendstream endobj\n", 1),
	} {
		t.Run(name, func(t *testing.T) {
			f, err := Open(strings.NewReader(data), int64(len(data)))
			if err != nil {
				return
			}
			for _, r := range f.Revisions {
				for n := 0; n < 3; n++ {
					f.Object(r, n)
				}
			}
			if _, err := f.signatures(); err != nil {
				return
			}
		})
	}
}

// withXref appends a table listing n objects found in body.
func withXref(body string, n int) string {
	var b bytes.Buffer
	b.WriteString(body)
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", n+1)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", strings.Index(body, fmt.Sprintf("%d 0 obj", i)))
	}
	fmt.Fprintf(&b, "trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", n+1, x)
	return b.String()
}
