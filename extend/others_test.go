package extend

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/internal/testtsa"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
	"github.com/hpki-jp/hpki/xmlsig"
)

// committedOptions validate against the committed test HPKI with the
// signing CA's next CRL (issued after the timestamps the test makes),
// offline, and a local TSA.
func committedOptions(t *testing.T, to sign.Level) (Options, *testpki.PKI) {
	t.Helper()
	p := testpki.MustLoad(t)
	return Options{To: to, TSA: testtsa.Client(t, p.TSA, p.TSARoot, nil), Verify: verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		CRLs:     [][]byte{p.FreshCRL(t)},
		Offline:  true,
	}}, p
}

// A CAdES made by OpenSSL (B-B, no timestamp) is extended to B-LTA: it
// gets a signature timestamp, validation data and an archive timestamp,
// keeps every signed byte, and OpenSSL still verifies it.
func TestExtendOpenSSLCAdES(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	opts, _ := committedOptions(t, sign.LevelLTA)
	dir := t.TempDir()
	content := bytes.Repeat([]byte("a referral letter signed by another tool\n"), 100)
	in, sigFile := filepath.Join(dir, "letter.txt"), filepath.Join(dir, "letter.p7s")
	os.WriteFile(in, content, 0o600)
	if out, err := exec.Command(openssl, "cms", "-sign", "-cades", "-binary", "-md", "sha256", "-in", in, "-out", sigFile, "-outform", "DER",
		"-signer", testpki.Path("doctor.pem"), "-inkey", testpki.Path("doctor.key"), "-certfile", testpki.Path("chain-sign.pem")).CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -sign: %v\n%s", err, out)
	}
	orig, _ := os.ReadFile(sigFile)
	res, err := CAdES(context.Background(), orig, bytes.NewReader(content), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Level != "CAdES-BASELINE-LTA" {
		t.Fatalf("level %s", res.Level)
	}
	assertSignedBytesKept(t, orig, res.Signature)
	ext := filepath.Join(dir, "letter.lta.p7s")
	os.WriteFile(ext, res.Signature, 0o600)
	if out, err := exec.Command(openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in", ext, "-content", in,
		"-CAfile", testpki.Path("root.pem"), "-purpose", "any", "-out", filepath.Join(dir, "out")).CombinedOutput(); err != nil || !strings.Contains(string(out), "Verification successful") {
		t.Fatalf("openssl cms -verify after extension: %v\n%s", err, out)
	}
}

// A signature that is not valid now is not extended, with the reason.
func TestExtendRefusals(t *testing.T) {
	opts, p := committedOptions(t, sign.LevelLTA)
	content := []byte("letter")
	signed := func(c *testpki.Credential) []byte {
		return signB(t, c, content)
	}
	for _, tc := range []struct {
		name, want string
		data       []byte
		content    []byte
	}{
		{name: "changed content", data: signed(p.Doctor), content: []byte("other"), want: "HASH_FAILURE"},
		{name: "revoked signer", data: signed(p.Revoked), content: content, want: "TOTAL_FAILED/REVOKED"},
		{name: "untrusted signer", data: signed(p.Stranger), content: content, want: "NO_CERTIFICATE_CHAIN_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CAdES(context.Background(), tc.data, bytes.NewReader(tc.content), opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "refusing") {
				t.Fatalf("err = %v, want a refusal with %s", err, tc.want)
			}
		})
	}
	if _, err := CAdES(context.Background(), []byte("garbage"), nil, opts); err == nil || !strings.Contains(err.Error(), "unreadable") {
		t.Fatalf("garbage: %v", err)
	}
}

// Archive timestamps with SHA-512 (a renewal because SHA-256 weakens):
// the ats-hash-index-v3 names its algorithm and the result validates.
func TestExtendWithSHA512(t *testing.T) {
	opts, p := committedOptions(t, sign.LevelLTA)
	opts.Hash = crypto.SHA512
	opts.TSA.(*tsa.Client).Hash = crypto.SHA512
	content := []byte("letter")
	lta := signAndExtend(t, p, content, opts)
	if lta.Level != "CAdES-BASELINE-LTA" {
		t.Fatalf("level %s", lta.Level)
	}
	opts.Hash = crypto.SHA1
	if _, err := CAdES(context.Background(), lta.Signature, bytes.NewReader(content), opts); err == nil {
		t.Fatal("SHA-1 archive timestamps accepted")
	}
}

