package cms

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"unicode/utf8"
)

// SameName reports whether two DER Names are the same name as RFC 5280
// §7.1 compares them: byte-equal, or the same attribute types in the same
// RDNs with values equal after the string type (PrintableString,
// UTF8String, …) is set aside, case is folded and white space is trimmed
// and collapsed. Producers re-encode issuer names in IssuerSerial
// (UTF8String for PrintableString, other case): such a name is the same
// name. Values that are not strings must be byte-equal.
func SameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var ra, rb pkix.RDNSequence
	if rest, err := asn1.Unmarshal(a, &ra); err != nil || len(rest) != 0 {
		return false
	}
	if rest, err := asn1.Unmarshal(b, &rb); err != nil || len(rest) != 0 {
		return false
	}
	if len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		if len(ra[i]) != len(rb[i]) {
			return false
		}
		used := make([]bool, len(rb[i]))
		for _, x := range ra[i] {
			found := false
			for j, y := range rb[i] {
				if !used[j] && x.Type.Equal(y.Type) && sameValue(x.Value, y.Value) {
					used[j], found = true, true
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	return true
}

func sameValue(x, y any) bool {
	xs, xok := x.(string)
	ys, yok := y.(string)
	if !xok || !yok {
		xb, _ := asn1.Marshal(x)
		yb, _ := asn1.Marshal(y)
		return xb != nil && bytes.Equal(xb, yb)
	}
	if !utf8.ValidString(xs) || !utf8.ValidString(ys) {
		return false
	}
	return strings.EqualFold(strings.Join(strings.Fields(xs), " "), strings.Join(strings.Fields(ys), " "))
}
