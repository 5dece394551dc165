package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

// TestXAdESReportSharesNothingWithDocument: the XML parse borrows the
// document's bytes, yet the report, and the URIs given to the caller's
// callbacks, stay the same after the caller overwrites its buffer.
func TestXAdESReportSharesNothingWithDocument(t *testing.T) {
	p := testpki.MustLoad(t)
	letter := []byte("紹介状: 患者 山田太郎 様")
	detachedSig, err := sign.SignXAdESDetached(context.Background(), bytes.NewReader(letter), "letter.txt",
		sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, sign.XAdESOptions{AllowNonHPKI: true})
	if err != nil {
		t.Fatal(err)
	}
	good := benchPrescription(t)
	tampered := bytes.Replace(good, []byte("アムロジピン"), []byte("アムロジピソ"), 1)
	dupID := bytes.Replace(good, []byte("<Medication>"), []byte(`<Medication Id="PrescriptionData">`), 1)
	cases := []struct {
		name     string
		doc      []byte
		detached bool
	}{
		{"good B-T", good, false},
		{"changed after signing", tampered, false},
		{"duplicate Id", dupID, false},
		{"detached, file given", detachedSig.Signature, true},
		{"detached, file not given", detachedSig.Signature, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := bytes.Clone(tc.doc)
			var uris []string
			var det func(string) (io.Reader, error)
			if tc.detached {
				det = func(uri string) (io.Reader, error) {
					uris = append(uris, uri)
					return bytes.NewReader(letter), nil
				}
			}
			o := opts(t)
			o.KeepSignedData = true
			o.MayBeAbsent = func(uri string) bool { uris = append(uris, uri); return false }
			rep, err := New(o).VerifyXAdES(context.Background(), doc, det)
			if err != nil {
				t.Fatal(err)
			}
			before, wantURIs := snapshot(t, rep), fmt.Sprint(uris)
			for i := range doc {
				doc[i] = 'x'
			}
			if after := snapshot(t, rep); after != before {
				t.Fatalf("the report changed with the caller's buffer:\nbefore %s\nafter  %s", before, after)
			}
			if got := fmt.Sprint(uris); got != wantURIs {
				t.Fatalf("URIs given to the callbacks changed with the caller's buffer: %s, then %s", wantURIs, got)
			}
		})
	}
}

// snapshot is everything a report holds, as text.
func snapshot(t *testing.T, rep *Report) string {
	t.Helper()
	j, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var data []string
	for _, s := range rep.Signatures {
		for _, d := range s.SignedData {
			data = append(data, string(d.Data))
		}
	}
	return string(j) + fmt.Sprint(data)
}

// TestReportTypesDetach: detachReport reaches every string of a report:
// the report's own types hold no unexported field, interface, map or
// function where a string could hide from it.
func TestReportTypesDetach(t *testing.T) {
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type, string)
	walk = func(ty reflect.Type, path string) {
		if seen[ty] {
			return
		}
		seen[ty] = true
		switch ty.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			walk(ty.Elem(), path+"[]")
		case reflect.Interface, reflect.Map, reflect.Func, reflect.Chan:
			t.Errorf("%s: a %s, which detachReport does not walk", path, ty.Kind())
		case reflect.Struct:
			if ty.PkgPath() != reportPkg {
				return
			}
			for i := 0; i < ty.NumField(); i++ {
				f := ty.Field(i)
				if !f.IsExported() && holdsString(f.Type, map[reflect.Type]bool{}) {
					t.Errorf("%s.%s is not exported: detachReport cannot copy it", path, f.Name)
				}
				walk(f.Type, path+"."+f.Name)
			}
		}
	}
	walk(reflect.TypeFor[Report](), "Report")
	// Other packages' structs in a report hold no string of the document.
	for ty := range seen {
		if ty.Kind() == reflect.Struct && ty.PkgPath() != reportPkg && ty != reflect.TypeFor[time.Time]() {
			t.Logf("skipped by detachReport: %s (decoded values, never the document's bytes)", ty)
		}
	}
}

// holdsString reports whether a value of type ty can hold a string.
func holdsString(ty reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[ty] {
		return false
	}
	seen[ty] = true
	switch ty.Kind() {
	case reflect.String, reflect.Interface, reflect.Map, reflect.Func, reflect.Chan:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return holdsString(ty.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < ty.NumField(); i++ {
			if holdsString(ty.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}
