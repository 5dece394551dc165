package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/testats"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

const (
	oidSigTimeStamp = "1.2.840.113549.1.9.16.2.14"
	oidATSv2        = "1.2.840.113549.1.9.16.2.48"
)

// CAdES-A archives with archive-time-stamp-v2 (ETSI TS 101 733 §6.4.1),
// every part foreign: OpenSSL signs (detached DER, or enveloping BER with
// indefinite lengths), OpenSSL's TSA stamps, and an independent builder
// (testdata/tools/atsv2.py) computes the imprint over the file's own
// encodings and inserts the attributes. Each reading producers used is
// accepted; a changed byte in anything the token covers — a certificate,
// an earlier unsigned attribute, the encoding itself — makes that token
// fail, reported and not counted.
func TestArchiveTimestampV2Interop(t *testing.T) {
	p := testpki.MustLoad(t)
	x := testats.New(t)
	tsaCert, tsaKey := testpki.Path("tsa.pem"), testpki.Path("tsa.key")
	chain, err := os.ReadFile(testpki.Path("chain-sign.pem"))
	if err != nil {
		t.Fatal(err)
	}
	// A certificate the signature carries but does not need: changing it
	// breaks nothing but what covers it.
	bag := x.PEM(nil, p.Stranger.Cert)
	bagFile := x.File(append(append([]byte{}, chain...), mustRead(t, bag)...))
	base := func(ber bool) []byte {
		sig := x.Sign(doc, testpki.Path("doctor.pem"), testpki.Path("doctor.key"), bagFile, ber)
		sd, err := cms.Parse(sig)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(sd.SignerInfos[0].Signature)
		return x.Add(sig, oidSigTimeStamp, x.Token(sum[:], tsaCert, tsaKey), -1)
	}
	contentOf := func(ber bool) []byte {
		if ber {
			return nil
		}
		return doc
	}
	archiveV2 := func(sig []byte, ber, bare bool, at int) []byte {
		return x.Add(sig, oidATSv2, x.Token(x.Imprint(sig, contentOf(ber), bare), tsaCert, tsaKey), at)
	}
	flip := func(sig, inside []byte, back int) []byte {
		i := bytes.Index(sig, inside)
		if i < 0 {
			t.Fatal("element not found in the signature")
		}
		out := bytes.Clone(sig)
		out[i+len(inside)-back] ^= 0x01
		return out
	}
	detached, enveloping := base(false), base(true)
	if enveloping[1] != 0x80 {
		t.Fatalf("openssl cms -stream did not write indefinite lengths: % x", enveloping[:4])
	}
	sigTS := func(sig []byte) []byte {
		sd, err := cms.Parse(sig)
		if err != nil {
			t.Fatal(err)
		}
		return sd.SignerInfos[0].UnsignedAttr(cms.OIDSignatureTimeStamp)[0].Values[0].FullBytes
	}
	reencoded := func(sig []byte) []byte {
		sd, err := cms.Parse(sig)
		if err != nil {
			t.Fatal(err)
		}
		out, err := sd.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	twice := archiveV2(archiveV2(detached, false, false, -1), false, false, -1)
	tests := []struct {
		name    string
		sig     []byte
		content []byte
		want    []Indication // the archive-v2 timestamps, in order
		sub     SubIndication
	}{
		{"detached DER", archiveV2(detached, false, false, -1), doc, []Indication{TotalPassed}, ""},
		{"enveloping BER with indefinite lengths", archiveV2(enveloping, true, false, -1), nil, []Indication{TotalPassed}, ""},
		{"unsigned attributes without their SET tag (v1.8.x Annex K)", archiveV2(detached, false, true, -1), doc, []Indication{TotalPassed}, ""},
		{"BER, without the SET tag", archiveV2(enveloping, true, true, -1), nil, []Indication{TotalPassed}, ""},
		{"placed first, as a re-sorted SET puts it", archiveV2(detached, false, false, 0), doc, []Indication{TotalPassed}, ""},
		{"two, the second over the first", twice, doc, []Indication{TotalPassed, TotalPassed}, ""},
		{"a certificate changed afterwards", flip(archiveV2(detached, false, false, -1), p.Stranger.Cert.Raw, 1), doc, []Indication{TotalFailed}, HashFailure},
		{"an earlier unsigned attribute changed afterwards", flip(archiveV2(detached, false, false, -1), sigTS(detached), 1), doc, []Indication{TotalFailed}, HashFailure},
		{"BER re-encoded as DER afterwards", reencoded(archiveV2(enveloping, true, false, -1)), nil, []Indication{TotalFailed}, HashFailure},
		{"the first of two changed: the second fails too", flip(twice, sigTS(detached), 1), doc, []Indication{TotalFailed, TotalFailed}, HashFailure},
		{"detached content not given", archiveV2(detached, false, false, -1), nil, []Indication{Indeterminate}, SignedDataNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var content *bytes.Reader
			if tc.content != nil {
				content = bytes.NewReader(tc.content)
			}
			var r *Report
			var err error
			if content != nil {
				r, err = New(opts(t)).VerifyCAdES(context.Background(), tc.sig, content, "doc")
			} else {
				r, err = New(opts(t)).VerifyCAdES(context.Background(), tc.sig, nil, "")
			}
			if err != nil {
				t.Fatal(err)
			}
			s := r.Signatures[0]
			var got []Indication
			for _, ts := range s.Timestamps {
				if ts.Type == "archive-v2" {
					got = append(got, ts.Indication)
					if ts.Indication != TotalPassed && ts.SubInd != tc.sub {
						t.Errorf("archive-v2 %s/%s, want %s: %v", ts.Indication, ts.SubInd, tc.sub, ts.Errors)
					}
				}
			}
			if len(got) != len(tc.want) || strings.Join(indications(got), ",") != strings.Join(indications(tc.want), ",") {
				t.Fatalf("archive-v2 timestamps %v, want %v (%+v)", got, tc.want, s.Timestamps)
			}
			// The signature itself stands or falls on its own: a
			// failed archive timestamp is ignored, never a pass by
			// itself.
			wantSig := TotalPassed
			if tc.content == nil && tc.want[0] == Indeterminate {
				wantSig = Indeterminate
			}
			if r.Indication != wantSig {
				t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, s.Errors)
			}
		})
	}
	// A changed content byte is never a pass.
	sig := archiveV2(detached, false, false, -1)
	r, err := New(opts(t)).VerifyCAdES(context.Background(), sig, bytes.NewReader(append([]byte("x"), doc[1:]...)), "doc")
	if err != nil || r.Indication != TotalFailed || r.SubIndication != HashFailure {
		t.Fatalf("changed content: %v %+v", err, r)
	}
	env := archiveV2(enveloping, true, false, -1)
	r, err = New(opts(t)).VerifyCAdES(context.Background(), flip(env, doc[:64], 1), nil, "")
	if err != nil || r.Indication != TotalFailed {
		t.Fatalf("changed enveloped content: %v %+v", err, r)
	}
}

