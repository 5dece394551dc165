package verify

import (
	"encoding/asn1"
	"math/big"
	"testing"
)

// timestampRequest encodes an RFC 3161 request for a SHA-256 digest.
func timestampRequest(digest []byte) []byte {
	type alg struct {
		Algorithm asn1.ObjectIdentifier
	}
	type imprint struct {
		HashAlgorithm alg
		HashedMessage []byte
	}
	req, _ := asn1.Marshal(struct {
		Version        int
		MessageImprint imprint
		Nonce          *big.Int
		CertReq        bool
	}{1, imprint{alg{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}}, digest}, big.NewInt(7), true})
	return req
}

// Every report text exists in English and Japanese.
func TestMessagesComplete(t *testing.T) {
	for lang, other := range map[string]string{"en": "ja", "ja": "en"} {
		for k := range messages[lang] {
			if _, ok := messages[other][k]; !ok {
				t.Errorf("message %q is in %s but not in %s", k, lang, other)
			}
		}
	}
}
