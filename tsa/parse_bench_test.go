package tsa

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/cputime"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// BenchmarkParseToken parses a token of the server (TSTInfo with a TSA
// name, one certificate), with the certificate parsed once as a
// validator's cache does: the parsing a re-verification pays per token.
func BenchmarkParseToken(b *testing.B) {
	p := testpki.MustLoad(b)
	s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}
	sum := sha256.Sum256([]byte("x"))
	req, _ := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, CertReq: true})
	tok, err := ParseResponse(s.Respond(req))
	if err != nil {
		b.Fatal(err)
	}
	cached := func([]byte) (*x509.Certificate, error) { return p.TSA.Cert, nil }
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for b.Loop() {
		if _, err := ParseTokenWith(tok.Raw, cached); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cputime.Process()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}
