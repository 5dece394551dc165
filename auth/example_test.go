package auth_test

import (
	"fmt"

	"github.com/hpki-jp/hpki/auth"
)

// The exact text a card signs to log in (CKM_RSA_PKCS over the SHA-256
// DigestInfo of these bytes): the origin the client connected to, the
// server's one-time nonce, and the client's clock.
func ExampleToBeSigned() {
	origin, _ := auth.Origin("HTTPS://EHR.example:443/login")
	tbs, _ := auth.ToBeSigned(origin, "q2hJ7pQ4b5oL4cJxk8cJ0m3s0dXzZk6Yw8H2n4k1r0A", "2030-01-01T09:00:00Z")
	fmt.Println(string(tbs))
	// Output:
	// hpki-login-v1
	// origin=https://ehr.example
	// nonce=q2hJ7pQ4b5oL4cJxk8cJ0m3s0dXzZk6Yw8H2n4k1r0A
	// time=2030-01-01T09:00:00Z
}
