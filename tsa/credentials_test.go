package tsa

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

// authRecorder serves h and records the Authorization header of each request.
type authRecorder struct {
	h    http.Handler
	mu   sync.Mutex
	seen []string
}

func (a *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.seen = append(a.seen, r.Header.Get("Authorization"))
	a.mu.Unlock()
	a.h.ServeHTTP(w, r)
}

func basic(user, pw string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

// noNetwork is a transport that records that a request was attempted.
type noNetwork struct{ tried bool }

func (n *noNetwork) RoundTrip(*http.Request) (*http.Response, error) {
	n.tried = true
	return nil, errors.New("no network in this test")
}

// TSA credentials are sent only when a user is given, never in clear to
// another machine, and never shown in errors.
func TestClientCredentials(t *testing.T) {
	p := testpki.MustLoad(t)
	rec := &authRecorder{h: &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}}
	hs := httptest.NewServer(rec) // listens on 127.0.0.1
	defer hs.Close()
	withUser := strings.Replace(hs.URL, "http://", "http://alice:s3cret-url@", 1)
	tests := []struct {
		name       string
		client     Client
		wantHeader string // "" = no Authorization header
		wantErr    string
	}{
		{"password without a user is not sent", Client{URL: hs.URL, Password: "s3cret-env"}, "", ""},
		{"user and password over http to loopback", Client{URL: hs.URL, Username: "bob", Password: "s3cret-env"}, basic("bob", "s3cret-env"), ""},
		{"user in the URL", Client{URL: withUser}, basic("alice", "s3cret-url"), ""},
		{"user flag wins over the URL's", Client{URL: withUser, Username: "bob", Password: "s3cret-env"}, basic("bob", "s3cret-env"), ""},
		{"localhost counts as this machine", Client{URL: strings.Replace(hs.URL, "127.0.0.1", "localhost", 1), Username: "bob", Password: "pw"}, basic("bob", "pw"), ""},
		{"no credentials, no header", Client{URL: hs.URL}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec.mu.Lock()
			rec.seen = nil
			rec.mu.Unlock()
			c := tc.client
			c.Roots = tsaRoots(t)
			if _, err := c.TimestampData(context.Background(), []byte("sig")); err != nil {
				t.Fatal(err)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.seen) != 1 || rec.seen[0] != tc.wantHeader {
				t.Fatalf("Authorization headers %q, want [%q]", rec.seen, tc.wantHeader)
			}
		})
	}

	// Refused before anything is sent: credentials over plain http to
	// another host.
	for _, c := range []Client{
		{URL: "http://tsa.example.jp/", Username: "bob", Password: "s3cret-env"},
		{URL: "http://alice:s3cret-url@tsa.example.jp/"},
		{URL: "http://alice@10.0.0.7:3161/", Password: "s3cret-env"},
	} {
		nn := &noNetwork{}
		c.Roots, c.HTTPClient = tsaRoots(t), &http.Client{Transport: nn}
		_, err := c.TimestampData(context.Background(), []byte("sig"))
		if err == nil || nn.tried || !strings.Contains(err.Error(), "refusing to send TSA credentials in clear over http") || !strings.Contains(err.Error(), "https") {
			t.Errorf("%s: err %v, request attempted %v", RedactURL(c.URL), err, nn.tried)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("password in the error: %v", err)
		}
		if c.CheckCredentials() == nil {
			t.Errorf("%s: CheckCredentials passed", RedactURL(c.URL))
		}
	}
	// Over https the credentials may go anywhere (here: the request fails
	// for lack of network, after the check).
	nn := &noNetwork{}
	c := Client{URL: "https://alice:s3cret-url@tsa.example.jp/", Roots: tsaRoots(t), HTTPClient: &http.Client{Transport: nn}}
	_, err := c.TimestampData(context.Background(), []byte("sig"))
	if !nn.tried || err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "alice:xxxxx@tsa.example.jp") {
		t.Errorf("https: tried %v, err %v", nn.tried, err)
	}

	// A password in the URL never shows in errors.
	fail := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "no", http.StatusInternalServerError) }))
	defer fail.Close()
	for _, u := range []string{strings.Replace(fail.URL, "http://", "http://alice:s3cret-url@", 1), "http://alice:s3cret-url@127.0.0.1:1/", "ftp://alice:s3cret-url@host/"} {
		c := Client{URL: u, Roots: tsaRoots(t)}
		_, err := c.TimestampData(context.Background(), []byte("sig"))
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error %v", err)
		}
	}

	// Credentials are not carried through a redirect.
	target := &authRecorder{h: &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}}
	ts := httptest.NewServer(target)
	defer ts.Close()
	redir := httptest.NewServer(http.RedirectHandler(ts.URL, http.StatusTemporaryRedirect))
	defer redir.Close()
	c = Client{URL: redir.URL, Username: "bob", Password: "pw", Roots: tsaRoots(t)}
	if _, err := c.TimestampData(context.Background(), []byte("sig")); err == nil || !strings.Contains(err.Error(), "redirect refused") {
		t.Errorf("redirect: %v", err)
	}
	if len(target.seen) != 0 {
		t.Errorf("the redirect target got %q", target.seen)
	}
}
