package verify

import (
	"bytes"
	"context"
	"encoding/asn1"
	"testing"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

// CAdES-C/X timestamps of the 2010s (ETSI TS 101 733): an escTimeStamp
// covers the signature value and the references, and is a proof of
// existence of the signature; a certCRLTimestamp covers the references
// only, is validated and listed, and proves nothing about the signature.
// A token wrapped in an extra OCTET STRING is read as written. Changing
// what a timestamp covers makes it fail.
func TestOlderCAdESTimestamps(t *testing.T) {
	p := testpki.MustLoad(t)
	refs := func(sd *cms.SignedData) {
		si := &sd.SignerInfos[0]
		// complete-certificate-references / -revocation-references:
		// their content is not interpreted here, only covered.
		si.AddUnsignedAttr(cms.OIDCompleteCertRefs, []byte{0x30, 0x03, 0x04, 0x01, 0x01})
		si.AddUnsignedAttr(cms.OIDCompleteRevRefs, []byte{0x30, 0x00})
	}
	stampAttr := func(sd *cms.SignedData, oid asn1.ObjectIdentifier, input []byte, wrap bool) {
		tok, err := stamper(t, p.TSA, timeZero).TimestampData(context.Background(), input)
		if err != nil {
			t.Fatal(err)
		}
		raw := tok.Raw
		if wrap {
			raw, _ = asn1.Marshal(raw)
		}
		sd.SignerInfos[0].AddUnsignedAttr(oid, raw)
	}
	build := func(level sign.Level, esc, certcrl, wrap bool, after func(sd *cms.SignedData)) []byte {
		o := sign.CAdESOptions{Level: level}
		if level == sign.LevelT {
			o.TSA = stamper(t, p.TSA, timeZero)
		}
		sd, err := cms.Parse(signDoc(t, p.Doctor, o))
		if err != nil {
			t.Fatal(err)
		}
		refs(sd)
		si := &sd.SignerInfos[0]
		if esc {
			in, err := cms.ESCTimeStampInput(si)
			if err != nil {
				t.Fatal(err)
			}
			stampAttr(sd, cms.OIDESCTimeStamp, in, wrap)
		}
		if certcrl {
			in, err := cms.CertCRLTimestampInput(si)
			if err != nil {
				t.Fatal(err)
			}
			stampAttr(sd, cms.OIDCertCRLTimestamp, in, wrap)
		}
		if after != nil {
			after(sd)
		}
		out, err := sd.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	changeRefs := func(sd *cms.SignedData) {
		for i, a := range sd.SignerInfos[0].UnsignedAttrs {
			if a.Type.Equal(cms.OIDCompleteRevRefs) {
				sd.SignerInfos[0].UnsignedAttrs[i].Values[0] = asn1.RawValue{FullBytes: []byte{0x30, 0x03, 0x04, 0x01, 0x02}}
			}
		}
	}
	type want struct {
		esc, certcrl Indication // "" when absent
		proven       bool       // a best signature time from a timestamp
	}
	tests := []struct {
		name string
		sig  []byte
		want want
	}{
		{"B with escTimeStamp: proof of existence", build(sign.LevelB, true, false, false, nil), want{TotalPassed, "", true}},
		{"B with certCRLTimestamp only: no proof of existence", build(sign.LevelB, false, true, false, nil), want{"", TotalPassed, false}},
		{"T with both", build(sign.LevelT, true, true, false, nil), want{TotalPassed, TotalPassed, true}},
		{"tokens wrapped in an OCTET STRING", build(sign.LevelB, true, true, true, nil), want{TotalPassed, TotalPassed, true}},
		{"references changed after the timestamps", build(sign.LevelB, true, true, false, changeRefs), want{TotalFailed, TotalFailed, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(opts(t)).VerifyCAdES(context.Background(), tc.sig, bytes.NewReader(doc), "doc")
			if err != nil {
				t.Fatal(err)
			}
			s := r.Signatures[0]
			got := want{}
			for _, ts := range s.Timestamps {
				switch ts.Type {
				case "esc":
					got.esc = ts.Indication
				case "certcrl":
					got.certcrl = ts.Indication
				}
			}
			got.proven = s.Level != "CAdES-BASELINE-B"
			if got != tc.want {
				t.Fatalf("got %+v, want %+v (level %s, %s/%s, timestamps %+v)", got, tc.want, s.Level, s.Indication, s.SubIndication, s.Timestamps)
			}
			if r.Indication != TotalPassed {
				t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, s.Errors)
			}
		})
	}
}
