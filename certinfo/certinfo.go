// Package certinfo describes certificates for people and for programs: the
// subject in romaji and Kanji, the HPKI kind and roles with their Japanese
// names, policies, key usage and validity. `hpki cert inspect` prints it.
package certinfo

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/msgja"
)

// Info is the description of one certificate. Its JSON encoding is the
// stable output of `hpki cert inspect --output json`.
type Info struct {
	Subject   string `json:"subject"`
	SubjectJa string `json:"subjectJa,omitempty"`
	// OrganizationJa is the Kanji organization from the subjectAltName.
	OrganizationJa string    `json:"organizationJa,omitempty"`
	Issuer         string    `json:"issuer"`
	Serial         string    `json:"serial"`
	NotBefore      time.Time `json:"notBefore"`
	NotAfter       time.Time `json:"notAfter"`
	// HPKI is "signing", "authentication" or "none".
	HPKI        string   `json:"hpki"`
	HPKIReasons []string `json:"hpkiReasons,omitempty"`
	Roles       []Role   `json:"roles"`
	Policies    []string `json:"policies,omitempty"`
	KeyUsage    []string `json:"keyUsage,omitempty"`
	ExtKeyUsage []string `json:"extKeyUsage,omitempty"`
	IsCA        bool     `json:"isCA"`
	PublicKey   string   `json:"publicKey"`
	CRL         []string `json:"crlDistributionPoints,omitempty"`
	OCSP        []string `json:"ocsp,omitempty"`
	SHA256      string   `json:"sha256"`
	RoleErrors  []string `json:"roleErrors,omitempty"`
}

// Role is one hcRole of the certificate.
type Role struct {
	// Code is the English role string as carried in the certificate.
	Code string `json:"code"`
	// Ja is the Japanese name from the catalogue, empty when unknown.
	Ja string `json:"ja,omitempty"`
	// Scheme is the codingSchemeReference OID.
	Scheme string `json:"scheme"`
	// Kind is "national", "administrative" or "unknown".
	Kind string `json:"kind"`
}

// Describe returns the description of cert. It never fails: problems with
// the HPKI extensions are reported in RoleErrors and HPKIReasons.
func Describe(cert *x509.Certificate) Info {
	prof := hcrole.Classify(cert)
	cnJa, orgJa := hcrole.JapaneseName(cert)
	sum := sha256.Sum256(cert.Raw)
	info := Info{
		Subject:        cert.Subject.String(),
		SubjectJa:      cnJa,
		OrganizationJa: orgJa,
		Issuer:         cert.Issuer.String(),
		Serial:         strings.ToUpper(cert.SerialNumber.Text(16)),
		NotBefore:      cert.NotBefore.UTC(),
		NotAfter:       cert.NotAfter.UTC(),
		HPKI:           prof.Kind.String(),
		HPKIReasons:    prof.Reasons,
		Roles:          Roles(prof.Roles),
		KeyUsage:       keyUsage(cert.KeyUsage),
		ExtKeyUsage:    extKeyUsage(cert),
		IsCA:           cert.IsCA,
		PublicKey:      publicKey(cert),
		CRL:            cert.CRLDistributionPoints,
		OCSP:           cert.OCSPServer,
		SHA256:         hex.EncodeToString(sum[:]),
	}
	for _, p := range cert.Policies {
		info.Policies = append(info.Policies, p.String())
	}
	if len(info.Policies) == 0 {
		for _, p := range cert.PolicyIdentifiers {
			info.Policies = append(info.Policies, p.String())
		}
	}
	if _, err := hcrole.FromCertificate(cert); err != nil {
		info.RoleErrors = append(info.RoleErrors, err.Error())
	}
	return info
}

// Roles converts hcRoles into their reported form.
func Roles(roles []hcrole.Role) []Role {
	out := make([]Role, 0, len(roles))
	for _, r := range roles {
		out = append(out, Role{Code: r.Text, Ja: r.Ja(), Scheme: r.Scheme.String(), Kind: r.Kind().String()})
	}
	return out
}

