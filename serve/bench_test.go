package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkVerifyHandler measures POST /v1/verify of a 50 KB CAdES B-T
// letter through the handler (JSON decoding, verification, encoding),
// without the network.
func BenchmarkVerifyHandler(b *testing.B) {
	f := newFixture(b, nil)
	content, sig := f.letter(b)
	body, _ := json.Marshal(VerifyRequest{Signature: sig, Content: content})
	h := f.srv.Handler()
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/v1/verify", bytes.NewReader(body)))
			if w.Code != 200 || !bytes.Contains(w.Body.Bytes(), []byte(`"indication":"TOTAL_PASSED"`)) {
				b.Fatalf("%d %.300s", w.Code, w.Body.Bytes())
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifications/s")
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
}
