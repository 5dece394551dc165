package xmlsig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

func keyInfoOf(t testing.TB, inner string) *etree.Element {
	t.Helper()
	doc, err := Parse([]byte(`<ds:KeyInfo xmlns:ds="` + NSDSig + `" xmlns:dsig11="` + NSDSig11 + `">` + inner + `</ds:KeyInfo>`))
	if err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

// KeyValue reads RSA and EC keys as written, refuses what is malformed,
// ambiguous or out of bounds, and says when there is none.
func TestKeyValue(t *testing.T) {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b := base64.StdEncoding.EncodeToString
	point, _ := ek.PublicKey.ECDH()
	rsaKV := `<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>` + b(rk.N.Bytes()) + "\n</ds:Modulus><ds:Exponent> AQAB </ds:Exponent></ds:RSAKeyValue></ds:KeyValue>"
	ecKV := `<ds:KeyValue><dsig11:ECKeyValue><dsig11:NamedCurve URI="urn:oid:1.2.840.10045.3.1.7"/><dsig11:PublicKey>` + b(point.Bytes()) + `</dsig11:PublicKey></dsig11:ECKeyValue></ds:KeyValue>`
	k, err := KeyValue(keyInfoOf(t, rsaKV))
	if err != nil || !rk.PublicKey.Equal(k) {
		t.Fatalf("RSA: %v", err)
	}
	k, err = KeyValue(keyInfoOf(t, ecKV))
	if err != nil || !ek.PublicKey.Equal(k) {
		t.Fatalf("EC: %v", err)
	}
	if k, err := KeyValue(keyInfoOf(t, `<ds:X509Data/>`)); k != nil || err != nil {
		t.Fatalf("no KeyValue: %v %v", k, err)
	}
	offCurve := point.Bytes()
	offCurve[len(offCurve)-1] ^= 1
	for name, inner := range map[string]string{
		"two KeyValues":       rsaKV + rsaKV,
		"two keys in one":     strings.Replace(rsaKV, "</ds:KeyValue>", "<ds:RSAKeyValue/></ds:KeyValue>", 1),
		"no exponent":         `<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AQAB</ds:Modulus></ds:RSAKeyValue></ds:KeyValue>`,
		"even exponent":       strings.Replace(rsaKV, "AQAB", "AQAC", 1),
		"not base64":          strings.Replace(rsaKV, "AQAB", "@@", 1),
		"huge modulus":        `<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>` + b(make([]byte, 4096)) + `</ds:Modulus><ds:Exponent>AQAB</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>`,
		"point off the curve": strings.Replace(ecKV, b(point.Bytes()), b(offCurve), 1),
		"unknown curve":       strings.Replace(ecKV, "1.2.840.10045.3.1.7", "1.3.36.3.3.2.8.1.1.7", 1),
		"DSA":                 `<ds:KeyValue><ds:DSAKeyValue/></ds:KeyValue>`,
		"EC in the wrong ns":  strings.ReplaceAll(ecKV, "dsig11:", "ds:"),
		"empty KeyValue":      `<ds:KeyValue/>`,
	} {
		if _, err := KeyValue(keyInfoOf(t, inner)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzKeyValue(f *testing.F) {
	f.Add(`<ds:KeyValue><ds:RSAKeyValue><ds:Modulus>AQAB</ds:Modulus><ds:Exponent>AQAB</ds:Exponent></ds:RSAKeyValue></ds:KeyValue>`)
	f.Add(`<ds:KeyValue><dsig11:ECKeyValue><dsig11:NamedCurve URI="urn:oid:1.2.840.10045.3.1.7"/><dsig11:PublicKey>BAAA</dsig11:PublicKey></dsig11:ECKeyValue></ds:KeyValue>`)
	f.Fuzz(func(t *testing.T, inner string) {
		doc, err := Parse([]byte(`<ds:KeyInfo xmlns:ds="` + NSDSig + `" xmlns:dsig11="` + NSDSig11 + `">` + inner + `</ds:KeyInfo>`))
		if err != nil {
			return
		}
		k, err := KeyValue(doc.Root())
		if err == nil && k != nil {
			if r, ok := k.(*rsa.PublicKey); ok && (r.N.BitLen() > MaxKeyValueRSABits || r.E < 3) {
				t.Fatalf("out-of-bounds RSA key accepted")
			}
		}
	})
}
