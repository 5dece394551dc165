package trust

import (
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultStoreHoldsMHLWRootAndMEDISIntermediates(t *testing.T) {
	s := Default()
	roots := s.RootCertificates()
	if len(roots) != 1 || !strings.Contains(roots[0].Subject.String(), "MHLW HPKI Root CA V2") {
		t.Fatalf("default anchors = %v, want only the MHLW HPKI Root CA V2", roots)
	}
	if n := len(s.IntermediateCertificates()); n != 2 {
		t.Fatalf("default intermediates = %d, want the 2 MEDIS CAs", n)
	}
}

// The real MEDIS chain: both MEDIS CAs chain to the MHLW root at a time inside
// their validity, although each level carries a different policy OID without
// policy mappings (strict explicit-policy processing would reject it).
func TestRealMEDISChainVerifies(t *testing.T) {
	s := Default()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, ca := range s.IntermediateCertificates() {
		chains, err := s.Verify(ca, nil, at)
		if err != nil {
			t.Errorf("%s: %v", ca.Subject.CommonName, err)
			continue
		}
		if got := chains[0][len(chains[0])-1]; !got.Equal(s.RootCertificates()[0]) {
			t.Errorf("%s: chain ends at %s", ca.Subject.CommonName, got.Subject)
		}
	}
}

func TestVerifyOutsideValidityFails(t *testing.T) {
	s := Default()
	signCA := s.IntermediateCertificates()[0]
	for _, at := range []time.Time{
		signCA.NotBefore.Add(-time.Hour),
		signCA.NotAfter.Add(time.Hour),
	} {
		if _, err := s.Verify(signCA, nil, at); err == nil {
			t.Errorf("verify at %s succeeded outside validity", at)
		}
	}
}

func TestVerifyUntrustedAnchorFails(t *testing.T) {
	other := New(Default().IntermediateCertificates()[:1], nil) // an intermediate is no anchor for the other CA
	if _, err := other.Verify(Default().IntermediateCertificates()[1], nil, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Fatal("verified against an unrelated anchor")
	}
}

func TestParseCertificates(t *testing.T) {
	pemData, err := anchorFS.ReadFile(mhlwRoot)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemData)
	tests := []struct {
		name    string
		in      []byte
		want    int
		wantErr bool
	}{
		{"pem", pemData, 1, false},
		{"der", block.Bytes, 1, false},
		{"two pem", append(append([]byte{}, pemData...), pemData...), 2, false},
		{"empty", nil, 0, true},
		{"text", []byte("hello, not a certificate"), 0, true},
		{"pem key only", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0, true},
		{"truncated der", block.Bytes[:100], 0, true},
		{"garbage der", []byte{0x30, 0x82, 0xff, 0xff, 0x00}, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCertificates(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if len(got) != tc.want {
				t.Fatalf("got %d certificates, want %d", len(got), tc.want)
			}
		})
	}
}

func TestLoadFilesAndDirectories(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{mhlwRoot, medisSignCA2} {
		data, _ := anchorFS.ReadFile(name)
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o600)
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.RootCertificates()); n != 2 {
		t.Fatalf("loaded %d anchors from dir, want 2", n)
	}
	if _, err := Load(filepath.Join(dir, "notes.txt")); err == nil {
		t.Fatal("a text file loaded as trust anchors")
	}
	if _, err := Load(filepath.Join(dir, "missing.pem")); err == nil {
		t.Fatal("a missing file loaded as trust anchors")
	}
}

func TestFingerprintDistinguishesStores(t *testing.T) {
	a := Default()
	b := New(a.RootCertificates(), nil)
	if a.Fingerprint() == b.Fingerprint() {
		t.Fatal("stores with different intermediates share a fingerprint")
	}
	if a.Fingerprint() != New(a.RootCertificates(), a.IntermediateCertificates()).Fingerprint() {
		t.Fatal("equal stores differ in fingerprint")
	}
}

func FuzzParseCertificates(f *testing.F) {
	data, _ := anchorFS.ReadFile(mhlwRoot)
	f.Add(data)
	block, _ := pem.Decode(data)
	f.Add(block.Bytes)
	f.Fuzz(func(t *testing.T, in []byte) {
		certs, err := ParseCertificates(in)
		if err == nil && len(certs) == 0 {
			t.Fatal("no error and no certificate")
		}
	})
}

func ExampleStore_Verify() {
	s := Default()
	medisSign := s.IntermediateCertificates()[0]
	chains, err := s.Verify(medisSign, nil, time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range chains[0] {
		name := c.Subject.CommonName
		if name == "" && len(c.Subject.OrganizationalUnit) > 0 {
			name = c.Subject.OrganizationalUnit[len(c.Subject.OrganizationalUnit)-1]
		}
		fmt.Println(name)
	}
	// Output:
	// HPKI-01-MedisSignCA2-forNonRepudiation
	// MHLW HPKI Root CA V2
}
