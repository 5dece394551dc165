package tsa

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"testing"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// A token whose signed attributes repeat a single-valued attribute (here a
// second signing-certificate-v2 naming another certificate), signed again
// by the TSA's own key so that only this rule can refuse it, is malformed:
// the verifier never picks one of two bindings silently.
func TestTokenRepeatedSignedAttribute(t *testing.T) {
	p := testpki.MustLoad(t)
	sum := sha256.Sum256([]byte("x"))
	s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}
	req, _ := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, CertReq: true})
	tok, err := ParseResponse(s.Respond(req))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.VerifySignature(nil); err != nil {
		t.Fatalf("control: the genuine token: %v", err)
	}
	sd, err := cms.Parse(tok.Raw)
	if err != nil {
		t.Fatal(err)
	}
	si := &sd.SignerInfos[0]
	extra, err := cms.SigningCertificateV2Attr(p.TSANoEKU.Cert, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if err := si.SetSignedAttrs(append(append([]cms.Attribute{}, si.SignedAttrs...), extra)); err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256(si.SignedAttrsForSignature())
	if si.Signature, err = p.TSA.Key.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
		t.Fatal(err)
	}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	forged, err := ParseToken(der)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := forged.VerifySignature(nil); ReasonOf(err) != Malformed {
		t.Fatalf("err = %v (reason %v), want Malformed", err, ReasonOf(err))
	}
}
