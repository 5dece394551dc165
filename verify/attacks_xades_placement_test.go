package verify

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/xmlsig"
)

// hl7Section is unsigned clinical content an attacker slips into a signed
// CDA.
const hl7Section = `<component xmlns="urn:hl7-org:v3"><section><title>処方変更</title><text>EVIL: warfarin 10mg daily (unsigned)</text></section></component>`

func parseFragment(t testing.TB, s string) *etree.Element {
	t.Helper()
	d := etree.NewDocument()
	if err := d.ReadFromString(s); err != nil {
		t.Fatal(err)
	}
	return d.Root()
}

// envelopedPlaced is the whole-document enveloped XAdES signature of the
// CDA referral (KeyInfo referenced), edited by where: the signature moved
// into the first section's <text> with an extra ds:Object of text
// (finding 01), or unsigned HL7 content put inside the ds:Signature
// subtree (finding 03). The enveloped-signature transform removes the
// whole ds:Signature subtree, so no edit changes a digest.
func envelopedPlaced(t testing.TB, p *testpki.PKI, where string) []byte {
	t.Helper()
	signed := signXML(t, p.Doctor, readXML(t, "cda-referral.xml"), sign.XAdESOptions{ReferenceKeyInfo: true})
	return edit(t, signed, func(d *etree.Document) {
		sig := d.FindElement("//Signature")
		switch where {
		case "moved into section text with an unsigned ds:Object":
			sig.CreateElement(sig.Space + ":Object").SetText("【追記】オキシコドン徐放錠40mg 1日2回 90日分の処方をお願いします。")
			d.Root().RemoveChild(sig)
			d.FindElement("//section/text").AddChild(sig)
		case "moved into section text":
			d.Root().RemoveChild(sig)
			d.FindElement("//section/text").AddChild(sig)
		case "HL7 child of ds:Signature, last":
			sig.AddChild(parseFragment(t, hl7Section))
		case "HL7 child of ds:Signature, first":
			sig.InsertChildAt(0, parseFragment(t, hl7Section))
		case "HL7 between SignatureValue and KeyInfo":
			sig.InsertChildAt(sig.SelectElement("KeyInfo").Index(), parseFragment(t, hl7Section))
		case "text in ds:Signature":
			sig.CreateText("EVIL: warfarin 10mg daily (unsigned)")
		case "second KeyInfo":
			ki := sig.SelectElement("KeyInfo").Copy()
			ki.RemoveAttr("Id")
			sig.InsertChildAt(sig.SelectElement("Object").Index(), ki)
		case "HL7 in an extra ds:Object":
			sig.CreateElement(sig.Space + ":Object").AddChild(parseFragment(t, hl7Section))
		case "text in an extra ds:Object":
			sig.CreateElement(sig.Space + ":Object").SetText("EVIL: warfarin 10mg daily (unsigned)")
		case "HL7 beside QualifyingProperties":
			sig.SelectElement("Object").AddChild(parseFragment(t, hl7Section))
		case "HL7 in UnsignedProperties":
			qp := d.FindElement("//QualifyingProperties")
			qp.CreateElement(qp.Space + ":UnsignedProperties").AddChild(parseFragment(t, hl7Section))
		case "HL7 in KeyInfo":
			sig.SelectElement("KeyInfo").AddChild(parseFragment(t, hl7Section))
		case "HL7 in X509Data":
			sig.FindElement("KeyInfo/X509Data").AddChild(parseFragment(t, hl7Section))
		case "HL7 in QualifyingProperties":
			d.FindElement("//QualifyingProperties").AddChild(parseFragment(t, hl7Section))
		case "text in KeyInfo":
			sig.SelectElement("KeyInfo").CreateText("EVIL: warfarin 10mg daily (unsigned)")
		}
	})
}

