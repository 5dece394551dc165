// Package loadtest is a bounded HTTP load generator for hpki serve: a fixed
// number of workers send the same request until a request count or a
// duration is reached, and the latencies are summarised. It never sends more
// than Concurrency requests at a time and stops when its context ends.
package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
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
	// Client is the HTTP client (default: one keeping Concurrency
	// connections alive).
	Client *http.Client
}

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
	if o.Client == nil {
		o.Client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency, MaxConnsPerHost: o.Concurrency}}
	}
	one := func(ctx context.Context) (time.Duration, error) {
		start := time.Now()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(o.Body))
		if err != nil {
			return 0, err
		}
		req.Header.Set("Content-Type", o.ContentType)
		resp, err := o.Client.Do(req)
		if err != nil {
			return 0, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return 0, err
		}
		return time.Since(start), o.Check(resp.StatusCode, body)
	}
	// Warm-up: connections, caches.
	var wg sync.WaitGroup
	warm := make(chan struct{}, o.Warmup)
	for range o.Warmup {
		warm <- struct{}{}
	}
	close(warm)
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range warm {
				_, _ = one(ctx)
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
	start := time.Now()
	for range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 1024)
			var errs int
			var first string
			for take() {
				d, err := one(ctx)
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
