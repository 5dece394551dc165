// Command hpki-load measures hpki serve: CAdES B-T verification of a 50 KB
// letter by concurrent clients on loopback. By default it starts the
// service in this process with the committed test HPKI (offline, with a
// CRL issued for the test) and a local TSA; with -url it loads a running
// service with -sig and -content files instead.
//
//	go run ./internal/loadtest/cmd/hpki-load -c 64 -d 10s
package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/hpki-jp/hpki/internal/loadtest"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/serve"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

func main() {
	var (
		conc             = flag.Int("c", 64, "concurrent clients")
		dur              = flag.Duration("d", 10*time.Second, "duration of the measured run")
		n                = flag.Int("n", 0, "stop after this many requests (0: -d only)")
		url              = flag.String("url", "", "a running hpki serve (default: start one in this process)")
		sigFile, content = flag.String("sig", "", "signature file (with -url)"), flag.String("content", "", "detached content (with -url)")
		asJSON           = flag.Bool("json", false, "print the result as JSON")
		form             = flag.Bool("form", false, "send multipart/form-data (raw bytes) instead of JSON (base64)")
		cpuProfile       = flag.String("cpuprofile", "", "write a CPU profile of the measured run (service and generator when in process) to this file")
	)
	flag.Parse()
	profileTo = *cpuProfile
	if err := run(*conc, *dur, *n, *url, *sigFile, *content, *asJSON, *form); err != nil {
		fmt.Fprintln(os.Stderr, "hpki-load:", err)
		os.Exit(1)
	}
}

// passed begins the report of a signature that passed.
var passed = []byte(`{"indication":"` + verify.TotalPassed + `"`)

// profileTo is the -cpuprofile file.
var profileTo string

func run(conc int, dur time.Duration, n int, url, sigFile, contentFile string, asJSON, form bool) error {
	var sig, content []byte
	if url == "" {
		var err error
		var stop func()
		url, sig, content, stop, err = inProcess()
		if err != nil {
			return err
		}
		defer stop()
	} else {
		var err error
		if sig, err = os.ReadFile(sigFile); err != nil {
			return err
		}
		if contentFile != "" {
			if content, err = os.ReadFile(contentFile); err != nil {
				return err
			}
		}
	}
	body, err := json.Marshal(serve.VerifyRequest{Signature: sig, Content: content})
	if err != nil {
		return err
	}
	ctype, encoding := "application/json", "JSON, base64"
	if form {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, p := range []struct {
			name string
			data []byte
		}{{"signature", sig}, {"content", content}} {
			w, err := mw.CreateFormFile(p.name, p.name)
			if err != nil {
				return err
			}
			_, _ = w.Write(p.data)
		}
		if err := mw.Close(); err != nil {
			return err
		}
		body, ctype, encoding = buf.Bytes(), mw.FormDataContentType(), "multipart/form-data, raw"
	}
	if profileTo != "" {
		f, err := os.Create(profileTo)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	res, err := loadtest.Run(context.Background(), loadtest.Options{
		URL: url + "/v1/verify", Body: body, ContentType: ctype, Concurrency: conc, Duration: dur, Requests: n,
		// The report's first member is its overall indication (the
		// service's JSON has no spaces): a prefix test, not a decoding.
		Check: func(status int, b []byte) error {
			if status != 200 || !bytes.HasPrefix(b, passed) {
				return fmt.Errorf("HTTP %d: %.200s", status, b)
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	cpu := res.CPU
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(struct {
			loadtest.Result
			CPUPerRequestNs int64 `json:"cpuPerRequestNs"`
		}{res, int64(cpu) / int64(max(res.Requests, 1))})
	}
	fmt.Printf("hpki serve, CAdES B-T verify of a %d KB letter (%s; GOMAXPROCS %d): %s\n", len(content)/1024, encoding, runtime.GOMAXPROCS(0), res)
	if res.Requests > 0 && cpu > 0 {
		per := cpu / time.Duration(res.Requests)
		scope := "the load generator and the service together"
		if url != "" && sigFile != "" {
			scope = "the load generator alone"
		}
		fmt.Printf("CPU time per request (%s): %.0f µs; on %d otherwise idle cores that is at most %.0f req/s\n", scope, float64(per.Microseconds()), runtime.NumCPU(), float64(runtime.NumCPU())/per.Seconds())
	}
	if res.Errors > 0 {
		return fmt.Errorf("%d failed requests, first: %s", res.Errors, res.FirstError)
	}
	return nil
}

// inProcess starts a local TSA and hpki serve with the committed test
// HPKI, and returns the service's URL with a B-T signature of a 50 KB
// letter and the letter.
func inProcess() (url string, sig, content []byte, stop func(), err error) {
	p, err := testpki.Load(testpki.Dir())
	if err != nil {
		return "", nil, nil, nil, err
	}
	tsaLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, nil, err
	}
	go func() { _ = http.Serve(tsaLn, &tsa.Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}) }()
	roots := x509.NewCertPool()
	roots.AddCert(p.TSARoot.Cert)
	tc := &tsa.Client{URL: "http://" + tsaLn.Addr().String() + "/", Roots: roots}
	unit := []byte("紹介状 referral letter, 50 KB. ")
	content = bytes.Repeat(unit, 50*1024/len(unit)+1)[:50*1024]
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(content), sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, sign.CAdESOptions{Level: sign.LevelT, TSA: tc})
	if err != nil {
		return "", nil, nil, nil, err
	}
	// The signing CA's next CRL, issued after the signature's timestamp.
	at := time.Now().Add(time.Minute)
	crl, err := testpki.MakeCRL(p.SignCA, []x509.RevocationListEntry{{SerialNumber: p.Revoked.Cert.SerialNumber, RevocationTime: p.RevokedAt}}, at, at.Add(7*24*time.Hour), at.Unix())
	if err != nil {
		return "", nil, nil, nil, err
	}
	// The garbage collector as hpki serve sets it.
	restoreGC := serve.TuneGC()
	srv, err := serve.New(serve.Config{Verify: verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		Offline:  true,
		CRLs:     [][]byte{crl},
	}})
	if err != nil {
		return "", nil, nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, ln, nil, 5*time.Second); close(done) }()
	return "http://" + ln.Addr().String(), res.Signature, content, func() { cancel(); <-done; tsaLn.Close(); restoreGC() }, nil
}
