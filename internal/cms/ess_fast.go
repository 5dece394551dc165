package cms

import (
	"encoding/asn1"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signingCertificateV2Fast reads a SigningCertificateV2 (RFC 5035) of the
// plain shape signers and TSAs write: one ESSCertIDv2 without a hash
// algorithm (SHA-256, as DER requires), its hash, and an IssuerSerial
// whose names have low tag numbers, nothing else and no trailing bytes.
// For any other shape ok is false and the caller uses encoding/asn1, which
// accepts more (and reads what this accepts to the same values:
// FuzzSigningCertificateV2Fast). It avoids encoding/asn1's reflection,
// which cost more than the hashing it checks.
func signingCertificateV2Fast(der []byte) (certHash []byte, is IssuerSerial, ok bool) {
	s := cryptobyte.String(der)
	var sc, certs, id cryptobyte.String
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !s.Empty() ||
		!sc.ReadASN1(&certs, cbasn1.SEQUENCE) || !sc.Empty() ||
		!certs.ReadASN1(&id, cbasn1.SEQUENCE) || !certs.Empty() {
		return nil, is, false
	}
	var hash cryptobyte.String
	if !id.ReadASN1(&hash, cbasn1.OCTET_STRING) {
		return nil, is, false
	}
	certHash = hash
	if id.Empty() {
		return certHash, is, true
	}
	var iss, names cryptobyte.String
	serial := new(big.Int)
	if !id.ReadASN1(&iss, cbasn1.SEQUENCE) || !id.Empty() ||
		!iss.ReadASN1(&names, cbasn1.SEQUENCE) || !iss.ReadASN1Integer(serial) || !iss.Empty() {
		return nil, is, false
	}
	is.Issuer = []asn1.RawValue{}
	for !names.Empty() {
		if names[0]&0x1f == 0x1f { // high tag number form
			return nil, is, false
		}
		var full, content cryptobyte.String
		if !names.ReadAnyASN1Element(&full, nil) {
			return nil, is, false
		}
		if e := full; !e.ReadAnyASN1(&content, nil) {
			return nil, is, false
		}
		is.Issuer = append(is.Issuer, asn1.RawValue{
			Class:      int(full[0] >> 6),
			Tag:        int(full[0] & 0x1f),
			IsCompound: full[0]&0x20 != 0,
			Bytes:      content,
			FullBytes:  full,
		})
	}
	is.Serial = serial
	return certHash, is, true
}
