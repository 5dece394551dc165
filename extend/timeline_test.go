package extend

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/internal/testtsa"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The timeline of a record, with the test clock at each step.
var (
	tSign    = day(2027, 1, 10) // t0: signed B-T
	tRevoke  = day(2027, 6, 1)  // t1: the doctor's certificate is revoked
	tExtend  = day(2027, 9, 1)  // extended to LTA (before t2)
	tCAEnd   = day(2028, 1, 1)  // t2: the signing CA and the doctor's certificate expire
	tRenew   = day(2030, 1, 1)  // t3: renewed with a new TSA (the first expires 2031)
	tTSA1End = day(2031, 1, 1)
	tLater   = day(2035, 1, 1) // t4: validated offline
)

// world is a PKI generated for the timeline, its servers on 127.0.0.1
// (routed from the .invalid hosts of the certificates), and a clock that
// every server and client reads.
type world struct {
	mu                   sync.Mutex
	now                  time.Time
	root, signCA, doctor *testpki.Credential
	tsaRoot, tsa1, tsa2  *testpki.Credential
	routes               *http.Client
	stamp1, stamp2       *tsa.Client
}

func (w *world) clock() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now }
func (w *world) set(t time.Time)  { w.mu.Lock(); w.now = t; w.mu.Unlock() }

func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{now: tSign}
	key := func() crypto.Signer {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	issue := func(tmpl *x509.Certificate, issuer *testpki.Credential) *testpki.Credential {
		c, err := testpki.IssueCert(tmpl, issuer, key())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	w.root = issue(testpki.CATemplate("TIMELINE Root CA", day(2026, 1, 1), day(2060, 1, 1), nil), nil)
	w.signCA = issue(testpki.CATemplate("TIMELINE SignCA", day(2026, 1, 1), tCAEnd, testpki.PolicySignCA), w.root)
	w.doctor = issue(testpki.SigningTemplate("TIMELINE DOCTOR", "試験 時間医師", "MD9001", []string{"Medical Doctor"}, day(2026, 6, 1), tCAEnd), w.signCA)
	ocspCert := issue(testpki.OCSPResponderTemplate(day(2026, 6, 1), tCAEnd), w.signCA)
	w.tsaRoot = issue(testpki.CATemplate("TIMELINE TSA Root", day(2026, 1, 1), day(2060, 1, 1), nil), nil)
	tsaCRL := "http://crl.hpki-test.invalid/tsa.crl"
	w.tsa1 = issue(testpki.TSATemplate("TIMELINE TSA 1", day(2026, 1, 1), tTSA1End, tsaCRL), w.tsaRoot)
	w.tsa2 = issue(testpki.TSATemplate("TIMELINE TSA 2", day(2029, 1, 1), day(2045, 1, 1), tsaCRL), w.tsaRoot)

	responder := &revocation.Responder{Issuer: w.signCA.Cert, Cert: ocspCert.Cert, Signer: ocspCert.Key, Now: w.clock, Validity: 7 * 24 * time.Hour}
	responder.Revoke(w.doctor.Cert.SerialNumber, tRevoke, 1)
	crls := http.NewServeMux()
	crls.Handle("/ca-sign.crl", revocation.CRLHandler(func() []byte {
		now := w.clock()
		var entries []x509.RevocationListEntry
		if !now.Before(tRevoke) {
			entries = append(entries, x509.RevocationListEntry{SerialNumber: w.doctor.Cert.SerialNumber, RevocationTime: tRevoke, ReasonCode: 1})
		}
		crl, _ := testpki.MakeCRL(w.signCA, entries, now, now.Add(7*24*time.Hour), now.Unix())
		return crl
	}))
	crls.Handle("/tsa.crl", revocation.CRLHandler(func() []byte {
		now := w.clock()
		crl, _ := testpki.MakeCRL(w.tsaRoot, nil, now, now.Add(7*24*time.Hour), now.Unix())
		return crl
	}))
	w.routes = testpki.Routes(map[string]string{
		"crl.hpki-test.invalid":  testpki.Serve(t, crls),
		"ocsp.hpki-test.invalid": testpki.Serve(t, responder),
	})
	w.stamp1, w.stamp2 = testtsa.Client(t, w.tsa1, w.tsaRoot, w.clock), testtsa.Client(t, w.tsa2, w.tsaRoot, w.clock)
	return w
}

// options validate at the world's clock; online fetches go to the test
// servers, offline uses only what the signature embeds.
func (w *world) options(offline bool) verify.Options {
	return verify.Options{
		Trust:    trust.New([]*x509.Certificate{w.root.Cert}, nil),
		TSATrust: trust.New([]*x509.Certificate{w.tsaRoot.Cert}, nil),
		Now:      w.clock,
		Offline:  offline,
		Fetcher:  &revocation.Fetcher{HTTPClient: w.routes, Now: w.clock},
	}
}

func (w *world) sign(t testing.TB, content []byte) []byte {
	t.Helper()
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(content),
		sign.Credential{Signer: w.doctor.Key, Certificate: w.doctor.Cert, Chain: w.doctor.Chain},
		sign.CAdESOptions{Level: sign.LevelT, TSA: w.stamp1, SigningTime: w.clock()})
	if err != nil {
		t.Fatal(err)
	}
	return res.Signature
}

