package revocation_test

import (
	"fmt"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/revocation"
)

func ExampleCheckCRL() {
	p, err := testpki.Load(testpki.Dir())
	if err != nil {
		fmt.Println(err)
		return
	}
	// The signing CA's CRL says the doctor is fine and names the revoked one.
	for _, c := range []*testpki.Credential{p.Doctor, p.Revoked} {
		info, err := revocation.CheckCRL(p.CRL, c.Cert, p.SignCA.Cert)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c.Cert.Subject.CommonName, info.Status, info.RevokedAt.Format("2006-01-02"))
	}
	// Output:
	// TEST DOCTOR Taro good 0001-01-01
	// TEST REVOKED Saburo revoked 2025-06-01
}
