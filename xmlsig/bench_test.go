package xmlsig

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/cputime"
)

// benchDocument is the sample prescription grown to about 26 KB.
func benchDocument(b *testing.B) []byte {
	presc, err := os.ReadFile("../testdata/xml/prescription.xml")
	if err != nil {
		b.Fatal(err)
	}
	return bytes.Replace(presc, []byte("</PrescriptionData>"), append(bytes.Repeat([]byte("<Medication><Drug code=\"0000000\">アムロジピン錠5mg</Drug><Dose>1錠</Dose><Usage>1日1回 朝食後</Usage><Days>28</Days></Medication>\n"), 120), "</PrescriptionData>"...), 1)
}

// BenchmarkParse: the one-pass reader (Parse) against Scan + etree (the
// reference path).
func BenchmarkParse(b *testing.B) {
	doc := benchDocument(b)
	for _, bc := range []struct {
		name  string
		parse func([]byte) error
	}{
		{"fast", func(d []byte) error { _, err := Parse(d); return err }},
		{"reference", func(d []byte) error { _, err := parseReference(d); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			cpu0 := cputime.Process()
			for i := 0; i < b.N; i++ {
				if err := bc.parse(doc); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkCanonicalize canonicalizes the root of the document (exclusive).
func BenchmarkCanonicalize(b *testing.B) {
	doc, err := Parse(benchDocument(b))
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	cpu0 := cputime.Process()
	for i := 0; i < b.N; i++ {
		buf.Reset()
		if err := canonicalizeTo(&buf, doc.Root(), nil, nil, nil, AlgExcC14N, "", false); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
	}
	reportCPU(b, cpu0)
}

// reportCPU adds the process's CPU time per operation (garbage collection
// included), the figure that holds on a busy machine.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((cputime.Process()-cpu0).Nanoseconds())/1000/float64(b.N), "cpu-µs/op")
}
