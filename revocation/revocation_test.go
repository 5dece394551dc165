package revocation

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
)

var now = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

func responder(p *testpki.PKI) *Responder {
	r := &Responder{Issuer: p.SignCA.Cert, Cert: p.OCSP.Cert, Signer: p.OCSP.Key, Now: func() time.Time { return now }}
	r.Revoke(p.Revoked.Cert.SerialNumber, p.RevokedAt, 1)
	return r
}

func TestCheckCRL(t *testing.T) {
	p := testpki.MustLoad(t)
	otherCRL, err := testpki.MakeCRL(p.AuthCA, nil, now, now.Add(24*time.Hour), 1)
	if err != nil {
		t.Fatal(err)
	}
	forged := append([]byte{}, p.CRL...)
	forged[len(forged)-5] ^= 1
	tests := []struct {
		name   string
		crl    []byte
		cert   *x509.Certificate
		issuer *x509.Certificate
		status Status
		err    string
	}{
		{"good", p.CRL, p.Doctor.Cert, p.SignCA.Cert, Good, ""},
		{"revoked", p.CRL, p.Revoked.Cert, p.SignCA.Cert, Revoked, ""},
		{"CRL from another issuer", otherCRL, p.Doctor.Cert, p.SignCA.Cert, 0, "not by the certificate's issuer"},
		{"issuer that is not the CRL's", p.CRL, p.Doctor.Cert, p.AuthCA.Cert, 0, "is not"},
		{"bad signature", forged, p.Doctor.Cert, p.SignCA.Cert, 0, "signature"},
		{"garbage", []byte("not a CRL"), p.Doctor.Cert, p.SignCA.Cert, 0, "not a CRL"},
		{"truncated", p.CRL[:len(p.CRL)/2], p.Doctor.Cert, p.SignCA.Cert, 0, "not a CRL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := CheckCRL(tc.crl, tc.cert, tc.issuer)
			checkOutcome(t, info, err, tc.status, tc.err, p.RevokedAt)
		})
	}
}

// checkOutcome asserts a check's result: the error containing wantErr, or
// the status (and revocation time for Revoked).
func checkOutcome(t *testing.T, info *Info, err error, status Status, wantErr string, revokedAt time.Time) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if info.Status != status {
		t.Fatalf("status %s, want %s", info.Status, status)
	}
	if status == Revoked && !info.RevokedAt.Equal(revokedAt) {
		t.Fatalf("revoked at %s", info.RevokedAt)
	}
}

func TestCoversTime(t *testing.T) {
	p := testpki.MustLoad(t)
	info, err := CheckCRL(p.CRL, p.Doctor.Cert, p.SignCA.Cert) // 2025-06-01 .. 2045-12-31
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true},  // issued after
		{time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), true},  // current
		{time.Date(2046, 1, 1, 0, 0, 0, 0, time.UTC), false}, // stale
	} {
		if got := info.CoversTime(tc.at); got != tc.want {
			t.Errorf("CoversTime(%s) = %v", tc.at, got)
		}
	}
}

func TestOCSP(t *testing.T) {
	p := testpki.MustLoad(t)
	good := responder(p)
	// A responder certificate without id-kp-OCSPSigning.
	unauthorised := &Responder{Issuer: p.SignCA.Cert, Cert: p.Pharmacist.Cert, Signer: p.Pharmacist.Key}
	// A responder delegated by another CA.
	foreign := &Responder{Issuer: p.SignCA.Cert, Cert: p.Stranger.Cert, Signer: p.Stranger.Key}
	// The CA answering itself.
	byCA := &Responder{Issuer: p.SignCA.Cert, Cert: p.SignCA.Cert, Signer: p.SignCA.Key}
	unknown := &Responder{Issuer: p.SignCA.Cert, Cert: p.OCSP.Cert, Signer: p.OCSP.Key, Issued: func(*big.Int) bool { return false }}
	ask := func(r *Responder, cert *x509.Certificate) ([]byte, []byte) {
		req, nonce, err := NewRequest(cert, p.SignCA.Cert)
		if err != nil {
			t.Fatal(err)
		}
		return r.Respond(req), nonce
	}
	replayed, _ := ask(good, p.Doctor.Cert)
	pharm, _ := ask(good, p.Pharmacist.Cert)
	tests := []struct {
		name   string
		r      *Responder
		cert   *x509.Certificate
		resp   []byte // when set, checked instead of a fresh answer
		status Status
		err    string
	}{
		{"good", good, p.Doctor.Cert, nil, Good, ""},
		{"revoked", good, p.Revoked.Cert, nil, Revoked, ""},
		{"unknown", unknown, p.Doctor.Cert, nil, Unknown, ""},
		{"signed by the CA itself", byCA, p.Doctor.Cert, nil, Good, ""},
		{"response for another certificate", good, p.Doctor.Cert, pharm, 0, "another certificate"},
		{"replayed nonce", good, p.Doctor.Cert, replayed, 0, "nonce"},
		{"responder without authorisation", unauthorised, p.Doctor.Cert, nil, 0, "no id-kp-OCSPSigning"},
		{"responder of another CA", foreign, p.Doctor.Cert, nil, 0, "not issued by"},
		{"garbage", good, p.Doctor.Cert, []byte{0x30, 0x03, 0x0a, 0x01, 0x00}, 0, "OCSP"},
		{"error status", good, p.Doctor.Cert, errorResponse(2), 0, "internal error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, nonce := ask(tc.r, tc.cert)
			if tc.resp != nil {
				resp = tc.resp
			}
			info, err := CheckOCSP(resp, tc.cert, p.SignCA.Cert, nonce)
			checkOutcome(t, info, err, tc.status, tc.err, p.RevokedAt)
		})
	}
	// A tampered response fails its signature.
	resp, nonce := ask(good, p.Doctor.Cert)
	resp[len(resp)-3] ^= 1
	if _, err := CheckOCSP(resp, p.Doctor.Cert, p.SignCA.Cert, nonce); err == nil {
		t.Fatal("tampered response accepted")
	}
}

