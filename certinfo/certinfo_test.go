package certinfo

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/trust"
)

func TestDescribe(t *testing.T) {
	p := testpki.MustLoad(t)
	tests := []struct {
		name string
		info Info
		hpki string
		ku   string
		text []string
	}{
		{"doctor", Describe(p.Doctor.Cert), "signing", "nonRepudiation", []string{"Medical Doctor (医師)", "HPKI signing certificate"}},
		{"auth", Describe(p.DoctorAuth.Cert), "authentication", "digitalSignature", []string{"HPKI authentication certificate"}},
		{"nonhpki", Describe(p.NonHPKI.Cert), "none", "digitalSignature", []string{"not an HPKI certificate", "(none)"}},
		{"tsa", Describe(p.TSA.Cert), "none", "digitalSignature", []string{"timeStamping"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.info.HPKI != tc.hpki || tc.info.KeyUsage[0] != tc.ku {
				t.Fatalf("hpki=%s ku=%v", tc.info.HPKI, tc.info.KeyUsage)
			}
			var b bytes.Buffer
			if err := tc.info.WriteText(&b, "en"); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.text {
				if !strings.Contains(b.String(), want) {
					t.Errorf("text lacks %q:\n%s", want, b.String())
				}
			}
		})
	}
}

func TestCheckCertificateAtTime(t *testing.T) {
	p := testpki.MustLoad(t)
	store := trust.New([]*x509.Certificate{p.Root.Cert}, []*x509.Certificate{p.SignCA.Cert})
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if c := CheckCertificate(p.Doctor.Cert, func(c *x509.Certificate, t time.Time) ([][]*x509.Certificate, error) { return store.Verify(c, nil, t) }, at, true); !c.Valid || len(c.Chain) != 3 {
		t.Fatalf("doctor: %+v", c.Errors)
	}
	if c := CheckCertificate(p.Expired.Cert, func(c *x509.Certificate, t time.Time) ([][]*x509.Certificate, error) { return store.Verify(c, nil, t) }, at, true); c.Valid {
		t.Fatal("expired certificate valid in 2030")
	}
	if c := CheckCertificate(p.SignCA.Cert, func(c *x509.Certificate, t time.Time) ([][]*x509.Certificate, error) { return store.Verify(c, nil, t) }, at, true); !c.Valid || !c.HPKIProfile {
		t.Fatalf("HPKI CA: %+v", c.Errors)
	}
}

func ExampleDescribe() {
	certs, err := trust.ReadFile(testpki.Path("director.pem"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	info := Describe(certs[0])
	fmt.Println(info.HPKI, info.SubjectJa)
	for _, r := range info.Roles {
		fmt.Println(r.Code, r.Ja, r.Kind)
	}
	// Output:
	// signing 試験 院長一郎
	// Medical Doctor 医師 national
	// Director of Hospital 病院長 administrative
}

// A national qualification's name under the administrative scheme is shown
// with the scheme it really has: not national, no Japanese name of 医師.
func TestDescribeRoleUnderOtherScheme(t *testing.T) {
	p := testpki.MustLoad(t)
	cred, err := p.SigningWithRoles("TEST ADMIN-SCHEME Goro", "試験 管理五郎", "MD0777", []hcrole.Role{{Scheme: hcrole.SchemeAdministrative, Text: "Medical Doctor"}}, p.Doctor.Key)
	if err != nil {
		t.Fatal(err)
	}
	info := Describe(cred.Cert)
	if len(info.Roles) != 1 || info.Roles[0].Kind != "administrative" || info.Roles[0].Ja != "" || info.Roles[0].Scheme != hcrole.SchemeAdministrative.String() {
		t.Fatalf("roles %+v", info.Roles)
	}
	var b bytes.Buffer
	if err := info.WriteText(&b, "ja"); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.Contains(line, "Medical Doctor [") && (strings.Contains(line, "医師") || !strings.Contains(line, "管理者資格")) {
			t.Errorf("the role line presents it as the national qualification: %s", line)
		}
	}
	if !strings.Contains(b.String(), "資格一覧の国家資格 \"Medical Doctor\"（医師）に似ていますが") || !strings.Contains(b.String(), "その資格ではありません") {
		t.Errorf("no warning about the scheme:\n%s", b.String())
	}
}
