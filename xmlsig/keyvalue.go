package xmlsig

import (
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"strings"

	"github.com/beevik/etree"
)

// NSDSig11 is the XML Signature 1.1 namespace (ECKeyValue).
const NSDSig11 = "http://www.w3.org/2009/xmldsig11#"

// Bounds on a KeyValue, so that a hostile one costs nothing: RSA moduli of
// at most MaxKeyValueRSABits bits, public exponents that fit 31 bits.
const MaxKeyValueRSABits = 16384

// KeyValue returns the public key of the ds:KeyValue of a ds:KeyInfo: an
// RSAKeyValue (Modulus, Exponent) or a dsig11:ECKeyValue on a named curve
// (P-256, P-384, P-521: NamedCurve URI urn:oid:…, PublicKey the
// uncompressed point). It returns nil, nil when keyInfo holds no KeyValue,
// and an error when it holds more than one, or one that is malformed or
// of another kind. The key is only a hint for finding the signer's
// certificate: it is never trusted by itself.
func KeyValue(keyInfo *etree.Element) (crypto.PublicKey, error) {
	if keyInfo == nil {
		return nil, nil
	}
	kvs := Children(keyInfo, NSDSig, "KeyValue")
	switch len(kvs) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, formatErr("KeyInfo holds %d KeyValue elements", len(kvs))
	}
	var kinds []*etree.Element
	for _, t := range kvs[0].Child {
		if c, ok := t.(*etree.Element); ok {
			kinds = append(kinds, c)
		}
	}
	if len(kinds) != 1 {
		return nil, formatErr("KeyValue must hold exactly one key, it holds %d elements", len(kinds))
	}
	k := kinds[0]
	switch {
	case Is(k, NSDSig, "RSAKeyValue"):
		n, err := cryptoBinary(Child(k, NSDSig, "Modulus"), "Modulus")
		if err != nil {
			return nil, err
		}
		e, err := cryptoBinary(Child(k, NSDSig, "Exponent"), "Exponent")
		if err != nil {
			return nil, err
		}
		if n.BitLen() > MaxKeyValueRSABits || n.Sign() <= 0 || e.BitLen() > 31 || e.Int64() < 3 || e.Bit(0) == 0 {
			return nil, formatErr("RSAKeyValue out of bounds")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case Is(k, NSDSig11, "ECKeyValue"):
		nc := Child(k, NSDSig11, "NamedCurve")
		pk := Child(k, NSDSig11, "PublicKey")
		if nc == nil || pk == nil {
			return nil, formatErr("ECKeyValue needs one NamedCurve and one PublicKey")
		}
		var curve elliptic.Curve
		var ecurve ecdh.Curve
		switch strings.TrimSpace(nc.SelectAttrValue("URI", "")) {
		case "urn:oid:1.2.840.10045.3.1.7":
			curve, ecurve = elliptic.P256(), ecdh.P256()
		case "urn:oid:1.3.132.0.34":
			curve, ecurve = elliptic.P384(), ecdh.P384()
		case "urn:oid:1.3.132.0.35":
			curve, ecurve = elliptic.P521(), ecdh.P521()
		default:
			return nil, formatErr("ECKeyValue curve %q not supported", nc.SelectAttrValue("URI", ""))
		}
		point, err := decodeB64(pk)
		if err != nil {
			return nil, formatErr("ECKeyValue PublicKey is not base64")
		}
		// crypto/ecdh checks the point is on the curve.
		if _, err := ecurve.NewPublicKey(point); err != nil {
			return nil, formatErr("ECKeyValue PublicKey is not a point of the curve")
		}
		size := (curve.Params().BitSize + 7) / 8
		return &ecdsa.PublicKey{Curve: curve, X: new(big.Int).SetBytes(point[1 : 1+size]), Y: new(big.Int).SetBytes(point[1+size:])}, nil
	}
	return nil, formatErr("KeyValue of kind %s is not supported", k.Tag)
}

// cryptoBinary decodes a ds:CryptoBinary element.
func cryptoBinary(el *etree.Element, name string) (*big.Int, error) {
	if el == nil {
		return nil, formatErr("RSAKeyValue needs one %s", name)
	}
	b, err := decodeB64(el)
	if err != nil || len(b) == 0 || len(b) > MaxKeyValueRSABits/8+1 {
		return nil, formatErr("RSAKeyValue %s is not base64 of a bounded number", name)
	}
	return new(big.Int).SetBytes(b), nil
}

// decodeB64 decodes base64 text, white space ignored.
func decodeB64(el *etree.Element) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(el.Text()), ""))
}
