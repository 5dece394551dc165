package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hpki-jp/hpki/internal/loadtest"
)

// BenchmarkVerifyHandler measures POST /v1/verify of a 50 KB CAdES B-T
// letter through the handler (decoding, verification, encoding), without
// the network: a JSON body (base64) and a multipart one (raw bytes).
// cpu-µs/op is the process's CPU time per request, which depends less on
// other work on the machine than ns/op.
func BenchmarkVerifyHandler(b *testing.B) {
	f := newFixture(b, nil)
	content, sig := f.letter(b)
	jsonBody, _ := json.Marshal(VerifyRequest{Signature: sig, Content: content})
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	for _, p := range []struct {
		name string
		data []byte
	}{{"signature", sig}, {"content", content}} {
		w, _ := mw.CreateFormFile(p.name, p.name)
		_, _ = w.Write(p.data)
	}
	_ = mw.Close()
	h := f.srv.Handler()
	for _, c := range []struct {
		name, ctype string
		body        []byte
	}{{"json", "application/json", jsonBody}, {"form", mw.FormDataContentType(), form.Bytes()}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(content)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := loadtest.CPUTime()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w := httptest.NewRecorder()
					r := httptest.NewRequest(http.MethodPost, "/v1/verify", bytes.NewReader(c.body))
					r.Header.Set("Content-Type", c.ctype)
					h.ServeHTTP(w, r)
					if w.Code != 200 || !bytes.Contains(w.Body.Bytes(), []byte(`"indication":"TOTAL_PASSED"`)) {
						b.Fatalf("%d %.300s", w.Code, w.Body.Bytes())
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
			b.ReportMetric(float64((loadtest.CPUTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// BenchmarkVerifyLoopback measures POST /v1/verify over loopback HTTP
// (client and server in this process) with 64 concurrent clients.
func BenchmarkVerifyLoopback(b *testing.B) {
	f := newFixture(b, nil)
	content, sig := f.letter(b)
	body, _ := json.Marshal(VerifyRequest{Signature: sig, Content: content})
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetBytes(int64(len(content)))
	b.SetParallelism(32)
	b.ResetTimer()
	cpu0 := loadtest.CPUTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := hc.Post(f.base+"/v1/verify", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Contains(out, []byte(`"indication":"TOTAL_PASSED"`)) {
				b.Fatalf("%d %.300s", resp.StatusCode, out)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
	b.ReportMetric(float64((loadtest.CPUTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
