package verify

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
)

// keyValueXML is a ds:KeyValue of pub (RSAKeyValue, or dsig11:ECKeyValue).
func keyValueXML(t testing.TB, pub any) string {
	t.Helper()
	b := base64.StdEncoding.EncodeToString
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return `<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>` + b(k.N.Bytes()) + `</ds:Modulus><ds:Exponent>` + b(big.NewInt(int64(k.E)).Bytes()) + `</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>`
	case *ecdsa.PublicKey:
		e, err := k.ECDH()
		if err != nil {
			t.Fatal(err)
		}
		return `<ds:KeyValue><dsig11:ECKeyValue xmlns:dsig11="http://www.w3.org/2009/xmldsig11#"><dsig11:NamedCurve URI="urn:oid:1.2.840.10045.3.1.7"/><dsig11:PublicKey>` + b(e.Bytes()) + `</dsig11:PublicKey></dsig11:ECKeyValue></ds:KeyValue>`
	}
	t.Fatalf("key %T", pub)
	return ""
}

// givenCerts makes the certificates available as files given by the
// user (--cert/--chain: the trust store's intermediates).
func givenCerts(t *testing.T, certs ...*x509.Certificate) func(*Options) {
	p := testpki.MustLoad(t)
	return func(o *Options) {
		o.Trust = trust.New([]*x509.Certificate{p.Root.Cert}, append([]*x509.Certificate{p.SignCA.Cert}, certs...))
	}
}

var keyInfoRE = regexp.MustCompile(`(?s)(<ds:KeyInfo[^>]*>).*?</ds:KeyInfo>`)

// withKeyInfo replaces the ds:KeyInfo content of a signed document (the
// signatures here do not reference it).
func withKeyInfo(t testing.TB, signed []byte, content string) []byte {
	t.Helper()
	if !keyInfoRE.Match(signed) {
		t.Fatal("no ds:KeyInfo")
	}
	return keyInfoRE.ReplaceAll(signed, []byte("${1}"+strings.ReplaceAll(content, "$", "$$")+"</ds:KeyInfo>"))
}

