package revocation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"sync"
	"time"
)

// Fetcher gets revocation data over HTTP: CRLs from the certificate's CRL
// distribution points and OCSP responses from its AIA OCSP URL. Every
// request has a timeout and a size limit; checked CRLs and OCSP answers are
// cached until their nextUpdate. A Fetcher is safe for concurrent use.
type Fetcher struct {
	// HTTPClient is used for requests (default: a client with Timeout).
	HTTPClient *http.Client
	// Resolve sends requests for a host to another address ("host" →
	// "127.0.0.1:8888"), e.g. a local responder standing in for the one a
	// certificate names. Ignored when HTTPClient is set.
	Resolve map[string]string
	// Timeout bounds one request (default 10s).
	Timeout time.Duration
	// MaxCRL and MaxOCSP bound the response sizes (default 32 MiB, 64 KiB).
	MaxCRL, MaxOCSP int64
	// Now is the clock of the cache (default time.Now).
	Now func() time.Time
	// HostDownFor is how long a host that could not be reached (no
	// connection, no answer within Timeout, a 5xx status) is not asked
	// again: requests to it fail at once, saying so (a circuit breaker:
	// an unreachable responder costs one Timeout per period, not one per
	// certificate). Default one minute; negative: never asked again by
	// this Fetcher.
	HostDownFor time.Duration

	mu    sync.Mutex
	cache map[[32]byte]*Info
	down  map[string]hostDown
}

// hostDown is a host that failed, when, and how.
type hostDown struct {
	at  time.Time
	err error
}

// ErrHostDown is wrapped by the error of a request not sent because its
// host failed shortly before (see Fetcher.HostDownFor).
var ErrHostDown = errors.New("not asked: the host failed earlier")

// isDown returns the failure of host while it counts.
func (f *Fetcher) isDown(host string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.down[host]
	if !ok {
		return nil
	}
	period := f.HostDownFor
	if period == 0 {
		period = time.Minute
	}
	if period > 0 && !f.now().Before(d.at.Add(period)) {
		delete(f.down, host)
		return nil
	}
	return fmt.Errorf("%w (%s: %v)", ErrHostDown, host, d.err)
}

func (f *Fetcher) markDown(host string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down == nil {
		f.down = map[string]hostDown{}
	}
	if len(f.down) < 4096 {
		f.down[host] = hostDown{at: f.now(), err: err}
	}
}

func (f *Fetcher) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *Fetcher) client() *http.Client {
	if f.HTTPClient != nil {
		return f.HTTPClient
	}
	c := &http.Client{Timeout: f.timeout()}
	if len(f.Resolve) > 0 {
		dialer := &net.Dialer{Timeout: f.timeout()}
		c.Transport = &http.Transport{
			Proxy: http.ProxyFromEnvironment,
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if host, _, err := net.SplitHostPort(addr); err == nil {
					if to, ok := f.Resolve[host]; ok {
						addr = to
					}
				}
				return dialer.DialContext(ctx, network, addr)
			},
		}
	}
	return c
}

func (f *Fetcher) timeout() time.Duration {
	if f.Timeout > 0 {
		return f.Timeout
	}
	return 10 * time.Second
}

func (f *Fetcher) get(ctx context.Context, method, url string, body []byte, contentType string, limit int64) ([]byte, error) {
	u, err := neturl.Parse(url)
	if err != nil {
		return nil, err
	}
	host := u.Host
	if err := f.isDown(host); err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	data, err, hostFailed := f.do(ctx, method, url, body, contentType, limit)
	if hostFailed && ctx.Err() == nil {
		f.markDown(host, err)
	}
	return data, err
}

// do sends one request; hostFailed says the failure is the host's (no
// connection, no answer in time, a 5xx status).
func (f *Fetcher) do(ctx context.Context, method, url string, body []byte, contentType string, limit int64) (data []byte, err error, hostFailed bool) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout())
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err, false
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := f.client().Do(req)
	if err != nil {
		return nil, err, true
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: HTTP %s", url, resp.Status), resp.StatusCode >= 500
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err), true
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: response larger than %d bytes", url, limit), false
	}
	return data, nil, false
}

// Fetch gets the status of cert from its OCSP responder, else from its CRL
// distribution points, and checks it. It returns the first data that
// passes CheckOCSP or CheckCRL, or an error listing why each source failed.
func (f *Fetcher) Fetch(ctx context.Context, cert, issuer *x509.Certificate) (*Info, error) {
	return f.FetchSince(ctx, cert, issuer, time.Time{})
}

