package main

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/certinfo"
	"github.com/hpki-jp/hpki/internal/testpki"
)

func TestCertInspectJSON(t *testing.T) {
	tests := []struct {
		file      string
		hpki      string
		roles     []string
		ja        []string
		kinds     []string
		subjectJa string
	}{
		{"doctor.pem", "signing", []string{"Medical Doctor"}, []string{"医師"}, []string{"national"}, "試験 医師太郎"},
		{"director.pem", "signing", []string{"Medical Doctor", "Director of Hospital"}, []string{"医師", "病院長"}, []string{"national", "administrative"}, "試験 院長一郎"},
		{"pharmacist.pem", "signing", []string{"Pharmacist"}, []string{"薬剤師"}, []string{"national"}, "試験 薬剤師花子"},
		{"doctor-auth.pem", "authentication", []string{"Medical Doctor"}, []string{"医師"}, []string{"national"}, "試験 医師太郎"},
		{"nonhpki.pem", "none", nil, nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			code, out, errOut := runCLI(t, "cert", "inspect", testpki.Path(tc.file), "--output", "json")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var info certinfo.Info
			if err := json.Unmarshal([]byte(out), &info); err != nil {
				t.Fatal(err)
			}
			if info.HPKI != tc.hpki || info.SubjectJa != tc.subjectJa {
				t.Fatalf("hpki=%q subjectJa=%q", info.HPKI, info.SubjectJa)
			}
			if len(info.Roles) != len(tc.roles) {
				t.Fatalf("roles %+v, want %v", info.Roles, tc.roles)
			}
			for i, r := range info.Roles {
				if r.Code != tc.roles[i] || r.Ja != tc.ja[i] || r.Kind != tc.kinds[i] {
					t.Errorf("role %d = %+v", i, r)
				}
			}
		})
	}
}

func TestCertInspectTextJapanese(t *testing.T) {
	code, out, _ := runCLI(t, "cert", "inspect", testpki.Path("director.pem"), "--lang", "ja")
	if code != 0 || !strings.Contains(out, "病院長 (Director of Hospital)") || !strings.Contains(out, "HPKI 署名用証明書") {
		t.Fatalf("exit %d, output:\n%s", code, out)
	}
}

func TestCertVerify(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	os.WriteFile(garbage, []byte("this is not a certificate\n"), 0o600)
	root, inter := testpki.Path("root.pem"), testpki.Path("ca-sign.pem")
	// The doctor's certificate alone, without the chain doctor.pem carries.
	leafOnly := filepath.Join(dir, "doctor-leaf.pem")
	p := testpki.MustLoad(t)
	os.WriteFile(leafOnly, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Doctor.Cert.Raw}), 0o600)
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"doctor valid", []string{testpki.Path("doctor.pem"), "--trust", root, "--intermediates", inter}, 0},
		{"doctor valid in 2045", []string{testpki.Path("doctor.pem"), "--trust", root, "--intermediates", inter, "--at", "2045-06-01T00:00:00Z"}, 0},
		{"expired now", []string{testpki.Path("expired.pem"), "--trust", root, "--intermediates", inter}, 1},
		{"expired valid in 2021", []string{testpki.Path("expired.pem"), "--trust", root, "--intermediates", inter, "--at", "2021-01-01T00:00:00+09:00"}, 0},
		{"untrusted root", []string{testpki.Path("stranger.pem"), "--trust", root}, 1},
		{"non-HPKI fails the profile", []string{testpki.Path("nonhpki.pem"), "--trust", root}, 1},
		{"non-HPKI allowed", []string{testpki.Path("nonhpki.pem"), "--trust", root, "--allow-non-hpki"}, 0},
		{"missing intermediate", []string{leafOnly, "--trust", root}, 1},
		{"chain in the certificate file", []string{testpki.Path("doctor.pem"), "--trust", root}, 0},
		{"default anchors reject test PKI", []string{testpki.Path("doctor.pem"), "--intermediates", inter}, 1},
		{"real MEDIS CA at 2030", []string{"../../trust/anchors/medis-hpki-sign-ca2.pem", "--at", "2030-01-01T00:00:00Z"}, 0},
		{"real MEDIS CA after expiry", []string{"../../trust/anchors/medis-hpki-sign-ca2.pem", "--at", "2036-01-01T00:00:00Z"}, 1},
		{"not a certificate", []string{garbage, "--trust", root}, 3},
		{"missing file", []string{filepath.Join(dir, "nope.pem"), "--trust", root}, 3},
		{"bad --at", []string{testpki.Path("doctor.pem"), "--at", "yesterday"}, 3},
		{"bad trust file", []string{testpki.Path("doctor.pem"), "--trust", garbage}, 3},
		{"no argument", nil, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"cert", "verify"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			if code == 3 {
				assertOneLineError(t, errOut)
			}
		})
	}
}
