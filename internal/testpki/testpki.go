// Package testpki generates and loads the test HPKI: roots, CAs and
// end-entity certificates that mirror the real HPKI profile (critical
// policies and key usage, Kanji names in subjectAltName, hcRole, CRL DP, AIA).
//
// Everything here is TEST ONLY. The committed output lives in
// testdata/certs/ (regenerate with `make certs`); tests that must move dates
// call Generate with their own Options.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/hpki-jp/hpki/hcrole"
)

// Credential is a certificate with its private key and its chain.
type Credential struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// Chain holds the issuing CAs, issuer first, excluding the root.
	Chain []*x509.Certificate
}

// PKI is a complete test HPKI.
type PKI struct {
	Root, SignCA, AuthCA                              *Credential
	Doctor, Pharmacist, Dentist, Director             *Credential
	NonHPKI, Revoked, Expired, DoctorAuth, DoctorEC   *Credential
	OCSP, TSARoot, TSA, TSANoEKU, OtherRoot, Stranger *Credential
	// CRL is the DER CRL of SignCA listing Revoked.
	CRL []byte
	// RevokedAt is when Revoked was revoked.
	RevokedAt time.Time
}

// Options set the dates of a generated PKI. Zero values give the committed
// test HPKI's dates.
type Options struct {
	// CAFrom and CAUntil bound the roots and CAs.
	CAFrom, CAUntil time.Time
	// EEFrom and EEUntil bound the valid end-entity certificates.
	EEFrom, EEUntil time.Time
	// ExpiredFrom and ExpiredUntil bound the expired certificate.
	ExpiredFrom, ExpiredUntil time.Time
	// RevokedAt is the revocation time of Revoked; CRL thisUpdate too.
	RevokedAt time.Time
	// CRLNextUpdate is the CRL's nextUpdate.
	CRLNextUpdate time.Time
	// RSABits is the RSA key size (default 2048).
	RSABits int
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func (o *Options) defaults() {
	def := func(t *time.Time, v time.Time) {
		if t.IsZero() {
			*t = v
		}
	}
	def(&o.CAFrom, date(2019, 1, 1))
	def(&o.CAUntil, date(2050, 1, 1))
	def(&o.EEFrom, date(2025, 1, 1))
	def(&o.EEUntil, date(2046, 1, 1))
	def(&o.ExpiredFrom, date(2020, 1, 1))
	def(&o.ExpiredUntil, date(2022, 1, 1))
	def(&o.RevokedAt, date(2025, 6, 1))
	def(&o.CRLNextUpdate, date(2045, 12, 31))
	if o.RSABits == 0 {
		o.RSABits = 2048
	}
}

// Policy OIDs of the test HPKI, as on real MEDIS certificates.
var (
	PolicySignEE   = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 5, 1, 1, 0, 1}
	PolicySignCA   = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 5, 1, 1, 3, 1}
	PolicyAuthEE   = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 5, 1, 2, 0, 1}
	PolicyAuthCA   = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 5, 1, 2, 3, 1}
	oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidSAN         = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidEKU         = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidPolicies    = asn1.ObjectIdentifier{2, 5, 29, 32}
)

// URLs carried by the test certificates. The hosts end in .invalid: tests
// route them to servers on 127.0.0.1.
const (
	CRLURLSign  = "http://crl.hpki-test.invalid/ca-sign.crl"
	CRLURLAuth  = "http://crl.hpki-test.invalid/ca-auth.crl"
	OCSPURL     = "http://ocsp.hpki-test.invalid/"
	CAIssuerURL = "http://crl.hpki-test.invalid/ca-sign.cer"
)

var serial int64

func nextSerial() *big.Int {
	serial++
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	n := new(big.Int).SetBytes(b)
	n.Lsh(n, 16)
	return n.Add(n, big.NewInt(serial))
}

// person describes an HPKI end entity.
type person struct {
	romaji, kanji, serial string
	roles                 []hcrole.Role
}

func national(text string) hcrole.Role { return hcrole.Role{Scheme: hcrole.SchemeNational, Text: text} }

