package testpki

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// Routes maps the .invalid hosts of the test certificates to test servers:
// the returned client sends a request for host H to routes[H] (a
// "127.0.0.1:port" address) and refuses every other host, so a test can
// never reach the network.
func Routes(routes map[string]string) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy: nil,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, err := net.SplitHostPort(addr)
				if err != nil {
					return nil, err
				}
				to, ok := routes[host]
				if !ok {
					return nil, &net.OpError{Op: "dial", Net: network, Err: errNoRoute{host}}
				}
				return dialer.DialContext(ctx, "tcp", to)
			},
		},
	}
}

type errNoRoute struct{ host string }

func (e errNoRoute) Error() string { return "no test route to " + e.host }

// Serve starts handler on 127.0.0.1 (a port chosen at run time), stopped
// when the test ends, and returns its host:port.
func Serve(tb testing.TB, handler http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(handler)
	tb.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u.Host
}
