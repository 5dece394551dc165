package auth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Paths of the login endpoints under a server's base URL (hpki serve).
const (
	PathChallenge = "/v1/auth/challenge"
	PathLogin     = "/v1/auth/login"
)

// TimeLayout is the layout of the signed time: RFC 3339 in UTC, seconds.
const TimeLayout = "2006-01-02T15:04:05Z"

// LoginVersion is the first line of the to-be-signed text.
const LoginVersion = "hpki-login-v1"

// ToBeSigned returns the exact bytes the card's authentication key signs
// (RSASSA-PKCS1-v1_5 with SHA-256, i.e. CKM_RSA_PKCS over the SHA-256
// DigestInfo; ECDSA P-256 with SHA-256 for EC keys): four lines of ASCII
// separated by a line feed, no trailing line feed,
//
//	hpki-login-v1
//	origin=<origin, e.g. https://ehr.example:8443>
//	nonce=<nonce as issued, base64url>
//	time=<the client's clock, 2006-01-02T15:04:05Z>
//
// Each value must be printable ASCII without spaces; ToBeSigned returns an
// error otherwise, so no two requests share the same bytes.
func ToBeSigned(origin, nonce, signedAt string) ([]byte, error) {
	for _, f := range [][2]string{{"origin", origin}, {"nonce", nonce}, {"time", signedAt}} {
		if f[1] == "" || len(f[1]) > 512 {
			return nil, fmt.Errorf("%s: empty or longer than 512 bytes", f[0])
		}
		for i := 0; i < len(f[1]); i++ {
			if c := f[1][i]; c <= ' ' || c > '~' {
				return nil, fmt.Errorf("%s: not printable ASCII without spaces", f[0])
			}
		}
	}
	return []byte(LoginVersion + "\norigin=" + origin + "\nnonce=" + nonce + "\ntime=" + signedAt), nil
}

// Origin returns the origin (RFC 6454) of an http or https URL as the
// login signs it: lower-case scheme and host, the port only when it is not
// the scheme's default, no path.
func Origin(rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("origin: %w", err)
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "https" && scheme != "http") || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("origin: %q is not an http(s) URL with a host and no user", rawURL)
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port == "" || (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		return scheme + "://" + host, nil
	}
	return scheme + "://" + host + ":" + port, nil
}

// Challenge is a one-time nonce issued by a server.
type Challenge struct {
	Nonce   string    `json:"nonce"`
	Origin  string    `json:"origin"`
	Expires time.Time `json:"expires"`
}

// LoginRequest is what the client sends: the signed fields, its
// authentication certificate and chain (DER), and the signature.
type LoginRequest struct {
	Origin      string   `json:"origin"`
	Nonce       string   `json:"nonce"`
	Time        string   `json:"time"`
	Certificate []byte   `json:"certificate"`
	Chain       [][]byte `json:"chain,omitempty"`
	Signature   []byte   `json:"signature"`
}

// Session is an authenticated session: an opaque bearer token valid until
// Expires (send it as "Authorization: Bearer TOKEN").
type Session struct {
	Token    string    `json:"token"`
	Expires  time.Time `json:"expires"`
	Identity *Identity `json:"identity"`
}