func (w *world) verify(t *testing.T, sig, content []byte, offline bool) *verify.Report {
	t.Helper()
	rep, err := verify.New(w.options(offline)).VerifyCAdES(context.Background(), sig, bytes.NewReader(content), "record.pdf")
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The timeline of issue "long-term signatures": signed B-T at t0, the
// doctor revoked at t1, extended to LTA before the signing CA expires at
// t2, renewed with a new TSA at t3, validated offline at t4 ≫ t2: passed.
// Without the LTA, the same record is not confirmed at t4.
func TestTimelineCAdES(t *testing.T) {
	w := newWorld(t)
	content := []byte("%PDF-1.7 a referral letter kept for decades")
	ctx := context.Background()

	w.set(tSign)
	bt := w.sign(t, content)

	w.set(tExtend)
	lt, err := CAdES(ctx, bt, bytes.NewReader(content), Options{To: sign.LevelLT, Verify: w.options(false)})
	if err != nil {
		t.Fatalf("extend to LT: %v", err)
	}
	lta, err := CAdES(ctx, bt, bytes.NewReader(content), Options{To: sign.LevelLTA, TSA: w.stamp1, Verify: w.options(false)})
	if err != nil {
		t.Fatalf("extend to LTA: %v", err)
	}
	if lt.Level != "CAdES-BASELINE-LT" || lta.Level != "CAdES-BASELINE-LTA" {
		t.Fatalf("levels %s, %s", lt.Level, lta.Level)
	}
	if w := strings.Join(lta.Report.Signatures[0].Warnings, " "); !strings.Contains(w, "revoked on 2027-06-01") {
		t.Fatalf("the revocation after the signature timestamp is not reported: %s", w)
	}
	assertSignedBytesKept(t, bt, lta.Signature)
	if rb := lta.Report.Signatures[0].RenewBy; rb == nil || !rb.Equal(tTSA1End) {
		t.Fatalf("renew by %v, want %s (the first TSA's certificate expiry)", rb, tTSA1End)
	}

	// A signature made after the revocation is not extended.
	revokedSig := w.sign(t, content)
	if _, err := CAdES(ctx, revokedSig, bytes.NewReader(content), Options{To: sign.LevelLTA, TSA: w.stamp1, Verify: w.options(false)}); !errors.Is(err, ErrNotValid) || !strings.Contains(err.Error(), "REVOKED") {
		t.Fatalf("extending a signature made after revocation: %v", err)
	}

	w.set(tRenew)
	renewed, err := CAdES(ctx, lta.Signature, bytes.NewReader(content), Options{To: sign.LevelLTA, TSA: w.stamp2, Verify: w.options(false)})
	if err != nil {
		t.Fatalf("renewal: %v", err)
	}
	assertSignedBytesKept(t, lta.Signature, renewed.Signature)

	w.set(tLater)
	tests := []struct {
		name string
		sig  []byte
		ind  verify.Indication
		sub  verify.SubIndication
		ts   int
	}{
		{"renewed LTA", renewed.Signature, verify.TotalPassed, "", 3},
		{"LTA not renewed (its TSA expired)", lta.Signature, verify.Indeterminate, verify.OutOfBoundsNoPOE, 2},
		{"LT only", lt.Signature, verify.Indeterminate, verify.OutOfBoundsNoPOE, 1},
		{"B-T only", bt, verify.Indeterminate, verify.OutOfBoundsNoPOE, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := w.verify(t, tc.sig, content, true)
			s := rep.Signatures[0]
			if rep.Indication != tc.ind || rep.SubIndication != tc.sub {
				t.Fatalf("at %s: %s/%s, want %s/%s\nerrors %v\nwarnings %v", tLater.Format("2006"), rep.Indication, rep.SubIndication, tc.ind, tc.sub, s.Errors, s.Warnings)
			}
			if len(s.Timestamps) != tc.ts {
				t.Fatalf("%d timestamps reported, want %d: %+v", len(s.Timestamps), tc.ts, s.Timestamps)
			}
			if tc.ind == verify.TotalPassed {
				if s.Level != "CAdES-BASELINE-LTA" || !s.BestSignatureTime.Equal(tSign) {
					t.Fatalf("level %s, best signature time %s", s.Level, s.BestSignatureTime)
				}
				if s.RenewBy == nil || !s.RenewBy.Equal(day(2045, 1, 1)) {
					t.Fatalf("renew by %v, want the second TSA's expiry 2045-01-01", s.RenewBy)
				}
				kinds := []string{}
				for _, ts := range s.Timestamps {
					kinds = append(kinds, ts.Type+":"+ts.GenTime.Format("2006")+":"+string(ts.Indication))
				}
				if strings.Join(kinds, ",") != "signature:2027:TOTAL_PASSED,archive:2027:TOTAL_PASSED,archive:2030:TOTAL_PASSED" {
					t.Fatalf("timestamps %v", kinds)
				}
			}
		})
	}
	// Without the content, the record and its archive timestamps are not
	// found, not broken: INDETERMINATE/SIGNED_DATA_NOT_FOUND.
	if rep, err := verify.New(w.options(true)).VerifyCAdES(ctx, renewed.Signature, nil, ""); err != nil {
		t.Fatal(err)
	} else if rep.Indication != verify.Indeterminate || rep.SubIndication != verify.SignedDataNotFound {
		t.Fatalf("renewed LTA without its content: %s/%s %v", rep.Indication, rep.SubIndication, rep.Signatures[0].Errors)
	} else if e := strings.Join(rep.Signatures[0].Errors, " "); !strings.Contains(e, "--content") {
		t.Fatalf("the report does not say how to give the content: %s", e)
	} else {
		archives := 0
		for _, ts := range rep.Signatures[0].Timestamps {
			if ts.Type == "archive" {
				archives++
				if ts.Indication != verify.Indeterminate || ts.SubInd != verify.SignedDataNotFound {
					t.Fatalf("archive timestamp without the content: %s/%s %v", ts.Indication, ts.SubInd, ts.Errors)
				}
			}
		}
		if archives != 2 {
			t.Fatalf("%d archive timestamps reported, want 2", archives)
		}
	}
	// Taking the validation data out again breaks the archive timestamps.
	stripped := stripCRLs(t, renewed.Signature)
	if rep := w.verify(t, stripped, content, true); rep.Indication == verify.TotalPassed {
		t.Fatal("an LTA without its validation data passed")
	}
	// The archived record still verifies with OpenSSL (structure intact),
	// as of the signing time.
	opensslVerifies(t, renewed.Signature, content, w)
}