// The Fetcher reaches the OCSP responder and the CRL named in the
// certificate (routed to 127.0.0.1), falls back to the CRL when OCSP
// fails, and caches the CRL.
func TestFetcher(t *testing.T) {
	p := testpki.MustLoad(t)
	crlRequests, ocspRequests := 0, 0
	crlAddr := testpki.Serve(t, CRLHandler(func() []byte { crlRequests++; return p.CRL }))
	r := responder(p)
	ocspAddr := testpki.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { ocspRequests++; r.ServeHTTP(w, req) }))
	f := &Fetcher{HTTPClient: testpki.Routes(map[string]string{"crl.hpki-test.invalid": crlAddr, "ocsp.hpki-test.invalid": ocspAddr}), Now: func() time.Time { return now }}
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		info, err := f.Fetch(ctx, p.Revoked.Cert, p.SignCA.Cert)
		if err != nil || info.Source != SourceOCSP || info.Status != Revoked {
			t.Fatalf("OCSP: %+v %v", info, err)
		}
	}
	if ocspRequests != 1 {
		t.Fatalf("%d OCSP requests, want 1 (cache)", ocspRequests)
	}
	// OCSP down: the CRL answers, once.
	f.HTTPClient = testpki.Routes(map[string]string{"crl.hpki-test.invalid": crlAddr})
	for i := 0; i < 3; i++ {
		info, err := f.Fetch(ctx, p.Doctor.Cert, p.SignCA.Cert)
		if err != nil || info.Source != SourceCRL || info.Status != Good {
			t.Fatalf("CRL: %+v %v", info, err)
		}
	}
	if crlRequests != 1 {
		t.Fatalf("%d CRL downloads, want 1 (cache)", crlRequests)
	}
	// Nothing reachable: an error naming each source.
	f = &Fetcher{HTTPClient: testpki.Routes(nil), Timeout: time.Second}
	if _, err := f.Fetch(ctx, p.Doctor.Cert, p.SignCA.Cert); err == nil || !strings.Contains(err.Error(), "OCSP") || !strings.Contains(err.Error(), "CRL") {
		t.Fatalf("unreachable: %v", err)
	}
	// Oversized answers are refused.
	big := testpki.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(make([]byte, 2<<20)) }))
	f = &Fetcher{HTTPClient: testpki.Routes(map[string]string{"crl.hpki-test.invalid": big}), MaxCRL: 1 << 20}
	if _, err := f.CRL(ctx, testpki.CRLURLSign, p.Doctor.Cert, p.SignCA.Cert); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Fatalf("oversized CRL: %v", err)
	}
}

func FuzzCheckOCSP(f *testing.F) {
	p := testpki.MustLoad(f)
	req, _, _ := NewRequest(p.Doctor.Cert, p.SignCA.Cert)
	f.Add(responder(p).Respond(req))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = CheckOCSP(data, p.Doctor.Cert, p.SignCA.Cert, nil)
	})
}

func FuzzCheckCRL(f *testing.F) {
	p := testpki.MustLoad(f)
	f.Add(p.CRL)
	// CRL partitions (idp_test.go): another partition, CA certificates only.
	for _, ext := range []pkix.Extension{testpki.IssuingDistributionPoint("http://crl.hpki-test.invalid/other-partition.crl", false), testpki.IssuingDistributionPoint("", true)} {
		if crl, err := testpki.MakeCRL(p.SignCA, nil, time.Now(), time.Now().Add(time.Hour), 2, ext); err == nil {
			f.Add(crl)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = CheckCRL(data, p.Doctor.Cert, p.SignCA.Cert)
	})
}

func FuzzResponder(f *testing.F) {
	p := testpki.MustLoad(f)
	req, _, _ := NewRequest(p.Doctor.Cert, p.SignCA.Cert)
	f.Add(req)
	r := responder(p)
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = r.Respond(data)
	})
}
