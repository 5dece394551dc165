package extend

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
	"github.com/hpki-jp/hpki/xmlsig"
)

// The same timeline for an e-prescription signed with XAdES: B-T at t0,
// LTA before the CA expires, renewed at t3, passed offline at t4; without
// the LTA, not confirmed. xmlsec1 still accepts the archived document.
func TestTimelineXAdES(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	presc, err := os.ReadFile("../testdata/xml/prescription.xml")
	if err != nil {
		t.Fatal(err)
	}
	w.set(tSign)
	res, err := sign.SignXAdES(ctx, presc, sign.Credential{Signer: w.doctor.Key, Certificate: w.doctor.Cert, Chain: w.doctor.Chain},
		sign.XAdESOptions{ReferenceID: "PrescriptionData", Level: sign.LevelT, TSA: w.stamp1, SigningTime: w.clock()})
	if err != nil {
		t.Fatal(err)
	}
	bt := res.Signature

	w.set(tExtend)
	lta, err := XAdES(ctx, bt, nil, Options{To: sign.LevelLTA, TSA: w.stamp1, Verify: w.options(false)})
	if err != nil {
		t.Fatalf("extend to LTA: %v", err)
	}
	if lta.Level != "XAdES-BASELINE-LTA" {
		t.Fatalf("level %s", lta.Level)
	}
	if !strings.Contains(string(lta.Signature), "CertificateValues") || !strings.Contains(string(lta.Signature), "EncapsulatedOCSPValue") {
		t.Fatal("no CertificateValues/RevocationValues in the B-LTA")
	}
	w.set(tRenew)
	renewed, err := XAdES(ctx, lta.Signature, nil, Options{To: sign.LevelLTA, TSA: w.stamp2, Verify: w.options(false)})
	if err != nil {
		t.Fatalf("renewal: %v", err)
	}
	if !strings.Contains(string(renewed.Signature), "TimeStampValidationData") {
		t.Fatal("renewal did not add the previous TSA's validation data in TimeStampValidationData")
	}
	// Every byte of the B-T signature element's signed parts is kept.
	for _, part := range []string{"<ds:SignedInfo>", "<ds:SignatureValue"} {
		a := between(string(bt), part, "</ds:"+strings.Trim(strings.Fields(part)[0], "<>ds:")+">")
		if a == "" || !strings.Contains(string(renewed.Signature), a) {
			t.Fatalf("%s changed by the extension", part)
		}
	}

	w.set(tLater)
	tests := []struct {
		name string
		doc  []byte
		ind  verify.Indication
		sub  verify.SubIndication
	}{
		{"renewed LTA", renewed.Signature, verify.TotalPassed, ""},
		{"LTA not renewed", lta.Signature, verify.Indeterminate, verify.OutOfBoundsNoPOE},
		{"B-T only", bt, verify.Indeterminate, verify.OutOfBoundsNoPOE},
		{"renewed LTA with the prescription changed", []byte(strings.Replace(string(renewed.Signature), "<Days>28</Days>", "<Days>90</Days>", 1)), verify.TotalFailed, verify.HashFailure},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := verify.New(w.options(true)).VerifyXAdES(ctx, tc.doc, nil)
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Signatures[0]
			if rep.Indication != tc.ind || rep.SubIndication != tc.sub {
				t.Fatalf("%s/%s, want %s/%s\nerrors %v\nwarnings %v", rep.Indication, rep.SubIndication, tc.ind, tc.sub, s.Errors, s.Warnings)
			}
			if tc.ind == verify.TotalPassed && (s.Level != "XAdES-BASELINE-LTA" || len(s.Timestamps) != 3 || !s.BestSignatureTime.Equal(tSign)) {
				t.Fatalf("level %s, %d timestamps, best %s", s.Level, len(s.Timestamps), s.BestSignatureTime)
			}
		})
	}
	// An unsigned property changed after archiving breaks the archive
	// timestamps: the CertificateValues are covered.
	broken := strings.Replace(string(renewed.Signature), "<xades:EncapsulatedX509Certificate>", "<xades:EncapsulatedX509Certificate>MIIB", 1)
	if rep, _ := verify.New(w.options(true)).VerifyXAdES(ctx, []byte(broken), nil); rep != nil && rep.Indication == verify.TotalPassed {
		t.Fatal("archive timestamps did not cover CertificateValues")
	}

	xmlsec := peer.Require(t, "xmlsec1", "apt-get install xmlsec1")
	dir := t.TempDir()
	f := filepath.Join(dir, "archived.xml")
	os.WriteFile(f, renewed.Signature, 0o600)
	root := filepath.Join(dir, "root.pem")
	os.WriteFile(root, pemCert(w.root.Cert), 0o600)
	out, err := exec.Command(xmlsec, "--verify", "--trusted-pem", root, "--id-attr:Id", "PrescriptionData",
		"--id-attr:Id", xmlsig.NSXAdES132+":SignedProperties", "--verification-time", tSign.Add(3600e9).Format("2006-01-02 15:04:05"), f).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK") {
		t.Fatalf("xmlsec1 on the renewed B-LTA: %v\n%s", err, out)
	}
}

func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], end)
	if j < 0 {
		return ""
	}
	return s[i : i+j+len(end)]
}
