package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/internal/testtsa"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
)

var timeZero time.Time

var doc = bytes.Repeat([]byte("紹介状 referral letter, synthetic. "), 1500) // ~50 KB

// stamper returns a TSA client whose server claims the time at.
func stamper(t testing.TB, cred *testpki.Credential, at time.Time) *tsa.Client {
	t.Helper()
	p := testpki.MustLoad(t)
	clock := func() time.Time { return at }
	if at.IsZero() {
		clock = time.Now
	}
	// The client checks the token at its genTime; a TSA without the EKU is
	// refused by the client, so tests of such tokens bypass it (rawStamper).
	return testtsa.Client(t, cred, p.TSARoot, clock)
}

// rawStamper timestamps without client-side checks, to build hostile tokens.
type rawStamper struct {
	srv  *tsa.Server
	over []byte // when set, the token covers these bytes instead
}

func (r rawStamper) TimestampData(ctx context.Context, data []byte) (*tsa.Token, error) {
	if r.over != nil {
		data = r.over
	}
	hs := httptest.NewServer(r.srv)
	defer hs.Close()
	c := &tsa.Client{URL: hs.URL, Roots: x509.NewCertPool(), Now: r.srv.Now}
	// Use the client only for the request; verification is expected to fail
	// for hostile tokens, so take the token from the error-free path below.
	_ = c
	return tokenFor(r.srv, data)
}

func tokenFor(s *tsa.Server, data []byte) (*tsa.Token, error) {
	sum := sha256.Sum256(data)
	req := timestampRequest(sum[:])
	return tsa.ParseResponse(s.Respond(req))
}

func opts(t testing.TB) Options {
	p := testpki.MustLoad(t)
	return Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, []*x509.Certificate{p.SignCA.Cert}),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		// The signing CA's next CRL (issued a minute from now: after
		// every timestamp a test makes) gives the status of every test
		// certificate; nothing is fetched.
		CRLs:    [][]byte{p.FreshCRL(t)},
		Offline: true,
	}
}

// crlIssued returns a CRL of the signing CA issued at, listing nothing.
func crlIssued(t testing.TB, p *testpki.PKI, at time.Time) []byte {
	t.Helper()
	crl, err := testpki.MakeCRL(p.SignCA, nil, at, at.AddDate(0, 1, 0), at.Unix())
	if err != nil {
		t.Fatal(err)
	}
	return crl
}

// wantError checks that some error of the first signature contains s.
func wantError(s string) func(*testing.T, *Report) {
	return func(t *testing.T, r *Report) {
		t.Helper()
		if !strings.Contains(strings.Join(r.Signatures[0].Errors, "\n"), s) {
			t.Errorf("no error contains %q: %q", s, r.Signatures[0].Errors)
		}
	}
}

func signDoc(t testing.TB, cred *testpki.Credential, o sign.CAdESOptions) []byte {
	t.Helper()
	o.AllowNonHPKI = true
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(doc), sign.Credential{Signer: cred.Key, Certificate: cred.Cert, Chain: cred.Chain}, o)
	if err != nil {
		t.Fatal(err)
	}
	return res.Signature
}

