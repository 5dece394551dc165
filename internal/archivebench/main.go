// Command archivebench makes the corpus of make bench-archive: N distinct
// real records (4 KB documents, each with its own CAdES signature and
// signature timestamp; with -lta, also its own archive timestamp and
// validation data), signed with the committed test HPKI and timestamped by
// a TSA run in this process on 127.0.0.1, in folders of 1,000. It also
// writes a CRL fresh for the validation (-crl).
//
//	go run ./internal/archivebench -n 10000 -out /var/tmp/hpki-bench/bt-10000
//	go run ./internal/archivebench -n 10000 -lta -out /var/tmp/hpki-bench/blta-10000
//	go run ./internal/archivebench -crl /var/tmp/hpki-bench/fresh.crl
//
// The corpus is made in a folder beside -out and renamed into place when
// complete, so an interrupted run leaves no half corpus behind.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

func main() {
	n := flag.Int("n", 10000, "number of records")
	out := flag.String("out", "", "folder to create")
	lta := flag.Bool("lta", false, "extend every record to B-LTA")
	crlOut := flag.String("crl", "", "write a CRL of the signing CA fresh for a validation now, and exit")
	flag.Parse()
	if err := run(*n, *out, *lta, *crlOut); err != nil {
		fmt.Fprintln(os.Stderr, "archivebench:", err)
		os.Exit(1)
	}
}

func run(n int, out string, lta bool, crlOut string) error {
	p, err := testpki.Load(testpki.Dir())
	if err != nil {
		return err
	}
	crl, err := freshCRL(p)
	if err != nil {
		return err
	}
	if crlOut != "" {
		return os.WriteFile(crlOut, crl, 0o644)
	}
	if out == "" {
		return fmt.Errorf("-out is required")
	}
	roots := x509.NewCertPool()
	roots.AddCert(p.TSARoot.Cert)
	// The TSA answers in this process, without a socket.
	server := &tsa.Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}
	client := &tsa.Client{URL: "http://127.0.0.1/tsa", Roots: roots, HTTPClient: &http.Client{Transport: inProcess{server}}}
	tmp := out + ".partial" // kept across runs: records made are not made again
	cred := sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}
	vo := verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		CRLs:     [][]byte{crl},
		Offline:  true,
	}
	var next, made atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || firstErr != nil {
					return
				}
				if err := record(p, cred, client, vo, tmp, i, lta); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				if m := made.Add(1); m%10000 == 0 {
					fmt.Fprintf(os.Stderr, "archivebench: %d/%d records (%.0f/s)\n", m, n, float64(m)/time.Since(start).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return os.Rename(tmp, out)
}

// record makes record i: a distinct 4 KB document and its signature.
func record(p *testpki.PKI, cred sign.Credential, client *tsa.Client, vo verify.Options, dir string, i int, lta bool) error {
	sub := filepath.Join(dir, fmt.Sprintf("%04d", i/1000))
	name := filepath.Join(sub, fmt.Sprintf("r%07d.txt", i))
	if st, err := os.Stat(name + ".p7s"); err == nil && st.Size() > 0 {
		return nil // made by an earlier, interrupted run
	}
	doc := make([]byte, 4096)
	copy(doc, fmt.Sprintf("診療情報提供書 record %d\n", i))
	rand.Read(doc[64:])
	ctx := context.Background()
	res, err := sign.SignCAdES(ctx, bytes.NewReader(doc), cred, sign.CAdESOptions{Level: sign.LevelT, TSA: client})
	if err != nil {
		return fmt.Errorf("record %d: %w", i, err)
	}
	sig := res.Signature
	if lta {
		ext, err := extend.CAdES(ctx, sig, bytes.NewReader(doc), extend.Options{To: sign.LevelLTA, TSA: client, Verify: vo})
		if err != nil {
			return fmt.Errorf("record %d: extend: %w", i, err)
		}
		sig = ext.Signature
	}
	if err := os.MkdirAll(sub, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(name, doc, 0o644); err != nil {
		return err
	}
	// The signature last, whole: a record with a .p7s is complete.
	if err := os.WriteFile(name+".p7s.tmp", sig, 0o644); err != nil {
		return err
	}
	return os.Rename(name+".p7s.tmp", name+".p7s")
}

// inProcess is an http.RoundTripper calling a handler directly.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// freshCRL is the signing CA's CRL issued twelve hours from now (see
// testpki.PKI.FreshCRL): fresh enough for every timestamp made before
// then.
func freshCRL(p *testpki.PKI) ([]byte, error) {
	at := time.Now().UTC().Add(12 * time.Hour)
	return testpki.MakeCRL(p.SignCA, []x509.RevocationListEntry{{
		SerialNumber: p.Revoked.Cert.SerialNumber, RevocationTime: p.RevokedAt, ReasonCode: 1,
	}}, at, at.Add(7*24*time.Hour), at.Unix())
}
