package serve

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

func stdDecode(data []byte) (*VerifyRequest, error) {
	return decodeFrom[VerifyRequest](bytes.NewReader(data))
}

// FuzzDecodeVerifyFast: whatever the fast path accepts, encoding/json
// accepts too, with the same result.
func FuzzDecodeVerifyFast(f *testing.F) {
	for _, s := range []string{
		`{"signature":"AAEC","content":"aGVsbG8=","contentName":"a.txt","requireRole":["医師","Pharmacist"]}`,
		` { "signature" : "AA==" } `, `{}`, `{"requireRole":[]}`, `{"signature":"A\nA=="}`, `{"signature":"AA==","signature":"AQ=="}`,
		`{"contentName":"a\u0041"}`, `{"signature":null}`, `{"signature":"AA=="} x`, `{"signature":"AA==",}`, `{"Signature":"AA=="}`,
		"{\"contentName\":\"\xff\"}", "{\"signature\":\"AA\n==\"}", "{\"content\":\"AA\r\n==\"}", "{\"signature\":\"AA\t==\"}", "{\"signature\":\"AA\xc3\xa9==\"}", `{"signature":"AA=\r\n="}`, `{"requireRole":["a",]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeVerifyFast(data)
		if !ok {
			return
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
