package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/hpki-jp/hpki/internal/cms"
)

// maxResponse bounds the size of a TSA response.
const maxResponse = 1 << 20

// Client requests timestamp tokens from an RFC 3161 TSA over HTTP.
type Client struct {
	// URL of the TSA.
	URL string
	// Hash of the imprint (default SHA-256).
	Hash crypto.Hash
	// Policy, when set, is requested and required in the token.
	Policy asn1.ObjectIdentifier
	// Username and Password enable HTTP basic authentication. A user may
	// also be given in URL (https://user:password@host/). Credentials are
	// sent only when a user is given (a Password alone is never sent),
	// and never over plain http to a host other than this machine
	// (loopback): such a request is refused before anything is sent.
	// Redirects are not followed while credentials are sent. Every error
	// and message names the URL with its password redacted.
	Username, Password string
	// Timeout of one request (default 30s).
	Timeout time.Duration
	// HTTPClient to use (default a client with Timeout).
	HTTPClient *http.Client
	// Roots are the TSA trust anchors every token must chain to;
	// Intermediates help build the path.
	Roots, Intermediates *x509.CertPool
	// Now is the clock used to sanity-check genTime (default time.Now).
	Now func() time.Time
	// MaxClockSkew is how far genTime may be from Now (default 5 minutes).
	MaxClockSkew time.Duration
}

func (c *Client) hash() crypto.Hash {
	if c.Hash == 0 {
		return crypto.SHA256
	}
	return c.Hash
}

// TimestampData hashes data with the client's hash and timestamps it.
func (c *Client) TimestampData(ctx context.Context, data []byte) (*Token, error) {
	h := c.hash().New()
	h.Write(data)
	return c.Timestamp(ctx, h.Sum(nil))
}

// Timestamp requests a token over digest (made with the client's hash) and
// checks it fully — status, nonce, imprint, policy, TSA signature, TSA
// certificate and its path to Roots — before returning it.
func (c *Client) Timestamp(ctx context.Context, digest []byte) (*Token, error) {
	if c.URL == "" {
		return nil, errors.New("tsa: no TSA URL")
	}
	if _, err := c.endpoint(); err != nil {
		return nil, err
	}
	if c.Roots == nil {
		return nil, errors.New("tsa: no TSA trust anchors to check the token against")
	}
	h := c.hash()
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("tsa: digest of %d bytes for %v", len(digest), h)
	}
	if _, err := cms.DigestAlgorithm(h); err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	nonce, err := newNonce()
	if err != nil {
		return nil, fmt.Errorf("tsa: nonce: %w", err)
	}
	// The TimeStampReq is encoded by github.com/digitorus/timestamp
	// (version 1, the imprint with its hash algorithm, the policy and
	// nonce, certReq); the response is parsed and checked here, byte-exact
	// (docs/dependencies.md).
	req, err := (&timestamp.Request{
		HashAlgorithm: h,
		HashedMessage: digest,
		TSAPolicyOID:  c.Policy,
		Nonce:         nonce,
		Certificates:  true,
	}).Marshal()
	if err != nil {
		return nil, fmt.Errorf("tsa: encoding request: %w", err)
	}
	body, err := c.post(ctx, req)
	if err != nil {
		return nil, err
	}
	tok, err := ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.redacted(), err)
	}
	if tok.Nonce == nil || tok.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("tsa %s: the token does not echo our nonce (replayed or foreign response)", c.redacted())
	}
	if len(c.Policy) > 0 && !tok.Policy.Equal(c.Policy) {
		return nil, fmt.Errorf("tsa %s: token policy %s, requested %s", c.redacted(), tok.Policy, c.Policy)
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	skew := c.MaxClockSkew
	if skew == 0 {
		skew = 5 * time.Minute
	}
	if d := tok.GenTime.Sub(now()); d > skew || d < -skew {
		return nil, fmt.Errorf("tsa %s: genTime %s is %s away from our clock", c.redacted(), tok.GenTime.Format(time.RFC3339), d.Round(time.Second))
	}
	if _, _, err := tok.Verify(h, digest, VerifyOptions{Roots: c.Roots, Intermediates: c.Intermediates}); err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.redacted(), err)
	}
	return tok, nil
}

func (c *Client) post(ctx context.Context, req []byte) ([]byte, error) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ep, err := c.endpoint()
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url.String(), bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.redacted(), err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	hr.Header.Set("Accept", "application/timestamp-reply")
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	if ep.user != "" {
		hr.SetBasicAuth(ep.user, ep.password)
		// The credentials go to this URL only, not where it redirects.
		cc := *client
		cc.CheckRedirect = func(*http.Request, []*http.Request) error {
			return errors.New("redirect refused: TSA credentials are sent to the given URL only")
		}
		client = &cc
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("tsa: request to %s: %w", c.redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tsa %s: HTTP %s", c.redacted(), resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/timestamp-reply") && !strings.HasPrefix(ct, "application/timestamp-response") {
		return nil, fmt.Errorf("tsa %s: unexpected content type %q", c.redacted(), ct)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("tsa %s: reading response: %w", c.redacted(), err)
	}
	if len(body) > maxResponse {
		return nil, fmt.Errorf("tsa %s: response larger than %d bytes", c.redacted(), maxResponse)
	}
	return body, nil
}

// endpoint is where a request goes and with which credentials.
type endpoint struct {
	url            *url.URL // without userinfo
	user, password string   // user empty: no credentials
}

// endpoint applies the credential rules of Client.Username.
func (c *Client) endpoint() (endpoint, error) {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return endpoint{}, fmt.Errorf("tsa: %s is not an http or https URL", c.redacted())
	}
	ep := endpoint{user: c.Username, password: c.Password}
	if u.User != nil {
		if ep.user == "" {
			ep.user = u.User.Username()
			if pw, ok := u.User.Password(); ok {
				ep.password = pw
			}
		}
		u.User = nil
	}
	if ep.user == "" {
		ep.password = ""
	}
	if ep.user != "" && u.Scheme != "https" && !isLoopback(u.Hostname()) {
		return endpoint{}, fmt.Errorf("tsa %s: refusing to send TSA credentials in clear over http to %s, which is not this machine: use an https URL", c.redacted(), u.Hostname())
	}
	ep.url = u
	return ep, nil
}

// CheckCredentials reports, before any request, an error the credential
// rules would give (a bad URL, credentials over plain http to another
// host), so that a command can refuse before it asks for a PIN.
func (c *Client) CheckCredentials() error {
	_, err := c.endpoint()
	return err
}

// redacted is the URL for messages: its password replaced by "xxxxx".
func (c *Client) redacted() string {
	return RedactURL(c.URL)
}

// RedactURL returns raw with the password of its userinfo replaced by
// "xxxxx" (url.URL.Redacted); a string that does not parse as a URL is
// replaced by a placeholder when it might hold a password.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return "(unparseable URL, not shown)"
		}
		return raw
	}
	return u.Redacted()
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
