package loadtest

import (
	"context"
	"fmt"
	"io"
	"net"
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

// TestRunReconnects: a server closing the connection after each answer
// (Connection: close) costs a new connection, not a failed request; the
// body sent is the body given.
func TestRunReconnects(t *testing.T) {
	var conns, bad atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, err := io.ReadAll(r.Body); err != nil || string(b) != "payload" || r.Method != http.MethodPost {
			bad.Add(1)
		}
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("ok"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	res, err := Run(context.Background(), Options{URL: srv.URL + "/x", Body: []byte("payload"), Concurrency: 3, Requests: 30, Warmup: -1,
		Check: func(status int, body []byte) error {
			if status != 200 || string(body) != "ok" {
				return fmt.Errorf("%d %q", status, body)
			}
			return nil
		}})
	if err != nil || res.Errors != 0 || res.Requests != 30 || bad.Load() != 0 || conns.Load() != 30 {
		t.Fatalf("%+v %v: %d bad requests, %d connections", res, err, bad.Load(), conns.Load())
	}
}

// TestRunKeepsConnections: each worker sends all its requests over one
// connection.
func TestRunKeepsConnections(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	res, err := Run(context.Background(), Options{URL: srv.URL, Body: []byte("x"), Concurrency: 4, Requests: 100})
	if err != nil || res.Errors != 0 || conns.Load() != 4 {
		t.Fatalf("%+v %v: %d connections for 4 workers", res, err, conns.Load())
	}
}