func keyUsage(ku x509.KeyUsage) []string {
	names := []struct {
		bit  x509.KeyUsage
		name string
	}{
		{x509.KeyUsageDigitalSignature, "digitalSignature"},
		{x509.KeyUsageContentCommitment, "nonRepudiation"},
		{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
		{x509.KeyUsageDataEncipherment, "dataEncipherment"},
		{x509.KeyUsageKeyAgreement, "keyAgreement"},
		{x509.KeyUsageCertSign, "keyCertSign"},
		{x509.KeyUsageCRLSign, "cRLSign"},
		{x509.KeyUsageEncipherOnly, "encipherOnly"},
		{x509.KeyUsageDecipherOnly, "decipherOnly"},
	}
	var out []string
	for _, n := range names {
		if ku&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

func extKeyUsage(cert *x509.Certificate) []string {
	names := map[x509.ExtKeyUsage]string{
		x509.ExtKeyUsageAny:             "any",
		x509.ExtKeyUsageServerAuth:      "serverAuth",
		x509.ExtKeyUsageClientAuth:      "clientAuth",
		x509.ExtKeyUsageCodeSigning:     "codeSigning",
		x509.ExtKeyUsageEmailProtection: "emailProtection",
		x509.ExtKeyUsageTimeStamping:    "timeStamping",
		x509.ExtKeyUsageOCSPSigning:     "OCSPSigning",
	}
	var out []string
	for _, u := range cert.ExtKeyUsage {
		if n, ok := names[u]; ok {
			out = append(out, n)
		} else {
			out = append(out, fmt.Sprintf("eku(%d)", u))
		}
	}
	for _, u := range cert.UnknownExtKeyUsage {
		out = append(out, u.String())
	}
	return out
}

func publicKey(cert *x509.Certificate) string {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return cert.PublicKeyAlgorithm.String()
}

// hpkiKindJa names the HPKI kinds in Japanese.
var hpkiKindJa = map[string]string{
	"signing":        "HPKI 署名用証明書",
	"authentication": "HPKI 認証用証明書",
	"none":           "HPKI 証明書ではない",
}

// WriteText writes the description for a person, in English ("en") or
// Japanese ("ja").
func (i Info) WriteText(w io.Writer, lang string) error {
	ja := lang == "ja"
	label := func(en, j string) string {
		if ja {
			return j
		}
		return en
	}
	var b strings.Builder
	row := func(head, value string) { fmt.Fprintf(&b, "%s %s\n", pad(head, 14), value) }
	row(label("Subject:", "主体者:"), i.Subject)
	if i.SubjectJa != "" || i.OrganizationJa != "" {
		row(label("Name (Kanji):", "氏名:"), strings.TrimSpace(i.SubjectJa+" "+i.OrganizationJa))
	}
	row(label("Issuer:", "発行者:"), i.Issuer)
	row(label("Serial:", "シリアル:"), i.Serial)
	row(label("Valid:", "有効期間:"), i.NotBefore.Local().Format("2006-01-02 15:04:05 MST")+" — "+i.NotAfter.Local().Format("2006-01-02 15:04:05 MST"))
	kind := i.HPKI
	if ja {
		kind = hpkiKindJa[i.HPKI]
	} else {
		kind = map[string]string{"signing": "HPKI signing certificate", "authentication": "HPKI authentication certificate", "none": "not an HPKI certificate"}[i.HPKI]
	}
	if i.IsCA {
		kind += label(" (CA)", "（認証局）")
	}
	row(label("HPKI:", "種別:"), kind)
	msg := func(m string) string {
		if ja {
			return msgja.Localize(m)
		}
		return m
	}
	for _, r := range i.HPKIReasons {
		row("", "  "+msg(r))
	}
	if len(i.Roles) == 0 {
		row(label("Roles:", "資格:"), label("(none)", "（なし）"))
	}
	for n, r := range i.Roles {
		head := ""
		if n == 0 {
			head = label("Roles:", "資格:")
		}
		name := r.Code
		switch {
		case r.Ja != "" && ja:
			name = r.Ja + " (" + r.Code + ")"
		case r.Ja != "":
			name = r.Code + " (" + r.Ja + ")"
		default:
			name += label(" [unknown role]", " [未知の資格]")
		}
		if ja {
			row(head, fmt.Sprintf("%s — %s、スキーム %s", name, msgja.Localize(r.Kind), r.Scheme))
		} else {
			row(head, fmt.Sprintf("%s — %s, scheme %s", name, r.Kind, r.Scheme))
		}
	}
	for _, e := range i.RoleErrors {
		row(label("Role error:", "資格エラー:"), msg(e))
	}
	if len(i.Policies) > 0 {
		row(label("Policies:", "ポリシー:"), strings.Join(i.Policies, ", "))
	}
	row(label("Key usage:", "鍵用途:"), strings.Join(i.KeyUsage, ", "))
	if len(i.ExtKeyUsage) > 0 {
		row(label("Ext. usage:", "拡張鍵用途:"), strings.Join(i.ExtKeyUsage, ", "))
	}
	row(label("Public key:", "公開鍵:"), i.PublicKey)
	row("SHA-256:", i.SHA256)
	_, err := io.WriteString(w, b.String())
	return err
}

// Check is the outcome of checking one certificate against a trust store.
type Check struct {
	// Valid is true when a path to an anchor exists at At and the HPKI
	// profile check passed (or was not required).
	Valid bool      `json:"valid"`
	At    time.Time `json:"at"`
	// Chain lists the subjects from the certificate to the anchor.
	Chain       []string `json:"chain,omitempty"`
	HPKIProfile bool     `json:"hpkiProfile"`
	Errors      []string `json:"errors,omitempty"`
	Certificate Info     `json:"certificate"`
}

// hpkiCAArc is the arc under which HPKI CA and end-entity policies live.
var hpkiCAArc = asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 5, 1}

// CheckCertificate builds a path from cert to an anchor of roots at the time
// at (with the store's and the extra intermediates) and checks the HPKI
// profile: an end-entity certificate must be an HPKI signing or
// authentication certificate, a CA certificate must carry an HPKI policy.
// Revocation is not checked. requireHPKI=false skips the profile check.
func CheckCertificate(cert *x509.Certificate, verifyPath func(*x509.Certificate, time.Time) ([][]*x509.Certificate, error), at time.Time, requireHPKI bool) Check {
	c := Check{At: at.UTC(), Certificate: Describe(cert)}
	chains, err := verifyPath(cert, at)
	pathOK := err == nil
	if err != nil {
		c.Errors = append(c.Errors, err.Error())
	} else {
		for _, x := range chains[0] {
			c.Chain = append(c.Chain, x.Subject.String())
		}
	}
	if cert.IsCA {
		for _, p := range cert.PolicyIdentifiers {
			if len(p) > len(hpkiCAArc) && p[:len(hpkiCAArc)].Equal(hpkiCAArc) {
				c.HPKIProfile = true
			}
		}
		if !c.HPKIProfile {
			c.Errors = append(c.Errors, "CA certificate carries no HPKI policy (arc 1.2.392.100495.1.5.1)")
		}
	} else {
		c.HPKIProfile = c.Certificate.HPKI != hcrole.NotHPKI.String()
		if !c.HPKIProfile {
			c.Errors = append(c.Errors, "not an HPKI certificate: "+strings.Join(c.Certificate.HPKIReasons, "; "))
		}
	}
	c.Valid = pathOK && (c.HPKIProfile || !requireHPKI)
	return c
}

// pad right-pads s to width display columns (East Asian wide characters
// count two).
func pad(s string, width int) string {
	w := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) || (r >= 0xff00 && r <= 0xff60) || (r >= 0xffe0 && r <= 0xffe6)) {
			w += 2
		} else {
			w++
		}
	}
	if w >= width {
		return s
	}
	return s + strings.Repeat(" ", width-w)
}
