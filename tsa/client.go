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
	"net/http"
	"strings"
	"time"

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
	// Username and Password enable HTTP basic authentication.
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
	if c.Roots == nil {
		return nil, errors.New("tsa: no TSA trust anchors to check the token against")
	}
	h := c.hash()
	if len(digest) != h.Size() {
		return nil, fmt.Errorf("tsa: digest of %d bytes for %v", len(digest), h)
	}
	alg, err := cms.DigestAlgorithm(h)
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	nonce, err := newNonce()
	if err != nil {
		return nil, fmt.Errorf("tsa: nonce: %w", err)
	}
	req, err := asn1.Marshal(timeStampReq{
		Version:        1,
		MessageImprint: messageImprint{HashAlgorithm: alg, HashedMessage: digest},
		ReqPolicy:      c.Policy,
		Nonce:          nonce,
		CertReq:        true,
	})
	if err != nil {
		return nil, fmt.Errorf("tsa: encoding request: %w", err)
	}
	body, err := c.post(ctx, req)
	if err != nil {
		return nil, err
	}
	tok, err := ParseResponse(body)
	if err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.URL, err)
	}
	if tok.Nonce == nil || tok.Nonce.Cmp(nonce) != 0 {
		return nil, fmt.Errorf("tsa %s: the token does not echo our nonce (replayed or foreign response)", c.URL)
	}
	if len(c.Policy) > 0 && !tok.Policy.Equal(c.Policy) {
		return nil, fmt.Errorf("tsa %s: token policy %s, requested %s", c.URL, tok.Policy, c.Policy)
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
		return nil, fmt.Errorf("tsa %s: genTime %s is %s away from our clock", c.URL, tok.GenTime.Format(time.RFC3339), d.Round(time.Second))
	}
	if _, _, err := tok.Verify(h, digest, VerifyOptions{Roots: c.Roots, Intermediates: c.Intermediates}); err != nil {
		return nil, fmt.Errorf("tsa %s: %w", c.URL, err)
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
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(req))
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	hr.Header.Set("Accept", "application/timestamp-reply")
	if c.Username != "" || c.Password != "" {
		hr.SetBasicAuth(c.Username, c.Password)
	}
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("tsa: request to %s: %w", c.URL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tsa %s: HTTP %s", c.URL, resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/timestamp-reply") && !strings.HasPrefix(ct, "application/timestamp-response") {
		return nil, fmt.Errorf("tsa %s: unexpected content type %q", c.URL, ct)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("tsa %s: reading response: %w", c.URL, err)
	}
	if len(body) > maxResponse {
		return nil, fmt.Errorf("tsa %s: response larger than %d bytes", c.URL, maxResponse)
	}
	return body, nil
}
