package revocation_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/trust"
)

func ExampleCheckCRL() {
	certs := filepath.Join("..", "testdata", "certs") // the committed test HPKI
	crl, err := os.ReadFile(filepath.Join(certs, "ca-sign.crl"))
	if err != nil {
		fmt.Println(err)
		return
	}
	ca, err := trust.ReadFiles(filepath.Join(certs, "ca-sign.pem"))
	if err != nil {
		fmt.Println(err)
		return
	}
	// The signing CA's CRL says the doctor is fine and names the revoked one.
	for _, name := range []string{"doctor.pem", "revoked.pem"} {
		c, err := trust.ReadFiles(filepath.Join(certs, name))
		if err != nil {
			fmt.Println(err)
			return
		}
		info, err := revocation.CheckCRL(crl, c[0], ca[0])
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(c[0].Subject.CommonName, info.Status, info.RevokedAt.Format("2006-01-02"))
	}
	// Output:
	// TEST DOCTOR Taro good 0001-01-01
	// TEST REVOKED Saburo revoked 2025-06-01
}
