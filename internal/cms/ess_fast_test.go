package cms

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"reflect"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// FuzzSigningCertificateV2Fast: what the fast reader accepts,
// encoding/asn1 reads to the same hash, issuer names and serial number,
// with no hash algorithm.
func FuzzSigningCertificateV2Fast(f *testing.F) {
	p := testpki.MustLoad(f)
	for _, c := range []*x509.Certificate{p.Doctor.Cert, p.TSA.Cert} {
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
			a, err := SigningCertificateV2Attr(c, h)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(a.Values[0].FullBytes)
		}
	}
	f.Add([]byte{0x30, 0x06, 0x30, 0x04, 0x30, 0x02, 0x04, 0x00})
	f.Add([]byte{0x30, 0x0b, 0x30, 0x09, 0x30, 0x07, 0x04, 0x00, 0x30, 0x03, 0x30, 0x00, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, der []byte) {
		hash, is, ok := signingCertificateV2Fast(der)
		if !ok {
			return
		}
		var sc signingCertificateV2
		rest, err := asn1.Unmarshal(der, &sc)
		if err != nil || len(rest) != 0 || len(sc.Certs) == 0 {
			t.Fatalf("%x: fast read accepted, encoding/asn1: %v, %d bytes left, %d ids", der, err, len(rest), len(sc.Certs))
		}
		id := sc.Certs[0]
		if len(id.HashAlgorithm.Algorithm) != 0 || !reflect.DeepEqual([]byte(id.CertHash), hash) && !(len(id.CertHash) == 0 && len(hash) == 0) {
			t.Fatalf("%x: hash %x (alg %v), fast %x", der, id.CertHash, id.HashAlgorithm.Algorithm, hash)
		}
		if (id.IssuerSerial.Serial == nil) != (is.Serial == nil) || is.Serial != nil && is.Serial.Cmp(id.IssuerSerial.Serial) != 0 {
			t.Fatalf("%x: serial %v, fast %v", der, id.IssuerSerial.Serial, is.Serial)
		}
		if len(id.IssuerSerial.Issuer) != len(is.Issuer) {
			t.Fatalf("%x: %d names, fast %d", der, len(id.IssuerSerial.Issuer), len(is.Issuer))
		}
		for i, n := range id.IssuerSerial.Issuer {
			g := is.Issuer[i]
			if n.Class != g.Class || n.Tag != g.Tag || n.IsCompound != g.IsCompound || string(n.Bytes) != string(g.Bytes) || string(n.FullBytes) != string(g.FullBytes) {
				t.Fatalf("%x: name %d %+v, fast %+v", der, i, n, g)
			}
		}
	})
}

// TestCheckSigningCertificateFastAndSlow: the attribute of a signer is
// checked alike whether the fast reader or encoding/asn1 reads it.
func TestCheckSigningCertificateFastAndSlow(t *testing.T) {
	p := testpki.MustLoad(t)
	a, err := SigningCertificateV2Attr(p.Doctor.Cert, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := signingCertificateV2Fast(a.Values[0].FullBytes); !ok {
		t.Fatal("the plain attribute is not read by the fast reader")
	}
	if m, err := CheckSigningCertificate(&a, p.Doctor.Cert); err != nil || !m.V2 || m.Hash != crypto.SHA256 {
		t.Fatalf("%+v %v", m, err)
	}
	if _, err := CheckSigningCertificate(&a, p.TSA.Cert); err == nil {
		t.Fatal("another certificate matched")
	}
	// SHA-512 names its algorithm: encoding/asn1 reads it.
	a512, _ := SigningCertificateV2Attr(p.Doctor.Cert, crypto.SHA512)
	if _, _, ok := signingCertificateV2Fast(a512.Values[0].FullBytes); ok {
		t.Fatal("the fast reader took an attribute with a hash algorithm")
	}
	if m, err := CheckSigningCertificate(&a512, p.Doctor.Cert); err != nil || m.Hash != crypto.SHA512 {
		t.Fatalf("%+v %v", m, err)
	}
}