// Generate builds a fresh test HPKI.
func Generate(opts Options) (*PKI, error) {
	opts.defaults()
	p := &PKI{RevokedAt: opts.RevokedAt}
	var err error
	rsaKey := func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, opts.RSABits) }
	newCA := func(name string, issuer *Credential, policy asn1.ObjectIdentifier) (*Credential, error) {
		key, err := rsaKey()
		if err != nil {
			return nil, err
		}
		return IssueCert(CATemplate(name, opts.CAFrom, opts.CAUntil, policy), issuer, key)
	}
	if p.Root, err = newCA("HPKI TEST Root CA", nil, nil); err != nil {
		return nil, err
	}
	if p.SignCA, err = newCA("HPKI-TEST-SignCA-forNonRepudiation", p.Root, PolicySignCA); err != nil {
		return nil, err
	}
	if p.AuthCA, err = newCA("HPKI-TEST-AuthCA-forAuthentication", p.Root, PolicyAuthCA); err != nil {
		return nil, err
	}
	signEE := func(ca *Credential, who person, from, until time.Time, key crypto.Signer, auth bool) (*Credential, error) {
		if key == nil {
			if key, err = rsaKey(); err != nil {
				return nil, err
			}
		}
		tmpl := hpkiTemplate(who, from, until, auth)
		return IssueCert(tmpl, ca, key)
	}
	doctor := person{"TEST DOCTOR Taro", "試験 医師太郎", "MD0001", []hcrole.Role{national("Medical Doctor")}}
	if p.Doctor, err = signEE(p.SignCA, doctor, opts.EEFrom, opts.EEUntil, nil, false); err != nil {
		return nil, err
	}
	if p.Pharmacist, err = signEE(p.SignCA, person{"TEST PHARMACIST Hanako", "試験 薬剤師花子", "PH0001", []hcrole.Role{national("Pharmacist")}}, opts.EEFrom, opts.EEUntil, nil, false); err != nil {
		return nil, err
	}
	if p.Dentist, err = signEE(p.SignCA, person{"TEST DENTIST Jiro", "試験 歯科医師次郎", "DE0001", []hcrole.Role{national("Dentist")}}, opts.EEFrom, opts.EEUntil, nil, false); err != nil {
		return nil, err
	}
	director := person{"TEST DIRECTOR Ichiro", "試験 院長一郎", "MD0002", []hcrole.Role{national("Medical Doctor"), {Scheme: hcrole.SchemeAdministrative, Text: "Director of Hospital"}}}
	if p.Director, err = signEE(p.SignCA, director, opts.EEFrom, opts.EEUntil, nil, false); err != nil {
		return nil, err
	}
	if p.Revoked, err = signEE(p.SignCA, person{"TEST REVOKED Saburo", "試験 失効三郎", "MD0003", []hcrole.Role{national("Medical Doctor")}}, opts.EEFrom, opts.EEUntil, nil, false); err != nil {
		return nil, err
	}
	if p.Expired, err = signEE(p.SignCA, person{"TEST EXPIRED Shiro", "試験 期限切四郎", "MD0004", []hcrole.Role{national("Medical Doctor")}}, opts.ExpiredFrom, opts.ExpiredUntil, nil, false); err != nil {
		return nil, err
	}
	if p.DoctorAuth, err = signEE(p.AuthCA, doctor, opts.EEFrom, opts.EEUntil, nil, true); err != nil {
		return nil, err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if p.DoctorEC, err = signEE(p.SignCA, person{"TEST DOCTOR EC Goro", "試験 楕円五郎", "MD0005", []hcrole.Role{national("Medical Doctor")}}, opts.EEFrom, opts.EEUntil, ecKey, false); err != nil {
		return nil, err
	}
	// A plain certificate from the same root: no HPKI policy, no hcRole.
	nonKey, err := rsaKey()
	if err != nil {
		return nil, err
	}
	if p.NonHPKI, err = IssueCert(&x509.Certificate{
		Subject:   pkix.Name{Country: []string{"JP"}, Organization: []string{"HPKI TEST"}, CommonName: "TEST NON-HPKI Person"},
		NotBefore: opts.EEFrom, NotAfter: opts.EEUntil,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, p.Root, nonKey); err != nil {
		return nil, err
	}
	// OCSP responder delegated by SignCA.
	ocspKey, err := rsaKey()
	if err != nil {
		return nil, err
	}
	if p.OCSP, err = IssueCert(OCSPResponderTemplate(opts.EEFrom, opts.EEUntil), p.SignCA, ocspKey); err != nil {
		return nil, err
	}
	// TSA hierarchy.
	if p.TSARoot, err = newCA("HPKI TEST TSA Root CA", nil, nil); err != nil {
		return nil, err
	}
	tsaTmpl := func(cn string, eku bool) *x509.Certificate {
		t := TSATemplate(cn, opts.CAFrom, opts.EEUntil, "")
		if !eku {
			t.ExtraExtensions = nil
		}
		return t
	}
	tsaKey, err := rsaKey()
	if err != nil {
		return nil, err
	}
	if p.TSA, err = IssueCert(tsaTmpl("HPKI TEST TSA", true), p.TSARoot, tsaKey); err != nil {
		return nil, err
	}
	noEKUKey, err := rsaKey()
	if err != nil {
		return nil, err
	}
	if p.TSANoEKU, err = IssueCert(tsaTmpl("HPKI TEST TSA without EKU", false), p.TSARoot, noEKUKey); err != nil {
		return nil, err
	}
	// An unrelated root and an HPKI-looking doctor under it.
	if p.OtherRoot, err = newCA("UNTRUSTED TEST Root CA", nil, nil); err != nil {
		return nil, err
	}
	if p.Stranger, err = signEE(p.OtherRoot, person{"TEST STRANGER Rokuro", "試験 他人六郎", "MD0666", []hcrole.Role{national("Medical Doctor")}}, opts.EEFrom, opts.EEUntil, nil, false); err != nil {
		return nil, err
	}
	p.CRL, err = MakeCRL(p.SignCA, []x509.RevocationListEntry{{
		SerialNumber: p.Revoked.Cert.SerialNumber, RevocationTime: opts.RevokedAt, ReasonCode: 1,
	}}, opts.RevokedAt, opts.CRLNextUpdate, 1)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// MakeCRL issues a CRL signed by ca, with extra extensions (such as
// IssuingDistributionPoint) when given.
func MakeCRL(ca *Credential, entries []x509.RevocationListEntry, thisUpdate, nextUpdate time.Time, number int64, extra ...pkix.Extension) ([]byte, error) {
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		RevokedCertificateEntries: entries,
		Number:                    big.NewInt(number),
		ThisUpdate:                thisUpdate,
		NextUpdate:                nextUpdate,
		ExtraExtensions:           extra,
	}, ca.Cert, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("testpki: creating CRL: %w", err)
	}
	return der, nil
}

