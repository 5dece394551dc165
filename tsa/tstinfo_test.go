package tsa

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/der"
	"github.com/hpki-jp/hpki/internal/testpki"
	"strings"
)

// parseTSTInfoReflect is how ParseTokenWith read a TSTInfo with
// encoding/asn1, kept to check parseTSTInfo against.
func parseTSTInfoReflect(b []byte) (tstInfo, error) {
	var info tstInfo
	rest, err := asn1.Unmarshal(b, &info)
	if err == nil && len(rest) != 0 {
		err = asn1.SyntaxError{Msg: "trailing data"}
	}
	return info, err
}

// tstInfoSeeds returns TSTInfos of the server's tokens (with and without
// nonce, with several accuracies) and hand-made ones with the fields the
// server leaves out: ordering, extensions, a UTCTime, no accuracy.
func tstInfoSeeds(tb testing.TB) [][]byte {
	p := testpki.MustLoad(tb)
	var out [][]byte
	for i, acc := range []time.Duration{0, 1500 * time.Millisecond, 250 * time.Microsecond} {
		s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert, Accuracy: acc}
		sum := sha256.Sum256([]byte{byte(i)})
		req := timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, CertReq: true}
		if i > 0 {
			req.Nonce = big.NewInt(int64(i) << 40)
		}
		der, _ := asn1.Marshal(req)
		tok, err := ParseResponse(s.Respond(der))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, tok.SignedData().Content)
	}
	type full struct {
		Version        int
		Policy         asn1.ObjectIdentifier
		MessageImprint messageImprint
		SerialNumber   *big.Int
		GenTime        time.Time        `asn1:"generalized"`
		Accuracy       accuracy         `asn1:"optional"`
		Ordering       bool             `asn1:"optional"`
		Nonce          *big.Int         `asn1:"optional"`
		TSA            asn1.RawValue    `asn1:"optional,tag:0"`
		Extensions     []pkix.Extension `asn1:"optional,tag:1"`
	}
	sum := sha256.Sum256(nil)
	base := full{Version: 1, Policy: DefaultPolicy, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]},
		SerialNumber: big.NewInt(-300), GenTime: time.Date(2026, 11, 1, 9, 0, 0, 123000000, time.UTC), Ordering: true, Nonce: big.NewInt(1),
		TSA:        asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: []byte{0x82, 0x03, 't', 's', 'a'}},
		Extensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3}, Critical: true, Value: []byte{5, 0}}, {Id: asn1.ObjectIdentifier{1, 2, 4}, Value: nil}}}
	for _, v := range []full{base, {Version: 1, Policy: DefaultPolicy, MessageImprint: base.MessageImprint, SerialNumber: big.NewInt(1), GenTime: base.GenTime}} {
		der, err := asn1.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, der)
	}
	utc, err := asn1.Marshal(struct {
		Version        int
		Policy         asn1.ObjectIdentifier
		MessageImprint messageImprint
		SerialNumber   *big.Int
		GenTime        time.Time `asn1:"utc"`
	}{1, DefaultPolicy, base.MessageImprint, big.NewInt(2), time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		tb.Fatal(err)
	}
	return append(out, utc)
}

// sameTSTInfo requires parseTSTInfo and encoding/asn1 to agree on in.
func sameTSTInfo(t *testing.T, in []byte) {
	got, err := parseTSTInfo(in)
	want, errR := parseTSTInfoReflect(in)
	if err != nil && errR == nil && strings.Contains(err.Error(), der.StrictMark) {
		return // a refusal beyond encoding/asn1's: trailing fields, a genTime not GeneralizedTime in UTC
	}
	if (err != nil) != (errR != nil) {
		t.Fatalf("%x: error %v, encoding/asn1 error %v", in, err, errR)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%x:\n got %+v\nwant %+v", in, got, want)
	}
}

// FuzzTSTInfoDifferential: parseTSTInfo accepts exactly the TSTInfos
// encoding/asn1 accepted, to the same values.
func FuzzTSTInfoDifferential(f *testing.F) {
	for _, s := range tstInfoSeeds(f) {
		f.Add(s)
		step := max(1, len(s)/40)
		for i := 0; i < len(s); i += step {
			for _, v := range []byte{s[i] ^ 0xff, s[i] ^ 0x20, 0x80, 0x00, 0x17, 0x01} {
				m := append([]byte{}, s...)
				m[i] = v
				f.Add(m)
			}
			f.Add(append(append([]byte{}, s[:i]...), s[i+1:]...))
			f.Add(append([]byte{}, s[:i]...))
		}
	}
	f.Fuzz(sameTSTInfo)
}

// TestTSTInfoDifferentialSeeds: the seeds themselves are read, alike.
// The last seed, a genTime encoded as UTCTime, is refused (RFC 3161:
// GeneralizedTime).
func TestTSTInfoDifferentialSeeds(t *testing.T) {
	seeds := tstInfoSeeds(t)
	for i, s := range seeds {
		_, err := parseTSTInfo(s)
		if i == len(seeds)-1 {
			if err == nil || !strings.Contains(err.Error(), der.StrictMark) {
				t.Fatalf("UTCTime genTime: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		sameTSTInfo(t, s)
	}
}

// What encoding/asn1 would let through and a TSTInfo or TimeStampResp
// reader must not: elements after the last field (a second, earlier
// genTime; a second token), a genTime that is a UTCTime or not in UTC.
func TestTSTInfoStrictness(t *testing.T) {
	seeds := tstInfoSeeds(t)
	good := seeds[0]
	withTrailing := func(b, extra []byte) []byte {
		top, _, err := der.Top(b, asn1.TagSequence, true)
		if err != nil {
			t.Fatal(err)
		}
		body := append(append([]byte{}, top.Body...), extra...)
		out, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: body})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	earlier, _ := asn1.MarshalWithParams(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), "generalized")
	// The same instant written with an offset (18:00+0900).
	sum := sha256.Sum256(nil)
	offset, err := asn1.Marshal(struct {
		Version        int
		Policy         asn1.ObjectIdentifier
		MessageImprint messageImprint
		SerialNumber   *big.Int
		GenTime        time.Time `asn1:"generalized"`
	}{1, DefaultPolicy, messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}, big.NewInt(2), time.Date(2026, 11, 1, 18, 0, 0, 0, time.FixedZone("JST", 9*3600))})
	if err != nil || !bytes.Contains(offset, []byte("+0900")) {
		t.Fatalf("%v %x", err, offset)
	}
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"trailing earlier genTime", withTrailing(good, earlier)},
		{"UTCTime genTime", seeds[len(seeds)-1]},
		{"genTime with an offset", offset},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseTSTInfo(tc.in)
			if err == nil || !strings.Contains(err.Error(), der.StrictMark) {
				t.Fatalf("read: %v", err)
			}
		})
	}
	t.Run("response with a second token", func(t *testing.T) {
		p := testpki.MustLoad(t)
		s := &Server{Signer: p.TSA.Key, Cert: p.TSA.Cert}
		req, _ := asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{HashAlgorithm: sha256Alg(), HashedMessage: sum[:]}})
		resp := s.Respond(req)
		if _, err := ParseResponse(resp); err != nil {
			t.Fatal(err)
		}
		tok, err := ParseResponse(resp)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseResponse(withTrailing(resp, tok.Raw)); err == nil || !strings.Contains(err.Error(), der.StrictMark) {
			t.Fatalf("second token: %v", err)
		}
	})
}
