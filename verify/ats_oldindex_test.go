package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

// oldATSHashIndex builds the older ats-hash-index (0.4.0.1733.2.5) of si
// as ETSI TS 101 733 v2.x producers did: SHA-256 (algorithm omitted), the
// certificates, the CRLs, and each unsigned attribute hashed whole (its
// DER Attribute). perValue hashes the attributes per value instead, as
// ats-hash-index-v3 does (a mislabelled index).
func oldATSHashIndex(t *testing.T, sd *cms.SignedData, si *cms.SignerInfo, perValue bool) []byte {
	t.Helper()
	sum := func(parts ...[]byte) []byte {
		d := sha256.New()
		for _, p := range parts {
			d.Write(p)
		}
		return d.Sum(nil)
	}
	var attrs [][]byte
	for _, a := range si.UnsignedAttrs {
		typ, _ := asn1.Marshal(a.Type)
		if perValue {
			for _, v := range a.Values {
				attrs = append(attrs, sum(typ, v.FullBytes))
			}
			continue
		}
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
			s.AddBytes(typ)
			s.AddASN1(cbasn1.SET, func(set *cryptobyte.Builder) {
				for _, v := range a.Values {
					set.AddBytes(v.FullBytes)
				}
			})
		})
		attrs = append(attrs, sum(b.BytesOrPanic()))
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
		for _, list := range [][][]byte{hashAll(sd.Certificates), hashAll(sd.CRLs), attrs} {
			s.AddASN1(cbasn1.SEQUENCE, func(l *cryptobyte.Builder) {
				for _, v := range list {
					l.AddASN1OctetString(v)
				}
			})
		}
	})
	return b.BytesOrPanic()
}

func hashAll(list [][]byte) [][]byte {
	var out [][]byte
	for _, c := range list {
		d := sha256.Sum256(c)
		out = append(out, d[:])
	}
	return out
}

// An archive-time-stamp-v3 whose token carries the older ats-hash-index
// (CAdES-A archives of the 2010s) is validated; a mislabelled index, or a
// covered element removed afterwards, still fails.
func TestArchiveTimestampWithOlderATSHashIndex(t *testing.T) {
	p := testpki.MustLoad(t)
	bt := signDoc(t, p.Doctor, sign.CAdESOptions{Level: sign.LevelT, TSA: stamper(t, p.TSA, timeZero)})
	build := func(perValue bool, mutate func(sd *cms.SignedData)) []byte {
		sd, err := cms.Parse(bt)
		if err != nil {
			t.Fatal(err)
		}
		sd.AddCertificates(p.TSA.Cert.Raw)
		sd.AddCRL(p.FreshCRL(t))
		si := &sd.SignerInfos[0]
		index := oldATSHashIndex(t, sd, si, perValue)
		contentHash := sha256.Sum256(doc)
		input, err := cms.ATSv3Input(sd, si, contentHash[:], index)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := stamper(t, p.TSA, timeZero).TimestampData(context.Background(), input)
		if err != nil || tok.HashAlgorithm != crypto.SHA256 {
			t.Fatal(err)
		}
		tokSD, err := cms.Parse(tok.Raw)
		if err != nil {
			t.Fatal(err)
		}
		tokSD.SignerInfos[0].AddUnsignedAttr(cms.OIDATSHashIndex, index)
		raw, err := tokSD.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		si.AddUnsignedAttr(cms.OIDArchiveTimeStampV3, raw)
		if mutate != nil {
			mutate(sd)
		}
		out, err := sd.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	archive := func(r *Report) *Timestamp {
		for i, ts := range r.Signatures[0].Timestamps {
			if ts.Type == "archive" {
				return &r.Signatures[0].Timestamps[i]
			}
		}
		return nil
	}
	verifyDoc := func(sig []byte) *Report {
		r, err := New(opts(t)).VerifyCAdES(context.Background(), sig, bytes.NewReader(doc), "doc")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := verifyDoc(build(false, nil))
	if a := archive(r); r.Indication != TotalPassed || a == nil || a.Indication != TotalPassed {
		t.Fatalf("older ats-hash-index: %s/%s, archive %+v", r.Indication, r.SubIndication, a)
	}
	for name, sig := range map[string][]byte{
		"attributes hashed per value under the old OID": build(true, nil),
		"a covered certificate removed": build(false, func(sd *cms.SignedData) {
			sd.Certificates = sd.Certificates[:len(sd.Certificates)-1]
		}),
	} {
		r := verifyDoc(sig)
		if a := archive(r); a == nil || a.Indication == TotalPassed {
			t.Errorf("%s: archive timestamp %+v", name, a)
		} else if !strings.Contains(strings.Join(a.Errors, " "), "ats-hash-index") && !strings.Contains(strings.Join(a.Errors, " "), "removed") {
			t.Errorf("%s: %v", name, a.Errors)
		}
	}
}
