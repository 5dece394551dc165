// Package serve is the HTTP/JSON service of hpki (`hpki serve`): signature
// verification, signing with server-held keys for authenticated users,
// extension, timestamps and certificate inspection, with HPKI card login
// (package auth) by challenge–response or TLS client certificates.
//
// It has no cryptography of its own: every decision is made by the library
// packages (verify, sign, extend, tsa, certinfo, auth), and the JSON it
// returns is theirs (a verification returns exactly the report of
// `hpki verify --output json`).
//
// Security contract: a signing request is served only for a user
// authenticated by auth (a session token from the challenge–response login,
// or a TLS client certificate checked by the same rules), and only with a
// server-held key whose certificate belongs to that user (auth.Identity.Owns);
// the key's certificate is checked by sign before the key is used. Every
// request body is bounded (Config.MaxBody) and read whole, at a minimum
// rate (Config.BodyGrace, BodyMinRate; else 408), before the request takes a
// work slot, every connection has read and write deadlines, at most
// Config.MaxConcurrent requests do work at a time (others wait, then get
// 503), JSON bodies naming a key twice and multipart parts with a
// Content-Transfer-Encoding are refused (400), and nothing secret (tokens, keys, PINs,
// document content) is logged.
package serve

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hpki-jp/hpki/auth"
	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// OpenAPI is the OpenAPI 3 description of the API, served at /openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// SigningKey is a key the server holds for a user (a key file or a
// PKCS#11 HSM key) with its certificate and chain.
type SigningKey struct {
	Signer      crypto.Signer
	Certificate *x509.Certificate
	Chain       []*x509.Certificate
}

// Config configures a Server.
type Config struct {
	// Verify is the base of every validation (trust anchors, TSA anchors,
	// revocation sources, online or offline). Its RequireRole and At are
	// set per request.
	Verify verify.Options
	// Auth runs logins and holds sessions; nil disables login (and so
	// signing).
	Auth *auth.Service
	// ClientCertificates maps TLS client certificates to identities with
	// Auth's Authenticator (the server must be run with TLSConfig).
	ClientCertificates bool
	// Keys are the server-held signing keys.
	Keys []SigningKey
	// TSA, when set, timestamps signatures (level T), extensions and
	// /v1/timestamp.
	TSA sign.Timestamper
	// MaxBody bounds a request body (default 64 MiB).
	MaxBody int64
	// MaxConcurrent bounds the requests doing work at a time (default
	// 8×GOMAXPROCS); QueueWait is how long a request waits for a slot
	// before 503 (default 5s).
	MaxConcurrent int
	QueueWait     time.Duration
	// RequestTimeout bounds the work of one request (default 60s).
	RequestTimeout time.Duration
	// BodyGrace and BodyMinRate bound the arrival of a request body, which
	// is read whole before the request takes a work slot: after BodyGrace
	// (default 10s) it must have arrived at BodyMinRate bytes per second
	// (default 32 KiB/s), else the request is answered 408. A slow client
	// so holds a connection, never a worker.
	BodyGrace   time.Duration
	BodyMinRate int64
	// ReadHeaderTimeout bounds the arrival of a request's header (default
	// 5s: a slowloris client is dropped then).
	ReadHeaderTimeout time.Duration
	// Logger receives one JSON line per request (default: discard).
	Logger *slog.Logger
	// Ready, when set, is asked by /readyz (e.g. whether a card or HSM is
	// present); nil means ready.
	Ready func(context.Context) error
}

// Server is the HTTP service. Create it with New.
type Server struct {
	cfg     Config
	sem     chan struct{}
	mux     *http.ServeMux
	reg     *prometheus.Registry
	metrics metrics

	mu        sync.Mutex
	verifiers map[string]*verify.Verifier // by role requirement
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
	verdicts *prometheus.CounterVec
	logins   *prometheus.CounterVec
}

// maxVerifiers bounds the Verifiers kept for distinct role requirements.
const maxVerifiers = 64

