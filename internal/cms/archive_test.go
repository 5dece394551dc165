package cms

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"testing"

	"github.com/hpki-jp/hpki/internal/testpki"
)

func sampleSignedData(t testing.TB) *SignedData {
	t.Helper()
	p := testpki.MustLoad(t)
	ct, _ := NewAttribute(OIDContentType, OIDData)
	si, err := NewSignerInfo(p.Doctor.Key, p.Doctor.Cert, []Attribute{ct}, SignOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	sd := &SignedData{Version: 1, ContentType: OIDData, Certificates: [][]byte{p.Doctor.Cert.Raw}, SignerInfos: []SignerInfo{*si}}
	sd.AddCRL(p.CRL)
	si = &sd.SignerInfos[0]
	si.AddUnsignedAttr(OIDSignatureTimeStamp, []byte{0x30, 0x00})
	return sd
}

// The ats-hash-index-v3 lists what an archive timestamp covers: adding
// elements later keeps it valid, removing or changing a covered one does
// not; the index round-trips through its parser with any algorithm.
func TestATSHashIndexV3(t *testing.T) {
	p := testpki.MustLoad(t)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
		sd := sampleSignedData(t)
		si := &sd.SignerInfos[0]
		index, err := ATSHashIndexV3(sd, si, h)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := CheckATSHashIndexV3(sd, si, index); err != nil || got != h {
			t.Fatalf("%v: %v %v", h, got, err)
		}
		// Later additions (a renewal's data) are fine.
		sd.AddCertificates(p.SignCA.Cert.Raw)
		if err := sd.AddOCSPResponse([]byte{0x30, 0x03, 0x0a, 0x01, 0x00}); err != nil {
			t.Fatal(err)
		}
		si.AddUnsignedAttr(OIDArchiveTimeStampV3, []byte{0x30, 0x00})
		if _, err := CheckATSHashIndexV3(sd, si, index); err != nil {
			t.Fatalf("after additions: %v", err)
		}
		crls, ocsps := sd.RevocationValues()
		if len(crls) != 1 || len(ocsps) != 1 || !bytes.Equal(crls[0], p.CRL) {
			t.Fatalf("revocation values %d %d", len(crls), len(ocsps))
		}
		for name, mutate := range map[string]func(){
			"certificate removed":        func() { sd.Certificates = sd.Certificates[1:] },
			"CRL removed":                func() { sd.CRLs = sd.CRLs[1:] },
			"unsigned attribute changed": func() { si.UnsignedAttrs[0].Values[0].FullBytes = []byte{0x30, 0x01, 0x00} },
		} {
			saved := *sd
			savedAttrs := append([]Attribute{}, si.UnsignedAttrs...)
			mutate()
			if _, err := CheckATSHashIndexV3(sd, si, index); err == nil {
				t.Errorf("%v %s: accepted", h, name)
			}
			*sd = saved
			si = &sd.SignerInfos[0]
			si.UnsignedAttrs = savedAttrs
			si.UnsignedAttrs[0].Values = []asn1.RawValue{{FullBytes: []byte{0x30, 0x00}}}
		}
	}
}

func FuzzCheckATSHashIndexV3(f *testing.F) {
	sd := sampleSignedData(f)
	index, _ := ATSHashIndexV3(sd, &sd.SignerInfos[0], crypto.SHA256)
	f.Add(index)
	f.Fuzz(func(t *testing.T, in []byte) {
		_, _ = CheckATSHashIndexV3(sd, &sd.SignerInfos[0], in)
	})
}

// CoveredAttrs names exactly the unsigned attribute values an index lists:
// those present when it was made, not one added after it, wherever the
// later one sits (first in the SET, as a DER re-sort can put it) and even
// when it has the same type as a covered one.
func TestCoveredAttrs(t *testing.T) {
	sd := sampleSignedData(t)
	si := &sd.SignerInfos[0]
	index, err := ATSHashIndexV3(sd, si, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	si.AddUnsignedAttr(OIDArchiveTimeStampV3, []byte{0x30, 0x00})
	later := Attribute{Type: OIDSignatureTimeStamp, Values: []asn1.RawValue{{FullBytes: []byte{0x30, 0x03, 0x02, 0x01, 0x07}}}}
	si.UnsignedAttrs = append([]Attribute{later}, si.UnsignedAttrs...)
	// A second value inside the covered attribute, added later.
	si.UnsignedAttrs[1].Values = append(si.UnsignedAttrs[1].Values, asn1.RawValue{FullBytes: []byte{0x30, 0x03, 0x02, 0x01, 0x09}})
	e := NewArchiveElements(sd, si)
	if _, err := e.CheckIndex(index); err != nil {
		t.Fatal(err)
	}
	covered, err := e.CoveredAttrs(index, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		j, k int
		want bool
	}{
		{0, 0, false}, // the signature timestamp added first in the SET
		{1, 0, true},  // the one the index lists
		{1, 1, false}, // a value added to it later
		{2, 0, false}, // the archive timestamp itself
		{5, 0, false}, // no such attribute
	} {
		if got := covered(tc.j, tc.k); got != tc.want {
			t.Errorf("covered(%d, %d) = %v, want %v", tc.j, tc.k, got, tc.want)
		}
	}
	if _, err := e.CoveredAttrs([]byte{0x30, 0x00}, false); err == nil {
		t.Error("a malformed index named covered attributes")
	}
}
