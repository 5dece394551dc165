package cms_test

import (
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/cms/cmstest"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// indexOver builds an ats-hash-index-v3 (SHA-256, no algorithm) listing
// the given unsigned-attribute entries, with the certificate and CRL
// lists empty.
func indexOver(entries [][]byte) []byte {
	var l []byte
	for _, e := range entries {
		l = append(l, 0x04, byte(len(e)))
		l = append(l, e...)
	}
	body := append([]byte{0x30, 0x00, 0x30, 0x00}, der(0x30, l)...)
	return der(0x30, body)
}

func der(tag byte, body []byte) []byte {
	out := []byte{tag}
	switch n := len(body); {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	default:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, body...)
}

// signerWithFillers returns a SignedData whose signer has n filler
// unsigned attributes, and the index hashes of those attributes.
func signerWithFillers(t testing.TB, n int) (*cms.SignedData, [][]byte) {
	t.Helper()
	p := testpki.MustLoad(t)
	ct, _ := cms.NewAttribute(cms.OIDContentType, cms.OIDData)
	si, err := cms.NewSignerInfo(p.Doctor.Key, p.Doctor.Cert, []cms.Attribute{ct}, cms.SignOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	typ, _ := asn1.Marshal(cmstest.OIDFiller)
	var hashes [][]byte
	for i := 0; i < n; i++ {
		val := []byte{0x04, 0x04, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)}
		si.AddUnsignedAttr(cmstest.OIDFiller, val)
		sum := sha256.Sum256(append(append([]byte{}, typ...), val...))
		hashes = append(hashes, sum[:])
	}
	return &cms.SignedData{Version: 1, ContentType: cms.OIDData, SignerInfos: []cms.SignerInfo{*si}}, hashes
}

// The index checker's bounds and multiset semantics.
func TestCheckIndexBounds(t *testing.T) {
	sd, hashes := signerWithFillers(t, 3)
	si := &sd.SignerInfos[0]
	for _, tc := range []struct {
		name    string
		entries [][]byte
		err     string
	}{
		{"every element once", hashes, ""},
		{"a subset", hashes[:2], ""},
		{"nothing", nil, ""},
		{"one element twice", [][]byte{hashes[0], hashes[0]}, "removed or changed"},
		{"more entries than elements", append(append([][]byte{}, hashes...), hashes[0]), "more unsigned attribute entries than the signature holds (3)"},
		{"an entry of the wrong length", [][]byte{hashes[0][:20]}, "entry of 20 bytes"},
		{"an unknown hash", [][]byte{make([]byte, 32)}, "removed or changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cms.NewArchiveElements(sd, si).CheckIndex(indexOver(tc.entries))
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

// Checking an index of M entries over N elements costs O(M + N) (issue 11
// item 2: a linear scan per entry made a 3.6 MB signature cost 22 s).
func TestCheckIndexLinear(t *testing.T) {
	type input struct {
		sd    *cms.SignedData
		index []byte
	}
	inputs := map[int]input{}
	cmstest.AssertLinear(t, "ats-hash-index-v3", func(scale int) []byte {
		sd, hashes := signerWithFillers(t, 4000*scale)
		// The worst order for a scan: the last element first.
		for i, j := 0, len(hashes)-1; i < j; i, j = i+1, j-1 {
			hashes[i], hashes[j] = hashes[j], hashes[i]
		}
		index := indexOver(hashes)
		inputs[len(index)] = input{sd, index}
		return index
	}, func(index []byte) {
		in := inputs[len(index)]
		if _, err := cms.CheckATSHashIndexV3(in.sd, &in.sd.SignerInfos[0], in.index); err != nil {
			t.Fatal(err)
		}
	})
}

// CheckSignedAttrs on SignerInfos built directly (the verifier's tests
// cover the same rules end to end).
func TestCheckSignedAttrs(t *testing.T) {
	p := testpki.MustLoad(t)
	ct, _ := cms.NewAttribute(cms.OIDContentType, cms.OIDData)
	md, _ := cms.NewAttribute(cms.OIDMessageDigest, make([]byte, 32))
	ct2, _ := cms.NewAttribute(cms.OIDContentType, cms.OIDTSTInfo)
	other, _ := cms.NewAttribute(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 99, 3}, 1)
	other2, _ := cms.NewAttribute(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 99, 3}, 2)
	for _, tc := range []struct {
		name  string
		attrs []cms.Attribute
		err   string
	}{
		{"content-type and message-digest", []cms.Attribute{ct, md}, ""},
		{"an unknown attribute twice is allowed", []cms.Attribute{ct, md, other, other2}, ""},
		{"two content-types", []cms.Attribute{ct, ct2, md}, "content-type (1.2.840.113549.1.9.3) appears 2 times"},
		{"content-type with two values", []cms.Attribute{{Type: cms.OIDContentType, Values: append(append([]asn1.RawValue{}, ct.Values...), ct2.Values...)}, md}, "content-type (1.2.840.113549.1.9.3) has 2 values"},
		{"an attribute without values", []cms.Attribute{ct, md, {Type: other.Type}}, "has no value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			si, err := cms.NewSignerInfo(p.Doctor.Key, p.Doctor.Cert, tc.attrs, cms.SignOptions{Hash: crypto.SHA256})
			if err != nil {
				t.Fatal(err)
			}
			enc, err := si.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := cms.ParseSignerInfo(enc)
			if err != nil {
				t.Fatal(err)
			}
			err = parsed.CheckSignedAttrs()
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}