// A detached XAdES (the signed file beside it) is extended to LTA: the
// archive timestamp covers the file, which must be given again to verify.
func TestExtendDetachedXAdES(t *testing.T) {
	opts, p := committedOptions(t, sign.LevelLTA)
	content := []byte("%PDF-1.7 a scanned referral letter")
	res, err := sign.SignXAdESDetached(context.Background(), bytes.NewReader(content), "letter.pdf", sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}, sign.XAdESOptions{})
	if err != nil {
		t.Fatal(err)
	}
	files := func(data []byte) xmlsig.Detached {
		return func(uri string) (io.Reader, error) {
			if uri == "letter.pdf" {
				return bytes.NewReader(data), nil
			}
			return nil, nil
		}
	}
	if _, err := XAdES(context.Background(), res.Signature, nil, opts); err == nil {
		t.Fatal("extended without the signed file")
	}
	lta, err := XAdES(context.Background(), res.Signature, files(content), opts)
	if err != nil {
		t.Fatal(err)
	}
	if lta.Level != "XAdES-BASELINE-LTA" {
		t.Fatalf("level %s", lta.Level)
	}
	v := verify.New(selfContained(opts.Verify))
	if rep, _ := v.VerifyXAdES(context.Background(), lta.Signature, files([]byte("another file"))); rep.Indication != verify.TotalFailed {
		t.Fatalf("another file: %s", rep.Indication)
	}
}

// Tampering with an archived CAdES: whatever an archive timestamp covers
// cannot change, and a timestamp from an untrusted TSA proves nothing.
func TestArchiveTimestampTampering(t *testing.T) {
	opts, p := committedOptions(t, sign.LevelLTA)
	content := []byte("letter")
	lta := signAndExtend(t, p, content, opts)
	otherCRL, _ := testpki.MakeCRL(p.SignCA, nil, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour), 99)
	mutate := func(f func(sd *cms.SignedData)) []byte {
		sd, err := cms.Parse(lta.Signature)
		if err != nil {
			t.Fatal(err)
		}
		f(sd)
		out, err := sd.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	v := verify.New(selfContained(opts.Verify))
	for _, tc := range []struct {
		name string
		sig  []byte
	}{
		{"covered CRL replaced", mutate(func(sd *cms.SignedData) { sd.CRLs = [][]byte{otherCRL} })},
		{"covered certificate removed", mutate(func(sd *cms.SignedData) { sd.Certificates = sd.Certificates[:len(sd.Certificates)-1] })},
		{"signature timestamp removed", mutate(func(sd *cms.SignedData) {
			si := &sd.SignerInfos[0]
			var keep []cms.Attribute
			for _, a := range si.UnsignedAttrs {
				if !a.Type.Equal(cms.OIDSignatureTimeStamp) {
					keep = append(keep, a)
				}
			}
			si.UnsignedAttrs = keep
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := v.VerifyCAdES(context.Background(), tc.sig, bytes.NewReader(content), "")
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			for _, ts := range s.Timestamps {
				if ts.Type == "archive" && ts.Indication == verify.TotalPassed {
					t.Fatalf("the archive timestamp still passes: %+v", ts)
				}
			}
			if s.Level == "CAdES-BASELINE-LTA" {
				t.Fatal("still reported as LTA")
			}
		})
	}
	// An archive timestamp from a TSA outside the TSA trust anchors.
	stranger := mutate(func(sd *cms.SignedData) {
		si := &sd.SignerInfos[0]
		srv := &tsa.Server{Signer: p.Stranger.Key, Cert: p.Stranger.Cert}
		req := tsaRequest(t, []byte("anything"))
		tok, err := tsa.ParseResponse(srv.Respond(req))
		if err != nil {
			t.Skip("the test TSA refuses a non-TSA certificate")
		}
		si.AddUnsignedAttr(cms.OIDArchiveTimeStampV3, tok.Raw)
	})
	rep, _ := v.VerifyCAdES(context.Background(), stranger, bytes.NewReader(content), "")
	last := rep.Signatures[0].Timestamps[len(rep.Signatures[0].Timestamps)-1]
	if last.Indication == verify.TotalPassed {
		t.Fatalf("a stranger's archive timestamp passed: %+v", last)
	}
}

// tsaRequest encodes an RFC 3161 request (SHA-256, certReq) over data.
func tsaRequest(t *testing.T, data []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(data)
	req, err := asn1.Marshal(struct {
		Version        int
		MessageImprint struct {
			Alg    pkix.AlgorithmIdentifier
			Digest []byte
		}
		CertReq bool `asn1:"optional"`
	}{Version: 1, MessageImprint: struct {
		Alg    pkix.AlgorithmIdentifier
		Digest []byte
	}{pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}}, sum[:]}, CertReq: true})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// signB makes a detached CAdES B-B of content with c.
func signB(t *testing.T, c *testpki.Credential, content []byte) []byte {
	t.Helper()
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(content), sign.Credential{Signer: c.Key, Certificate: c.Cert, Chain: c.Chain}, sign.CAdESOptions{AllowNonHPKI: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.Signature
}

// signAndExtend signs content as the doctor and extends it with opts.
func signAndExtend(t *testing.T, p *testpki.PKI, content []byte, opts Options) *Result {
	t.Helper()
	res, err := CAdES(context.Background(), signB(t, p.Doctor, content), bytes.NewReader(content), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