// The signing certificate found by the KeyValue when KeyInfo holds no
// certificate: among the certificates the signature carries and those the
// user gives, the one with that key — and, for XAdES, the one the signed
// SigningCertificate designates, never another. Without such a
// certificate the signature is INDETERMINATE, never a pass.
func TestSigningCertificateByKeyValue(t *testing.T) {
	p := testpki.MustLoad(t)
	xmlsec := peer.Require(t, "xmlsec1", "apt-get install xmlsec1")
	// xmlsec1 signs a template whose KeyInfo asks for the KeyValue only.
	dir := t.TempDir()
	tpl := filepath.Join(dir, "tpl.xml")
	template := strings.Replace(dsigTemplate("", tEnvelope+tExcC14N, ""), "<ds:X509Data/>", "<ds:KeyValue/>", 1)
	if err := os.WriteFile(tpl, []byte(template), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "signed.xml")
	if msg, err := exec.Command(xmlsec, "--sign", "--privkey-pem", testpki.Path("doctor.key"), "--output", out, tpl).CombinedOutput(); err != nil {
		t.Fatalf("xmlsec1 --sign: %v\n%s", err, msg)
	}
	dsig, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dsig), "RSAKeyValue") || strings.Contains(string(dsig), "X509Certificate") {
		t.Fatalf("xmlsec1 did not write a KeyValue-only KeyInfo:\n%s", dsig)
	}
	// A second certificate for the doctor's key: which one signed is
	// then not said by anything signed.
	twin, err := testpki.IssueCert(testpki.SigningTemplate("TWIN DOCTOR", "試験 双子", "MD0002", []string{"Medical Doctor"}, p.Doctor.Cert.NotBefore, p.Doctor.Cert.NotAfter), p.SignCA, p.Doctor.Key)
	if err != nil {
		t.Fatal(err)
	}
	xades := signXML(t, p.Doctor, readXML(t, "cda-referral.xml"), sign.XAdESOptions{})
	xadesEC := signXML(t, p.DoctorEC, readXML(t, "cda-referral.xml"), sign.XAdESOptions{})
	doctorKV, pharmKV := keyValueXML(t, p.Doctor.Cert.PublicKey), keyValueXML(t, p.Pharmacist.Cert.PublicKey)
	x509Data := "<ds:X509Data><ds:X509Certificate>" + base64.StdEncoding.EncodeToString(p.Doctor.Cert.Raw) + "</ds:X509Certificate></ds:X509Data>"
	tests := []struct {
		name string
		doc  []byte
		mod  func(*Options)
		ind  Indication
		sub  SubIndication
		err  string
	}{
		{"xmlsec1 XML-DSig, KeyValue only, certificate given", dsig, givenCerts(t, p.Doctor.Cert), TotalPassed, "", ""},
		{"xmlsec1 XML-DSig, KeyValue only, no certificate", dsig, nil, Indeterminate, NoSigningCertificateFound, "no certificate for the KeyValue key"},
		{"xmlsec1 XML-DSig, only other certificates given", dsig, givenCerts(t, p.Pharmacist.Cert), Indeterminate, NoSigningCertificateFound, "no certificate for the KeyValue key"},
		{"xmlsec1 XML-DSig, two certificates with that key", dsig, givenCerts(t, p.Doctor.Cert, twin.Cert), Indeterminate, NoSigningCertificateFound, "2 certificates carry the KeyValue key"},
		{"xmlsec1 XML-DSig, KeyValue swapped for another key", withKeyInfo(t, dsig, pharmKV), givenCerts(t, p.Doctor.Cert, p.Pharmacist.Cert), TotalFailed, SigCryptoFailure, ""},
		{"XAdES, KeyInfo reduced to the KeyValue, certificate given", withKeyInfo(t, xades, doctorKV), givenCerts(t, p.Doctor.Cert, p.Pharmacist.Cert), TotalPassed, "", ""},
		{"XAdES ECDSA, KeyInfo reduced to an ECKeyValue, certificate given", withKeyInfo(t, xadesEC, keyValueXML(t, p.DoctorEC.Cert.PublicKey)), givenCerts(t, p.DoctorEC.Cert), TotalPassed, "", ""},
		{"XAdES, KeyValue only, no certificate", withKeyInfo(t, xades, doctorKV), nil, Indeterminate, NoSigningCertificateFound, "no certificate for the KeyValue key"},
		{"XAdES, KeyValue only, the other certificate with that key given: not the signed one", withKeyInfo(t, xades, doctorKV), givenCerts(t, twin.Cert), Indeterminate, NoSigningCertificateFound, "SigningCertificate"},
		{"XAdES, KeyValue only, both certificates with that key: the signed one chosen", withKeyInfo(t, xades, doctorKV), givenCerts(t, twin.Cert, p.Doctor.Cert), TotalPassed, "", ""},
		{"attack: KeyValue of key A, SigningCertificate names certificate B", withKeyInfo(t, xades, pharmKV), givenCerts(t, p.Doctor.Cert, p.Pharmacist.Cert), Indeterminate, NoSigningCertificateFound, "SigningCertificate"},
		{"attack: certificate B in X509Data, KeyValue of key A", withKeyInfo(t, xades, x509Data+pharmKV), givenCerts(t, p.Pharmacist.Cert), TotalFailed, FormatFailure, "KeyValue is not the key of the signing certificate"},
		{"malformed KeyValue only", withKeyInfo(t, xades, "<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AA==</ds:Modulus></ds:RSAKeyValue></ds:KeyValue>"), givenCerts(t, p.Doctor.Cert), Indeterminate, NoSigningCertificateFound, "KeyValue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := verifyXML(t, tc.doc, nil, tc.mod)
			s := r.Signatures[0]
			if r.Indication != tc.ind || r.SubIndication != tc.sub || !strings.Contains(strings.Join(s.Errors, " "), tc.err) {
				t.Fatalf("%s/%s, want %s/%s %q\nerrors %v", r.Indication, r.SubIndication, tc.ind, tc.sub, tc.err, s.Errors)
			}
			if tc.ind == TotalPassed && !strings.Contains(strings.Join(s.Warnings, " "), "KeyValue") {
				t.Fatalf("the report does not say the certificate was found by the KeyValue: %v", s.Warnings)
			}
		})
	}
}