// New returns a Server.
func New(cfg Config) (*Server, error) {
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 20
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 8 * runtime.GOMAXPROCS(0)
	}
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = 5 * time.Second
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	if cfg.BodyGrace <= 0 {
		cfg.BodyGrace = 10 * time.Second
	}
	if cfg.BodyMinRate <= 0 {
		cfg.BodyMinRate = 32 << 10
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ClientCertificates && cfg.Auth == nil {
		return nil, errors.New("serve: client certificates need an auth.Service")
	}
	for i, k := range cfg.Keys {
		if k.Signer == nil || k.Certificate == nil {
			return nil, fmt.Errorf("serve: key %d has no signer or certificate", i)
		}
		if err := hcrole.DocumentSigner(k.Certificate); err != nil {
			return nil, fmt.Errorf("serve: key %d (%s): %w", i, k.Certificate.Subject.CommonName, err)
		}
	}
	s := &Server{cfg: cfg, sem: make(chan struct{}, cfg.MaxConcurrent), reg: prometheus.NewRegistry(), verifiers: map[string]*verify.Verifier{}}
	s.metrics = metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hpki_http_requests_total", Help: "HTTP requests by route and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hpki_http_request_duration_seconds", Help: "Time to serve a request, by route.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}, []string{"route"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "hpki_http_inflight_requests", Help: "Requests doing work now."}),
		verdicts: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hpki_verify_total", Help: "Verifications by indication."}, []string{"indication"}),
		logins:   prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hpki_login_total", Help: "Logins by method and result (ok or the refusal reason)."}, []string{"method", "result"}),
	}
	s.reg.MustRegister(s.metrics.requests, s.metrics.duration, s.metrics.inflight, s.metrics.verdicts, s.metrics.logins,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	s.routes()
	return s, nil
}

// Handler returns the HTTP handler of the API.
func (s *Server) Handler() http.Handler { return s.mux }

// route is one API route: what the OpenAPI document lists.
type route struct {
	method, path string
	work         bool // takes a concurrency slot
	h            func(http.ResponseWriter, *http.Request) error
}

func (s *Server) routeTable() []route {
	return []route{
		{"GET", "/healthz", false, s.healthz},
		{"GET", "/readyz", false, s.readyz},
		{"GET", "/openapi.json", false, s.openapi},
		{"POST", "/v1/verify", true, s.verify},
		{"POST", "/v1/sign", true, s.sign},
		{"POST", "/v1/extend", true, s.extend},
		{"POST", "/v1/timestamp", true, s.timestamp},
		{"POST", "/v1/cert/inspect", true, s.inspect},
		{"POST", auth.PathChallenge, true, s.challenge},
		{"POST", auth.PathLogin, true, s.login},
		{"GET", "/v1/auth/session", true, s.session},
		{"POST", "/v1/auth/logout", true, s.logout},
	}
}

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	for _, r := range s.routeTable() {
		s.mux.Handle(r.method+" "+r.path, s.wrap(r))
	}
	metricsHandler := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
	s.mux.Handle("GET /metrics", metricsHandler)
	methods := map[string]string{"/metrics": "GET"}
	for _, r := range s.routeTable() {
		methods[r.path] = r.method
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if m, ok := methods[r.URL.Path]; ok {
			w.Header().Set("Allow", m)
			writeError(w, http.StatusMethodNotAllowed, "use "+m+" for "+r.URL.Path, "")
			return
		}
		writeError(w, http.StatusNotFound, "no such route: see /openapi.json", "")
	})
}

// httpError is an error with its HTTP status.
type httpError struct {
	status int
	reason auth.Reason
	err    error
}

func (e *httpError) Error() string { return e.err.Error() }

