// Package loadtest is a bounded HTTP load generator for hpki serve: a fixed
// number of workers send the same request until a request count or a
// duration is reached, and the latencies are summarised. It never sends more
// than Concurrency requests at a time and stops when its context ends.
//
// The generator shares the machine with the service it measures, so it
// does as little as it can per request: for an http:// URL (and no
// Options.Client) each worker keeps one connection alive and writes the
// request, built once, in one system call, and reads the response into a
// buffer it reuses.
package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Options describe a run.
type Options struct {
	// URL receives POST requests with Body as ContentType (default
	// application/json).
	URL         string
	Body        []byte
	ContentType string
	// Concurrency is the number of clients (default 64).
	Concurrency int
	// Requests stops the run after this many requests (0: no bound);
	// Duration after this time (0: no bound). One of them is required.
	Requests int
	Duration time.Duration
	// Warmup requests are sent first and not counted (0: 2×Concurrency;
	// negative: none).
	Warmup int
	// Check judges a response (default: status 200).
	Check func(status int, body []byte) error
	// Client, when set, sends the requests (e.g. for https). Without it,
	// an http:// URL is loaded over one kept-alive connection per worker
	// (see the package documentation), any other URL with a client keeping
	// Concurrency connections alive.
	Client *http.Client
}

// requestTimeout bounds one request of the generator.
const requestTimeout = time.Minute

// Result is the summary of a run.
type Result struct {
	Requests    int           `json:"requests"`
	Errors      int           `json:"errors"`
	FirstError  string        `json:"firstError,omitempty"`
	Elapsed     time.Duration `json:"elapsedNs"`
	PerSecond   float64       `json:"requestsPerSecond"`
	P50         time.Duration `json:"p50Ns"`
	P99         time.Duration `json:"p99Ns"`
	Max         time.Duration `json:"maxNs"`
	Concurrency int           `json:"concurrency"`
	// CPU is the CPU time (user and system) of this process during the
	// measured run (not the warm-up): the generator's, and the service's
	// too when it runs in the same process. Zero where the system does not
	// say.
	CPU time.Duration `json:"cpuNs"`
}

// String formats the figures for people.
func (r Result) String() string {
	return fmt.Sprintf("%d requests (%d errors) in %.2fs at %d concurrent clients: %.0f req/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms",
		r.Requests, r.Errors, r.Elapsed.Seconds(), r.Concurrency, r.PerSecond, ms(r.P50), ms(r.P99), ms(r.Max))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Run performs the run.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.Requests <= 0 && o.Duration <= 0 {
		return Result{}, fmt.Errorf("loadtest: give Requests or Duration")
	}
	if o.ContentType == "" {
		o.ContentType = "application/json"
	}
	if o.Warmup == 0 {
		o.Warmup = 2 * o.Concurrency
	}
	o.Warmup = max(o.Warmup, 0)
	if o.Check == nil {
		o.Check = func(status int, _ []byte) error {
			if status != http.StatusOK {
				return fmt.Errorf("HTTP %d", status)
			}
			return nil
		}
	}
	u, err := url.Parse(o.URL)
	if err != nil {
		return Result{}, fmt.Errorf("loadtest: %w", err)
	}
	var newSender func() sender
	if o.Client == nil && u.Scheme == "http" {
		req := rawRequest(u, o.ContentType, o.Body)
		newSender = func() sender { return &rawSender{addr: hostPort(u), req: req} }
	} else {
		if o.Client == nil {
			o.Client = &http.Client{Timeout: requestTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency, MaxConnsPerHost: o.Concurrency}}
		}
		newSender = func() sender { return &clientSender{o: &o} }
	}
	senders := make([]sender, o.Concurrency)
	for i := range senders {
		senders[i] = newSender()
	}
	defer func() {
		for _, s := range senders {
			s.close()
		}
	}()
	one := func(ctx context.Context, s sender) (time.Duration, error) {
		start := time.Now()
		status, body, err := s.send(ctx)
		if err != nil {
			return 0, err
		}
		return time.Since(start), o.Check(status, body)
	}
	// Warm-up: connections, caches.
	var wg sync.WaitGroup
	warm := make(chan struct{}, o.Warmup)
	for range o.Warmup {
		warm <- struct{}{}
	}
	close(warm)
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range warm {
				_, _ = one(ctx, s)
			}
		}()
	}
	wg.Wait()

	runCtx := ctx
	if o.Duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, o.Duration)
		defer cancel()
	}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		res       = Result{Concurrency: o.Concurrency}
		issued    int
	)
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if runCtx.Err() != nil || (o.Requests > 0 && issued >= o.Requests) {
			return false
		}
		issued++
		return true
	}
	start, cpu0 := time.Now(), CPUTime()
	for _, s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			var errs int
			var first string
			for take() {
				d, err := one(ctx, s)
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				local = append(local, d)
			}
			mu.Lock()
			latencies = append(latencies, local...)
			res.Errors += errs
			if res.FirstError == "" {
				res.FirstError = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if cpu0 > 0 {
		res.CPU = CPUTime() - cpu0
	}
	res.Requests = len(latencies) + res.Errors
	if res.Elapsed > 0 {
		res.PerSecond = float64(len(latencies)) / res.Elapsed.Seconds()
	}
	if len(latencies) > 0 {
		slices.Sort(latencies)
		res.P50 = latencies[len(latencies)/2]
		res.P99 = latencies[min(len(latencies)-1, len(latencies)*99/100)]
		res.Max = latencies[len(latencies)-1]
	}
	return res, ctx.Err()
}

