// Package hcrole implements the HPKI certificate profile: the ISO 17090
// healthcare role attribute (hcRole) carried in subjectDirectoryAttributes,
// the catalogue of Japanese HPKI roles, the classification of certificates
// into HPKI signing, HPKI authentication or not HPKI, and role requirements.
//
// Security contract: ParseExtension and FromCertificate only decode; they do
// not say that a certificate is trustworthy. A role is meaningful only for a
// certificate whose path to a trusted HPKI anchor has been validated.
package hcrole

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of the HPKI profile.
var (
	// OIDHealthcareActor is id-hcpki-at-healthcareactor (ISO 17090).
	OIDHealthcareActor = asn1.ObjectIdentifier{1, 0, 17090, 0, 1}
	// OIDSubjectDirectoryAttributes is the X.509 extension carrying hcRole.
	OIDSubjectDirectoryAttributes = asn1.ObjectIdentifier{2, 5, 29, 9}
	// SchemeNational is the coding scheme of national qualifications (国家資格).
	SchemeNational = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 6, 1, 1}
	// SchemeAdministrative is believed to be the scheme of administrative
	// roles (管理者資格); the whole 1.2.392.100495.1.6 arc is accepted.
	SchemeAdministrative = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 6, 1, 2}
	// SchemeArc is the arc of the Japanese HPKI role coding schemes.
	SchemeArc = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 6}
	// PolicyArcSigning is the certificate policy arc of HPKI signing (署名用) certificates.
	PolicyArcSigning = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 5, 1, 1}
	// PolicyArcAuthentication is the arc of HPKI personal authentication (認証用) certificates.
	PolicyArcAuthentication = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 5, 1, 2}
)

// Role is one healthcare role (HCActor) of a certificate holder.
type Role struct {
	// Scheme is the codingSchemeReference.
	Scheme asn1.ObjectIdentifier
	// Value is the optional codeDataValue (NumericString).
	Value string
	// Text is the codeDataFreeText, e.g. "Medical Doctor".
	Text string
}

// Ja returns the Japanese name of the role from the catalogue, or "" when
// the role is not in the catalogue.
func (r Role) Ja() string {
	if e, ok := r.entry(); ok {
		return e.Ja
	}
	return ""
}

// Kind returns whether the role is a national qualification or an
// administrative role; KindUnknown when neither the catalogue nor the scheme
// tells.
func (r Role) Kind() RoleKind {
	if e, ok := r.entry(); ok {
		return e.Kind
	}
	switch {
	case r.Scheme.Equal(SchemeNational):
		return KindNational
	case r.Scheme.Equal(SchemeAdministrative):
		return KindAdministrative
	}
	return KindUnknown
}

// Known reports whether the role is in the catalogue.
func (r Role) Known() bool {
	_, ok := r.entry()
	return ok
}

// String returns the English role text with its Japanese name, if known.
func (r Role) String() string {
	if ja := r.Ja(); ja != "" {
		return r.Text + " (" + ja + ")"
	}
	return r.Text
}

// entry returns the catalogue entry the role is, by its exact text (the
// English code or the Japanese name, as the catalogue spells them: case and
// spacing are folded only for what a user types, never for what a
// certificate carries) AND its exact scheme: a national qualification (医師,
// 薬剤師 …) only under SchemeNational, an administrative role (病院長 …) only
// under SchemeAdministrative. Any other role — other spelling, another
// scheme, a sub-arc of one — is not a catalogue role: it is reported with
// its text and scheme only and meets no requirement.
func (r Role) entry() (Entry, bool) {
	e, ok := Lookup(r.Text)
	if !ok || (r.Text != e.Code && r.Text != e.Ja) || !r.Scheme.Equal(e.Scheme) {
		return Entry{}, false
	}
	return e, true
}

func inArc(oid, arc asn1.ObjectIdentifier) bool {
	return len(oid) > len(arc) && oid[:len(arc)].Equal(arc)
}

// Limits on hostile input.
const (
	maxExtensionLen = 64 << 10
	maxRoles        = 64
	maxTextLen      = 1024
)

