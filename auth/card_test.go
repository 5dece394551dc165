//go:build cgo

package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/softhsm"
	"github.com/hpki-jp/hpki/pkcs11"
	"github.com/hpki-jp/hpki/verify"
)

// loginServer serves the two login endpoints of a Service made by mk for
// the server's origin, on 127.0.0.1 (what hpki serve does, without the rest
// of the API).
func loginServer(t *testing.T, mk func(origin string) *Service) (string, *Service) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	s := mk(mustOrigin(t, base))
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any, err error) {
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			_ = json.NewEncoder(w).Encode(ErrorBody{Error: err.Error(), Reason: ReasonOf(err)})
			return
		}
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("POST "+PathChallenge, func(w http.ResponseWriter, r *http.Request) {
		c, err := s.Challenge()
		reply(w, c, err)
	})
	mux.HandleFunc("POST "+PathLogin, func(w http.ResponseWriter, r *http.Request) {
		var req LoginRequest
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
			reply(w, nil, refused(ReasonMalformed, err))
			return
		}
		sess, err := s.Login(r.Context(), req)
		reply(w, sess, err)
	})
	srv.Config.Handler = mux
	srv.Start()
	t.Cleanup(srv.Close)
	return base, s
}

// TestCardLogin logs in with the authentication key of a SoftHSM2 "card"
// (CKM_RSA_PKCS over a DigestInfo, CKA_ALWAYS_AUTHENTICATE: a PIN for the
// session and one for the signature), and checks that a wrong PIN is
// reported once and never retried.
func TestCardLogin(t *testing.T) {
	e := newEnvAt(t, time.Now())
	module := softhsm.NewToken(t, softhsm.TokenLabel)
	softhsm.Import(t, module, softhsm.TokenLabel, e.pki.DoctorAuth, []byte{9}, true)
	m, err := pkcs11.Open(module)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tok, err := m.FindToken(softhsm.TokenLabel, "")
	if err != nil {
		t.Fatal(err)
	}
	base, s := loginServer(t, func(origin string) *Service {
		s, err := NewService(ServiceOptions{Origin: origin, Authenticator: New(Options{Verifier: e.verifier(verify.Options{})})})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})

	// The signing-key lookup finds nothing on an authentication card.
	if _, err := m.OpenSigner(pkcs11.SignerOptions{Token: tok, PIN: fixedPIN(softhsm.UserPIN, new(int))}); !errors.Is(err, pkcs11.ErrNoKey) {
		t.Fatalf("signing key on an authentication card: %v", err)
	}

	calls := 0
	sg, err := m.OpenSigner(pkcs11.SignerOptions{Token: tok, Authentication: true, Role: mustReq(t, "医師"), PIN: fixedPIN(softhsm.UserPIN, &calls)})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := Login(context.Background(), nil, base, sg, sg.Certificate(), sg.Chain())
	sg.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sess.Identity.HolderID != "MD0001" || calls != 2 {
		t.Fatalf("identity %+v, %d PIN requests (want 2: session and signature)", sess.Identity, calls)
	}
	if _, ok := s.Lookup(sess.Token); !ok {
		t.Fatal("the session is unknown to the server")
	}

	// Wrong PIN: one request, one refusal, no retry, no PIN in the error.
	calls = 0
	_, err = m.OpenSigner(pkcs11.SignerOptions{Token: tok, Authentication: true, PIN: fixedPIN("9999", &calls)})
	if !errors.Is(err, pkcs11.ErrWrongPIN) || calls != 1 {
		t.Fatalf("wrong PIN: %v after %d requests", err, calls)
	}
	if strings.Contains(err.Error(), "9999") {
		t.Fatal("the PIN is in the error")
	}
}

func fixedPIN(pin string, calls *int) pkcs11.PINFunc {
	return func(pkcs11.PINRequest) ([]byte, error) {
		*calls++
		return []byte(pin), nil
	}
}

func mustOrigin(t *testing.T, u string) string {
	t.Helper()
	o, err := Origin(u)
	if err != nil {
		t.Fatal(err)
	}
	return o
}
