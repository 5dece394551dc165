package archive

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

// BenchmarkArchiveCorpus runs Process over the corpus of make
// bench-archive named by HPKI_BENCH_DIR (with HPKI_BENCH_CRL), for
// profiles: go test -run '^$' -bench ArchiveCorpus -benchtime 1x -cpuprofile cpu.out ./archive
func BenchmarkArchiveCorpus(b *testing.B) {
	dir, crlFile := os.Getenv("HPKI_BENCH_DIR"), os.Getenv("HPKI_BENCH_CRL")
	if dir == "" {
		b.Skip("HPKI_BENCH_DIR not set")
	}
	p := testpki.MustLoad(b)
	crl, err := os.ReadFile(crlFile)
	if err != nil {
		b.Fatal(err)
	}
	opts := verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		CRLs:     [][]byte{crl},
		Offline:  true,
	}
	b.ResetTimer()
	n := 0
	for range b.N {
		src, err := Paths(filepath.Clean(dir))
		if err != nil {
			b.Fatal(err)
		}
		sum, err := Process(context.Background(), src, Options{Verify: opts}, nil)
		if err != nil || sum.Passed != sum.Records {
			b.Fatal(sum, err)
		}
		n += sum.Records
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
