package hcrole

import (
	"encoding/asn1"
	"strings"
)

// RoleKind says whether a role is a national qualification or an
// administrative role.
type RoleKind int

// Role kinds.
const (
	KindUnknown RoleKind = iota
	KindNational
	KindAdministrative
)

// String returns "unknown", "national" or "administrative".
func (k RoleKind) String() string {
	switch k {
	case KindNational:
		return "national"
	case KindAdministrative:
		return "administrative"
	}
	return "unknown"
}

// Entry is one role of the catalogue.
type Entry struct {
	// Code is the English role text carried in certificates (codeDataFreeText).
	Code string
	// Ja is the Japanese name of the role.
	Ja string
	// Scheme is the codingSchemeReference the role belongs to.
	Scheme asn1.ObjectIdentifier
	// Kind is national qualification or administrative role.
	Kind RoleKind
}

// Role returns the role an HPKI certificate carries for this entry.
func (e Entry) Role() Role { return Role{Scheme: e.Scheme, Text: e.Code} }

// catalogue is the single table of HPKI roles. The English codes of the
// first seven national and first two administrative entries are seen on real
// certificates; the others follow the same style.
var catalogue = []Entry{
	{"Medical Doctor", "医師", SchemeNational, KindNational},
	{"Dentist", "歯科医師", SchemeNational, KindNational},
	{"Pharmacist", "薬剤師", SchemeNational, KindNational},
	{"Medical Technologist", "臨床検査技師", SchemeNational, KindNational},
	{"Radiological Technologist", "診療放射線技師", SchemeNational, KindNational},
	{"Nurse", "看護師", SchemeNational, KindNational},
	{"Public Health Nurse", "保健師", SchemeNational, KindNational},
	{"Midwife", "助産師", SchemeNational, KindNational},
	{"Physical Therapist", "理学療法士", SchemeNational, KindNational},
	{"Occupational Therapist", "作業療法士", SchemeNational, KindNational},
	{"Orthoptist", "視能訓練士", SchemeNational, KindNational},
	{"Speech-Language-Hearing Therapist", "言語聴覚士", SchemeNational, KindNational},
	{"Dental Technician", "歯科技工士", SchemeNational, KindNational},
	{"Registered Dietitian", "管理栄養士", SchemeNational, KindNational},
	{"Certified Social Worker", "社会福祉士", SchemeNational, KindNational},
	{"Certified Care Worker", "介護福祉士", SchemeNational, KindNational},
	{"Emergency Medical Technician", "救急救命士", SchemeNational, KindNational},
	{"Psychiatric Social Worker", "精神保健福祉士", SchemeNational, KindNational},
	{"Clinical Engineer", "臨床工学技士", SchemeNational, KindNational},
	{"Masseur", "あん摩マッサージ指圧師", SchemeNational, KindNational},
	{"Acupuncturist", "はり師", SchemeNational, KindNational},
	{"Moxibustion Practitioner", "きゅう師", SchemeNational, KindNational},
	{"Dental Hygienist", "歯科衛生士", SchemeNational, KindNational},
	{"Prosthetist and Orthotist", "義肢装具士", SchemeNational, KindNational},
	{"Judo Therapist", "柔道整復師", SchemeNational, KindNational},
	{"Sanitary Laboratory Technician", "衛生検査技師", SchemeNational, KindNational},
	{"Certified Public Psychologist", "公認心理師", SchemeNational, KindNational},
	{"Director of Hospital", "病院長", SchemeAdministrative, KindAdministrative},
	{"Director of Clinic", "診療所院長", SchemeAdministrative, KindAdministrative},
	{"Administrative Pharmacist", "管理薬剤師", SchemeAdministrative, KindAdministrative},
	{"Pharmacy Owner", "薬局開設者", SchemeAdministrative, KindAdministrative},
	{"Director of Other Healthcare Facility", "その他の保健医療福祉機関の管理責任者", SchemeAdministrative, KindAdministrative},
}

// index maps normalised English codes and Japanese names to entries.
var index = func() map[string]int {
	m := make(map[string]int, 2*len(catalogue))
	for i, e := range catalogue {
		m[normalise(e.Code)] = i
		m[normalise(e.Ja)] = i
	}
	return m
}()

// normalise folds case and runs of spaces, hyphens and underscores.
func normalise(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ' ' || r == '_' || r == '\u3000' || r == '\t'
	})
	return strings.Join(f, " ")
}

// Catalogue returns a copy of the role table.
func Catalogue() []Entry {
	out := make([]Entry, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup finds a role by its English code (case and spacing ignored) or
// its Japanese name.
func Lookup(name string) (Entry, bool) {
	i, ok := index[normalise(name)]
	if !ok {
		return Entry{}, false
	}
	return catalogue[i], true
}
