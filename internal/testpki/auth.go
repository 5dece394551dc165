package testpki

import (
	"crypto"

	"github.com/hpki-jp/hpki/hcrole"
)

// AuthenticationWithRoles issues, under the authentication CA and for key,
// an HPKI authentication (認証用) certificate valid as long as the doctor's,
// carrying exactly roles: for login tests (revoked or role-less holders).
func (p *PKI) AuthenticationWithRoles(romaji, kanji, serial string, roles []hcrole.Role, key crypto.Signer) (*Credential, error) {
	who := person{romaji: romaji, kanji: kanji, serial: serial, roles: roles}
	return IssueCert(hpkiTemplate(who, p.DoctorAuth.Cert.NotBefore, p.DoctorAuth.Cert.NotAfter, true), p.AuthCA, key)
}