// ServiceOptions configure a Service.
type ServiceOptions struct {
	// Origin is this server's origin as clients reach it (see Origin),
	// e.g. "https://ehr.example:8443". Required.
	Origin string
	// Authenticator checks the certificates. Required.
	Authenticator *Authenticator
	// NonceTTL is how long a nonce may be used (default 2 minutes).
	NonceTTL time.Duration
	// SessionTTL is how long a session lasts (default 15 minutes).
	SessionTTL time.Duration
	// MaxSkew bounds the difference between the signed time and the
	// server's clock (default 2 minutes).
	MaxSkew time.Duration
	// MaxPending and MaxSessions bound the outstanding nonces and live
	// sessions (defaults 10,000 and 100,000): when full, new ones are
	// refused (ReasonBusy) until some expire.
	MaxPending, MaxSessions int
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service is the server side of the challenge–response login and the
// session store. It is safe for concurrent use; all state is in memory.
type Service struct {
	opts     ServiceOptions
	mu       sync.Mutex
	pending  map[string]time.Time    // nonce → expiry
	sessions map[[32]byte]sessionRec // SHA-256(token) → session
}

type sessionRec struct {
	id      *Identity
	expires time.Time
}

// NewService returns a Service.
func NewService(opts ServiceOptions) (*Service, error) {
	o, err := Origin(opts.Origin)
	if err != nil {
		return nil, err
	}
	if o != opts.Origin {
		return nil, fmt.Errorf("origin %q: write it as %q", opts.Origin, o)
	}
	if opts.Authenticator == nil {
		return nil, errors.New("auth.NewService: no Authenticator")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&opts.NonceTTL, 2*time.Minute)
	def(&opts.SessionTTL, 15*time.Minute)
	def(&opts.MaxSkew, 2*time.Minute)
	if opts.MaxPending <= 0 {
		opts.MaxPending = 10000
	}
	if opts.MaxSessions <= 0 {
		opts.MaxSessions = 100000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{opts: opts, pending: map[string]time.Time{}, sessions: map[[32]byte]sessionRec{}}, nil
}

// Origin returns the service's origin.
func (s *Service) Origin() string { return s.opts.Origin }

// Authenticator returns the service's Authenticator.
func (s *Service) Authenticator() *Authenticator { return s.opts.Authenticator }

// Challenge issues a fresh nonce (256 random bits) for this origin.
func (s *Service) Challenge() (Challenge, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return Challenge{}, err
	}
	now := s.opts.Now()
	c := Challenge{Nonce: base64.RawURLEncoding.EncodeToString(b[:]), Origin: s.opts.Origin, Expires: now.Add(s.opts.NonceTTL).UTC().Truncate(time.Second)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) >= s.opts.MaxPending {
		for n, exp := range s.pending {
			if !now.Before(exp) {
				delete(s.pending, n)
			}
		}
		if len(s.pending) >= s.opts.MaxPending {
			return Challenge{}, refused(ReasonBusy, errors.New("too many outstanding challenges; try again later"))
		}
	}
	s.pending[c.Nonce] = c.Expires
	return c, nil
}

// consume removes nonce and returns its expiry.
func (s *Service) consume(nonce string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.pending[nonce]
	delete(s.pending, nonce)
	return exp, ok
}

// Login checks req under the package's security contract and opens a
// session. The nonce is consumed first, whatever the outcome.
func (s *Service) Login(ctx context.Context, req LoginRequest) (*Session, error) {
	tbs, err := ToBeSigned(req.Origin, req.Nonce, req.Time)
	if err != nil {
		return nil, refused(ReasonMalformed, err)
	}
	exp, ok := s.consume(req.Nonce)
	if !ok {
		return nil, refused(ReasonUnknownNonce, errors.New("nonce not issued by this server, or already used"))
	}
	now := s.opts.Now()
	if !now.Before(exp) {
		return nil, refused(ReasonExpired, fmt.Errorf("nonce expired at %s", exp.Format(time.RFC3339)))
	}
	if req.Origin != s.opts.Origin {
		return nil, refused(ReasonWrongOrigin, fmt.Errorf("signed for origin %q, this server is %q", req.Origin, s.opts.Origin))
	}
	at, err := time.Parse(TimeLayout, req.Time)
	if err != nil {
		return nil, refused(ReasonMalformed, fmt.Errorf("time: %w", err))
	}
	if d := at.Sub(now); d > s.opts.MaxSkew || d < -s.opts.MaxSkew {
		return nil, refused(ReasonClockSkew, fmt.Errorf("signed time %s differs from the server's clock by %s (at most %s)", req.Time, d.Round(time.Second), s.opts.MaxSkew))
	}
	cert, err := x509.ParseCertificate(req.Certificate)
	if err != nil {
		return nil, refused(ReasonMalformed, fmt.Errorf("certificate: %w", err))
	}
	if len(req.Chain) > 8 {
		return nil, refused(ReasonMalformed, errors.New("chain: more than 8 certificates"))
	}
	var chain []*x509.Certificate
	for i, der := range req.Chain {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, refused(ReasonMalformed, fmt.Errorf("chain[%d]: %w", i, err))
		}
		chain = append(chain, c)
	}
	if err := CheckSignature(cert, tbs, req.Signature); err != nil {
		return nil, refused(ReasonBadSignature, err)
	}
	id, err := s.opts.Authenticator.Identify(ctx, cert, chain)
	if err != nil {
		return nil, err
	}
	return s.NewSession(id)
}

