package verify

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

// Lenient where the standard allows it, strict where it matters: zero
// padding after the ContentInfo is accepted with a warning, other trailing
// bytes are not; duplicate Ids no reference uses are named, a duplicated
// Id a reference uses is still refused.
func TestLenientWhereAllowed(t *testing.T) {
	p := testpki.MustLoad(t)
	sig := signDoc(t, p.Doctor, sign.CAdESOptions{})
	verifyCMS := func(s []byte) (*Report, error) {
		return New(opts(t)).VerifyCAdES(context.Background(), s, bytes.NewReader(doc), "doc")
	}
	r, err := verifyCMS(append(bytes.Clone(sig), make([]byte, 37)...))
	if err != nil || r.Indication != TotalPassed || !strings.Contains(strings.Join(r.Signatures[0].Warnings, " "), "37 zero bytes of padding") {
		t.Fatalf("zero padding: %v %+v", err, r)
	}
	for name, tail := range map[string][]byte{"non-zero trailer": {0, 0, 1}, "a second structure": sig} {
		if _, err := verifyCMS(append(bytes.Clone(sig), tail...)); !errors.Is(err, ErrUnreadable) {
			t.Errorf("%s: %v", name, err)
		}
	}

	presc := readXML(t, "prescription.xml")
	// (hpki sign refuses such documents; other producers made them.)
	signed := edit(t, signXML(t, p.Doctor, presc, sign.XAdESOptions{ReferenceID: "PrescriptionData"}), func(d *etree.Document) {
		d.Root().CreateElement("Note").CreateAttr("id", "n1")
		d.Root().CreateElement("Note").CreateAttr("id", "n1")
	})
	r = verifyXML(t, signed, nil, nil)
	if r.Indication != TotalPassed || !strings.Contains(strings.Join(r.Signatures[0].Warnings, " "), "duplicate Id attributes (n1)") {
		t.Fatalf("unused duplicate Ids: %s/%s %v %v", r.Indication, r.SubIndication, r.Signatures[0].Errors, r.Signatures[0].Warnings)
	}
	// The referenced Id duplicated (the signed element copied with other
	// content) is still a wrapping attempt.
	wrapped := edit(t, signed, func(d *etree.Document) {
		c := byID(d, "PrescriptionData").Copy()
		c.FindElement(".//Days").SetText("90")
		d.Root().InsertChildAt(0, c)
	})
	if r := verifyXML(t, wrapped, nil, nil); r.Indication != TotalFailed || r.SubIndication != FormatFailure {
		t.Fatalf("duplicated referenced Id: %s/%s", r.Indication, r.SubIndication)
	}
}

// A certificate crypto/x509 cannot read (here a negative serial number,
// made by OpenSSL, signed with by xmlsec1) is reported as unsupported,
// with the reason, not as "no certificate"; never a pass.
func TestUnsupportedCertificateSaysWhy(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	xmlsec := peer.Require(t, "xmlsec1", "apt-get install xmlsec1")
	dir := t.TempDir()
	run := func(name string, args ...string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "neg.key", "-out", "neg.pem", "-subj", "/CN=negative serial", "-set_serial", "-5", "-days", "30")
	os.WriteFile(filepath.Join(dir, "tpl.xml"), []byte(dsigTemplate("", tEnvelope+tExcC14N, "")), 0o600)
	run(xmlsec, "--sign", "--privkey-pem", "neg.key,neg.pem", "--output", "signed.xml", "tpl.xml")
	signed, _ := os.ReadFile(filepath.Join(dir, "signed.xml"))
	r := verifyXML(t, signed, nil, nil)
	if r.Indication != Indeterminate || r.SubIndication != NoSigningCertificateFound || !strings.Contains(strings.Join(r.Signatures[0].Errors, " "), "unsupported certificate in KeyInfo: x509: negative serial number") {
		t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
	}
}

// The signer's certificate is found among the CertificateValues when
// KeyInfo lacks it, chosen only by the signed SigningCertificateV2 digest:
// another certificate there is not taken for the signer's.
func TestSigningCertificateFromCertificateValues(t *testing.T) {
	p := testpki.MustLoad(t)
	signed := signXML(t, p.Doctor, readXML(t, "prescription.xml"), sign.XAdESOptions{ReferenceID: "PrescriptionData"})
	move := func(der []byte) []byte {
		return edit(t, signed, func(d *etree.Document) {
			ki := d.FindElement("//KeyInfo")
			for _, xd := range ki.SelectElements("X509Data") {
				ki.RemoveChild(xd)
			}
			ki.CreateElement("ds:KeyName").SetText("doctor")
			qp := d.FindElement("//QualifyingProperties")
			prefix := qp.Space
			up := qp.SelectElement("UnsignedProperties")
			if up == nil {
				up = qp.CreateElement(prefix + ":UnsignedProperties")
			}
			usp := up.CreateElement(prefix + ":UnsignedSignatureProperties")
			cv := usp.CreateElement(prefix + ":CertificateValues")
			cv.CreateElement(prefix + ":EncapsulatedX509Certificate").SetText(base64.StdEncoding.EncodeToString(der))
		})
	}
	if r := verifyXML(t, move(p.Doctor.Cert.Raw), nil, nil); r.Indication != TotalPassed {
		t.Fatalf("certificate in CertificateValues: %s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
	}
	if r := verifyXML(t, move(p.Pharmacist.Cert.Raw), nil, nil); r.Indication != Indeterminate || r.SubIndication != NoSigningCertificateFound {
		t.Fatalf("another certificate in CertificateValues: %s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
	}
}
