package loadtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestRunBounded(t *testing.T) {
	var inflight, peak, served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inflight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		served.Add(1)
		if r.Header.Get("Content-Type") != "application/x-test" {
			w.WriteHeader(http.StatusBadRequest)
		}
		inflight.Add(-1)
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Options{URL: srv.URL, Body: []byte("x"), ContentType: "application/x-test", Concurrency: 4, Requests: 200, Warmup: 8})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 || res.Errors != 0 || served.Load() != 208 || peak.Load() > 4 || res.P99 < res.P50 || res.Max < res.P99 {
		t.Fatalf("%+v served %d peak %d", res, served.Load(), peak.Load())
	}
	if _, err := Run(context.Background(), Options{URL: srv.URL}); err == nil {
		t.Fatal("a run without a bound was accepted")
	}
	res, _ = Run(context.Background(), Options{URL: srv.URL, Concurrency: 2, Requests: 10, Warmup: -1})
	if res.Errors != 10 {
		t.Fatalf("wrong content type: %+v", res)
	}
}