// CheckSignature verifies sig over tbs with cert's public key:
// RSASSA-PKCS1-v1_5 with SHA-256 for RSA keys, ECDSA with SHA-256 for EC
// keys; nothing else is accepted.
func CheckSignature(cert *x509.Certificate, tbs, sig []byte) error {
	var alg x509.SignatureAlgorithm
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey:
		alg = x509.SHA256WithRSA
	case *ecdsa.PublicKey:
		alg = x509.ECDSAWithSHA256
	default:
		return fmt.Errorf("unsupported public key %T", cert.PublicKey)
	}
	if err := cert.CheckSignature(alg, tbs, sig); err != nil {
		return fmt.Errorf("the signature does not verify with the certificate's key: %w", err)
	}
	return nil
}

// NewSession opens a session for an identity the caller authenticated
// (Login, or a TLS client certificate checked with Identify).
func (s *Service) NewSession(id *Identity) (*Session, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	now := s.opts.Now()
	exp := now.Add(s.opts.SessionTTL).UTC().Truncate(time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) >= s.opts.MaxSessions {
		for k, r := range s.sessions {
			if !now.Before(r.expires) {
				delete(s.sessions, k)
			}
		}
		if len(s.sessions) >= s.opts.MaxSessions {
			return nil, refused(ReasonBusy, errors.New("too many sessions; try again later"))
		}
	}
	s.sessions[sha256.Sum256([]byte(tok))] = sessionRec{id: id, expires: exp}
	return &Session{Token: tok, Expires: exp, Identity: id}, nil
}

// Lookup returns the identity of a live session token.
func (s *Service) Lookup(token string) (*Identity, bool) {
	if token == "" || len(token) > 128 {
		return nil, false
	}
	k := sha256.Sum256([]byte(token))
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.sessions[k]
	if !ok {
		return nil, false
	}
	if !s.opts.Now().Before(r.expires) {
		delete(s.sessions, k)
		return nil, false
	}
	return r.id, true
}

// Logout ends a session.
func (s *Service) Logout(token string) {
	k := sha256.Sum256([]byte(token))
	s.mu.Lock()
	delete(s.sessions, k)
	s.mu.Unlock()
}

// SignLogin signs the to-be-signed text for challenge c with key (a
// crypto.Signer such as a pkcs11.Signer over the card's authentication
// key) as the client at origin, and returns the request to send. The
// client signs the origin it connected to, never the one the challenge
// names: a server relaying another server's challenge gets a signature the
// other server refuses.
func SignLogin(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate, origin string, c Challenge, now time.Time) (LoginRequest, error) {
	signedAt := now.UTC().Format(TimeLayout)
	tbs, err := ToBeSigned(origin, c.Nonce, signedAt)
	if err != nil {
		return LoginRequest{}, err
	}
	sum := sha256.Sum256(tbs)
	sig, err := key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return LoginRequest{}, fmt.Errorf("signing the login challenge: %w", err)
	}
	req := LoginRequest{Origin: origin, Nonce: c.Nonce, Time: signedAt, Certificate: cert.Raw, Signature: sig}
	for _, ca := range chain {
		if string(ca.RawIssuer) == string(ca.RawSubject) {
			continue // roots are the server's choice
		}
		req.Chain = append(req.Chain, ca.Raw)
	}
	return req, nil
}