// ErrMalformed is wrapped by every error about badly encoded hcRole data.
var ErrMalformed = errors.New("malformed hcRole")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// ParseExtension decodes the extnValue of a subjectDirectoryAttributes
// extension and returns the roles of every id-hcpki-at-healthcareactor
// attribute in it. Other attributes are skipped. Roles are returned in the
// order encoded; none are dropped, known or not.
func ParseExtension(der []byte) ([]Role, error) {
	if len(der) > maxExtensionLen {
		return nil, malformed("extension of %d bytes is too large", len(der))
	}
	input := cryptobyte.String(der)
	var attrs cryptobyte.String
	if !input.ReadASN1(&attrs, cbasn1.SEQUENCE) || !input.Empty() {
		return nil, malformed("subjectDirectoryAttributes is not a single SEQUENCE")
	}
	var roles []Role
	for !attrs.Empty() {
		var attr, values cryptobyte.String
		var typ asn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, cbasn1.SEQUENCE) ||
			!attr.ReadASN1ObjectIdentifier(&typ) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() {
			return nil, malformed("attribute is not SEQUENCE { OID, SET }")
		}
		if !typ.Equal(OIDHealthcareActor) {
			continue
		}
		for !values.Empty() {
			var actorData cryptobyte.String
			if !values.ReadASN1(&actorData, cbasn1.SET) {
				return nil, malformed("HCActorData is not a SET OF HCActor")
			}
			for !actorData.Empty() {
				r, err := parseActor(&actorData)
				if err != nil {
					return nil, err
				}
				roles = append(roles, r)
				if len(roles) > maxRoles {
					return nil, malformed("more than %d roles", maxRoles)
				}
			}
		}
	}
	return roles, nil
}

var (
	tag0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tag1 = cbasn1.Tag(1).ContextSpecific().Constructed()
	tag2 = cbasn1.Tag(2).ContextSpecific().Constructed()
)

// parseActor reads HCActor ::= SEQUENCE { codedData [0] CodedData,
// regionalHCActorData [1] ... OPTIONAL }.
func parseActor(s *cryptobyte.String) (Role, error) {
	var actor, coded, set cryptobyte.String
	if !s.ReadASN1(&actor, cbasn1.SEQUENCE) {
		return Role{}, malformed("HCActor is not a SEQUENCE")
	}
	if !actor.ReadASN1(&coded, tag0) || !coded.ReadASN1(&set, cbasn1.SET) || !coded.Empty() {
		return Role{}, malformed("HCActor lacks codedData [0] CodedData")
	}
	if !actor.SkipOptionalASN1(tag1) || !actor.Empty() {
		return Role{}, malformed("unexpected data after codedData")
	}
	var r Role
	var scheme cryptobyte.String
	if !set.ReadASN1(&scheme, tag0) || !scheme.ReadASN1ObjectIdentifier(&r.Scheme) || !scheme.Empty() {
		return Role{}, malformed("CodedData lacks codingSchemeReference [0] OID")
	}
	var value cryptobyte.String
	var hasValue bool
	if !set.ReadOptionalASN1(&value, &hasValue, tag1) {
		return Role{}, malformed("bad codeDataValue")
	}
	if hasValue {
		var num cryptobyte.String
		if !value.ReadASN1(&num, cbasn1.Tag(18)) || !value.Empty() || !isNumeric(num) {
			return Role{}, malformed("codeDataValue is not a NumericString")
		}
		r.Value = string(num)
	}
	var text cryptobyte.String
	if !set.ReadASN1(&text, tag2) {
		return Role{}, malformed("CodedData lacks codeDataFreeText [2]")
	}
	t, err := parseDirectoryString(text)
	if err != nil {
		return Role{}, err
	}
	if !set.Empty() {
		return Role{}, malformed("unexpected data in CodedData")
	}
	r.Text = t
	return r, nil
}

func isNumeric(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && c != ' ' {
			return false
		}
	}
	return true
}

