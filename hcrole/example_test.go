package hcrole_test

import (
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hpki-jp/hpki/hcrole"
)

func ExampleParseExtension() {
	// subjectDirectoryAttributes of a real MEDIS HPKI signing certificate.
	der, _ := hex.DecodeString("303430320606288185420001312831263024A0223120A00C060A2A830886910F01060101A2100C0E4D65646963616C20446F63746F72")
	roles, err := hcrole.ParseExtension(der)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range roles {
		fmt.Println(r.Text, r.Ja(), r.Scheme, r.Kind())
	}
	// Output: Medical Doctor 医師 1.2.392.100495.1.6.1.1 national
}

func ExampleClassify() {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "certs", "doctor.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	block, _ := pem.Decode(data)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	p := hcrole.Classify(cert)
	fmt.Println(p.Kind, p.Roles[0])
	// Output: signing Medical Doctor (医師)
}

func ExampleParseRequirement() {
	req, err := hcrole.ParseRequirement("医師,Dentist")
	if err != nil {
		fmt.Println(err)
		return
	}
	pharmacist := []hcrole.Role{{Scheme: hcrole.SchemeNational, Text: "Pharmacist"}}
	fmt.Println(req)
	fmt.Println(req.Check(pharmacist))
	// Output:
	// Medical Doctor (医師) or Dentist (歯科医師)
	// required HPKI role Medical Doctor (医師) or Dentist (歯科医師); the certificate has: Pharmacist (薬剤師)
}