// IssuingDistributionPoint returns a critical issuingDistributionPoint CRL
// extension naming the partition uri (a fullName URI, when not empty) and,
// with onlyCA, onlyContainsCACerts.
func IssuingDistributionPoint(uri string, onlyCA bool) pkix.Extension {
	var body []byte
	if uri != "" {
		gn, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte(uri)})
		full, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: gn})
		dp, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: full})
		body = append(body, dp...)
	}
	if onlyCA {
		flag, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte{0xff}})
		body = append(body, flag...)
	}
	v, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: v}
}

// hpkiTemplate returns an HPKI end-entity template.
func hpkiTemplate(who person, from, until time.Time, auth bool) *x509.Certificate {
	policy, ku, crl := PolicySignEE, x509.KeyUsageContentCommitment, CRLURLSign
	if auth {
		policy, ku, crl = PolicyAuthEE, x509.KeyUsageDigitalSignature, CRLURLAuth
	}
	roleExt, err := hcrole.Extension(who.roles)
	if err != nil {
		panic("testpki: " + err.Error())
	}
	return &x509.Certificate{
		Subject: pkix.Name{
			Country:      []string{"JP"},
			Organization: []string{"HPKI TEST Hospital"},
			CommonName:   who.romaji,
			SerialNumber: who.serial,
		},
		NotBefore:             from,
		NotAfter:              until,
		KeyUsage:              ku,
		BasicConstraintsValid: true,
		CRLDistributionPoints: []string{crl},
		OCSPServer:            []string{OCSPURL},
		IssuingCertificateURL: []string{CAIssuerURL},
		ExtraExtensions: []pkix.Extension{
			policiesExt(policy),
			kanjiSAN(who.kanji, "試験病院"),
			roleExt,
		},
	}
}

// policiesExt is a critical certificatePolicies extension with one policy.
func policiesExt(oid asn1.ObjectIdentifier) pkix.Extension {
	type policyInfo struct{ Policy asn1.ObjectIdentifier }
	v, err := asn1.Marshal([]policyInfo{{oid}})
	if err != nil {
		panic(err)
	}
	return pkix.Extension{Id: oidPolicies, Critical: true, Value: v}
}

// kanjiSAN is a subjectAltName with a directoryName holding Kanji O and CN
// as UTF8Strings.
func kanjiSAN(cn, org string) pkix.Extension {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(names *cryptobyte.Builder) {
		names.AddASN1(cbasn1.Tag(4).ContextSpecific().Constructed(), func(dn *cryptobyte.Builder) {
			dn.AddASN1(cbasn1.SEQUENCE, func(rdns *cryptobyte.Builder) {
				for _, atv := range []struct {
					oid asn1.ObjectIdentifier
					v   string
				}{{asn1.ObjectIdentifier{2, 5, 4, 6}, "JP"}, {asn1.ObjectIdentifier{2, 5, 4, 10}, org}, {asn1.ObjectIdentifier{2, 5, 4, 3}, cn}} {
					rdns.AddASN1(cbasn1.SET, func(set *cryptobyte.Builder) {
						set.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
							s.AddASN1ObjectIdentifier(atv.oid)
							tag := cbasn1.UTF8String
							if atv.v == "JP" {
								tag = cbasn1.PrintableString
							}
							s.AddASN1(tag, func(t *cryptobyte.Builder) { t.AddBytes([]byte(atv.v)) })
						})
					})
				}
			})
		})
	})
	return pkix.Extension{Id: oidSAN, Value: b.BytesOrPanic()}
}

