package verify

// Attacks on the verdict (CAdES side and the rules every format shares):
// each test builds a forged or misleading input from the test HPKI and
// asserts that it does not reach TOTAL_PASSED, with the indication,
// sub-indication and report text a reader relies on. The XML and CMS
// structure attacks are in attacks_xades_test.go and attacks_cms_test.go.

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/cms/cmstest"
	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/sign"
)

// verdict is what an attack test expects of the first signature.
type verdict struct {
	ind Indication
	sub SubIndication
	// text must appear in the signature's errors, warn in its warnings.
	text, warn string
	// absent must appear in no error or warning.
	absent string
}

func (w verdict) check(t *testing.T, r *Report) {
	t.Helper()
	if r.Indication == TotalPassed {
		t.Fatalf("forgery reached TOTAL_PASSED: %+v", r.Signatures)
	}
	s := r.Signatures[0]
	if s.Indication != w.ind || s.SubIndication != w.sub {
		t.Fatalf("got %s/%s, want %s/%s; errors %q warnings %q", s.Indication, s.SubIndication, w.ind, w.sub, s.Errors, s.Warnings)
	}
	all := strings.Join(append(append([]string{}, s.Errors...), s.Warnings...), "\n")
	if w.text != "" && !strings.Contains(strings.Join(s.Errors, "\n"), w.text) {
		t.Errorf("no error says %q: %q", w.text, s.Errors)
	}
	if w.warn != "" && !strings.Contains(strings.Join(s.Warnings, "\n"), w.warn) {
		t.Errorf("no warning says %q: %q", w.warn, s.Warnings)
	}
	if w.absent != "" && strings.Contains(all, w.absent) {
		t.Errorf("the report claims %q: %s", w.absent, all)
	}
}

