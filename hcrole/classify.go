package hcrole

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// CertKind is the HPKI kind of a certificate.
type CertKind int

// Certificate kinds.
const (
	NotHPKI CertKind = iota
	Signing
	Authentication
)

// String returns "none", "signing" or "authentication".
func (k CertKind) String() string {
	switch k {
	case Signing:
		return "signing"
	case Authentication:
		return "authentication"
	}
	return "none"
}

// Profile is the HPKI classification of a certificate.
type Profile struct {
	Kind  CertKind
	Roles []Role
	// Policies are the HPKI policy OIDs found.
	Policies []asn1.ObjectIdentifier
	// Reasons explain the kind, and list deviations from the HPKI profile.
	Reasons []string
}

var (
	oidCertificatePolicies = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidKeyUsage            = asn1.ObjectIdentifier{2, 5, 29, 15}
)

// Classify tells whether cert is an HPKI signing certificate (a policy under
// PolicyArcSigning and keyUsage nonRepudiation), an HPKI authentication
// certificate (a policy under PolicyArcAuthentication and keyUsage
// digitalSignature), or not HPKI, with the reasons. It does not perform RFC
// 5280 policy processing (real HPKI chains would fail it) and does not
// validate the certificate: combine it with a path validation.
func Classify(cert *x509.Certificate) Profile {
	var p Profile
	var signing, auth bool
	for _, oid := range cert.PolicyIdentifiers {
		switch {
		case inArc(oid, PolicyArcSigning):
			signing = true
			p.Policies = append(p.Policies, oid)
			p.Reasons = append(p.Reasons, fmt.Sprintf("policy %s (HPKI signing)", oid))
		case inArc(oid, PolicyArcAuthentication):
			auth = true
			p.Policies = append(p.Policies, oid)
			p.Reasons = append(p.Reasons, fmt.Sprintf("policy %s (HPKI authentication)", oid))
		}
	}
	if cert.IsCA {
		// hcRoles are read from end entities only: a role on a CA
		// certificate is nobody's qualification.
		p.Reasons = append(p.Reasons, "a CA certificate, not an end entity (any hcRole it carries is ignored)")
		return p
	}
	roles, err := FromCertificate(cert)
	if err != nil {
		p.Reasons = append(p.Reasons, "hcRole unreadable: "+err.Error())
	}
	p.Roles = roles
	switch {
	case signing && auth:
		p.Reasons = append(p.Reasons, "both signing and authentication policies: ambiguous")
		return p
	case !signing && !auth:
		p.Reasons = append(p.Reasons, "no HPKI certificate policy (arc 1.2.392.100495.1.5.1.1 or .2)")
		return p
	}
	critPolicies, critKU := criticality(cert)
	if !critPolicies {
		p.Reasons = append(p.Reasons, "warning: certificatePolicies is not critical (HPKI marks it critical)")
	}
	if !critKU {
		p.Reasons = append(p.Reasons, "warning: keyUsage is not critical (HPKI marks it critical)")
	}
	if signing {
		if cert.KeyUsage&x509.KeyUsageContentCommitment == 0 {
			p.Reasons = append(p.Reasons, "keyUsage lacks nonRepudiation: not usable as an HPKI signing certificate")
			return p
		}
		p.Kind = Signing
	} else {
		if cert.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
			p.Reasons = append(p.Reasons, "keyUsage lacks digitalSignature: not usable as an HPKI authentication certificate")
			return p
		}
		p.Kind = Authentication
	}
	if len(roles) == 0 && err == nil {
		p.Reasons = append(p.Reasons, "warning: no hcRole in subjectDirectoryAttributes")
	}
	for _, r := range roles {
		if !inArc(r.Scheme, SchemeArc) {
			p.Reasons = append(p.Reasons, fmt.Sprintf("warning: role %q uses unknown coding scheme %s", r.Text, r.Scheme))
		} else if e, ok := Lookup(r.Text); ok && !r.Known() {
			p.Reasons = append(p.Reasons, fmt.Sprintf("warning: role %q under scheme %s looks like the %s role %q (%s) of the catalogue, which is spelled %q under scheme %s: it is not that role", r.Text, r.Scheme, e.Kind, e.Code, e.Ja, e.Code, e.Scheme))
		} else if !r.Known() {
			p.Reasons = append(p.Reasons, fmt.Sprintf("warning: role %q is not in the catalogue", r.Text))
		}
	}
	return p
}

func criticality(cert *x509.Certificate) (policies, keyUsage bool) {
	for _, e := range cert.Extensions {
		switch {
		case e.Id.Equal(oidCertificatePolicies):
			policies = e.Critical
		case e.Id.Equal(oidKeyUsage):
			keyUsage = e.Critical
		}
	}
	return policies, keyUsage
}

var oidSubjectAltName = asn1.ObjectIdentifier{2, 5, 29, 17}

// JapaneseName returns the common name and organization from the
// directoryName of cert's subjectAltName, where HPKI certificates carry the
// Kanji names. Empty strings when absent or unreadable.
func JapaneseName(cert *x509.Certificate) (commonName, organization string) {
	for _, e := range cert.Extensions {
		if !e.Id.Equal(oidSubjectAltName) {
			continue
		}
		in := cryptobyte.String(e.Value)
		var names cryptobyte.String
		if !in.ReadASN1(&names, cbasn1.SEQUENCE) {
			return "", ""
		}
		for !names.Empty() {
			var gn cryptobyte.String
			var tag cbasn1.Tag
			if !names.ReadAnyASN1(&gn, &tag) {
				return "", ""
			}
			if tag != cbasn1.Tag(4).ContextSpecific().Constructed() {
				continue
			}
			cn, o := readName(gn)
			if cn != "" || o != "" {
				return cn, o
			}
		}
	}
	return "", ""
}

var (
	oidCN = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO  = asn1.ObjectIdentifier{2, 5, 4, 10}
)

// readName reads an RDNSequence and returns its CN and O values.
func readName(s cryptobyte.String) (cn, o string) {
	var rdns cryptobyte.String
	if !s.ReadASN1(&rdns, cbasn1.SEQUENCE) {
		return "", ""
	}
	for !rdns.Empty() {
		var set cryptobyte.String
		if !rdns.ReadASN1(&set, cbasn1.SET) {
			return "", ""
		}
		for !set.Empty() {
			var atv cryptobyte.String
			var oid asn1.ObjectIdentifier
			if !set.ReadASN1(&atv, cbasn1.SEQUENCE) || !atv.ReadASN1ObjectIdentifier(&oid) {
				return "", ""
			}
			v, err := parseDirectoryString(atv)
			if err != nil || !utf8.ValidString(v) {
				continue
			}
			switch {
			case oid.Equal(oidCN):
				cn = v
			case oid.Equal(oidO):
				o = v
			}
		}
	}
	return cn, o
}