// IssueCert signs tmpl with issuer (nil: self-signed with key). It fills the
// serial number, SKI and critical keyUsage, and returns the credential with
// its chain.
func IssueCert(tmpl *x509.Certificate, issuer *Credential, key crypto.Signer) (*Credential, error) {
	if key == nil {
		return nil, errors.New("testpki: no key")
	}
	t := *tmpl
	if t.SerialNumber == nil {
		t.SerialNumber = nextSerial()
	}
	if t.SubjectKeyId == nil {
		spki, err := x509.MarshalPKIXPublicKey(key.Public())
		if err != nil {
			return nil, err
		}
		sum := sha1.Sum(spki)
		t.SubjectKeyId = sum[:]
	}
	parent, signer := &t, key
	var chain []*x509.Certificate
	if issuer != nil {
		parent, signer = issuer.Cert, issuer.Key
		if issuer.Cert.CheckSignatureFrom(issuer.Cert) != nil { // the issuer is not a root
			chain = append([]*x509.Certificate{issuer.Cert}, issuer.Chain...)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, &t, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("testpki: issuing %s: %w", t.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Credential{Cert: cert, Key: key, Chain: chain}, nil
}

// SigningTemplate returns the template of an HPKI signing certificate for a
// person with the given national roles, valid from..until, carrying the
// test CRL and OCSP URLs: for tests that build a PKI with their own dates.
func SigningTemplate(romaji, kanji, serial string, roles []string, from, until time.Time) *x509.Certificate {
	who := person{romaji: romaji, kanji: kanji, serial: serial}
	for _, r := range roles {
		who.roles = append(who.roles, national(r))
	}
	return hpkiTemplate(who, from, until, false)
}

// SigningWithRoles issues, under the signing CA and for key, an HPKI signing
// certificate valid as long as the doctor's, carrying exactly roles (any
// scheme: e.g. "Medical Doctor" under the administrative scheme, for tests
// of role schemes).
func (p *PKI) SigningWithRoles(romaji, kanji, serial string, roles []hcrole.Role, key crypto.Signer) (*Credential, error) {
	who := person{romaji: romaji, kanji: kanji, serial: serial, roles: roles}
	return IssueCert(hpkiTemplate(who, p.Doctor.Cert.NotBefore, p.Doctor.Cert.NotAfter, false), p.SignCA, key)
}

// CATemplate returns the template of a test CA (certificate policy when
// policy is not nil), valid from..until.
func CATemplate(name string, from, until time.Time, policy asn1.ObjectIdentifier) *x509.Certificate {
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{Country: []string{"JP"}, Organization: []string{"HPKI TEST"}, OrganizationalUnit: []string{"TEST ONLY"}, CommonName: name},
		NotBefore:             from,
		NotAfter:              until,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	if policy != nil {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, policiesExt(policy))
	}
	return tmpl
}

// TSATemplate returns the template of a TSA certificate (critical EKU
// timeStamping) valid from..until; crlURL, when set, is its CRL
// distribution point.
func TSATemplate(name string, from, until time.Time, crlURL string) *x509.Certificate {
	v, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	t := &x509.Certificate{
		Subject:         pkix.Name{Country: []string{"JP"}, Organization: []string{"HPKI TEST TSA"}, CommonName: name},
		NotBefore:       from,
		NotAfter:        until,
		KeyUsage:        x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtraExtensions: []pkix.Extension{{Id: oidEKU, Critical: true, Value: v}},
	}
	if crlURL != "" {
		t.CRLDistributionPoints = []string{crlURL}
	}
	return t
}

// OCSPResponderTemplate returns the template of a delegated OCSP responder
// (id-kp-OCSPSigning, ocsp-nocheck) valid from..until.
func OCSPResponderTemplate(from, until time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:         pkix.Name{Country: []string{"JP"}, Organization: []string{"HPKI TEST"}, CommonName: "HPKI TEST OCSP Responder"},
		NotBefore:       from,
		NotAfter:        until,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning},
		ExtraExtensions: []pkix.Extension{{Id: oidOCSPNoCheck, Value: []byte{0x05, 0x00}}},
	}
}