// withCRLs returns sig with crls added to the SignedData's (unsigned) CRL
// set: anyone holding a signature can do this.
func withCRLs(t testing.TB, sig []byte, crls ...[]byte) []byte {
	t.Helper()
	out, err := cmstest.WithCRLs(sig, crls...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// revocationServer serves the signing CA's committed CRL (listing revoked.pem,
// revoked 2025-06-01) for the CRL and OCSP hosts the test certificates name:
// the CA's own service, reachable and knowing the revocation.
func revocationServer(t *testing.T, p *testpki.PKI) *revocation.Fetcher {
	addr := testpki.Serve(t, revocation.CRLHandler(func() []byte { return p.CRL }))
	return &revocation.Fetcher{HTTPClient: testpki.Routes(map[string]string{
		"crl.hpki-test.invalid": addr, "ocsp.hpki-test.invalid": addr,
	})}
}

// Class 1: stale revocation data carried by the signature must not mask a
// revocation the CA's service knows, nor prove a status at a time after
// its issue.
func TestAttackStaleRevocationData(t *testing.T) {
	p := testpki.MustLoad(t)
	// A CRL of the CA issued before the revocation of revoked.pem, still
	// inside its nextUpdate: genuine, signed by the CA, and stale.
	stale, err := testpki.MakeCRL(p.SignCA, nil, time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC), 1)
	if err != nil {
		t.Fatal(err)
	}
	// A genuine, fresh CRL of the CA for another partition
	// (issuingDistributionPoint naming a distribution point the
	// certificate does not point at): it says nothing about revoked.pem.
	partition, err := testpki.MakeCRL(p.SignCA, nil, time.Now().Add(time.Minute), time.Now().Add(7*24*time.Hour), 7,
		testpki.IssuingDistributionPoint("http://crl.hpki-test.invalid/other-partition.crl", false))
	if err != nil {
		t.Fatal(err)
	}
	revokedBT := withCRLs(t, signDoc(t, p.Revoked, sign.CAdESOptions{Level: sign.LevelT, TSA: stamper(t, p.TSA, time.Time{})}), stale)
	revokedBB := withCRLs(t, signDoc(t, p.Revoked, sign.CAdESOptions{}), stale)
	doctorBT := signDoc(t, p.Doctor, sign.CAdESOptions{Level: sign.LevelT, TSA: stamper(t, p.TSA, time.Time{})})
	doctorBB := signDoc(t, p.Doctor, sign.CAdESOptions{})
	online := func(o *Options) { o.Offline, o.CRLs, o.Fetcher = false, nil, revocationServer(t, p) }
	offlineOnly := func(crls ...[]byte) func(*Options) {
		return func(o *Options) { o.Offline, o.CRLs = true, crls }
	}
	tests := []struct {
		name string
		sig  []byte
		opts func(*Options)
		want verdict
	}{
		{"signed today, timestamped, stale CRL embedded, CA reachable", revokedBT, online,
			verdict{ind: TotalFailed, sub: Revoked, text: "was revoked on 2025-06-01"}},
		{"signed today, no timestamp, stale CRL embedded, CA reachable", revokedBB, online,
			verdict{ind: Indeterminate, sub: RevokedNoPOE, text: "was revoked on 2025-06-01"}},
		{"signed today, timestamped, stale CRL embedded, offline", revokedBT, offlineOnly(),
			verdict{ind: Indeterminate, sub: TryLater, text: "before", absent: "predate"}},
		{"stale CRL given by the caller does not prove a later time", doctorBT, offlineOnly(stale),
			verdict{ind: Indeterminate, sub: TryLater, text: "the time it must prove"}},
		{"the CA's CRL issued before the timestamp: wait for the next one", doctorBT, offlineOnly(p.CRL),
			verdict{ind: Indeterminate, sub: TryLater, text: "retry after 2045-12-31"}},
		{"a fresh CRL of another partition of the CA", revokedBT, offlineOnly(partition),
			verdict{ind: Indeterminate, sub: TryLater, warn: "not a CRL distribution point of the certificate"}},
		{"offline data older than --max-revocation-age", doctorBB, func(o *Options) {
			o.Offline, o.CRLs, o.MaxRevocationAge = true, [][]byte{p.CRL}, 30*24*time.Hour
		}, verdict{ind: Indeterminate, sub: TryLater, text: "maximum revocation age"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(t)
			tc.opts(&o)
			r, err := VerifyCAdES(context.Background(), tc.sig, bytes.NewReader(doc), o)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.check(t, r)
		})
	}
	// The same signatures pass with data that is fresh and honest.
	t.Run("control: the CA's service answers for a good certificate", func(t *testing.T) {
		o := opts(t)
		online(&o)
		r, _ := VerifyCAdES(context.Background(), doctorBB, bytes.NewReader(doc), o)
		if r.Indication != TotalPassed || r.Signatures[0].Revocation[0].Origin != "fetched" {
			t.Fatalf("%s %+v %q", r.Indication, r.Signatures[0].Revocation, r.Signatures[0].Errors)
		}
	})
	t.Run("control: offline, a CRL covering now proves the current status", func(t *testing.T) {
		o := opts(t)
		offlineOnly(p.CRL)(&o)
		if r, _ := VerifyCAdES(context.Background(), doctorBB, bytes.NewReader(doc), o); r.Indication != TotalPassed {
			t.Fatalf("%s %q", r.Indication, r.Signatures[0].Errors)
		}
	})
}

// opensslSign signs doc with cred using OpenSSL (the tool an attacker has:
// our own signer refuses these certificates) and returns DER CMS.
func opensslSign(t *testing.T, cred *testpki.Credential, extra ...string) []byte {
	t.Helper()
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(cred.Key)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"cert.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cred.Cert.Raw}),
		"key.pem":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		"doc":      doc,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "sig.p7s")
	if extra == nil {
		extra = []string{"-cades"}
	}
	args := append([]string{"cms", "-sign", "-binary", "-md", "sha256", "-in", filepath.Join(dir, "doc"),
		"-signer", filepath.Join(dir, "cert.pem"), "-inkey", filepath.Join(dir, "key.pem"), "-outform", "DER", "-out", out}, extra...)
	cmd := exec.Command(openssl, args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -sign: %v\n%s", err, msg)
	}
	sig, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// Class 3: certificates that may not sign documents: the doctor's
// authentication certificate, CA certificates (with or without an hcRole).
func TestAttackCertificatesThatMayNotSign(t *testing.T) {
	p := testpki.MustLoad(t)
	doctor, _ := hcrole.ParseRequirement("医師")
	// A CA certificate under the test root that carries the hcRole
	// "Medical Doctor": a role on a CA is nobody's qualification.
	roleExt, err := hcrole.Extension([]hcrole.Role{{Scheme: hcrole.SchemeNational, Text: "Medical Doctor"}})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := testpki.CATemplate("HPKI-TEST-CA-with-hcRole", p.SignCA.Cert.NotBefore, p.SignCA.Cert.NotAfter, testpki.PolicySignCA)
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, roleExt)
	roleCA, err := testpki.IssueCert(tmpl, p.Root, p.SignCA.Key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cred *testpki.Credential
		req  hcrole.Requirement
		text string
	}{
		{"authentication certificate", p.DoctorAuth, hcrole.Requirement{}, "authentication (認証用) certificate"},
		{"authentication certificate under --require-role 医師", p.DoctorAuth, doctor, "authentication (認証用) certificate"},
		{"signing CA as signer", p.SignCA, hcrole.Requirement{}, "a CA certificate"},
		{"root as signer", p.Root, hcrole.Requirement{}, "a CA certificate"},
		{"CA with an hcRole under --require-role 医師", roleCA, doctor, "a CA certificate"},
		{"TSA key as signer", p.TSA, hcrole.Requirement{}, "time-stamping"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(t)
			o.RequireRole = tc.req
			o.CRLs = append(o.CRLs, p.FreshCRL(t))
			r, err := VerifyCAdES(context.Background(), opensslSign(t, tc.cred), bytes.NewReader(doc), o)
			if err != nil {
				t.Fatal(err)
			}
			verdict{ind: TotalFailed, sub: SigConstraintsFailure, text: tc.text}.check(t, r)
			if tc.cred == roleCA && len(r.Signatures[0].Signer.Roles) != 0 {
				t.Errorf("roles read from a CA certificate: %+v", r.Signatures[0].Signer.Roles)
			}
		})
	}
}

