package serve

import (
	"bytes"
	"encoding/json"
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
