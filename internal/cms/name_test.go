package cms

import (
	"encoding/asn1"
	"testing"
)

// rdn encodes a Name of one-attribute RDNs; tag is the string type.
func name(t *testing.T, tag int, pairs ...string) []byte {
	t.Helper()
	oids := map[string]asn1.ObjectIdentifier{"C": {2, 5, 4, 6}, "O": {2, 5, 4, 10}, "CN": {2, 5, 4, 3}}
	var seq []byte
	for i := 0; i < len(pairs); i += 2 {
		oid, _ := asn1.Marshal(oids[pairs[i]])
		val, _ := asn1.Marshal(asn1.RawValue{Tag: tag, Bytes: []byte(pairs[i+1])})
		atv, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: append(oid, val...)})
		set, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: atv})
		seq = append(seq, set...)
	}
	out, _ := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: seq})
	return out
}

func TestSameName(t *testing.T) {
	ps, utf := asn1.TagPrintableString, asn1.TagUTF8String
	a := name(t, ps, "C", "JP", "O", "HPKI TEST", "CN", "HPKI TEST CA")
	tests := []struct {
		name string
		b    []byte
		same bool
	}{
		{"identical", name(t, ps, "C", "JP", "O", "HPKI TEST", "CN", "HPKI TEST CA"), true},
		{"UTF8String for PrintableString", name(t, utf, "C", "JP", "O", "HPKI TEST", "CN", "HPKI TEST CA"), true},
		{"case and spaces", name(t, utf, "C", "jp", "O", " hpki  test ", "CN", "HPKI Test CA"), true},
		{"other value", name(t, ps, "C", "JP", "O", "HPKI TEST", "CN", "HPKI TEST CA2"), false},
		{"other order", name(t, ps, "O", "HPKI TEST", "C", "JP", "CN", "HPKI TEST CA"), false},
		{"one RDN less", name(t, ps, "C", "JP", "O", "HPKI TEST"), false},
		{"other type", name(t, ps, "C", "JP", "CN", "HPKI TEST", "CN", "HPKI TEST CA"), false},
		{"not a name", []byte{0x30, 0x01}, false},
	}
	for _, tc := range tests {
		if got := SameName(a, tc.b); got != tc.same {
			t.Errorf("%s: SameName = %v", tc.name, got)
		}
	}
}
