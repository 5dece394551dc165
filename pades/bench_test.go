package pades

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/hpki-jp/hpki/internal/cputime"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// bigPDF is a 10 MB PDF (a page with a 10 MB image-like stream) signed
// five times at B-T, in five revisions, and extended to B-LT (a DSS).
func bigPDF(b testing.TB) []byte {
	p := loadPKI(b)
	img := make([]byte, 10<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img {
		img[i] = byte(r.Uint32())
	}
	pdf := buildPDF([]string{
		"<</Type/Catalog/Pages 2 0 R>>",
		"<</Type/Pages/Kids[3 0 R]/Count 1>>",
		"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</XObject<</Im1 5 0 R>>>>/Contents 4 0 R>>",
		streamBody("q 595 0 0 842 0 0 cm /Im1 Do Q"),
		fmt.Sprintf("<</Type/XObject/Subtype/Image/Width 2048/Height 1280/ColorSpace/DeviceRGB/BitsPerComponent 8/Length %d>>\nstream\n%s\nendstream", len(img), img),
		"<</Producer(hpki bench)>>",
	}, "")
	ts := testTSA(b)
	for _, who := range []sign.Credential{cred(p.Doctor), cred(p.Pharmacist), cred(p.Dentist), cred(p.Director), cred(p.Doctor)} {
		pdf = signBytes(b, pdf, who, SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: ts}})
	}
	lt, _ := extendBytes(b, pdf, sign.LevelLT)
	return lt
}

// BenchmarkVerifyPDF10MB5Sigs verifies the 10 MB PDF with five signatures
// and a DSS, offline, on as many goroutines as GOMAXPROCS (one Verifier, as
// a service would share it).
func BenchmarkVerifyPDF10MB5Sigs(b *testing.B) {
	pdf := bigPDF(b)
	v := verify.New(verifyOpts(b))
	rep, err := Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), v)
	if err != nil || rep.Indication != verify.TotalPassed || len(rep.Signatures) != 5 || rep.Level() != "PAdES-BASELINE-LT" {
		b.Fatalf("%v %+v", err, rep)
	}
	b.SetBytes(int64(len(pdf)))
	cpu0 := cputime.Process()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rep, err := Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), v)
			if err != nil || rep.Indication != verify.TotalPassed {
				b.Fatal(err)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	// CPU time per verification: the figure that holds on a busy machine
	// (2 cores ÷ it = the rate two idle cores reach).
	b.ReportMetric(float64((cputime.Process()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// TestWriteBenchPDF writes the benchmark's PDF for scripts/bench.sh (the
// pdfsig loop): PADES_BENCH_PDF=FILE.
func TestWriteBenchPDF(t *testing.T) {
	name := os.Getenv("PADES_BENCH_PDF")
	if name == "" {
		t.Skip("set PADES_BENCH_PDF=FILE to write the benchmark PDF")
	}
	if err := os.WriteFile(name, bigPDF(t), 0o644); err != nil {
		t.Fatal(err)
	}
}
