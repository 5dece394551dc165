package serve

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func stdDecode(data []byte) (*VerifyRequest, error) {
	return decodeFrom[VerifyRequest](data)
}

// FuzzDecodeVerifyFast: whatever the fast path accepts, encoding/json
// accepts too, with the same result.
func FuzzDecodeVerifyFast(f *testing.F) {
	for _, s := range []string{
		`{"signature":"AAEC","content":"aGVsbG8=","contentName":"a.txt","requireRole":["医師","Pharmacist"]}`,
		` { "signature" : "AA==" } `, `{}`, `{"requireRole":[]}`, `{"signature":"A\nA=="}`, `{"signature":"AA==","signature":"AQ=="}`,
		`{"contentName":"a\u0041"}`, `{"signature":null}`, `{"signature":"AA=="} x`, `{"signature":"AA==",}`, `{"Signature":"AA=="}`,
		"{\"contentName\":\"\xff\"}", "{\"signature\":\"AA\n==\"}", "{\"content\":\"AA\r\n==\"}", "{\"signature\":\"AA\t==\"}", "{\"signature\":\"AA\xc3\xa9==\"}", `{"signature":"AA=\r\n="}`, `{"requireRole":["a",]}`,
		`{"content":"AA==","Content":"AQ=="}`, `{"content":"AA==","con\u0074ent":"AQ=="}`, `{"signature":"AA==","ſignature":"AQ=="}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeVerifyFast(data)
		if !ok {
			return
		}
		if err := checkNoDuplicateKeys(data); err != nil {
			t.Fatalf("fast path accepted %q with a key given twice: %v", data, err)
		}
		std, err := stdDecode(data)
		if err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refused it: %v", data, err)
		}
		norm := func(r *VerifyRequest) []byte { b, _ := json.Marshal(r); return b }
		if !bytes.Equal(norm(fast), norm(std)) || (fast.Signature == nil) != (std.Signature == nil) || (fast.Content == nil) != (std.Content == nil) || (fast.RequireRole == nil) != (std.RequireRole == nil) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", data, fast, std)
		}
	})
}

func TestDecodeVerifyFast(t *testing.T) {
	got, ok := decodeVerifyFast([]byte(`{"signature":"AAEC","content":"aGVsbG8=","contentName":"a.txt","requireRole":["医師"]}`))
	want := &VerifyRequest{Signature: []byte{0, 1, 2}, Content: []byte("hello"), ContentName: "a.txt", RequireRole: []string{"医師"}}
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("%v %+v", ok, got)
	}
	for _, s := range []string{`{"signature":"AA==","signature":"AQ=="}`, `{"signature":"A\nA=="}`, `{"x":1}`, `{"signature":"AA=="} {}`, `{"contentName":"a\"b"}`} {
		if _, ok := decodeVerifyFast([]byte(s)); ok {
			t.Errorf("fast path accepted %q", s)
		}
	}
}

// FuzzCheckNoDuplicateKeys: no panic; a JSON object it accepts is refused
// once its first member is repeated (the same key, or it upper-cased: one
// field to encoding/json).
func FuzzCheckNoDuplicateKeys(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":{"b":[1,{"c":2}]},"d":"x"}`, `{"a":1,"a":2}`, `{"k":1,"\u212a":2}`, `[{"x":1},{"x":1}]`, `{"a":[`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkNoDuplicateKeys(data)
		var m map[string]json.RawMessage
		if err != nil || json.Unmarshal(data, &m) != nil || len(m) == 0 {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		_, _ = dec.Token() // {
		first, _ := dec.Token()
		key, _ := first.(string)
		for _, k := range []string{key, strings.ToUpper(key)} {
			kb, _ := json.Marshal(k)
			dup := append(bytes.TrimRight(bytes.TrimSpace(data), "}"), []byte(","+string(kb)+":0}")...)
			if json.Valid(dup) && checkNoDuplicateKeys(dup) == nil {
				t.Fatalf("%q: duplicate %q not found", dup, k)
			}
		}
	})
}
