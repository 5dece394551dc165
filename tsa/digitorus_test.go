package tsa

import (
	"crypto"
	"crypto/sha256"
	"math/big"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// The TSA server's responses read by an independent RFC 3161
// implementation (github.com/digitorus/timestamp, which also checks the
// token's CMS signature with github.com/digitorus/pkcs7), and a request
// encoded by it answered by the server: both ends interoperate.
func TestServerInteropDigitorus(t *testing.T) {
	p := testpki.MustLoad(t)
	s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert, Accuracy: 1500 * time.Millisecond}
	sum := sha256.Sum256([]byte("referral letter"))
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		d := h.New()
		d.Write([]byte("referral letter"))
		digest := d.Sum(nil)
		req, err := (&timestamp.Request{HashAlgorithm: h, HashedMessage: digest, Nonce: big.NewInt(4242), Certificates: true}).Marshal()
		if err != nil {
			t.Fatal(err)
		}
		resp := s.Respond(req)
		ts, err := timestamp.ParseResponse(resp)
		if err != nil {
			t.Fatalf("%v: digitorus/timestamp cannot read our response: %v", h, err)
		}
		ours, err := ParseResponse(resp)
		if err != nil {
			t.Fatal(err)
		}
		if ts.HashAlgorithm != h || string(ts.HashedMessage) != string(digest) || ts.Nonce.Int64() != 4242 ||
			!ts.Time.Equal(ours.GenTime) || ts.SerialNumber.Cmp(ours.SerialNumber) != 0 || !ts.Policy.Equal(DefaultPolicy) ||
			ts.Accuracy != 1500*time.Millisecond || len(ts.Certificates) == 0 || !ts.Certificates[0].Equal(p.TSA.Cert) {
			t.Fatalf("%v: digitorus reads %+v, we read %+v", h, ts, ours)
		}
		if _, _, err := ours.Verify(h, digest, VerifyOptions{Roots: tsaRoots(t)}); err != nil {
			t.Fatal(err)
		}
	}
	// A response whose token was altered is refused by both.
	req, _ := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: sum[:], Certificates: true}).Marshal()
	resp := s.Respond(req)
	i := len(resp) - 10
	resp[i] ^= 0xff
	if _, err := timestamp.ParseResponse(resp); err == nil {
		t.Error("digitorus accepted an altered token")
	}
	if tok, err := ParseResponse(resp); err == nil {
		if _, _, err := tok.Verify(crypto.SHA256, sum[:], VerifyOptions{Roots: tsaRoots(t)}); err == nil {
			t.Error("we accepted an altered token")
		}
	}
}
