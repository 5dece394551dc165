package verify

import (
	"bytes"
	"context"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

// BenchmarkVerifyCAdES_BT verifies a 50 KB detached B-T signature (signer
// path, TSA token and its path, content digest) with one shared Verifier,
// as an archive re-verifying many records would.
func BenchmarkVerifyCAdES_BT(b *testing.B) {
	p := testpki.MustLoad(b)
	sig := signDoc(b, p.Doctor, sign.CAdESOptions{Level: sign.LevelT, TSA: stamper(b, p.TSA, timeZero)})
	v := New(opts(b))
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := v.VerifyCAdES(context.Background(), sig, bytes.NewReader(doc), "doc")
			if err != nil || r.Indication != TotalPassed {
				b.Errorf("%v %v", err, r)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}
