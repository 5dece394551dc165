package hcrole

import (
	"encoding/asn1"
	"testing"
)

// A role counts only as the catalogue spells it, under exactly its scheme:
// sub-arcs, sibling schemes and other spellings of a certificate's role
// text meet no requirement (what a user types is still folded).
func TestRoleNeedsExactTextAndScheme(t *testing.T) {
	doctor, _ := ParseRequirement("medical doctor") // the user's spelling is folded
	director, _ := ParseRequirement("病院長")
	arc := func(extra ...int) asn1.ObjectIdentifier {
		return append(append(asn1.ObjectIdentifier{}, SchemeArc...), extra...)
	}
	for _, tc := range []struct {
		name string
		req  Requirement
		role Role
		met  bool
	}{
		{"医師 as certificates carry it", doctor, Role{Scheme: SchemeNational, Text: "Medical Doctor"}, true},
		{"医師 in Japanese", doctor, Role{Scheme: SchemeNational, Text: "医師"}, true},
		{"lower case", doctor, Role{Scheme: SchemeNational, Text: "medical doctor"}, false},
		{"trailing space", doctor, Role{Scheme: SchemeNational, Text: "Medical Doctor "}, false},
		{"under a sub-arc of the national scheme", doctor, Role{Scheme: append(append(asn1.ObjectIdentifier{}, SchemeNational...), 5), Text: "Medical Doctor"}, false},
		{"under the administrative scheme", doctor, Role{Scheme: SchemeAdministrative, Text: "Medical Doctor"}, false},
		{"病院長 as certificates carry it", director, Role{Scheme: SchemeAdministrative, Text: "Director of Hospital"}, true},
		{"病院長 under an unregistered scheme of the arc", director, Role{Scheme: arc(1, 9), Text: "Director of Hospital"}, false},
		{"病院長 under a sub-arc of the national scheme", director, Role{Scheme: arc(1, 1, 5), Text: "Director of Hospital"}, false},
		{"病院長 under a sub-arc of the administrative scheme", director, Role{Scheme: arc(1, 2, 0, 0), Text: "Director of Hospital"}, false},
		{"病院長 under the national scheme", director, Role{Scheme: SchemeNational, Text: "Director of Hospital"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.req.Check([]Role{tc.role}); (err == nil) != tc.met {
				t.Fatalf("met = %v, want %v (%v)", err == nil, tc.met, err)
			}
			if !tc.met && (tc.role.Ja() != "" || tc.role.Known()) {
				t.Errorf("shown as the catalogue role %q", tc.role.Ja())
			}
		})
	}
}
