// Command archivebench makes the corpus of make bench-archive: N distinct
// real records (4 KB documents, each with its own CAdES signature and
// signature timestamp; with -lta, also its own archive timestamp and
// validation data), signed with the committed test HPKI and timestamped by
// a TSA run in this process, in folders of 1,000, one folder per core at a
// time. It also writes a CRL fresh for the validation (-crl).
//
//	go run ./internal/archivebench -n 10000 -out /var/tmp/hpki-bench/bt-10000
//	go run ./internal/archivebench -n 10000 -lta -out /var/tmp/hpki-bench/blta-10000
//	go run ./internal/archivebench -crl /var/tmp/hpki-bench/fresh.crl
//
// The corpus is made in a folder beside -out and renamed into place when
// complete, so an interrupted run leaves no half corpus behind; a run
// started again keeps the folders of 1,000 already made (each is made
// under NAME.partial and renamed when complete).
package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/digitorus/timestamp"

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
	from := flag.String("from", "", "with -lta: extend the records of this B-T corpus (same -n or more) instead of signing new ones")
	crlOut := flag.String("crl", "", "write a CRL of the signing CA fresh for a validation now, and exit")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the generation to FILE")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "archivebench:", err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*n, *out, *lta, *from, *crlOut); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "archivebench:", err)
		os.Exit(1)
	}
}

func run(n int, out string, lta bool, from, crlOut string) error {
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
	if from != "" && !lta {
		return fmt.Errorf("-from is for -lta")
	}
	// The TSA answers in this process: a request goes straight to the
	// server (no HTTP, and the client's own checks of each token are left
	// to the validation the corpus is made for).
	stamper := localTSA{&tsa.Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}}
	tmp := out + ".partial" // kept across runs: folders made are not made again
	cred := sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}
	vo := verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		CRLs:     [][]byte{crl},
		Offline:  true,
	}
	g := gen{cred: cred, tsa: stamper, dir: tmp, n: n, from: from}
	if lta {
		// One Extender for the run: its verifiers check each CA
		// certificate and the CRL once, as an archive renewal does.
		if g.ext, err = extend.NewExtender(extend.Options{To: sign.LevelLTA, TSA: stamper, Verify: vo}); err != nil {
			return err
		}
	}
	folders := (n + perFolder - 1) / perFolder
	var next, made atomic.Int64
	var firstErr error
	var failed atomic.Bool
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	report := func(m int64) {
		el := time.Since(start).Seconds()
		fmt.Fprintf(os.Stderr, "archivebench: %d records made in %.0f s (%.0f/s)\n", m, el, float64(m)/el)
	}
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				f := int(next.Add(1) - 1)
				if f >= folders || failed.Load() {
					return
				}
				k, err := g.folder(f)
				if err != nil {
					once.Do(func() { firstErr = err })
					failed.Store(true)
					return
				}
				if k > 0 {
					report(made.Add(int64(k)))
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

// perFolder is the number of records in a folder.
const perFolder = 1000

// gen makes the records of a corpus.
type gen struct {
	cred sign.Credential
	tsa  sign.Timestamper
	ext  *extend.Extender // nil for B-T
	dir  string
	n    int
	from string // a B-T corpus whose records are extended (-from)
}

// folder makes folder f (records f*perFolder …) and returns the number of
// records it made. A folder is made under NAME.partial and renamed when
// complete: a run interrupted in the middle of one makes it again from the
// start (files are written once, without a rename each). A folder NAME
// left incomplete by an older generator (records written one at a time,
// each complete) is filled in.
func (g gen) folder(f int) (int, error) {
	first, last := f*perFolder, min((f+1)*perFolder, g.n)
	name := filepath.Join(g.dir, fmt.Sprintf("%04d", f))
	if ents, err := os.ReadDir(name); err == nil {
		have := map[string]bool{}
		for _, e := range ents {
			have[e.Name()] = true
		}
		made := 0
		for i := first; i < last; i++ {
			if have[recordName(i)+".p7s"] {
				continue
			}
			if err := g.record(name, i, true); err != nil {
				return made, err
			}
			made++
		}
		return made, nil
	}
	part := name + ".partial"
	if err := os.RemoveAll(part); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(part, 0o755); err != nil {
		return 0, err
	}
	for i := first; i < last; i++ {
		if err := g.record(part, i, false); err != nil {
			return 0, err
		}
	}
	return last - first, os.Rename(part, name)
}

func recordName(i int) string { return fmt.Sprintf("r%07d.txt", i) }

// record makes record i in dir: a distinct 4 KB document and its own
// signature (and timestamps). safe writes the signature under a temporary
// name renamed when whole (a folder filled in place).
func (g gen) record(dir string, i int, safe bool) error {
	name := filepath.Join(dir, recordName(i))
	ctx := context.Background()
	doc, sig, err := g.base(ctx, i)
	if err != nil {
		return fmt.Errorf("record %d: %w", i, err)
	}
	if g.ext != nil {
		ext, err := g.ext.CAdES(ctx, sig, bytes.NewReader(doc))
		if err != nil {
			return fmt.Errorf("record %d: extend: %w", i, err)
		}
		sig = ext.Signature
	}
	if err := g.writeDoc(name, i, doc); err != nil {
		return err
	}
	if !safe {
		return os.WriteFile(name+".p7s", sig, 0o644)
	}
	if err := os.WriteFile(name+".p7s.tmp", sig, 0o644); err != nil {
		return err
	}
	return os.Rename(name+".p7s.tmp", name+".p7s")
}

// writeDoc writes record i's document as name: a hard link to the file
// of g.from when it can (the same bytes, without another copy on disk).
func (g gen) writeDoc(name string, i int, doc []byte) error {
	if g.from != "" {
		src := filepath.Join(g.from, fmt.Sprintf("%04d", i/perFolder), recordName(i))
		if err := os.Link(src, name); err == nil {
			return nil
		}
		os.Remove(name) // a file left by an interrupted run is written again
	}
	return os.WriteFile(name, doc, 0o644)
}

// base returns record i's document and B-T signature: read from the
// corpus g.from, or made (a distinct 4 KB document, signed and
// timestamped).
func (g gen) base(ctx context.Context, i int) (doc, sig []byte, err error) {
	if g.from != "" {
		name := filepath.Join(g.from, fmt.Sprintf("%04d", i/perFolder), recordName(i))
		if doc, err = os.ReadFile(name); err != nil {
			return nil, nil, err
		}
		sig, err = os.ReadFile(name + ".p7s")
		return doc, sig, err
	}
	doc = make([]byte, 4096)
	copy(doc, fmt.Sprintf("診療情報提供書 record %d\n", i))
	rand.Read(doc[64:])
	res, err := sign.SignCAdES(ctx, bytes.NewReader(doc), g.cred, sign.CAdESOptions{Level: sign.LevelT, TSA: g.tsa})
	if err != nil {
		return nil, nil, err
	}
	return doc, res.Signature, nil
}

// localTSA is a sign.Timestamper that asks a tsa.Server in this process:
// each token is the server's real answer (its own serial, time and
// signature), without the HTTP round trip.
type localTSA struct{ s *tsa.Server }

func (l localTSA) TimestampData(_ context.Context, data []byte) (*tsa.Token, error) {
	sum := sha256.Sum256(data)
	req, err := (&timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: sum[:], Certificates: true}).Marshal()
	if err != nil {
		return nil, err
	}
	return tsa.ParseResponse(l.s.Respond(req))
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
