package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/xmlsig"
)

// Attacks on the XAdES verifier (issue 10, classes 6, 7, 8 and 10): each
// test builds the forged input from the test PKI and asserts the verdict,
// the sub-indication and the report text. The generators are reused as
// seeds of FuzzParseXAdES.

// resignWith signs the SignedInfo of sig again with key (RSA, SHA-256,
// exclusive C14N, as the test signer makes them).
func resignWith(t testing.TB, sig *etree.Element, key crypto.Signer) {
	t.Helper()
	si := sig.SelectElement("SignedInfo")
	canon, err := xmlsig.Canonicalize(si, xmlsig.AlgExcC14N, "")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canon)
	v, err := key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sig.SelectElement("SignatureValue").SetText(base64.StdEncoding.EncodeToString(v))
}

// digestOf returns the base64 SHA-256 of the exclusive canonical form of el.
func digestOf(t testing.TB, el *etree.Element) string {
	t.Helper()
	canon, err := xmlsig.Canonicalize(el, xmlsig.AlgExcC14N, "")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(canon)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// otherCertForDoctorsKey is a certificate the signing CA issued for the
// doctor's own key, naming another person with another role (Pharmacist).
func otherCertForDoctorsKey(t testing.TB, p *testpki.PKI) *testpki.Credential {
	t.Helper()
	c, err := testpki.IssueCert(testpki.SigningTemplate("TEST OTHER Jiro", "試験 別人次郎", "PH9999", []string{"Pharmacist"}, p.Doctor.Cert.NotBefore, p.Doctor.Cert.NotAfter), p.SignCA, p.Doctor.Key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// strippedBinding is the class 6 attack: an empty, unsigned
// xades:SignedProperties beside the signed one, and the KeyInfo
// certificate replaced by another certificate for the same key.
func strippedBinding(t testing.TB, p *testpki.PKI, where string) []byte {
	t.Helper()
	signed := signXML(t, p.Doctor, readXML(t, "prescription.xml"), sign.XAdESOptions{ReferenceID: "PrescriptionData"})
	other := otherCertForDoctorsKey(t, p)
	return edit(t, signed, func(d *etree.Document) {
		d.FindElement("//X509Certificate").SetText(base64.StdEncoding.EncodeToString(other.Cert.Raw))
		qp := d.FindElement("//QualifyingProperties")
		switch where {
		case "empty SignedProperties first":
			qp.InsertChildAt(0, etree.NewElement(qp.Space+":SignedProperties"))
		case "empty SignedProperties last":
			qp.CreateElement(qp.Space + ":SignedProperties")
		case "second QualifyingProperties":
			sig := d.FindElement("//Signature")
			obj := sig.CreateElement(sig.Space + ":Object")
			q2 := obj.CreateElement(qp.Space + ":QualifyingProperties")
			q2.CreateAttr("xmlns:"+qp.Space, xmlsig.NSXAdES132)
			q2.CreateAttr("Target", qp.SelectAttrValue("Target", ""))
			q2.CreateElement(qp.Space + ":SignedProperties")
		case "QualifyingProperties for another signature":
			qp.CreateAttr("Target", "#another")
		case "signature without Id":
			d.FindElement("//Signature").RemoveAttr("Id")
		case "SignedProperties in the 1.4.1 namespace beside":
			sp := qp.CreateElement("x141:SignedProperties")
			sp.CreateAttr("xmlns:x141", xmlsig.NSXAdES141)
		}
	})
}

func TestAttackXAdESSigningCertificateBindingStripped(t *testing.T) {
	p := testpki.MustLoad(t)
	pharm, _ := hcrole.ParseRequirement("薬剤師")
	for _, tc := range []struct{ where, text string }{
		{"empty SignedProperties first", "exactly one xades:SignedProperties"},
		{"empty SignedProperties last", "exactly one xades:SignedProperties"},
		{"second QualifyingProperties", "2 QualifyingProperties in one signature"},
		{"QualifyingProperties for another signature", "is not this signature"},
		{"signature without Id", "without Id"},
		{"SignedProperties in the 1.4.1 namespace beside", "exactly one xades:SignedProperties"},
	} {
		t.Run(tc.where, func(t *testing.T) {
			doc := strippedBinding(t, p, tc.where)
			for _, role := range []bool{false, true} {
				r := verifyXML(t, doc, nil, func(o *Options) {
					if role {
						o.RequireRole = pharm
					}
				})
				s := r.Signatures[0]
				if r.Indication != TotalFailed || r.SubIndication != FormatFailure || !strings.Contains(strings.Join(s.Errors, " "), tc.text) {
					t.Fatalf("role %v: %s/%s %v", role, r.Indication, r.SubIndication, s.Errors)
				}
				if s.Level == "XML-DSig" || strings.Contains(s.Signer.Subject, "OTHER") {
					t.Fatalf("fell back to plain XML-DSig: level %q signer %q", s.Level, s.Signer.Subject)
				}
			}
		})
	}
}

// Plain XML-DSig (no qualifying properties) identifies the signer by an
// unsigned KeyInfo: a role requirement can never be met by it.
func TestAttackXMLDSigRoleFromUnsignedKeyInfo(t *testing.T) {
	p := testpki.MustLoad(t)
	other := otherCertForDoctorsKey(t, p)
	signed := signXML(t, p.Doctor, readXML(t, "prescription.xml"), sign.XAdESOptions{ReferenceID: "PrescriptionData"})
	plain := edit(t, signed, func(d *etree.Document) {
		sig := d.FindElement("//Signature")
		for _, obj := range sig.SelectElements("Object") {
			sig.RemoveChild(obj)
		}
		si := sig.SelectElement("SignedInfo")
		for _, ref := range si.SelectElements("Reference") {
			if ref.SelectAttrValue("Type", "") == xmlsig.TypeSignedProperties {
				si.RemoveChild(ref)
			}
		}
		d.FindElement("//X509Certificate").SetText(base64.StdEncoding.EncodeToString(other.Cert.Raw))
		resignWith(t, sig, p.Doctor.Key)
	})
	pharm, _ := hcrole.ParseRequirement("薬剤師")
	r := verifyXML(t, plain, nil, func(o *Options) { o.RequireRole = pharm })
	s := r.Signatures[0]
	if r.Indication != TotalFailed || r.SubIndication != SigConstraintsFailure || !strings.Contains(strings.Join(s.Errors, " "), "no signed data binds the signer certificate") {
		t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, s.Errors)
	}
	// Without a role requirement it is what it is: plain XML-DSig, and
	// the report says the signer named is not bound.
	if r := verifyXML(t, plain, nil, nil); r.Signatures[0].Level != "XML-DSig" || !strings.Contains(strings.Join(r.Signatures[0].Warnings, " "), "another certificate for the same key could be named") {
		t.Fatalf("level %q warnings %q", r.Signatures[0].Level, r.Signatures[0].Warnings)
	}
}

// wrapped is the class 7 attack: the signed PrescriptionData moved (into
// the signature's ds:Object, or to the end of the document) and a changed
// copy without Id (in the same or another namespace) put in its place.
func wrapped(t testing.TB, p *testpki.PKI, doc []byte, moveTo, copyNS string) []byte {
	t.Helper()
	signed := signXML(t, p.Doctor, doc, sign.XAdESOptions{ReferenceID: "PrescriptionData"})
	return edit(t, signed, func(d *etree.Document) {
		orig := byID(d, "PrescriptionData")
		fake := orig.Copy()
		fake.RemoveAttr("Id")
		fake.FindElement(".//Days").SetText("90")
		if copyNS != "" {
			fake.CreateAttr("xmlns", copyNS)
		}
		parent := orig.Parent()
		idx := orig.Index()
		parent.RemoveChildAt(idx)
		parent.InsertChildAt(idx, fake)
		switch moveTo {
		case "object":
			sig := d.FindElement("//Signature")
			sig.CreateElement(sig.Space + ":Object").AddChild(orig)
		case "end":
			d.Root().AddChild(orig)
		}
	})
}

func TestAttackXAdESSignatureWrapping(t *testing.T) {
	p := testpki.MustLoad(t)
	presc := readXML(t, "prescription.xml")
	// The same layout under a root the default table does not know.
	unknown := bytes.Replace(presc, []byte("urn:example:hpki:eprescription:sample"), []byte("urn:example:other"), 1)
	tests := []struct {
		name           string
		doc            []byte
		require        []string
		ind            Indication
		sub            SubIndication
		text, location string
	}{
		{"moved into ds:Object", wrapped(t, p, presc, "object", ""), nil, TotalFailed, FormatFailure, "covers only elements inside itself", "inside this signature's own"},
		{"moved to the end", wrapped(t, p, presc, "end", ""), nil, TotalFailed, SigConstraintsFailure, "e-prescription layout's /Document/PrescriptionData is not covered", "PrescriptionData[2]"},
		{"moved to the end, copy in another namespace", wrapped(t, p, presc, "end", "urn:evil"), nil, TotalFailed, SigConstraintsFailure, "Q{urn:evil}PrescriptionData[1] is not signed", "/Q{urn:example:hpki:eprescription:sample}PrescriptionData[1]"},
		{"unknown layout, moved to the end, --covers", wrapped(t, p, unknown, "end", ""), []string{"/Document/PrescriptionData"}, TotalFailed, SigConstraintsFailure, "required location /Document/PrescriptionData is not covered", "PrescriptionData[2]"},
		{"unknown layout, moved into ds:Object, --covers", wrapped(t, p, unknown, "object", ""), []string{"/Document/PrescriptionData[1]"}, TotalFailed, FormatFailure, "covers only elements inside itself", "inside this signature's own"},
		{"unknown layout, moved to the end, no requirement: passes, Covers says where", wrapped(t, p, unknown, "end", ""), nil, TotalPassed, "", "other PrescriptionData element(s)", "/Q{urn:example:other}Document[1]/Q{urn:example:other}PrescriptionData[2]"},
		{"not wrapped, --covers of the signed element", signXML(t, p.Doctor, unknown, sign.XAdESOptions{ReferenceID: "PrescriptionData"}), []string{"/Q{urn:example:other}Document/Q{urn:example:other}PrescriptionData/Medication"}, TotalPassed, "", "", "/Q{urn:example:other}Document[1]/Q{urn:example:other}PrescriptionData[1]"},
		{"not wrapped, --covers of an uncovered element", signXML(t, p.Doctor, unknown, sign.XAdESOptions{ReferenceID: "PrescriptionData"}), []string{"/Document"}, TotalFailed, SigConstraintsFailure, "/Document is not covered", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := verifyXML(t, tc.doc, nil, func(o *Options) { o.RequireCovered = tc.require })
			s := r.Signatures[0]
			all := strings.Join(append(append([]string{}, s.Errors...), s.Warnings...), " ")
			if r.Indication != tc.ind || r.SubIndication != tc.sub || !strings.Contains(all, tc.text) {
				t.Fatalf("%s/%s errors %v warnings %v", r.Indication, r.SubIndication, s.Errors, s.Warnings)
			}
			if !strings.Contains(strings.Join(s.Covers, " "), tc.location) {
				t.Fatalf("covers %v, want %q", s.Covers, tc.location)
			}
		})
	}
}

// The library hands out exactly what was verified: the location of each
// covered element and the octets digested.
func TestXAdESSignedData(t *testing.T) {
	p := testpki.MustLoad(t)
	signed := signXML(t, p.Doctor, readXML(t, "prescription.xml"), sign.XAdESOptions{ReferenceID: "PrescriptionData", ReferenceKeyInfo: true})
	r := verifyXML(t, signed, nil, func(o *Options) { o.KeepSignedData = true })
	s := r.Signatures[0]
	if r.Indication != TotalPassed || len(s.SignedData) != 1 {
		t.Fatalf("%s %+v", r.Indication, s.SignedData)
	}
	sd := s.SignedData[0]
	if sd.URI != "#PrescriptionData" || sd.Location != "/Q{urn:example:hpki:eprescription:sample}Document[1]/Q{urn:example:hpki:eprescription:sample}PrescriptionData[1]" || sd.InSignature || !sd.Checked {
		t.Fatalf("%+v", sd)
	}
	sum := sha256.Sum256(sd.Data)
	d := etree.NewDocument()
	d.ReadFromBytes(signed)
	if base64.StdEncoding.EncodeToString(sum[:]) != d.FindElement("//Reference[@URI='#PrescriptionData']/DigestValue").Text() || !bytes.Contains(sd.Data, []byte("<Days>28</Days>")) {
		t.Fatalf("data %q does not match the signed digest", sd.Data)
	}
	// Without KeepSignedData, no octets are kept.
	if r := verifyXML(t, signed, nil, nil); r.Signatures[0].SignedData[0].Data != nil {
		t.Fatal("data kept without KeepSignedData")
	}
}

// Class 8: bytes that say they are not UTF-8 are never verified as UTF-8.
func TestAttackXAdESEncodingDeclaration(t *testing.T) {
	p := testpki.MustLoad(t)
	signed := signXML(t, p.Doctor, readXML(t, "prescription.xml"), sign.XAdESOptions{ReferenceID: "PrescriptionData"})
	decl := []byte(`encoding="UTF-8"`)
	if !bytes.Contains(signed, decl) {
		t.Fatalf("no declaration in %q", signed[:80])
	}
	utf16 := append([]byte{0xFF, 0xFE}, bytes.Repeat([]byte{'<', 0}, 4)...)
	for _, tc := range []struct {
		name string
		doc  []byte
		ok   bool
	}{
		{"ISO-8859-1", bytes.Replace(signed, decl, []byte(`encoding="ISO-8859-1"`), 1), false},
		{"Shift_JIS", bytes.Replace(signed, decl, []byte(`encoding='Shift_JIS'`), 1), false},
		{"UTF8 alias", bytes.Replace(signed, decl, []byte(`encoding="UTF8"`), 1), false},
		{"UTF-16 BOM", utf16, false},
		{"utf-8 lower case", bytes.Replace(signed, decl, []byte(`encoding="utf-8"`), 1), true},
		{"UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, signed...), true},
		{"no encoding", bytes.Replace(signed, []byte(` encoding="UTF-8"`), nil, 1), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(opts(t)).VerifyXAdES(context.Background(), tc.doc, nil)
			if tc.ok {
				if err != nil || r.Indication != TotalPassed {
					t.Fatalf("%v %+v", err, r)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), "only UTF-8 documents are accepted") {
				t.Fatalf("accepted or unclear: %v", err)
			}
		})
	}
}

// counterSigned returns the prescription signed by the doctor and
// counter-signed by the pharmacist (a XAdES CounterSignature over the
// doctor's ds:SignatureValue). plant points the counter-signature's
// reference at a copy of that SignatureValue planted in its own ds:Object.
func counterSigned(t testing.TB, p *testpki.PKI, plant string) []byte {
	t.Helper()
	parent := signXML(t, p.Doctor, readXML(t, "prescription.xml"), sign.XAdESOptions{ReferenceID: "PrescriptionData", SignatureID: "S-doctor"})
	both := signXML(t, p.Pharmacist, parent, sign.XAdESOptions{ReferenceID: "S-doctor-sigvalue", SignatureID: "S-pharmacist"})
	return edit(t, both, func(d *etree.Document) {
		cs := byID(d, "S-pharmacist")
		d.Root().RemoveChild(cs)
		usp := xmlsig.UnsignedSignatureProperties(byID(d, "S-doctor").FindElement(".//QualifyingProperties"))
		holder := usp.CreateElement("xades:CounterSignature")
		holder.AddChild(cs)
		ref := cs.FindElement("./SignedInfo/Reference[@URI='#S-doctor-sigvalue']")
		ref.CreateAttr("Type", TypeCountersignedSignature)
		switch plant {
		case "planted copy":
			copySV := byID(d, "S-doctor-sigvalue").Copy()
			copySV.CreateAttr("Id", "planted")
			cs.CreateElement(cs.Space + ":Object").AddChild(copySV)
			ref.CreateAttr("URI", "#planted")
			ref.SelectElement("DigestValue").SetText(digestOf(t, copySV))
		case "other element":
			ref.CreateAttr("URI", "#PrescriptionData")
			ref.SelectElement("DigestValue").SetText(digestOf(t, byID(d, "PrescriptionData")))
		}
		resignWith(t, cs, p.Pharmacist.Key)
	})
}

func TestAttackXAdESCounterSignature(t *testing.T) {
	p := testpki.MustLoad(t)
	r := verifyXML(t, counterSigned(t, p, ""), nil, nil)
	if r.Indication != TotalPassed || len(r.Signatures) != 2 || r.Signatures[1].Signer.Roles[0].Code != "Pharmacist" {
		t.Fatalf("genuine counter-signature: %s/%s %+v", r.Indication, r.SubIndication, r.Signatures)
	}
	for _, plant := range []string{"planted copy", "other element"} {
		t.Run(plant, func(t *testing.T) {
			r := verifyXML(t, counterSigned(t, p, plant), nil, nil)
			cs := r.Signatures[1]
			if r.Signatures[0].Indication != TotalPassed || cs.Indication != TotalFailed || cs.SubIndication != FormatFailure ||
				!strings.Contains(strings.Join(cs.Errors, " "), "does not point at the ds:SignatureValue of the signature this counter-signature belongs to") {
				t.Fatalf("%s/%s %v", cs.Indication, cs.SubIndication, cs.Errors)
			}
		})
	}
}

// Limits are resource limits: an error naming the limit (a usage error
// for the CLI), never TOTAL_FAILED.
func TestXAdESLimitsAreNamed(t *testing.T) {
	deep := strings.Repeat("<a>", xmlsig.MaxDepth+1) + strings.Repeat("</a>", xmlsig.MaxDepth+1)
	many := "<r>" + strings.Repeat(`<ds:Reference xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>`, xmlsig.MaxReferences+1) + "</r>"
	for name, doc := range map[string]string{"depth": deep, "references": many} {
		_, err := VerifyXAdES(context.Background(), []byte(doc), nil, opts(t))
		if !errors.Is(err, xmlsig.ErrLimit) || !strings.Contains(err.Error(), "Max") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Documents of 1,200 and 100,000 elements (a long CDA document) are
// signed and verified.
func TestXAdESLargeDocuments(t *testing.T) {
	p := testpki.MustLoad(t)
	for _, n := range []int{1200, 100000} {
		doc := manyElements(n)
		start := time.Now()
		signed := signXML(t, p.Doctor, doc, sign.XAdESOptions{})
		r := verifyXML(t, signed, nil, nil)
		if r.Indication != TotalPassed {
			t.Fatalf("%d elements: %s/%s %v", n, r.Indication, r.SubIndication, r.Signatures[0].Errors)
		}
		t.Logf("%d elements, %d bytes: signed and verified in %v", n, len(doc), time.Since(start))
	}
}

// manyElements returns a CDA-like document of about n elements.
func manyElements(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ClinicalDocument xmlns="urn:hl7-org:v3"><component><section>`)
	for i := 0; i < n/3; i++ {
		b.WriteString(`<entry typeCode="DRIV"><observation classCode="OBS"><value>`)
		b.WriteString(strings.Repeat("7", 1+i%5))
		b.WriteString("</value></observation></entry>\n")
	}
	b.WriteString("</section></component></ClinicalDocument>\n")
	return b.Bytes()
}

// A processing instruction outside the root element (a stylesheet) is
// covered by a whole-document signature: adding one is not TOTAL_PASSED.
// A signature that digested the root element alone (hpki before 2026-11)
// is INDETERMINATE while such an instruction is present, and passes
// without it.
func TestAttackXAdESStylesheetAdded(t *testing.T) {
	p := testpki.MustLoad(t)
	presc := readXML(t, "prescription.xml")
	withPI := bytes.Replace(presc, []byte("?>\n"), []byte("?>\n<?xml-stylesheet type=\"text/xsl\" href=\"shown.xsl\"?>\n"), 1)
	signed := signXML(t, p.Doctor, withPI, sign.XAdESOptions{})
	if r := verifyXML(t, signed, nil, nil); r.Indication != TotalPassed {
		t.Fatalf("signed with a stylesheet: %s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
	}
	changed := bytes.Replace(signed, []byte("shown.xsl"), []byte("evil.xsl"), 1)
	if r := verifyXML(t, changed, nil, nil); r.Indication != TotalFailed || r.SubIndication != HashFailure {
		t.Fatalf("stylesheet changed: %s/%s", r.Indication, r.SubIndication)
	}
	// Signed without the PI (as the old signer digested the root only),
	// then a stylesheet added.
	plain := signXML(t, p.Doctor, presc, sign.XAdESOptions{})
	added := bytes.Replace(plain, []byte("?>\n"), []byte("?>\n<?xml-stylesheet type=\"text/xsl\" href=\"evil.xsl\"?>\n"), 1)
	r := verifyXML(t, added, nil, nil)
	if r.Indication != Indeterminate || r.SubIndication != FormatFailure || !strings.Contains(strings.Join(r.Signatures[0].Errors, " "), "processing instructions outside it") {
		t.Fatalf("stylesheet added: %s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
	}
}
