// Package testtsa runs the test TSA for tests: an RFC 3161 server on
// 127.0.0.1 (stopped when the test ends) and a client that checks its
// tokens against the given TSA root.
package testtsa

import (
	"crypto/x509"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/tsa"
)

// Client starts a TSA signing with cred and returns a client trusting
// root. now, when not nil, is the clock of both (for tests that travel in
// time).
func Client(tb testing.TB, cred, root *testpki.Credential, now func() time.Time) *tsa.Client {
	tb.Helper()
	hs := httptest.NewServer(&tsa.Server{Signer: cred.Key, Cert: cred.Cert, Now: now})
	tb.Cleanup(hs.Close)
	roots := x509.NewCertPool()
	roots.AddCert(root.Cert)
	return &tsa.Client{URL: hs.URL, Roots: roots, Now: now}
}
