package serve

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/certinfo"
	"github.com/hpki-jp/hpki/verify"
)

// schemaTypes maps each schema of openapi.json to the Go type whose JSON
// it describes.
var schemaTypes = map[string]reflect.Type{
	"Status":            reflect.TypeFor[Status](),
	"Error":             reflect.TypeFor[auth.ErrorBody](),
	"VerifyRequest":     reflect.TypeFor[VerifyRequest](),
	"VerifyForm":        reflect.TypeFor[VerifyRequest](),
	"Report":            reflect.TypeFor[verify.Report](),
	"SignatureReport":   reflect.TypeFor[verify.SignatureReport](),
	"Signer":            reflect.TypeFor[verify.Signer](),
	"Role":              reflect.TypeFor[certinfo.Role](),
	"SignerRole":        reflect.TypeFor[verify.Role](),
	"Timestamp":         reflect.TypeFor[verify.Timestamp](),
	"RevocationCheck":   reflect.TypeFor[verify.RevocationCheck](),
	"SignRequest":       reflect.TypeFor[SignRequest](),
	"SignResponse":      reflect.TypeFor[SignResponse](),
	"ExtendRequest":     reflect.TypeFor[ExtendRequest](),
	"ExtendResponse":    reflect.TypeFor[ExtendResponse](),
	"TimestampRequest":  reflect.TypeFor[TimestampRequest](),
	"TimestampResponse": reflect.TypeFor[TimestampResponse](),
	"InspectRequest":    reflect.TypeFor[InspectRequest](),
	"CertificateInfo":   reflect.TypeFor[certinfo.Info](),
	"Challenge":         reflect.TypeFor[auth.Challenge](),
	"LoginRequest":      reflect.TypeFor[auth.LoginRequest](),
	"Session":           reflect.TypeFor[auth.Session](),
	"Identity":          reflect.TypeFor[auth.Identity](),
}

// jsonFields returns the JSON names of t's fields (embedded structs
// flattened, "-" left out) and which are always present (no omitempty).
func jsonFields(t reflect.Type) (all []string, required []string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			a, r := jsonFields(f.Type)
			all, required = append(all, a...), append(required, r...)
			continue
		}
		if name == "" {
			name = f.Name
		}
		all = append(all, name)
		if !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	sort.Strings(all)
	sort.Strings(required)
	return all, required
}

type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		} `json:"schemas"`
	} `json:"components"`
}

// TestOpenAPI checks that openapi.json lists exactly the server's routes
// and methods, that every schema lists exactly its Go type's JSON fields,
// and that every $ref resolves.
func TestOpenAPI(t *testing.T) {
	var doc openAPIDoc
	if err := json.Unmarshal(OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"get /metrics": true}
	for _, r := range s.routeTable() {
		want[strings.ToLower(r.method)+" "+r.path] = true
	}
	got := map[string]bool{}
	for path, ops := range doc.Paths {
		for m := range ops {
			got[m+" "+path] = true
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range got {
		if !want[k] {
			t.Errorf("openapi.json lists %s, which the server does not serve", k)
		}
	}
	for name, typ := range schemaTypes {
		sc, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		fields, required := jsonFields(typ)
		var props []string
		for p := range sc.Properties {
			props = append(props, p)
		}
		sort.Strings(props)
		if strings.Join(props, ",") != strings.Join(fields, ",") {
			t.Errorf("schema %s has properties %v; %s has JSON fields %v", name, props, typ, fields)
		}
		// A property the schema requires must always be present in the JSON.
		req := map[string]bool{}
		for _, r := range required {
			req[r] = true
		}
		for _, r := range sc.Required {
			if !req[r] && !strings.HasSuffix(name, "Request") {
				t.Errorf("schema %s requires %q, which %s omits when empty", name, r, typ)
			}
		}
	}
	for name := range doc.Components.Schemas {
		if _, ok := schemaTypes[name]; !ok {
			t.Errorf("schema %s is not checked against a Go type", name)
		}
	}
	// Every $ref resolves.
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if _, ok := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]; !ok {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	var anyDoc any
	_ = json.Unmarshal(OpenAPI, &anyDoc)
	walk(anyDoc)
}
