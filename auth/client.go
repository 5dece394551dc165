package auth

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxResponse bounds what the client reads from a server.
const maxResponse = 1 << 20

// Login runs the challenge–response login against the hpki serve API at
// baseURL (e.g. "https://ehr.example:8443"): it asks for a challenge,
// signs it with key (the card's authentication key; its certificate cert,
// chain its CA certificates) for the origin of baseURL, and returns the
// session. The key is used only after a well-formed challenge arrived; a
// refusal is an *Error carrying the server's Reason. hc nil means
// http.DefaultClient.
func Login(ctx context.Context, hc *http.Client, baseURL string, key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate) (*Session, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	origin, err := Origin(baseURL)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(baseURL, "/")
	var c Challenge
	if err := postJSON(ctx, hc, base+PathChallenge, struct{}{}, &c); err != nil {
		return nil, fmt.Errorf("challenge: %w", err)
	}
	if c.Nonce == "" {
		return nil, errors.New("challenge: the server sent no nonce")
	}
	req, err := SignLogin(key, cert, chain, origin, c, time.Now())
	if err != nil {
		return nil, err
	}
	var s Session
	if err := postJSON(ctx, hc, base+PathLogin, req, &s); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	if s.Token == "" {
		return nil, errors.New("login: the server sent no session token")
	}
	return &s, nil
}

// ErrorBody is the JSON body of an error response of hpki serve.
type ErrorBody struct {
	Error  string `json:"error"`
	Reason Reason `json:"reason,omitempty"`
}

func postJSON(ctx context.Context, hc *http.Client, u string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var eb ErrorBody
		if json.Unmarshal(data, &eb) == nil && eb.Error != "" {
			if eb.Reason != "" {
				return &Error{Reason: eb.Reason, Err: fmt.Errorf("HTTP %d: %s", resp.StatusCode, eb.Error)}
			}
			return fmt.Errorf("HTTP %d: %s", resp.StatusCode, eb.Error)
		}
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	return json.Unmarshal(data, out)
}
