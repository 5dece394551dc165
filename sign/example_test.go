package sign_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/keyfile"
	"github.com/hpki-jp/hpki/sign"
)

func ExampleSignCAdES() {
	c, err := keyfile.Load(filepath.Join("..", "testdata", "certs", "doctor.key"), filepath.Join("..", "testdata", "certs", "doctor.pem"), filepath.Join("..", "testdata", "certs", "chain-sign.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	doctorOnly, _ := hcrole.ParseRequirement("医師")
	res, err := sign.SignCAdES(context.Background(), strings.NewReader("referral letter"),
		sign.Credential{Signer: c.Signer, Certificate: c.Certificate, Chain: c.Chain},
		sign.CAdESOptions{RequireRole: doctorOnly})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(res.Signature) > 0, len(res.Warnings))
	// Output: true 0
}
