package verify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/cputime"
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
	cpu0 := cputime.Process()
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
	reportRates(b, cpu0)
}

// benchPrescription is the prescription grown to about 26 KB with more
// medication entries, signed B-T by reference to PrescriptionData.
func benchPrescription(b testing.TB) []byte {
	p := testpki.MustLoad(b)
	presc := readXML(b, "prescription.xml")
	grown := bytes.Replace(presc, []byte("</PrescriptionData>"), bytes.Repeat([]byte("<Medication><Drug code=\"0000000\">アムロジピン錠5mg</Drug><Dose>1錠</Dose><Usage>1日1回 朝食後</Usage><Days>28</Days></Medication>\n"), 120), 1)
	grown = append(grown[:len(grown)-len("</Document>\n")], []byte("</PrescriptionData>\n</Document>\n")...)
	return signXML(b, p.Doctor, grown, sign.XAdESOptions{ReferenceID: "PrescriptionData", Level: sign.LevelT, TSA: stamper(b, p.TSA, time.Time{})})
}

// cdaDocument is a clinical document of about size bytes shaped like an
// HL7 CDA R2 one: namespaces declared on the root and re-declared below,
// coded entries with several attributes, Japanese narrative text, xml:lang,
// comments and character references.
func cdaDocument(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<?xml-stylesheet type="text/xsl" href="cda.xsl"?>` + "\n")
	b.WriteString(`<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sdtc="urn:hl7-org:sdtc" xml:lang="ja-JP">` + "\n")
	b.WriteString(`<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/><id root="1.2.392.200119.6.102.11312345678" extension="0001"/>` + "\n")
	b.WriteString("<component><structuredBody>\n")
	for i := 0; b.Len() < size-200; i++ {
		fmt.Fprintf(&b, `<component><section ID="s%d"><code code="%05d" codeSystem="1.2.392.200119.4.101.6" displayName="検体検査"/>`+"\n", i, i)
		b.WriteString(`<title>検査結果 &amp; 所見</title><!-- 第` + fmt.Sprint(i) + `節 -->` + "\n" + `<text><paragraph>白血球数は基準範囲内&#x3002; Na 140 mEq/L &lt; 145</paragraph></text>` + "\n")
		for j := 0; j < 6; j++ {
			fmt.Fprintf(&b, `<entry typeCode="DRIV"><observation classCode="OBS" moodCode="EVN"><code code="3A%03d" codeSystem="1.2.392.200119.4.504" xsi:type="CD"/>`+
				`<effectiveTime value="20261120"/><value xsi:type="PQ" value="%d.%d" unit="10*3/uL"/><sdtc:statusCode code="completed"/></observation></entry>`+"\n", j, i%97, j)
		}
		b.WriteString("</section></component>\n")
	}
	b.WriteString("</structuredBody></component>\n</ClinicalDocument>\n")
	return b.Bytes()
}

func benchVerifyXAdES(b *testing.B, signed []byte) {
	v := New(opts(b))
	b.SetBytes(int64(len(signed)))
	b.ReportAllocs()
	cpu0 := cputime.Process()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, err := v.VerifyXAdES(context.Background(), signed, nil)
			if err != nil || r.Indication != TotalPassed {
				b.Errorf("%v %+v", err, r)
				return
			}
		}
	})
	reportRates(b, cpu0)
}

// reportRates adds verifications/s and the CPU time per verification (all
// threads, garbage collection included: the figure that holds on a busy
// machine; 2 cores ÷ it is the rate two idle cores reach).
func reportRates(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	b.ReportMetric(float64((cputime.Process()-cpu0).Nanoseconds())/1000/float64(b.N), "cpu-µs/op")
}

// BenchmarkVerifyXAdES_BT verifies the 26 KB prescription, B-T (signature
// value, two references, signing certificate path, timestamp and its
// path, revocation data), with one shared Verifier.
func BenchmarkVerifyXAdES_BT(b *testing.B) { benchVerifyXAdES(b, benchPrescription(b)) }

// BenchmarkVerifyXAdES_CDA1MB verifies a 1 MB CDA-like document signed
// whole (enveloped, URI ""), B-T.
func BenchmarkVerifyXAdES_CDA1MB(b *testing.B) {
	p := testpki.MustLoad(b)
	benchVerifyXAdES(b, signXML(b, p.Doctor, cdaDocument(1<<20), sign.XAdESOptions{Level: sign.LevelT, TSA: stamper(b, p.TSA, time.Time{})}))
}

// TestWriteBenchDocuments writes the documents of the XAdES benchmarks to
// $HPKI_BENCH_OUT (scripts/bench.sh compares libxmlsec1 on them); it does
// nothing without it.
func TestWriteBenchDocuments(t *testing.T) {
	dir := os.Getenv("HPKI_BENCH_OUT")
	if dir == "" {
		t.Skip("HPKI_BENCH_OUT not set")
	}
	if err := os.WriteFile(filepath.Join(dir, "prescription-bt.xml"), benchPrescription(t), 0o644); err != nil {
		t.Fatal(err)
	}
}