// parseDirectoryString decodes one DirectoryString element and nothing else.
func parseDirectoryString(s cryptobyte.String) (string, error) {
	var body cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&body, &tag) || !s.Empty() {
		return "", malformed("codeDataFreeText is not one DirectoryString")
	}
	if len(body) > maxTextLen {
		return "", malformed("codeDataFreeText longer than %d bytes", maxTextLen)
	}
	switch tag {
	case cbasn1.UTF8String:
		if !utf8.Valid(body) {
			return "", malformed("codeDataFreeText is not valid UTF-8")
		}
		return string(body), nil
	case cbasn1.PrintableString, cbasn1.Tag(20) /* TeletexString */, cbasn1.IA5String:
		for _, c := range body {
			if c >= 0x80 {
				return "", malformed("codeDataFreeText has non-ASCII bytes in a %d string", tag)
			}
		}
		return string(body), nil
	case cbasn1.Tag(30): // BMPString, UTF-16BE
		if len(body)%2 != 0 {
			return "", malformed("BMPString of odd length")
		}
		u := make([]uint16, len(body)/2)
		for i := range u {
			u[i] = uint16(body[2*i])<<8 | uint16(body[2*i+1])
		}
		return string(utf16.Decode(u)), nil
	case cbasn1.Tag(28): // UniversalString, UTF-32BE
		if len(body)%4 != 0 {
			return "", malformed("UniversalString of bad length")
		}
		var b strings.Builder
		for i := 0; i < len(body); i += 4 {
			r := rune(body[i])<<24 | rune(body[i+1])<<16 | rune(body[i+2])<<8 | rune(body[i+3])
			if !utf8.ValidRune(r) {
				return "", malformed("UniversalString has an invalid character")
			}
			b.WriteRune(r)
		}
		return b.String(), nil
	}
	return "", malformed("codeDataFreeText has unsupported string type %d", tag)
}

// MarshalExtension encodes roles as the extnValue of a
// subjectDirectoryAttributes extension holding one healthcare-actor
// attribute, exactly as real HPKI certificates carry it (free text as
// UTF8String, tags explicit).
func MarshalExtension(roles []Role) ([]byte, error) {
	if len(roles) == 0 {
		return nil, errors.New("hcrole: no roles to encode")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(attrs *cryptobyte.Builder) {
		attrs.AddASN1(cbasn1.SEQUENCE, func(attr *cryptobyte.Builder) {
			attr.AddASN1ObjectIdentifier(OIDHealthcareActor)
			attr.AddASN1(cbasn1.SET, func(values *cryptobyte.Builder) {
				values.AddASN1(cbasn1.SET, func(actors *cryptobyte.Builder) {
					for _, r := range roles {
						addActor(actors, r)
					}
				})
			})
		})
	})
	out, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("hcrole: encoding roles: %w", err)
	}
	return out, nil
}

func addActor(b *cryptobyte.Builder, r Role) {
	if len(r.Scheme) < 2 || r.Text == "" || !isNumeric([]byte(r.Value)) || !utf8.ValidString(r.Text) {
		b.SetError(fmt.Errorf("role %q: needs a scheme OID, a text, and a numeric value if any", r.Text))
		return
	}
	b.AddASN1(cbasn1.SEQUENCE, func(actor *cryptobyte.Builder) {
		actor.AddASN1(tag0, func(coded *cryptobyte.Builder) {
			coded.AddASN1(cbasn1.SET, func(set *cryptobyte.Builder) {
				set.AddASN1(tag0, func(s *cryptobyte.Builder) { s.AddASN1ObjectIdentifier(r.Scheme) })
				if r.Value != "" {
					set.AddASN1(tag1, func(s *cryptobyte.Builder) {
						s.AddASN1(cbasn1.Tag(18), func(n *cryptobyte.Builder) { n.AddBytes([]byte(r.Value)) })
					})
				}
				set.AddASN1(tag2, func(s *cryptobyte.Builder) {
					s.AddASN1(cbasn1.UTF8String, func(t *cryptobyte.Builder) { t.AddBytes([]byte(r.Text)) })
				})
			})
		})
	})
}

// Extension returns the non-critical subjectDirectoryAttributes extension
// carrying roles, for inclusion in a certificate template.
func Extension(roles []Role) (pkix.Extension, error) {
	v, err := MarshalExtension(roles)
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: OIDSubjectDirectoryAttributes, Critical: false, Value: v}, nil
}

// FromCertificate returns the roles in cert's subjectDirectoryAttributes,
// or nil, nil when the certificate carries none.
func FromCertificate(cert *x509.Certificate) ([]Role, error) {
	var roles []Role
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(OIDSubjectDirectoryAttributes) {
			continue
		}
		r, err := ParseExtension(ext.Value)
		if err != nil {
			return nil, fmt.Errorf("subjectDirectoryAttributes: %w", err)
		}
		roles = append(roles, r...)
	}
	return roles, nil
}
