package revocation

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// A responder that accepts connections and never answers costs one
// timeout, not one per request: the host is remembered as down, for
// HostDownFor, then asked again. Counts, not timings, are asserted.
func TestFetcherHostDown(t *testing.T) {
	p := testpki.MustLoad(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted atomic.Int64
	hold := make(chan struct{})
	defer close(hold)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			go func() { <-hold; c.Close() }()
		}
	}()
	clock := now
	f := &Fetcher{Timeout: 200 * time.Millisecond, Now: func() time.Time { return clock }}
	url := "http://" + ln.Addr().String() + "/ocsp"
	for i := range 20 {
		_, err := f.OCSP(context.Background(), url, p.Doctor.Cert, p.SignCA.Cert)
		if err == nil {
			t.Fatal("an answer from a silent responder")
		}
		if i > 0 && !errors.Is(err, ErrHostDown) {
			t.Fatalf("request %d: %v, want ErrHostDown", i, err)
		}
	}
	if n := accepted.Load(); n != 1 {
		t.Fatalf("%d connections for 20 requests, want 1", n)
	}
	// After HostDownFor (default one minute), the host is asked again.
	clock = clock.Add(61 * time.Second)
	if _, err := f.OCSP(context.Background(), url, p.Doctor.Cert, p.SignCA.Cert); errors.Is(err, ErrHostDown) {
		t.Fatalf("still down after the period: %v", err)
	}
	if n := accepted.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
	// A 404 is the URL's problem, not the host's: asked every time.
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.NotFound(w, r)
	}))
	defer srv.Close()
	for range 3 {
		f.CRL(context.Background(), srv.URL+"/x.crl", p.Doctor.Cert, p.SignCA.Cert)
	}
	if hits.Load() != 3 {
		t.Fatalf("%d requests for 3 CRL fetches after 404s, want 3", hits.Load())
	}
	// Negative HostDownFor: down for the Fetcher's life.
	f2 := &Fetcher{Timeout: 200 * time.Millisecond, HostDownFor: -1, Now: func() time.Time { return clock }}
	f2.OCSP(context.Background(), url, p.Doctor.Cert, p.SignCA.Cert)
	clock = clock.Add(1000 * time.Hour)
	if _, err := f2.OCSP(context.Background(), url, p.Doctor.Cert, p.SignCA.Cert); !errors.Is(err, ErrHostDown) {
		t.Fatalf("asked again: %v", err)
	}
}
