package cms_test

import (
	"crypto"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/cputime"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/testpki"
)

// BenchmarkParseSignature parses a detached signature shaped like a B-T
// one (four signed attributes, the signer's chain, one unsigned attribute
// of 1.5 KB).
func BenchmarkParseSignature(b *testing.B) {
	p := testpki.MustLoad(b)
	sum := sha256.Sum256([]byte("document"))
	ct, _ := cms.NewAttribute(cms.OIDContentType, cms.OIDData)
	md, _ := cms.NewAttribute(cms.OIDMessageDigest, sum[:])
	sc, _ := cms.SigningCertificateV2Attr(p.Doctor.Cert, crypto.SHA256)
	si, err := cms.NewSignerInfo(p.Doctor.Key, p.Doctor.Cert, []cms.Attribute{ct, md, sc}, cms.SignOptions{Hash: crypto.SHA256})
	if err != nil {
		b.Fatal(err)
	}
	si.AddUnsignedAttr(cms.OIDSignatureTimeStamp, p.TSA.Cert.Raw)
	certs := [][]byte{p.Doctor.Cert.Raw}
	for _, c := range p.Doctor.Chain {
		certs = append(certs, c.Raw)
	}
	sig, err := (&cms.SignedData{Version: 1, ContentType: cms.OIDData, Certificates: certs, SignerInfos: []cms.SignerInfo{*si}}).Marshal()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for b.Loop() {
		if _, err := cms.Parse(sig); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cputime.Process()-cpu0)/float64(time.Microsecond)/float64(b.N), "cpu-µs/op")
}
