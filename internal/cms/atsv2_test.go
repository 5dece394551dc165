package cms

import (
	"bytes"
	"testing"
)

// parseRaw keeps each element as the input encoded it: an indefinite-length
// SignedData (as openssl cms -stream writes) gives back its own bytes, and
// the unsigned attributes line up with the parsed ones.
func TestParseRawKeepsEncodings(t *testing.T) {
	attr := []byte{0x30, 0x80, 0x06, 0x01, 0x2a, 0x31, 0x03, 0x04, 0x01, 0x07, 0x00, 0x00} // indefinite Attribute
	signerFields := []byte{
		0x02, 0x01, 0x01, // version
		0x80, 0x01, 0x09, // sid [0] subjectKeyIdentifier
		0x30, 0x03, 0x06, 0x01, 0x2a, // digestAlgorithm
		0x30, 0x03, 0x06, 0x01, 0x2b, // signatureAlgorithm
		0x04, 0x01, 0x05, // signature
	}
	signer := append(append([]byte{0x30, 0x80}, signerFields...), append(append([]byte{0xa1, 0x80}, attr...), 0, 0, 0, 0)...)
	encap := []byte{0x30, 0x80, 0x06, 0x01, 0x2a, 0xa0, 0x80, 0x24, 0x80, 0x04, 0x01, 'h', 0x04, 0x01, 'i', 0, 0, 0, 0, 0, 0}
	certs := []byte{0xa0, 0x03, 0x02, 0x01, 0x00}
	sd := append([]byte{0x30, 0x80, 0x02, 0x01, 0x01, 0x31, 0x00}, encap...)
	sd = append(sd, certs...)
	sd = append(append(append(sd, 0x31, 0x80), signer...), 0, 0, 0, 0)
	ci := append(append([]byte{0x30, 0x80, 0x06, 0x01, 0x2a, 0xa0, 0x80}, sd...), 0, 0, 0, 0)
	r, err := parseRaw(ci)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.EncapContentInfo, encap) || !bytes.Equal(r.Certificates, certs) || r.CRLs != nil {
		t.Fatalf("fields % x | % x | % x", r.EncapContentInfo, r.Certificates, r.CRLs)
	}
	if len(r.Signers) != 1 || !bytes.Equal(r.Signers[0].Fields, signerFields) || len(r.Signers[0].UnsignedAttrs) != 1 || !bytes.Equal(r.Signers[0].UnsignedAttrs[0], attr) {
		t.Fatalf("signer %+v", r.Signers)
	}
	if got := r.ATSv2Middle(0); !bytes.Equal(got, append(append([]byte{}, certs...), signerFields...)) {
		t.Fatalf("middle % x", got)
	}
	tagged := bytes.Join(ATSv2Tail(r.Signers[0].UnsignedAttrs, ATSv2WithUnsignedAttrsTag), nil)
	if !bytes.Equal(tagged, append([]byte{0xa1, byte(len(attr))}, attr...)) {
		t.Fatalf("tagged tail % x", tagged)
	}
	if bare := bytes.Join(ATSv2Tail(r.Signers[0].UnsignedAttrs, ATSv2BareUnsignedAttrs), nil); !bytes.Equal(bare, attr) {
		t.Fatalf("bare tail % x", bare)
	}
	for _, bad := range [][]byte{ci[:len(ci)-2], ci[:20], {0x30, 0x80, 0x30, 0x80}, {0x30, 0x00}} {
		if _, err := parseRaw(bad); err == nil {
			t.Errorf("% x accepted", bad)
		}
	}
}

// FuzzParseRaw: parseRaw never panics, every slice it returns lies in its
// input, and Parse attaches it only when it lines up with its reading.
func FuzzParseRaw(f *testing.F) {
	f.Add([]byte{0x30, 0x80, 0x06, 0x01, 0x2a, 0xa0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x03, 0x06, 0x01, 0x2a, 0x31, 0x00, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x30, 0x80, 0x30, 0x80, 0x30, 0x80, 0x30, 0x80, 0, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := parseRaw(in)
		if err == nil {
			for _, s := range append([][]byte{r.EncapContentInfo, r.Certificates, r.CRLs}, func() (out [][]byte) {
				for _, si := range r.Signers {
					out = append(out, si.UnsignedAttrs...)
				}
				return
			}()...) {
				if len(s) > 0 && !bytes.Contains(in, s) {
					t.Fatalf("slice % x not in the input", s)
				}
			}
		}
		if sd, err := Parse(in); err == nil && sd.Raw != nil {
			for i := range sd.SignerInfos {
				if len(sd.Raw.Signers[i].UnsignedAttrs) != len(sd.SignerInfos[i].UnsignedAttrs) {
					t.Fatal("raw attributes do not line up")
				}
			}
		}
	})
}
