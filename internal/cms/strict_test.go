package cms

import (
	"encoding/asn1"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/der"
)

// rewrite returns b (DER) with the element at path (child indexes from
// the top element) replaced by edit's result; lengths are recomputed.
func rewrite(t *testing.T, b []byte, path []int, edit func(asn1.RawValue) asn1.RawValue) []byte {
	t.Helper()
	var rv asn1.RawValue
	if _, err := asn1.Unmarshal(b, &rv); err != nil {
		t.Fatal(err)
	}
	if len(path) == 0 {
		rv = edit(rv)
	} else {
		var kids []asn1.RawValue
		for rest := rv.Bytes; len(rest) > 0; {
			var k asn1.RawValue
			var err error
			if rest, err = asn1.Unmarshal(rest, &k); err != nil {
				t.Fatal(err)
			}
			kids = append(kids, k)
		}
		kids[path[0]].FullBytes = rewrite(t, kids[path[0]].FullBytes, path[1:], edit)
		rv.Bytes = nil
		for _, k := range kids {
			rv.Bytes = append(rv.Bytes, k.FullBytes...)
		}
	}
	rv.FullBytes = nil
	out, err := asn1.Marshal(rv)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// appendElem adds extra at the end of a constructed element's content.
func appendElem(extra []byte) func(asn1.RawValue) asn1.RawValue {
	return func(rv asn1.RawValue) asn1.RawValue {
		rv.Bytes = append(append([]byte{}, rv.Bytes...), extra...)
		return rv
	}
}

// setInt replaces an INTEGER's value.
func setInt(v []byte) func(asn1.RawValue) asn1.RawValue {
	return func(rv asn1.RawValue) asn1.RawValue { rv.Bytes = v; return rv }
}

// What encoding/asn1 lets through and a CMS reader must not (OpenSSL
// refuses most of it, and two readers must not disagree on what a file
// holds): elements after the last field of ContentInfo, SignedData,
// EncapsulatedContentInfo (a second eContent) and SignerInfo, and
// versions RFC 5652 does not define. Paths: ContentInfo → [1] [0]
// content → [0] SignedData → fields (version 0, encapContentInfo 2,
// signerInfos last).
func TestParseStrictness(t *testing.T) {
	sig := realSignatures(t)[0]
	sd, err := Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	if len(sd.SignerInfos) != 1 {
		t.Fatalf("%d signers", len(sd.SignerInfos))
	}
	null := []byte{5, 0}
	econtent, _ := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: []byte{4, 4, 'E', 'V', 'I', 'L'}})
	// signerInfos is the last field of SignedData.
	var sdFields int
	{
		var ci struct {
			Type    asn1.ObjectIdentifier
			Content asn1.RawValue `asn1:"explicit,tag:0"`
		}
		if _, err := asn1.Unmarshal(sig, &ci); err != nil {
			t.Fatal(err)
		}
		var s asn1.RawValue
		asn1.Unmarshal(ci.Content.Bytes, &s)
		for rest := s.Bytes; len(rest) > 0; sdFields++ {
			var k asn1.RawValue
			rest, _ = asn1.Unmarshal(rest, &k)
		}
	}
	last := sdFields - 1
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"element after ContentInfo's content", rewrite(t, sig, nil, appendElem(null))},
		{"element after SignedData's signerInfos", rewrite(t, sig, []int{1, 0}, appendElem(null))},
		{"second eContent", rewrite(t, sig, []int{1, 0, 2}, appendElem(econtent))},
		{"element after a SignerInfo's last field", rewrite(t, sig, []int{1, 0, last, 0}, appendElem(null))},
		{"SignedData version -1", rewrite(t, sig, []int{1, 0, 0}, setInt([]byte{0xff}))},
		{"SignedData version 2", rewrite(t, sig, []int{1, 0, 0}, setInt([]byte{2}))},
		{"SignerInfo version 5", rewrite(t, sig, []int{1, 0, last, 0, 0}, setInt([]byte{5}))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseDERReflect(tc.in); err != nil {
				t.Fatalf("encoding/asn1 refuses it too (%v): the case tests nothing", err)
			}
			_, err := Parse(tc.in)
			if err == nil || !strings.Contains(err.Error(), der.StrictMark) {
				t.Fatalf("read: %v", err)
			}
		})
	}
}
