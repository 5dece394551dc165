package verify_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/keyfile"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

func ExampleVerifyCAdES() {
	// A detached signature made by the test doctor.
	c, _ := keyfile.Load(filepath.Join("..", "testdata", "certs", "doctor.key"), filepath.Join("..", "testdata", "certs", "doctor.pem"), filepath.Join("..", "testdata", "certs", "chain-sign.pem"))
	letter := "referral letter"
	res, err := sign.SignCAdES(context.Background(), strings.NewReader(letter),
		sign.Credential{Signer: c.Signer, Certificate: c.Certificate, Chain: c.Chain}, sign.CAdESOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Validate it against the test HPKI root, requiring a physician, with
	// the signing CA's CRL as revocation data and nothing fetched.
	anchors, err := trust.Load(filepath.Join("..", "testdata", "certs", "root.pem"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	crl, err := os.ReadFile(filepath.Join("..", "testdata", "certs", "ca-sign.crl"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	doctorOnly, _ := hcrole.ParseRequirement("医師")
	rep, err := verify.VerifyCAdES(context.Background(), res.Signature, strings.NewReader(letter),
		verify.Options{Trust: anchors, RequireRole: doctorOnly, CRLs: [][]byte{crl}, Offline: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	s := rep.Signatures[0]
	fmt.Println(rep.Indication, s.Level, s.Signer.SubjectJa, s.Signer.Roles[0].Ja)
	// Output: TOTAL_PASSED CAdES-BASELINE-B 試験 医師太郎 医師
}
