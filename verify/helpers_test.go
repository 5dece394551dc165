package verify

import (
	"encoding/asn1"
	"math/big"
	"strings"
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

// Every sub-indication is explained in English and Japanese.
func TestReasonsComplete(t *testing.T) {
	all := []SubIndication{FormatFailure, HashFailure, SigCryptoFailure, Revoked, Expired, NotYetValid,
		NoCertificateChainFound, RevokedNoPOE, RevokedCANoPOE, OutOfBoundsNoPOE, OutOfBoundsNotRevoked, NoPOE,
		TryLater, SignedDataNotFound, NoSigningCertificateFound, ChainConstraintsFailure, CryptoConstraintsFailure,
		TimestampOrderFailure, SignaturePolicyNotAvail, SigConstraintsFailure, CertificateChainGeneral}
	for _, lang := range []string{"en", "ja"} {
		for _, sub := range all {
			if reasons[lang][sub] == "" {
				t.Errorf("%s: no reason for %s", lang, sub)
			}
		}
	}
}

// A failed signature's text report says why in the reader's language.
func TestTextReportGivesTheReason(t *testing.T) {
	r := &Report{Indication: TotalFailed, SubIndication: HashFailure, Signatures: []SignatureReport{{ID: "S1", Indication: TotalFailed, SubIndication: HashFailure}}}
	for lang, want := range map[string]string{"ja": "理由: 署名後に文書が変更された", "en": "Reason: the document was changed after it was signed"} {
		var b strings.Builder
		if err := r.WriteText(&b, lang); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s: %s", lang, b.String())
		}
	}
}