func errStatus(status int, err error) error { return &httpError{status: status, err: err} }

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	n      int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap gives http.ResponseController the connection's writer (read
// deadlines of the body).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// wrap adds the body limit, the concurrency bound, the request timeout,
// recovery, metrics and the log line.
func (s *Server) wrap(rt route) http.Handler {
	name := rt.method + " " + rt.path
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		var who string
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Logger.Error("panic", "route", name, "panic", fmt.Sprint(p))
				if sw.status == 0 {
					writeError(sw, http.StatusInternalServerError, "internal error", "")
				}
			}
			code := sw.status
			if code == 0 {
				code = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.requests.WithLabelValues(name, strconv.Itoa(code)).Inc()
			s.metrics.duration.WithLabelValues(name).Observe(d.Seconds())
			attrs := []any{"method", r.Method, "path", rt.path, "status", code, "ms", float64(d.Microseconds()) / 1000, "bytes", sw.n, "remote", r.RemoteAddr}
			if who != "" {
				attrs = append(attrs, "user", who)
			}
			s.cfg.Logger.Info("request", attrs...)
		}()
		r.Body = http.MaxBytesReader(sw, r.Body, s.cfg.MaxBody)
		ctx := r.Context()
		if r.Method == http.MethodPost {
			// The whole body, before a work slot is taken.
			body, err := s.readRequestBody(sw, r)
			if err != nil {
				writeBodyError(sw, err)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			ctx = withBody(ctx, body)
		}
		if rt.work {
			t := time.NewTimer(s.cfg.QueueWait)
			select {
			case s.sem <- struct{}{}:
				t.Stop()
			case <-t.C:
				sw.Header().Set("Retry-After", "1")
				writeError(sw, http.StatusServiceUnavailable, "busy: too many requests in progress", "")
				return
			case <-r.Context().Done():
				t.Stop()
				return
			}
			defer func() { <-s.sem }()
			s.metrics.inflight.Inc()
			defer s.metrics.inflight.Dec()
		}
		ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		defer cancel()
		ctx = context.WithValue(ctx, userKey{}, &who)
		if err := rt.h(sw, r.WithContext(ctx)); err != nil {
			var he *httpError
			var mbe *http.MaxBytesError
			switch {
			case errors.As(err, &mbe):
				writeError(sw, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", mbe.Limit), "")
			case errors.As(err, &he):
				writeError(sw, he.status, he.err.Error(), he.reason)
			case errors.Is(err, context.DeadlineExceeded):
				writeError(sw, http.StatusServiceUnavailable, "request took too long", "")
			default:
				writeError(sw, http.StatusInternalServerError, err.Error(), "")
			}
		}
	})
}

// writeBodyError answers a body that could not be read: too large 413,
// too slow 408, cut short or otherwise unreadable 400.
func writeBodyError(w http.ResponseWriter, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", mbe.Limit), "")
	case errors.Is(err, errSlowBody):
		w.Header().Set("Connection", "close")
		writeError(w, http.StatusRequestTimeout, errSlowBody.Error(), "")
	default:
		writeError(w, http.StatusBadRequest, "request body unreadable: "+err.Error(), "")
	}
}

type userKey struct{}

// setUser records who made the request, for the log line.
func setUser(ctx context.Context, id *auth.Identity) {
	if p, ok := ctx.Value(userKey{}).(*string); ok && id != nil {
		*p = id.HolderID + " " + id.CertificateSHA256[:16]
	}
}

// jsonBuffers hold encoded responses until they are written.
var jsonBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// writeJSON answers v as JSON, encoded whole first: the response has a
// Content-Length and goes out in one write (no chunked encoding).
func writeJSON(w http.ResponseWriter, status int, v any) {
	buf := jsonBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // a rare huge answer is not kept
			buf.Reset()
			jsonBuffers.Put(buf)
		}
	}()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		buf.Reset()
		fmt.Fprintf(buf, "{\"error\":%q}\n", "internal error: the answer could not be encoded")
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, status int, msg string, reason auth.Reason) {
	writeJSON(w, status, auth.ErrorBody{Error: msg, Reason: reason})
}

// HTTPServer returns an http.Server for the API with the timeouts that
// protect it from slow clients: the request header must arrive within
// ReadHeaderTimeout (slowloris), the whole request within 60s, the response be written within
// RequestTimeout+30s, idle keep-alive connections close after 60s, and
// headers are at most 64 KiB.
func (s *Server) HTTPServer(tlsConfig *tls.Config) *http.Server {
	return &http.Server{
		Handler:           s.mux,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      s.cfg.RequestTimeout + 30*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ConnContext:       connContext,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
}

// Serve serves the API on ln (with TLS when tlsConfig is not nil) until
// ctx ends, then shuts down gracefully: it stops accepting, lets requests
// in progress finish for up to grace, and returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsConfig *tls.Config, grace time.Duration) error {
	srv := s.HTTPServer(tlsConfig)
	done := make(chan error, 1)
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		done <- srv.Shutdown(shut)
	}()
	var err error
	if tlsConfig != nil {
		err = srv.ServeTLS(ln, "", "")
	} else {
		err = srv.Serve(ln)
	}
	if !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return <-done
}
