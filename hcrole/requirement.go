package hcrole

import (
	"crypto/x509"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Requirement is a role policy: the holder must have any one of the roles.
// The zero Requirement accepts everyone.
type Requirement struct {
	AnyOf []Entry
}

// ParseRequirement builds a requirement from role names. Each spec may hold
// several comma-separated names (、 and ， also separate), in English
// ("Medical Doctor") or Japanese ("医師"). An unknown name is an error
// listing the valid names, and so is an empty or blank name (a spec "",
// " " or "医師,,"): a caller that asked for a role but filled it from an
// empty setting must not get the zero Requirement, which accepts everyone.
// No specs at all is the zero Requirement.
func ParseRequirement(specs ...string) (Requirement, error) {
	var r Requirement
	seen := map[string]bool{}
	for _, spec := range specs {
		for _, name := range splitRoles(spec) {
			name = strings.TrimSpace(name)
			if name == "" {
				return Requirement{}, fmt.Errorf("empty HPKI role in %q; known roles: %s", spec, knownNames())
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

// splitRoles splits spec at the separators, keeping empty fields (which
// ParseRequirement refuses).
func splitRoles(spec string) []string {
	var names []string
	start := 0
	for i, c := range spec {
		if c == ',' || c == '、' || c == '，' {
			names = append(names, spec[start:i])
			start = i + utf8.RuneLen(c)
		}
	}
	return append(names, spec[start:])
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

// Check returns nil when one of roles satisfies the requirement: the
// catalogue entry the role is (its English code, spacing and case ignored,
// under its own scheme: a national qualification only under
// SchemeNational) is one of the required entries. The error names the
// required roles and the roles found. Check looks at roles only: to decide
// whether a certificate's holder may act in a role use CheckCertificate.
func (r Requirement) Check(roles []Role) error {
	if r.IsZero() {
		return nil
	}
	for _, have := range roles {
		e, ok := have.entry()
		if !ok {
			continue
		}
		for _, want := range r.AnyOf {
			if e.Code == want.Code {
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

// CheckCertificate returns nil when cert's holder satisfies the requirement
// for signing documents: cert is an HPKI signing (署名用) end-entity
// certificate (Classify gives Signing) and one of its hcRoles satisfies
// Check. An authentication certificate, a CA certificate or a certificate
// outside the HPKI profile never satisfies a non-zero requirement, whatever
// roles it carries. The zero Requirement accepts every certificate (the
// other rules of document signers are DocumentSigner's).
func (r Requirement) CheckCertificate(cert *x509.Certificate) error {
	if r.IsZero() {
		return nil
	}
	if p := Classify(cert); p.Kind != Signing {
		return fmt.Errorf("required HPKI role %s: only an HPKI signing (署名用) certificate can meet a role requirement, and this certificate is %s", r, describeKind(cert, p))
	}
	roles, err := FromCertificate(cert)
	if err != nil {
		return fmt.Errorf("required HPKI role %s: %w", r, err)
	}
	return r.Check(roles)
}

func describeKind(cert *x509.Certificate, p Profile) string {
	switch {
	case cert.IsCA:
		return "a CA certificate"
	case p.Kind == Authentication:
		return "an HPKI authentication (認証用) certificate"
	}
	return "not an HPKI signing certificate"
}