// FetchSince is Fetch for a caller that needs data issued at or after
// since (the freshness rule of long-term validation): cached data whose
// thisUpdate is earlier is not used and the source is asked again. What the
// source returns is returned as it is, older or not: the caller decides
// whether it is fresh enough (and can tell when to retry from NextUpdate).
func (f *Fetcher) FetchSince(ctx context.Context, cert, issuer *x509.Certificate, since time.Time) (*Info, error) {
	var errs []error
	for _, url := range cert.OCSPServer {
		info, err := f.ocsp(ctx, url, cert, issuer, since)
		if err == nil && info.Status != Unknown {
			return info, nil
		}
		if err == nil {
			err = fmt.Errorf("%s: status unknown", url)
		}
		errs = append(errs, err)
	}
	for _, url := range cert.CRLDistributionPoints {
		info, err := f.crl(ctx, url, cert, issuer, since)
		if err == nil {
			return info, nil
		}
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		return nil, errors.New("the certificate names no OCSP responder and no CRL")
	}
	return nil, errors.Join(errs...)
}

// OCSP asks the responder at url about cert with a fresh nonce. A checked
// answer is cached until its nextUpdate.
func (f *Fetcher) OCSP(ctx context.Context, url string, cert, issuer *x509.Certificate) (*Info, error) {
	return f.ocsp(ctx, url, cert, issuer, time.Time{})
}

func (f *Fetcher) ocsp(ctx context.Context, url string, cert, issuer *x509.Certificate, since time.Time) (*Info, error) {
	key := sha256.Sum256(append(append([]byte(url+"\x00"), cert.Raw...), issuer.Raw...))
	if info := f.cached(key, since); info != nil {
		return info, nil
	}
	req, nonce, err := NewRequest(cert, issuer)
	if err != nil {
		return nil, err
	}
	limit := f.MaxOCSP
	if limit == 0 {
		limit = 64 << 10
	}
	data, err := f.get(ctx, http.MethodPost, url, req, "application/ocsp-request", limit)
	if err != nil {
		return nil, fmt.Errorf("OCSP: %w", err)
	}
	info, err := CheckOCSP(data, cert, issuer, nonce)
	if err != nil {
		return nil, fmt.Errorf("OCSP %s: %w", url, err)
	}
	f.store(key, info)
	return info, nil
}

// cached returns the cached data under key while it is current and was
// issued at or after since.
func (f *Fetcher) cached(key [32]byte, since time.Time) *Info {
	f.mu.Lock()
	defer f.mu.Unlock()
	info := f.cache[key]
	if info != nil && !info.NextUpdate.IsZero() && f.now().Before(info.NextUpdate) && !info.ThisUpdate.Before(since) {
		return info
	}
	return nil
}

// store caches checked data (at most 1024 entries).
func (f *Fetcher) store(key [32]byte, info *Info) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cache == nil {
		f.cache = map[[32]byte]*Info{}
	}
	if len(f.cache) < 1024 || f.cache[key] != nil {
		f.cache[key] = info
	}
}

// CRL downloads the CRL at url (or takes it from the cache while it is
// current) and checks cert against it.
func (f *Fetcher) CRL(ctx context.Context, url string, cert, issuer *x509.Certificate) (*Info, error) {
	return f.crl(ctx, url, cert, issuer, time.Time{})
}

func (f *Fetcher) crl(ctx context.Context, url string, cert, issuer *x509.Certificate, since time.Time) (*Info, error) {
	key := sha256.Sum256(append([]byte(url+"\x00"), issuer.Raw...))
	var raw []byte
	if cached := f.cached(key, since); cached != nil {
		raw = cached.Raw
	} else {
		limit := f.MaxCRL
		if limit == 0 {
			limit = 32 << 20
		}
		data, err := f.get(ctx, http.MethodGet, url, nil, "", limit)
		if err != nil {
			return nil, fmt.Errorf("CRL: %w", err)
		}
		raw = data
	}
	info, err := CheckCRL(raw, cert, issuer)
	if err != nil {
		return nil, fmt.Errorf("CRL %s: %w", url, err)
	}
	f.store(key, info)
	return info, nil
}