// Findings 01 and 03: an enveloped signature sits where its reference says
// (a direct child of the element it covers), ds:Signature holds only what
// XML-DSig allows, unsigned ds:Object content is named, and the report
// says that the signature's own subtree is not covered.
func TestAttackXAdESEnvelopedPlacement(t *testing.T) {
	p := testpki.MustLoad(t)
	const root = "/Q{urn:hl7-org:v3}ClinicalDocument[1]"
	const whole = "the whole document (element ClinicalDocument at " + root + ", without its ds:Signature)"
	tests := []struct {
		where string
		ind   Indication
		sub   SubIndication
		text  string
	}{
		{"moved into section text with an unsigned ds:Object", TotalFailed, FormatFailure, "must be a direct child of the element its enveloped reference covers (" + root + ")"},
		{"moved into section text", TotalFailed, FormatFailure, "/Q{urn:hl7-org:v3}text[1]/Q{http://www.w3.org/2000/09/xmldsig#}Signature[1] must be a direct child"},
		{"HL7 child of ds:Signature, last", TotalFailed, FormatFailure, "{urn:hl7-org:v3}component is out of place"},
		{"HL7 child of ds:Signature, first", TotalFailed, FormatFailure, "{urn:hl7-org:v3}component is out of place"},
		{"HL7 between SignatureValue and KeyInfo", TotalFailed, FormatFailure, "{urn:hl7-org:v3}component is out of place"},
		{"text in ds:Signature", TotalFailed, FormatFailure, `ds:Signature holds text "EVIL: warfarin 10mg daily (unsigned)"`},
		{"second KeyInfo", TotalFailed, FormatFailure, "ds:KeyInfo is out of place"},
		{"HL7 in an extra ds:Object", TotalPassed, "", "ds:Object #2 holds a component element that no signed reference covers"},
		{"text in an extra ds:Object", TotalPassed, "", "ds:Object #2 holds text that no signed reference covers"},
		{"HL7 beside QualifyingProperties", TotalPassed, "", "ds:Object #1 holds a component element that no signed reference covers"},
		{"HL7 in UnsignedProperties", TotalPassed, "", "UnsignedProperties[1]/Q{urn:hl7-org:v3}component[1], inside the signature, is not signed"},
		// This signature signs its KeyInfo: adding to it breaks the digest.
		{"HL7 in KeyInfo", TotalFailed, HashFailure, "KeyInfo was changed after signing"},
		{"HL7 in X509Data", TotalFailed, HashFailure, "KeyInfo was changed after signing"},
		{"HL7 in QualifyingProperties", TotalPassed, "", "QualifyingProperties[1]/Q{urn:hl7-org:v3}component[1], inside the signature, is not signed"},
		{"text in KeyInfo", TotalFailed, HashFailure, "KeyInfo was changed after signing"},
		{"genuine", TotalPassed, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.where, func(t *testing.T) {
			r := verifyXML(t, envelopedPlaced(t, p, tc.where), nil, nil)
			s := r.Signatures[0]
			all := strings.Join(append(append([]string{}, s.Errors...), s.Warnings...), " ")
			if r.Indication != tc.ind || r.SubIndication != tc.sub || !strings.Contains(all, tc.text) {
				t.Fatalf("%s/%s errors %v warnings %v, want %s/%s %q", r.Indication, r.SubIndication, s.Errors, s.Warnings, tc.ind, tc.sub, tc.text)
			}
			if tc.ind != TotalPassed {
				return
			}
			// What passes says the ds:Signature subtree is not covered.
			if len(s.Covers) != 1 || s.Covers[0] != whole {
				t.Fatalf("covers %q, want %q", s.Covers, whole)
			}
			sd := s.SignedData[0]
			if sd.Location != root || sd.Excluded != root+"/Q{http://www.w3.org/2000/09/xmldsig#}Signature[1]" {
				t.Fatalf("signed data %+v", sd)
			}
			if tc.text == "" && len(s.Warnings) != 0 {
				t.Fatalf("warnings %v", s.Warnings)
			}
		})
	}
}

