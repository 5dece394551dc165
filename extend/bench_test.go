package extend

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// Offline validation of a renewed CAdES B-LTA (signature timestamp, two
// archive timestamps, embedded OCSP and CRLs) years after the signing CA
// expired: what an archive service re-verifying stored records pays.
func BenchmarkVerifyCAdES_LTA_Offline(b *testing.B) {
	w := newWorld(b)
	content := bytes.Repeat([]byte("referral letter 紹介状 "), 2000) // ~50 KB
	ctx := context.Background()
	w.set(tSign)
	sig := w.sign(b, content)
	w.set(tExtend)
	lta, err := CAdES(ctx, sig, bytes.NewReader(content), Options{To: sign.LevelLTA, TSA: w.stamp1, Verify: w.options(false)})
	if err != nil {
		b.Fatal(err)
	}
	w.set(tRenew)
	renewed, err := CAdES(ctx, lta.Signature, bytes.NewReader(content), Options{To: sign.LevelLTA, TSA: w.stamp2, Verify: w.options(false)})
	if err != nil {
		b.Fatal(err)
	}
	w.set(tLater)
	v := verify.New(w.options(true))
	b.SetBytes(int64(len(content)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rep, err := v.VerifyCAdES(ctx, renewed.Signature, bytes.NewReader(content), "")
			if err != nil || rep.Indication != verify.TotalPassed {
				b.Fatalf("%v %v", err, rep.Indication)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
}

// The cost of extending one B-T signature to B-LTA: validation, OCSP and
// CRL requests to local responders, the archive timestamp from a local
// TSA, and the check of the result.
func BenchmarkExtendCAdES_LTA(b *testing.B) {
	benchExtend(b, func(opts Options) func(context.Context, []byte, io.ReadSeeker) (*Result, error) {
		return func(ctx context.Context, sig []byte, content io.ReadSeeker) (*Result, error) {
			return CAdES(ctx, sig, content, opts)
		}
	})
}

// BenchmarkExtenderCAdES_LTA is BenchmarkExtendCAdES_LTA with one
// Extender for every extension, as an archive renewal uses it.
func BenchmarkExtenderCAdES_LTA(b *testing.B) {
	benchExtend(b, func(opts Options) func(context.Context, []byte, io.ReadSeeker) (*Result, error) {
		e, err := NewExtender(opts)
		if err != nil {
			b.Fatal(err)
		}
		return e.CAdES
	})
}

// benchExtend extends one B-T signature to B-LTA b.N times with the
// function extender returns for the options.
func benchExtend(b *testing.B, extender func(Options) func(context.Context, []byte, io.ReadSeeker) (*Result, error)) {
	w := newWorld(b)
	content := bytes.Repeat([]byte("referral letter 紹介状 "), 2000)
	ctx := context.Background()
	w.set(tSign)
	sig := w.sign(b, content)
	w.set(tExtend)
	extend := extender(Options{To: sign.LevelLTA, TSA: w.stamp1, Verify: w.options(false)})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := extend(ctx, sig, bytes.NewReader(content)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "extensions/s")
}