func indications(list []Indication) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Work is bounded: each archive-time-stamp-v2 hashes the unsigned
// attributes again, so at most MaxArchiveTimestampsV2 are checked per
// signer; the others are reported failed, never a proof of existence.
func TestArchiveTimestampV2Limit(t *testing.T) {
	p := testpki.MustLoad(t)
	sd, err := cms.Parse(signDoc(t, p.Doctor, sign.CAdESOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := stamper(t, p.TSA, timeZero).TimestampData(context.Background(), []byte("not the archive input"))
	if err != nil {
		t.Fatal(err)
	}
	// A large attribute every token would hash.
	sd.SignerInfos[0].AddUnsignedAttr(cms.OIDCompleteRevRefs, append([]byte{0x04, 0x83, 0x10, 0x00, 0x00}, make([]byte, 1<<20)...))
	n := MaxArchiveTimestampsV2 + 8
	for range n {
		sd.SignerInfos[0].AddUnsignedAttr(cms.OIDArchiveTimeStampV2, tok.Raw)
	}
	sig, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(opts(t)).VerifyCAdES(context.Background(), sig, bytes.NewReader(doc), "doc")
	if err != nil {
		t.Fatal(err)
	}
	hash, limit := 0, 0
	for _, ts := range r.Signatures[0].Timestamps {
		if ts.Type != "archive-v2" || ts.Indication == TotalPassed {
			t.Fatalf("timestamp %+v", ts)
		}
		if strings.Contains(strings.Join(ts.Errors, " "), "not checked") {
			limit++
		} else {
			hash++
		}
	}
	if hash != MaxArchiveTimestampsV2 || limit != n-MaxArchiveTimestampsV2 {
		t.Fatalf("%d checked, %d over the limit", hash, limit)
	}
	if r.Signatures[0].Level != "CAdES-BASELINE-B" {
		t.Fatalf("level %s", r.Signatures[0].Level)
	}
}