// Class 4: a validation time in the past is a claim, not a proof: without a
// timestamp at or before it, nothing shows the signature existed then.
func TestAttackPastValidationTime(t *testing.T) {
	p := testpki.MustLoad(t)
	may2025 := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	june2021 := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		sig  []byte
		at   time.Time
		crls [][]byte
		want verdict
	}{
		{"revoked certificate, signed today, --at before the revocation", signDoc(t, p.Revoked, sign.CAdESOptions{}), may2025, [][]byte{p.CRL},
			verdict{ind: Indeterminate, sub: NoPOE, text: "no proof of existence at 2025-05-01", absent: "predate"}},
		{"expired certificate, signed today, --at inside its validity", signDoc(t, p.Expired, sign.CAdESOptions{}), june2021, [][]byte{crlIssued(t, p, june2021)},
			verdict{ind: Indeterminate, sub: NoPOE, text: "no proof of existence at 2021-06-01"}},
		{"revoked certificate, timestamped today, --at before the revocation", signDoc(t, p.Revoked, sign.CAdESOptions{Level: sign.LevelT, TSA: stamper(t, p.TSA, time.Time{})}), may2025, [][]byte{p.CRL},
			verdict{ind: Indeterminate, sub: NoPOE, absent: "predate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(t)
			o.At, o.CRLs = tc.at, tc.crls
			r, err := VerifyCAdES(context.Background(), tc.sig, bytes.NewReader(doc), o)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.check(t, r)
		})
	}
	t.Run("control: a timestamp at or before --at is a proof", func(t *testing.T) {
		sig := signDoc(t, p.Expired, sign.CAdESOptions{SigningTime: june2021, Level: sign.LevelT, TSA: stamper(t, p.TSA, june2021)})
		o := opts(t)
		o.At, o.CRLs = time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC), [][]byte{crlIssued(t, p, time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC))}
		if r, _ := VerifyCAdES(context.Background(), sig, bytes.NewReader(doc), o); r.Indication != TotalPassed {
			t.Fatalf("%s/%s %q", r.Indication, r.SubIndication, r.Signatures[0].Errors)
		}
	})
}

// Class 9: "Medical Doctor" under the administrative scheme is not the
// national qualification 医師.
func TestAttackRoleScheme(t *testing.T) {
	p := testpki.MustLoad(t)
	cred, err := p.SigningWithRoles("TEST ADMIN-SCHEME Goro", "試験 管理五郎", "MD0777", []hcrole.Role{{Scheme: hcrole.SchemeAdministrative, Text: "Medical Doctor"}}, p.Doctor.Key)
	if err != nil {
		t.Fatal(err)
	}
	sig := signDoc(t, cred, sign.CAdESOptions{})
	o := opts(t)
	o.RequireRole, _ = hcrole.ParseRequirement("医師")
	r, err := VerifyCAdES(context.Background(), sig, bytes.NewReader(doc), o)
	if err != nil {
		t.Fatal(err)
	}
	verdict{ind: TotalFailed, sub: SigConstraintsFailure, text: "required HPKI role"}.check(t, r)
	role := r.Signatures[0].Signer.Roles[0]
	if role.Scheme != hcrole.SchemeAdministrative.String() || role.Ja != "" {
		t.Errorf("the report shows %+v: the scheme must be the administrative one and no Japanese name of the national qualification", role)
	}
}

// A plain CMS signature (no signing-certificate attribute) names its signer
// by the sid, which is not signed: it cannot meet a role requirement (a
// certificate for the same key with other roles could be named instead).
func TestAttackRoleWithoutCertificateBinding(t *testing.T) {
	p := testpki.MustLoad(t)
	plain := opensslSign(t, p.Doctor, "-nosmimecap") // no -cades: no ESS signing-certificate
	o := opts(t)
	r, err := VerifyCAdES(context.Background(), plain, bytes.NewReader(doc), o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Indication != TotalPassed || r.Signatures[0].Level != "CMS" {
		t.Fatalf("control: %s %s %q", r.Indication, r.Signatures[0].Level, r.Signatures[0].Errors)
	}
	o.RequireRole, _ = hcrole.ParseRequirement("医師")
	r, err = VerifyCAdES(context.Background(), plain, bytes.NewReader(doc), o)
	if err != nil {
		t.Fatal(err)
	}
	verdict{ind: TotalFailed, sub: SigConstraintsFailure, text: "binds the signer certificate"}.check(t, r)
}