// The placement rule binds only a signature the enveloped-signature
// transform actually removes: a signature beside the element it covers by
// Id (as xadesjs places them, with the transform) excludes nothing and is
// fine; one inside the element but not its direct child is refused.
func TestXAdESEnvelopedByID(t *testing.T) {
	p := testpki.MustLoad(t)
	presc := readXML(t, "prescription.xml")
	// A reference to #PrescriptionData with the enveloped-signature
	// transform, the signature a child of the root (beside the target).
	beside := edit(t, signXML(t, p.Doctor, presc, sign.XAdESOptions{ReferenceID: "PrescriptionData"}), func(d *etree.Document) {
		ref := d.FindElement("//Reference[@URI='#PrescriptionData']")
		ts := ref.SelectElement("Transforms")
		tr := etree.NewElement(ts.Space + ":Transform")
		tr.CreateAttr("Algorithm", xmlsig.AlgEnveloped)
		ts.InsertChildAt(0, tr)
		resignWith(t, d.FindElement("//Signature"), p.Doctor.Key)
	})
	if r := verifyXML(t, beside, nil, nil); r.Indication != TotalPassed || strings.Contains(r.Signatures[0].Covers[0], "without its ds:Signature") || r.Signatures[0].SignedData[0].Excluded != "" {
		t.Fatalf("beside: %s/%s %v %v", r.Indication, r.SubIndication, r.Signatures[0].Errors, r.Signatures[0].Covers)
	}
	// The same signature moved into PrescriptionData/Medication.
	inside := edit(t, beside, func(d *etree.Document) {
		sig := d.FindElement("//Signature")
		sig.Parent().RemoveChild(sig)
		d.FindElement("//PrescriptionData/Medication").AddChild(sig)
	})
	r := verifyXML(t, inside, nil, nil)
	if r.Indication != TotalFailed || r.SubIndication != FormatFailure || !strings.Contains(strings.Join(r.Signatures[0].Errors, " "), "must be a direct child of the element its enveloped reference covers (/Q{urn:example:hpki:eprescription:sample}Document[1]/Q{urn:example:hpki:eprescription:sample}PrescriptionData[1])") {
		t.Fatalf("inside: %s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
	}
}

// signingCertEdited is the doctor's signed prescription whose
// SignedSignatureProperties are edited by how, then digested and signed
// again with the doctor's key (a signer making an ambiguous signature).
func signingCertEdited(t testing.TB, p *testpki.PKI, how string) []byte {
	t.Helper()
	signed := signXML(t, p.Doctor, readXML(t, "prescription.xml"), sign.XAdESOptions{ReferenceID: "PrescriptionData"})
	other := otherCertForDoctorsKey(t, p)
	return edit(t, signed, func(d *etree.Document) {
		v2 := d.FindElement("//SigningCertificateV2")
		ssp := v2.Parent()
		otherCert := v2.SelectElement("Cert").Copy()
		otherCert.FindElement(".//DigestValue").SetText(digestB64(other.Cert.Raw))
		otherCert.RemoveChild(otherCert.SelectElement("IssuerSerialV2"))
		switch how {
		case "SigningCertificate and SigningCertificateV2":
			v1 := v2.Copy()
			v1.Tag = "SigningCertificate"
			c := v1.SelectElement("Cert")
			c.RemoveChild(c.SelectElement("IssuerSerialV2"))
			ssp.InsertChildAt(v2.Index()+1, v1)
		case "two SigningCertificateV2":
			second := etree.NewElement(v2.FullTag())
			second.AddChild(otherCert)
			ssp.InsertChildAt(v2.Index(), second)
		case "first Cert not the signer's":
			v2.InsertChildAt(0, otherCert)
		case "second Cert another certificate":
			v2.AddChild(otherCert)
		}
		sp := d.FindElement("//SignedProperties")
		d.FindElement("//Reference[@Type='" + xmlsig.TypeSignedProperties + "']/DigestValue").SetText(digestOf(t, sp))
		resignWith(t, d.FindElement("//Signature"), p.Doctor.Key)
	})
}

func digestB64(der []byte) string {
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// EN 319 132-1 §5.2.2: one property designates the signing certificate
// (SigningCertificateV2, or the deprecated SigningCertificate, never both,
// each at most once) and its first Cert is the signing certificate.
// Anything else is ambiguous: TOTAL_FAILED/FORMAT_FAILURE naming why.
func TestAttackXAdESSigningCertificateAmbiguous(t *testing.T) {
	p := testpki.MustLoad(t)
	tests := []struct {
		how  string
		ind  Indication
		sub  SubIndication
		text string
	}{
		{"SigningCertificate and SigningCertificateV2", TotalFailed, FormatFailure, "both SigningCertificate and SigningCertificateV2 among the signed properties: EN 319 132-1 allows only one"},
		{"two SigningCertificateV2", TotalFailed, FormatFailure, "2 SigningCertificateV2 properties among the signed properties: exactly one is allowed"},
		{"first Cert not the signer's", TotalFailed, FormatFailure, "the first Cert of SigningCertificateV2, which must identify the signing certificate (EN 319 132-1 §5.2.2), matches no KeyInfo certificate, but Cert #2 does"},
		{"second Cert another certificate", TotalPassed, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.how, func(t *testing.T) {
			r := verifyXML(t, signingCertEdited(t, p, tc.how), nil, nil)
			s := r.Signatures[0]
			if r.Indication != tc.ind || r.SubIndication != tc.sub || !strings.Contains(strings.Join(s.Errors, " "), tc.text) {
				t.Fatalf("%s/%s errors %v, want %s/%s %q", r.Indication, r.SubIndication, s.Errors, tc.ind, tc.sub, tc.text)
			}
		})
	}
}

// Foreign content inside parts of the signature that nothing signs (a
// KeyInfo that no reference covers, X509Data, QualifyingProperties): the
// verdict stands (Covers says "without its ds:Signature"), and a warning
// names each such element so that nobody reads it as part of the document.
func TestForeignContentInsideSignatureIsNamed(t *testing.T) {
	p := testpki.MustLoad(t)
	signed := signXML(t, p.Doctor, readXML(t, "cda-referral.xml"), sign.XAdESOptions{}) // KeyInfo not referenced
	for _, tc := range []struct {
		where, want string
		put         func(d *etree.Document)
	}{
		{"KeyInfo", "KeyInfo[1]/Q{urn:hl7-org:v3}component[1], inside the signature, is not signed", func(d *etree.Document) {
			d.FindElement("//KeyInfo").AddChild(parseFragment(t, hl7Section))
		}},
		{"X509Data", "X509Data[1]/Q{urn:hl7-org:v3}component[1], inside the signature, is not signed", func(d *etree.Document) {
			d.FindElement("//KeyInfo/X509Data").AddChild(parseFragment(t, hl7Section))
		}},
		{"text in KeyInfo", "text inside the signature at", func(d *etree.Document) {
			d.FindElement("//KeyInfo").CreateText("EVIL: warfarin 10mg daily (unsigned)")
		}},
		{"text in KeyName", "the text of KeyName at", func(d *etree.Document) {
			ki := d.FindElement("//KeyInfo")
			ki.CreateElement(ki.Space + ":KeyName").SetText("EVIL: warfarin 10mg daily (unsigned)")
		}},
	} {
		t.Run(tc.where, func(t *testing.T) {
			d := etree.NewDocument()
			if err := d.ReadFromBytes(signed); err != nil {
				t.Fatal(err)
			}
			tc.put(d)
			out, err := d.WriteToBytes()
			if err != nil {
				t.Fatal(err)
			}
			r := verifyXML(t, out, nil, nil)
			s := r.Signatures[0]
			if r.Indication != TotalPassed || !strings.Contains(strings.Join(s.Warnings, "\n"), tc.want) {
				t.Fatalf("%s errors %q warnings %q; want TOTAL_PASSED with a warning %q", r.Indication, s.Errors, s.Warnings, tc.want)
			}
		})
	}
}