func TestVerifyCAdES(t *testing.T) {
	p := testpki.MustLoad(t)
	d2021 := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	d2023 := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	tampered := bytes.Clone(doc)
	tampered[100] ^= 1
	doctorReq, _ := hcrole.ParseRequirement("医師")
	pharmReq, _ := hcrole.ParseRequirement("Pharmacist")
	d2025mar := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	d2025sep := time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	authCRL, _ := testpki.MakeCRL(p.AuthCA, nil, d2025mar, time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC), 1)
	staleCRL, _ := testpki.MakeCRL(p.SignCA, nil, time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC), d2025mar, 1)
	forgedCRL := bytes.Clone(p.CRL)
	forgedCRL[len(forgedCRL)-5] ^= 1
	tests := []struct {
		name    string
		sig     []byte
		content []byte
		opts    func(*Options)
		ind     Indication
		sub     SubIndication
		level   string
		check   func(t *testing.T, r *Report)
	}{
		{name: "B-B doctor", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: doc, ind: TotalPassed, level: "CAdES-BASELINE-B"},
		{name: "B-T doctor", sig: signDoc(t, p.Doctor, sign.CAdESOptions{Level: sign.LevelT, TSA: stamper(t, p.TSA, time.Time{})}), content: doc, ind: TotalPassed, level: "CAdES-BASELINE-T",
			check: func(t *testing.T, r *Report) {
				s := r.Signatures[0]
				if len(s.Timestamps) != 1 || s.Timestamps[0].Indication != TotalPassed || !s.BestSignatureTime.Equal(s.Timestamps[0].GenTime) {
					t.Fatalf("timestamps %+v best %s", s.Timestamps, s.BestSignatureTime)
				}
			}},
		{name: "enveloping", sig: signDoc(t, p.Doctor, sign.CAdESOptions{Packaging: sign.Enveloping}), ind: TotalPassed, level: "CAdES-BASELINE-B"},
		{name: "ECDSA", sig: signDoc(t, p.DoctorEC, sign.CAdESOptions{}), content: doc, ind: TotalPassed},
		{name: "RSA-PSS SHA-512", sig: signDoc(t, p.Doctor, sign.CAdESOptions{PSS: true, Hash: crypto.SHA512}), content: doc, ind: TotalPassed},
		{name: "EPES policy", sig: signDoc(t, p.Doctor, sign.CAdESOptions{PolicyOID: []int{1, 2, 392, 100495, 1, 9, 1}}), content: doc, ind: TotalPassed,
			check: func(t *testing.T, r *Report) {
				if r.Signatures[0].SignaturePolicy != "1.2.392.100495.1.9.1" {
					t.Fatalf("policy %q", r.Signatures[0].SignaturePolicy)
				}
			}},
		{name: "role required and present", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: doc, opts: func(o *Options) { o.RequireRole = doctorReq }, ind: TotalPassed},
		{name: "flipped content byte", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: tampered, ind: TotalFailed, sub: HashFailure},
		{name: "wrong detached content", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: []byte("another file"), ind: TotalFailed, sub: HashFailure},
		{name: "detached without content", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), ind: Indeterminate, sub: SignedDataNotFound},
		{name: "untrusted root", sig: signDoc(t, p.Stranger, sign.CAdESOptions{}), content: doc, ind: Indeterminate, sub: NoCertificateChainFound},
		{name: "expired signer without timestamp", sig: signDoc(t, p.Expired, sign.CAdESOptions{SigningTime: d2021}), content: doc, ind: Indeterminate, sub: OutOfBoundsNoPOE},
		{name: "expired signer with timestamp inside validity", sig: signDoc(t, p.Expired, sign.CAdESOptions{SigningTime: d2021, Level: sign.LevelT, TSA: stamper(t, p.TSA, d2021)}), content: doc, ind: TotalPassed, level: "CAdES-BASELINE-T",
			// A CRL the CA issued after the timestamp and before the
			// certificate expired proves its status then.
			opts: func(o *Options) { o.CRLs = [][]byte{crlIssued(t, p, time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC))} }},
		{name: "expired signer, only a CRL issued after expiry", sig: signDoc(t, p.Expired, sign.CAdESOptions{SigningTime: d2021, Level: sign.LevelT, TSA: stamper(t, p.TSA, d2021)}), content: doc, ind: Indeterminate, sub: TryLater,
			check: wantError("after the certificate expired")},
		{name: "forged signing-time, timestamp after expiry", sig: signDoc(t, p.Expired, sign.CAdESOptions{SigningTime: d2021, Level: sign.LevelT, TSA: stamper(t, p.TSA, d2023)}), content: doc, ind: Indeterminate, sub: OutOfBoundsNoPOE},
		{name: "timestamp over other data", sig: signDoc(t, p.Expired, sign.CAdESOptions{SigningTime: d2021, Level: sign.LevelT, TSA: rawStamper{srv: &tsa.Server{Signer: p.TSA.Key, Cert: p.TSA.Cert, Now: func() time.Time { return d2021 }}, over: []byte("other")}}), content: doc, ind: Indeterminate, sub: OutOfBoundsNoPOE, level: "CAdES-BASELINE-B",
			check: func(t *testing.T, r *Report) {
				ts := r.Signatures[0].Timestamps
				if len(ts) != 1 || ts[0].Indication != TotalFailed || ts[0].SubInd != HashFailure {
					t.Fatalf("timestamp %+v", ts)
				}
			}},
		{name: "TSA without EKU", sig: signDoc(t, p.Expired, sign.CAdESOptions{SigningTime: d2021, Level: sign.LevelT, TSA: rawStamper{srv: &tsa.Server{Signer: p.TSANoEKU.Key, Cert: p.TSANoEKU.Cert, Now: func() time.Time { return d2021 }}}}), content: doc, ind: Indeterminate, sub: OutOfBoundsNoPOE,
			check: func(t *testing.T, r *Report) {
				ts := r.Signatures[0].Timestamps
				if len(ts) != 1 || ts[0].Indication == TotalPassed || ts[0].SubInd != ChainConstraintsFailure {
					t.Fatalf("timestamp %+v", ts)
				}
			}},
		{name: "swapped certificate bag", sig: swapSignerCert(t, signDoc(t, p.Doctor, sign.CAdESOptions{})), content: doc, ind: Indeterminate, sub: NoSigningCertificateFound},
		{name: "missing role", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: doc, opts: func(o *Options) { o.RequireRole = pharmReq }, ind: TotalFailed, sub: SigConstraintsFailure,
			check: func(t *testing.T, r *Report) {
				if !strings.Contains(strings.Join(r.Signatures[0].Errors, " "), "Pharmacist (薬剤師)") {
					t.Fatalf("errors %v", r.Signatures[0].Errors)
				}
			}},
		{name: "non-HPKI signer without role policy", sig: signDoc(t, p.NonHPKI, sign.CAdESOptions{}), content: doc, ind: TotalPassed,
			check: func(t *testing.T, r *Report) {
				if r.Signatures[0].Signer.HPKI != "none" || len(r.Signatures[0].Warnings) == 0 {
					t.Fatalf("signer %+v warnings %v", r.Signatures[0].Signer, r.Signatures[0].Warnings)
				}
			}},
		{name: "non-HPKI signer with role policy", sig: signDoc(t, p.NonHPKI, sign.CAdESOptions{}), content: doc, opts: func(o *Options) { o.RequireRole = doctorReq }, ind: TotalFailed, sub: SigConstraintsFailure},
		{name: "signer revoked after the signature timestamp", sig: signDoc(t, p.Revoked, sign.CAdESOptions{SigningTime: d2025mar, Level: sign.LevelT, TSA: stamper(t, p.TSA, d2025mar)}), content: doc, ind: TotalPassed,
			check: func(t *testing.T, r *Report) {
				s := r.Signatures[0]
				if len(s.Revocation) == 0 || s.Revocation[0].Status != "revoked" || !strings.Contains(strings.Join(s.Warnings, " "), "after") {
					t.Fatalf("revocation %+v warnings %v", s.Revocation, s.Warnings)
				}
			}},
		{name: "signer revoked before the signature timestamp", sig: signDoc(t, p.Revoked, sign.CAdESOptions{SigningTime: d2025mar, Level: sign.LevelT, TSA: stamper(t, p.TSA, d2025sep)}), content: doc, ind: TotalFailed, sub: Revoked},
		{name: "revoked signer without timestamp", sig: signDoc(t, p.Revoked, sign.CAdESOptions{}), content: doc, ind: Indeterminate, sub: RevokedNoPOE},
		{name: "no revocation data, offline", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: doc, opts: func(o *Options) { o.CRLs = nil }, ind: Indeterminate, sub: TryLater},
		{name: "only a CRL of another CA", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: doc, opts: func(o *Options) { o.CRLs = [][]byte{authCRL} }, ind: Indeterminate, sub: TryLater},
		{name: "stale CRL", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: doc, opts: func(o *Options) { o.CRLs = [][]byte{staleCRL} }, ind: Indeterminate, sub: TryLater},
		{name: "CRL with a broken signature", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: doc, opts: func(o *Options) { o.CRLs = [][]byte{forgedCRL} }, ind: Indeterminate, sub: TryLater,
			check: func(t *testing.T, r *Report) {
				if !strings.Contains(strings.Join(r.Signatures[0].Warnings, " "), "signature") {
					t.Fatalf("warnings %v", r.Signatures[0].Warnings)
				}
			}},
		{name: "validation before the signer's certificate existed", sig: signDoc(t, p.Doctor, sign.CAdESOptions{}), content: doc, opts: func(o *Options) { o.At = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }, ind: TotalFailed, sub: NotYetValid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(t)
			if tc.opts != nil {
				tc.opts(&o)
			}
			var content *bytes.Reader
			var r *Report
			var err error
			if tc.content != nil {
				content = bytes.NewReader(tc.content)
				r, err = New(o).VerifyCAdES(context.Background(), tc.sig, content, "letter.txt")
			} else {
				r, err = New(o).VerifyCAdES(context.Background(), tc.sig, nil, "")
			}
			if err != nil {
				t.Fatal(err)
			}
			s := r.Signatures[0]
			if r.Indication != tc.ind || r.SubIndication != tc.sub {
				t.Fatalf("got %s/%s, want %s/%s; errors %v warnings %v", r.Indication, r.SubIndication, tc.ind, tc.sub, s.Errors, s.Warnings)
			}
			if tc.level != "" && s.Level != tc.level {
				t.Fatalf("level %s, want %s", s.Level, tc.level)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// swapSignerCert replaces the signer's certificate in the bag by another
// certificate with the same issuer, serial number and key (a re-issued or
// forged certificate): only the ESS signing-certificate-v2 hash tells them
// apart.
func swapSignerCert(t testing.TB, sig []byte) []byte {
	t.Helper()
	p := testpki.MustLoad(t)
	tmpl := *p.Doctor.Cert
	tmpl.Subject.CommonName = "TEST IMPOSTOR"
	tmpl.RawSubject = nil
	tmpl.ExtraExtensions = nil
	for _, e := range p.Doctor.Cert.Extensions {
		switch e.Id.String() {
		case "2.5.29.15", "2.5.29.14", "2.5.29.35", "2.5.29.19", "2.5.29.31", "1.3.6.1.5.5.7.1.1":
		default:
			tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, e)
		}
	}
	tmpl.SubjectKeyId = nil
	forged, err := testpki.IssueCert(&tmpl, p.SignCA, p.Doctor.Key)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	sd.Certificates[0] = forged.Cert.Raw
	out, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyUnreadableInput(t *testing.T) {
	good := signDoc(t, testpki.MustLoad(t).Doctor, sign.CAdESOptions{})
	for name, in := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("%PDF-1.7 this is a pdf, not a signature"),
		"truncated": good[:len(good)/3],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := VerifyCAdES(context.Background(), in, nil, opts(t))
			if err == nil || !strings.Contains(err.Error(), "unreadable signature") {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestCounterSignatureAndSeveralSigners(t *testing.T) {
	p := testpki.MustLoad(t)
	sd, err := cms.Parse(signDoc(t, p.Doctor, sign.CAdESOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	// The pharmacist counter-signs the doctor's signature value.
	sum := sha256.Sum256(sd.SignerInfos[0].Signature)
	md, _ := cms.NewAttribute(cms.OIDMessageDigest, sum[:])
	sc, _ := cms.SigningCertificateV2Attr(p.Pharmacist.Cert, crypto.SHA256)
	st, _ := cms.SigningTimeAttr(time.Now())
	csi, err := cms.NewSignerInfo(p.Pharmacist.Key, p.Pharmacist.Cert, []cms.Attribute{md, sc, st}, cms.SignOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := csi.Marshal()
	sd.SignerInfos[0].AddUnsignedAttr(cms.OIDCounterSignature, enc)
	sd.Certificates = append(sd.Certificates, p.Pharmacist.Cert.Raw)
	// A second, parallel signer: the director.
	other, _ := cms.Parse(signDoc(t, p.Director, sign.CAdESOptions{}))
	sd.SignerInfos = append(sd.SignerInfos, other.SignerInfos[0])
	sd.Certificates = append(sd.Certificates, p.Director.Cert.Raw)
	sig, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(opts(t)).VerifyCAdES(context.Background(), sig, bytes.NewReader(doc), "letter.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Signatures) != 3 || r.Indication != TotalPassed {
		t.Fatalf("%d signatures, %s: %+v", len(r.Signatures), r.Indication, r.Signatures)
	}
	want := map[string]string{"S1": "Medical Doctor", "S1/counter1": "Pharmacist", "S2": "Director of Hospital"}
	for _, s := range r.Signatures {
		roles := ""
		for _, ro := range s.Signer.Roles {
			roles += ro.Code + ","
		}
		if !strings.Contains(roles, want[s.ID]) || s.Indication != TotalPassed {
			t.Errorf("%s: %s roles %s errors %v", s.ID, s.Indication, roles, s.Errors)
		}
	}
	// Tampering with the doctor's signature value breaks the counter-signature too.
	sd.SignerInfos[0].Signature[10] ^= 1
	sig, _ = sd.Marshal()
	r, _ = New(opts(t)).VerifyCAdES(context.Background(), sig, bytes.NewReader(doc), "letter.txt")
	if r.Signatures[0].SubIndication != SigCryptoFailure || r.Signatures[1].SubIndication != HashFailure {
		t.Fatalf("after tampering: %s %s", r.Signatures[0].SubIndication, r.Signatures[1].SubIndication)
	}
}

// OpenSSL-made signatures, and OpenSSL-made timestamps, verify with us.
func TestVerifyOpenSSLSignatures(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	p := testpki.MustLoad(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "doc")
	os.WriteFile(in, doc, 0o600)
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
	}
	sigFile := filepath.Join(dir, "sig.p7s")
	run("cms", "-sign", "-cades", "-binary", "-md", "sha256", "-in", in, "-signer", testpki.Path("doctor.pem"),
		"-inkey", testpki.Path("doctor.key"), "-certfile", testpki.Path("chain-sign.pem"), "-outform", "DER", "-out", sigFile)
	sig, _ := os.ReadFile(sigFile)
	r, err := VerifyCAdES(context.Background(), sig, bytes.NewReader(doc), opts(t))
	if err != nil {
		t.Fatal(err)
	}
	s := r.Signatures[0]
	if r.Indication != TotalPassed || s.Level != "CAdES-BASELINE-B" || len(s.Signer.Roles) != 1 || s.Signer.Roles[0].Code != "Medical Doctor" {
		t.Fatalf("%s level %s roles %+v errors %v", r.Indication, s.Level, s.Signer.Roles, s.Errors)
	}

	// An OpenSSL TSA token over that signature value becomes its signature timestamp.
	sd, _ := cms.Parse(sig)
	valueFile := filepath.Join(dir, "sigvalue")
	os.WriteFile(valueFile, sd.SignerInfos[0].Signature, 0o600)
	conf := filepath.Join(dir, "tsa.cnf")
	os.WriteFile(conf, []byte("[ tsa ]\ndefault_tsa = t\n[ t ]\nserial = "+dir+"/serial\nsigner_cert = "+testpki.Path("tsa.pem")+
		"\nsigner_key = "+testpki.Path("tsa.key")+"\nsigner_digest = sha256\ndefault_policy = 1.3.6.1.4.1.32473.3161.2\ndigests = sha256\ness_cert_id_alg = sha256\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "serial"), []byte("01\n"), 0o600)
	run("ts", "-query", "-data", valueFile, "-sha256", "-cert", "-out", filepath.Join(dir, "q"))
	run("ts", "-reply", "-config", conf, "-queryfile", filepath.Join(dir, "q"), "-token_out", "-out", filepath.Join(dir, "tok"))
	tok, _ := os.ReadFile(filepath.Join(dir, "tok"))
	sd.SignerInfos[0].AddUnsignedAttr(cms.OIDSignatureTimeStamp, tok)
	withTS, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r, err = VerifyCAdES(context.Background(), withTS, bytes.NewReader(doc), opts(t))
	if err != nil {
		t.Fatal(err)
	}
	s = r.Signatures[0]
	if r.Indication != TotalPassed || s.Level != "CAdES-BASELINE-T" || s.Timestamps[0].Indication != TotalPassed {
		t.Fatalf("%s level %s timestamps %+v", r.Indication, s.Level, s.Timestamps)
	}

	// SHA-1 signatures made now are refused.
	run("cms", "-sign", "-binary", "-md", "sha1", "-in", in, "-signer", testpki.Path("doctor.pem"),
		"-inkey", testpki.Path("doctor.key"), "-certfile", testpki.Path("chain-sign.pem"), "-outform", "DER", "-out", sigFile)
	sig, _ = os.ReadFile(sigFile)
	r, _ = VerifyCAdES(context.Background(), sig, bytes.NewReader(doc), opts(t))
	if r.Indication != Indeterminate || r.SubIndication != CryptoConstraintsFailure {
		t.Fatalf("SHA-1: %s/%s", r.Indication, r.SubIndication)
	}
	_ = p
}

func FuzzVerifyCAdES(f *testing.F) {
	p := testpki.MustLoad(f)
	f.Add(signDoc(f, p.Doctor, sign.CAdESOptions{Packaging: sign.Enveloping}))
	// The stale-CRL attack: a revoked signer's signature carrying an old
	// CRL of its CA (attacks_test.go).
	stale, _ := testpki.MakeCRL(p.SignCA, nil, time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC), 1)
	f.Add(withCRLs(f, signDoc(f, p.Revoked, sign.CAdESOptions{Packaging: sign.Enveloping}), stale))
	v := New(opts(f))
	f.Fuzz(func(t *testing.T, sig []byte) {
		r, err := v.VerifyCAdES(context.Background(), sig, nil, "")
		if err == nil && r.Indication == "" {
			t.Fatal("report without indication")
		}
	})
}
