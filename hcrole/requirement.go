package hcrole

import (
	"fmt"
	"strings"
)

// Requirement is a role policy: the holder must have any one of the roles.
// The zero Requirement accepts everyone.
type Requirement struct {
	AnyOf []Entry
}

// ParseRequirement builds a requirement from role names. Each spec may hold
// several comma-separated names (、 also separates), in English ("Medical
// Doctor") or Japanese ("医師"). An unknown name is an error listing the
// valid names.
func ParseRequirement(specs ...string) (Requirement, error) {
	var r Requirement
	seen := map[string]bool{}
	for _, spec := range specs {
		for _, name := range strings.FieldsFunc(spec, func(c rune) bool { return c == ',' || c == '、' || c == '，' }) {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			e, ok := Lookup(name)
			if !ok {
				return Requirement{}, fmt.Errorf("unknown HPKI role %q; known roles: %s", name, knownNames())
			}
			if !seen[e.Code] {
				seen[e.Code] = true
				r.AnyOf = append(r.AnyOf, e)
			}
		}
	}
	return r, nil
}

func knownNames() string {
	names := make([]string, len(catalogue))
	for i, e := range catalogue {
		names[i] = e.Code + " (" + e.Ja + ")"
	}
	return strings.Join(names, ", ")
}

// IsZero reports whether the requirement accepts everyone.
func (r Requirement) IsZero() bool { return len(r.AnyOf) == 0 }

// Check returns nil when one of roles satisfies the requirement: the same
// English code (spacing and case ignored) under the Japanese HPKI scheme arc.
// The error names the required roles and the roles found.
func (r Requirement) Check(roles []Role) error {
	if r.IsZero() {
		return nil
	}
	for _, have := range roles {
		if !inArc(have.Scheme, SchemeArc) {
			continue
		}
		for _, want := range r.AnyOf {
			if normalise(have.Text) == normalise(want.Code) {
				return nil
			}
		}
	}
	found := make([]string, len(roles))
	for i, h := range roles {
		found[i] = h.String()
	}
	if len(found) == 0 {
		found = []string{"none"}
	}
	return fmt.Errorf("required HPKI role %s; the certificate has: %s", r, strings.Join(found, ", "))
}

// String lists the required roles ("Medical Doctor (医師) or Dentist (歯科医師)").
func (r Requirement) String() string {
	if r.IsZero() {
		return "(any)"
	}
	parts := make([]string, len(r.AnyOf))
	for i, e := range r.AnyOf {
		parts[i] = e.Code + " (" + e.Ja + ")"
	}
	return strings.Join(parts, " or ")
}