// sender sends the run's request and returns the response's status and
// body (valid until the next send).
type sender interface {
	send(ctx context.Context) (status int, body []byte, err error)
	close()
}

// clientSender sends with an http.Client.
type clientSender struct{ o *Options }

func (c *clientSender) send(ctx context.Context) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.o.URL, bytes.NewReader(c.o.Body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", c.o.ContentType)
	resp, err := c.o.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

func (c *clientSender) close() {}

// rawRequest is the whole HTTP/1.1 request, header and body, as sent.
func rawRequest(u *url.URL, contentType string, body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(body) + 256)
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nUser-Agent: hpki-load\r\n\r\n", u.RequestURI(), u.Host, contentType, len(body))
	b.Write(body)
	return b.Bytes()
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// rawSender sends the prebuilt request over its own kept-alive
// connection, dialled again when the server closes it.
type rawSender struct {
	addr string
	req  []byte
	conn net.Conn
	stop func() bool // ends the watch of the context on conn
	br   *bufio.Reader
	body bytes.Buffer
}

func (c *rawSender) send(ctx context.Context) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		reused := c.conn != nil
		if !reused {
			var d net.Dialer
			conn, err := d.DialContext(ctx, "tcp", c.addr)
			if err != nil {
				return 0, nil, err
			}
			c.conn = conn
			// A run ending interrupts a request in progress.
			c.stop = context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
			if c.br == nil {
				c.br = bufio.NewReaderSize(conn, 32<<10)
			} else {
				c.br.Reset(conn)
			}
		}
		status, err := c.roundTrip()
		if err == nil {
			return status, c.body.Bytes(), nil
		}
		c.close()
		// A kept-alive connection the server closed before answering
		// (idle timeout) is dialled again, once.
		if reused && attempt == 0 && ctx.Err() == nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)) {
			continue
		}
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, nil, err
	}
}

func (c *rawSender) roundTrip() (int, error) {
	if err := c.conn.SetDeadline(time.Now().Add(requestTimeout)); err != nil {
		return 0, err
	}
	if _, err := c.conn.Write(c.req); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return 0, err
	}
	c.body.Reset()
	if resp.ContentLength > 0 {
		c.body.Grow(int(min(resp.ContentLength, 16<<20)))
	}
	_, err = c.body.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, fmt.Errorf("response body: %w", err)
	}
	if resp.Close {
		c.close()
	}
	return resp.StatusCode, nil
}

func (c *rawSender) close() {
	if c.conn != nil {
		c.stop()
		c.conn.Close()
		c.conn = nil
	}
}