// assertSignedBytesKept checks that every signed byte of before is in after.
func assertSignedBytesKept(t *testing.T, before, after []byte) {
	t.Helper()
	a, err := cms.Parse(before)
	if err != nil {
		t.Fatal(err)
	}
	b, err := cms.Parse(after)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.SignerInfos) != len(b.SignerInfos) || !bytes.Equal(a.Content, b.Content) || !a.ContentType.Equal(b.ContentType) {
		t.Fatal("content or signers changed")
	}
	for i := range a.SignerInfos {
		x, y := a.SignerInfos[i], b.SignerInfos[i]
		if !bytes.Equal(x.SignedAttrsRaw, y.SignedAttrsRaw) || !bytes.Equal(x.Signature, y.Signature) {
			t.Fatalf("signer %d: signed attributes or signature value changed", i)
		}
		for j, attr := range x.UnsignedAttrs {
			if !y.UnsignedAttrs[j].Type.Equal(attr.Type) || !bytes.Equal(y.UnsignedAttrs[j].Values[0].FullBytes, attr.Values[0].FullBytes) {
				t.Fatalf("signer %d: unsigned attribute %d changed", i, j)
			}
		}
	}
	for i, c := range a.Certificates {
		if !bytes.Equal(b.Certificates[i], c) {
			t.Fatalf("certificate %d changed", i)
		}
	}
}

func stripCRLs(t *testing.T, sig []byte) []byte {
	t.Helper()
	sd, err := cms.Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	sd.CRLs = nil
	out, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func opensslVerifies(t *testing.T, sig, content []byte, w *world) {
	t.Helper()
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := write("root.pem", pemCert(w.root.Cert))
	out, err := exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", write("sig.p7s", sig),
		"-content", write("record.pdf", content), "-CAfile", root, "-purpose", "any",
		"-attime", strconv.FormatInt(tSign.Add(time.Hour).Unix(), 10), "-out", filepath.Join(dir, "out")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification successful") {
		t.Fatalf("openssl cms -verify of the B-LTA: %v\n%s", err, out)
	}
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
