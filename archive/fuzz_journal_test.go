package archive

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// A journal (read by archive report, its set checked by CheckSet, and by
// a resumed run) never makes any of them panic, whatever its bytes; reading it costs in proportion to its
// size.
func FuzzJournal(f *testing.F) {
	f.Add([]byte(`{"key":"` + string(bytes.Repeat([]byte("ab"), 32)) + `","final":true,"path":"a.p7s","size":1,"sha256":"00","record":{"path":"a.p7s","indication":"TOTAL_PASSED"}}` + "\n"))
	f.Add([]byte("{\"key\":\"x\"\n{"))
	f.Add([]byte("\n\n"))
	f.Add(sealLine([]byte(`{"run":"end","settings":"x","summary":{"records":1}}`)))
	// A run of the current format: start, one record, end, bound by
	// their run id.
	f.Add(bytes.Join([][]byte{
		sealLine([]byte(`{"run":"start","settings":"x","id":"r1","shard":"0/2","source":"paths \"a\""}`)),
		sealLine([]byte(`{"key":"` + string(bytes.Repeat([]byte("ab"), 32)) + `","final":true,"settings":"x","path":"a.p7s","size":1,"sha256":"00","record":{"path":"a.p7s","indication":"TOTAL_PASSED"},"id":"r1"}`)),
		sealLine([]byte(`{"run":"end","settings":"x","id":"r1","summary":{"records":1,"passed":1}}`)),
	}, nil))
	f.Add(sealLine([]byte(`{"key":"` + string(bytes.Repeat([]byte("ab"), 32)) + `","final":true,"path":"a.p7s","size":1,"sha256":"00","record":{"path":"a.p7s","indication":"TOTAL_PASSED"}}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, st, err := Report(bytes.NewReader(data), bytes.NewReader(data)); err == nil {
			// The same journal twice: one set, or a shard given twice.
			CheckSet([]string{"a", "b"}, st)
		}
		if body, ok := openLine(data); ok && !bytes.Equal(sealLine(body), append(bytes.TrimSuffix(data, []byte("\n")), '\n')) {
			t.Fatalf("a line whose check matches does not seal back to itself: %q", data)
		}
		name := filepath.Join(t.TempDir(), "j")
		if err := os.WriteFile(name, data, 0o600); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJournal(name)
		if err != nil {
			return
		}
		for k := range j.at {
			j.lookup(k)
		}
		j.Close()
	})
}

// A manifest line is a name, whatever it holds; a NUL or an overlong line
// is an error, never a panic.
func FuzzManifest(f *testing.F) {
	f.Add([]byte("a/b.p7s\n# comment\n\nc.xml\r\n"))
	f.Add([]byte("a\x00b\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		eachLine(bytes.NewReader(data), func(name string) error {
			if name == "" || bytes.IndexByte([]byte(name), 0) >= 0 {
				t.Fatalf("name %q", name)
			}
			return nil
		})
	})
}
