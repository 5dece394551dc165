package cms

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/der"
	"github.com/hpki-jp/hpki/internal/testpki"
	"strings"
)

// realSignatures returns signatures shaped like those the project and its
// peers make: B-B enveloping and detached with certificates and a CRL, a
// timestamp token (TSTInfo content, sid by subjectKeyIdentifier), a B-T
// carrying it, an ECDSA signer, counter-signatures and BER (the corpus under
// testdata/fuzz adds nested counter-signatures and BER from OpenSSL).
func realSignatures(tb testing.TB) [][]byte {
	tb.Helper()
	p := testpki.MustLoad(tb)
	must := func(b []byte, err error) []byte {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	signer := func(cred *testpki.Credential, ctype asn1.ObjectIdentifier, content []byte, h crypto.Hash, skid bool) *SignerInfo {
		tb.Helper()
		ct, _ := NewAttribute(OIDContentType, ctype)
		d := h.New()
		d.Write(content)
		md, _ := NewAttribute(OIDMessageDigest, d.Sum(nil))
		sc, err := SigningCertificateV2Attr(cred.Cert, crypto.SHA256)
		if err != nil {
			tb.Fatal(err)
		}
		st, _ := SigningTimeAttr(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
		si, err := NewSignerInfo(cred.Key, cred.Cert, []Attribute{ct, md, sc, st}, SignOptions{Hash: h})
		if err != nil {
			tb.Fatal(err)
		}
		if skid {
			si.SID = SignerIdentifier{SubjectKeyID: cred.Cert.SubjectKeyId}
			si.rawSID = nil
			si.Version = 3
		}
		return si
	}
	content := []byte("referral letter, 紹介状")

	var imprint struct {
		Alg  pkix.AlgorithmIdentifier
		Hash []byte
	}
	imprint.Alg, _ = DigestAlgorithm(crypto.SHA256)
	imprint.Hash = make([]byte, 32)
	tst := must(asn1.Marshal(struct {
		Version        int
		Policy         asn1.ObjectIdentifier
		MessageImprint struct {
			Alg  pkix.AlgorithmIdentifier
			Hash []byte
		}
		Serial  *big.Int
		GenTime time.Time `asn1:"generalized"`
		Nonce   *big.Int
	}{Version: 1, MessageImprint: imprint, Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 1}, Serial: big.NewInt(42), GenTime: time.Date(2026, 11, 1, 9, 0, 1, 0, time.UTC), Nonce: big.NewInt(7)}))
	tokSI := signer(p.TSA, OIDTSTInfo, tst, crypto.SHA256, true)
	token := must((&SignedData{Version: 3, DigestAlgorithms: nil, ContentType: OIDTSTInfo, Content: tst,
		Certificates: [][]byte{p.TSA.Cert.Raw}, SignerInfos: []SignerInfo{*tokSI}}).Marshal())

	bb := signer(p.Doctor, OIDData, content, crypto.SHA256, false)
	var certs [][]byte
	for _, c := range append(append(p.Doctor.Chain[:0:0], p.Doctor.Cert), p.Doctor.Chain...) {
		certs = append(certs, c.Raw)
	}
	enveloping := must((&SignedData{Version: 1, DigestAlgorithms: nil, ContentType: OIDData, Content: content,
		Certificates: certs, CRLs: [][]byte{p.CRL}, SignerInfos: []SignerInfo{*bb}}).Marshal())
	bt := *bb
	bt.AddUnsignedAttr(OIDSignatureTimeStamp, token)
	detachedBT := must((&SignedData{Version: 1, ContentType: OIDData, Certificates: certs, SignerInfos: []SignerInfo{bt}}).Marshal())
	ec := signer(p.DoctorEC, OIDData, content, crypto.SHA384, false)
	counter := *signer(p.Pharmacist, OIDData, bb.Signature, crypto.SHA256, false)
	withCounter := *ec
	withCounter.AddUnsignedAttr(OIDCounterSignature, must(counter.Marshal()))
	twoSigners := must((&SignedData{Version: 1, ContentType: OIDData, Content: content, SignerInfos: []SignerInfo{bt, withCounter}}).Marshal())
	out := [][]byte{enveloping, detachedBT, token, twoSigners,
		must(bt.Marshal()), must(counter.Marshal()), bb.SignedAttrsRaw[2:],
		// BER: indefinite lengths and a segmented eContent.
		{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80,
			0x30, 0x80, 0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01,
			0xa0, 0x80, 0x24, 0x80, 0x04, 0x02, 'h', 'i', 0x04, 0x01, '!', 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
			0x31, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},
	}
	return out
}

// mutations returns variants of sig that break it in the places a
// hostile or damaged file does: a byte flipped, set to a tag or length
// octet, removed or doubled, and the signature cut short.
func mutations(sig []byte) [][]byte {
	var out [][]byte
	step := max(1, len(sig)/48)
	for i := 0; i < len(sig); i += step {
		for _, v := range []byte{sig[i] ^ 0xff, sig[i] ^ 0x20, 0x80, 0x00, 0x1f, 0x84} {
			m := append([]byte{}, sig...)
			m[i] = v
			out = append(out, m)
		}
		out = append(out, append(append([]byte{}, sig[:i]...), sig[i+1:]...))
		out = append(out, append(append(append([]byte{}, sig[:i+1]...), sig[i]), sig[i+1:]...))
		out = append(out, append([]byte{}, sig[:i]...))
	}
	return out
}

// sameParse requires the hand-written and the encoding/asn1 readings to
// agree on in: both refuse it (with ErrFormat) or both give equal values,
// but that the hand-written reading also refuses what is marked
// der.StrictMark.
func sameParse(t *testing.T, in []byte) {
	t.Helper()
	check := func(what string, got, want any, gotErr, wantErr error) {
		t.Helper()
		if gotErr != nil && wantErr == nil && strings.Contains(gotErr.Error(), der.StrictMark) && errors.Is(gotErr, ErrFormat) {
			return // a refusal beyond encoding/asn1's (see parse.go)
		}
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("%s of %x: error %v, encoding/asn1 error %v", what, in, gotErr, wantErr)
		}
		if gotErr != nil {
			if !errors.Is(gotErr, ErrFormat) || !errors.Is(wantErr, ErrFormat) {
				t.Fatalf("%s of %x: errors %v / %v do not both wrap ErrFormat", what, in, gotErr, wantErr)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s of %x:\n got %+v\nwant %+v", what, in, got, want)
		}
	}
	sd, err := parseDER(in)
	sdR, errR := parseDERReflect(in)
	check("SignedData", sd, sdR, err, errR)
	if norm, err := normaliseBER(in); err == nil {
		sd, err := parseDER(norm)
		sdR, errR := parseDERReflect(norm)
		check("normalised SignedData", sd, sdR, err, errR)
	}
	if raw, err := parseRaw(in); err == nil {
		sameRawFields(t, in, raw)
	}
	si, err := ParseSignerInfo(in)
	siR, errR := parseSignerInfoReflect(in)
	check("SignerInfo", si, siR, err, errR)
	attrs, err := parseAttributes(in)
	attrsR, errR := parseAttributesReflect(in)
	check("attributes", attrs, attrsR, err, errR)
}

// FuzzParseDifferential: the hand-written DER reading of SignedData,
// SignerInfo and attributes accepts exactly what the encoding/asn1
// reading accepted, to the same values.
func FuzzParseDifferential(f *testing.F) {
	for _, sig := range realSignatures(f) {
		f.Add(sig)
		for _, m := range mutations(sig) {
			f.Add(m)
		}
	}
	f.Fuzz(sameParse)
}

// TestParseDifferentialReal: the real signatures themselves read alike
// (and are read at all).
func TestParseDifferentialReal(t *testing.T) {
	for i, sig := range realSignatures(t) {
		sameParse(t, sig)
		if i < 4 {
			if _, err := parseDER(sig); err != nil {
				t.Fatalf("signature %d: %v", i, err)
			}
		}
	}
}

// sameRawFields requires each RawSignerInfo.Fields (a slice of the input)
// to be the concatenation of the SignerInfo's fields before its unsigned
// attributes, as the copy parseRaw made of them was.
func sameRawFields(t *testing.T, in []byte, raw *RawEncoding) {
	t.Helper()
	ci, _ := berChildren(in)
	exp, _ := berChildren(ci[1])
	fields, _ := berChildren(exp[0])
	infos, _ := berChildren(fields[len(fields)-1])
	for i, info := range infos {
		parts, _ := berChildren(info)
		if parts[len(parts)-1][0] == 0xa1 {
			parts = parts[:len(parts)-1]
		}
		var want []byte
		for _, p := range parts {
			want = append(want, p...)
		}
		if !bytes.Equal(raw.Signers[i].Fields, want) || cap(raw.Signers[i].Fields) != len(want) {
			t.Fatalf("%x: signer %d fields %x, want %x", in, i, raw.Signers[i].Fields, want)
		}
	}
}

// FuzzAttrValueDifferential: the signing-time, OCTET STRING and OID
// attribute values are read as asn1.Unmarshal read them.
func FuzzAttrValueDifferential(f *testing.F) {
	for _, sig := range realSignatures(f)[:2] {
		sd, err := parseDER(sig)
		if err != nil {
			f.Fatal(err)
		}
		for _, a := range sd.SignerInfos[0].SignedAttrs {
			f.Add(a.Values[0].FullBytes)
			for _, m := range mutations(a.Values[0].FullBytes) {
				f.Add(m)
			}
		}
	}
	f.Add([]byte("\x18\x0f20261101090000Z"))
	f.Add([]byte("\x18\x1320261101090000.123Z"))
	f.Add([]byte("\x17\x0b2611010900Z"))
	f.Fuzz(func(t *testing.T, in []byte) {
		attr := &Attribute{Type: OIDSigningTime, Values: []asn1.RawValue{{FullBytes: in}}}
		var tm time.Time
		rest, errR := asn1.Unmarshal(in, &tm)
		got, err := SigningTime(attr)
		if (err != nil) != (errR != nil || len(rest) != 0) || err == nil && !got.Equal(tm) || err == nil && got.Location().String() != tm.Location().String() {
			t.Fatalf("%x: signing-time %v %v, encoding/asn1 %v %v (%d left)", in, got, err, tm, errR, len(rest))
		}
		var b []byte
		rest, errR = asn1.Unmarshal(in, &b)
		gotB, err := OctetStringValue(attr)
		if (err != nil) != (errR != nil || len(rest) != 0) || err == nil && !bytes.Equal(gotB, b) {
			t.Fatalf("%x: OCTET STRING %x %v, encoding/asn1 %x %v (%d left)", in, gotB, err, b, errR, len(rest))
		}
		var o asn1.ObjectIdentifier
		rest, errR = asn1.Unmarshal(in, &o)
		gotO, err := OIDValue(attr)
		if (err != nil) != (errR != nil || len(rest) != 0) || err == nil && !gotO.Equal(o) {
			t.Fatalf("%x: OID %v %v, encoding/asn1 %v %v (%d left)", in, gotO, err, o, errR, len(rest))
		}
	})
}
