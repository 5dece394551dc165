package extend

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/asn1"
	"io"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/testats"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// revocationValues encodes a CAdES-XL revocation-values attribute value
// (TS 101 733 §6.3.4): the CRLs, and the BasicOCSPResponse inside each
// OCSPResponse.
func revocationValues(t *testing.T, crls, ocsps [][]byte) []byte {
	t.Helper()
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
		if len(crls) > 0 {
			s.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(e *cryptobyte.Builder) {
				e.AddASN1(cbasn1.SEQUENCE, func(l *cryptobyte.Builder) {
					for _, c := range crls {
						l.AddBytes(c)
					}
				})
			})
		}
		if len(ocsps) > 0 {
			s.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(e *cryptobyte.Builder) {
				e.AddASN1(cbasn1.SEQUENCE, func(l *cryptobyte.Builder) {
					for _, o := range ocsps {
						var resp struct {
							Status asn1.Enumerated
							Bytes  struct {
								Type     asn1.ObjectIdentifier
								Response []byte
							} `asn1:"explicit,tag:0"`
						}
						if _, err := asn1.Unmarshal(o, &resp); err != nil {
							t.Fatal(err)
						}
						l.AddBytes(resp.Bytes.Response)
					}
				})
			})
		}
	})
	return b.BytesOrPanic()
}

// The timeline of a CAdES-A of the 2010s kind, every structure foreign:
// OpenSSL signs B-B in 2027, a signature timestamp follows; at t1 the
// validation data go into certificate-values and revocation-values and an
// archive-time-stamp-v2 covers everything (imprint by the independent
// builder, over the file's encodings); at t3 the first TSA's status goes
// into another revocation-values and a second archive-time-stamp-v2 (the
// v1.8.x reading) covers that. Validated offline in 2035, after the
// doctor's certificate expired (and was revoked after the signature
// timestamp) and after the first TSA expired: the archive timestamps are
// the proofs of existence that carry the signature timestamp, and the
// signature passes. Not renewed, or with a covered byte changed, it does
// not.
func TestTimelineArchiveTimestampV2(t *testing.T) {
	w := newWorld(t)
	x := testats.New(t)
	content := []byte("%PDF-1.7 a referral letter archived as CAdES-A with archive-time-stamp-v2")
	a := buildATSv2Archive(t, w, x, content, false)
	archived, renewed, revVals, certVals := a.archived, a.renewed, a.revVals, a.certs

	w.set(tLater)
	kinds := func(s verify.SignatureReport) string {
		var out []string
		for _, ts := range s.Timestamps {
			out = append(out, ts.Type+":"+ts.GenTime.Format("2006")+":"+string(ts.Indication))
		}
		return strings.Join(out, ",")
	}
	rep := w.verify(t, renewed, content, true)
	s := rep.Signatures[0]
	if rep.Indication != verify.TotalPassed || !s.BestSignatureTime.Equal(tSign) {
		t.Fatalf("renewed CAdES-A at %s: %s/%s best %s\nerrors %v\ntimestamps %+v", tLater.Format("2006"), rep.Indication, rep.SubIndication, s.BestSignatureTime, s.Errors, s.Timestamps)
	}
	if k := kinds(s); k != "signature:2027:TOTAL_PASSED,archive-v2:2027:TOTAL_PASSED,archive-v2:2030:TOTAL_PASSED" {
		t.Fatalf("timestamps %s", k)
	}
	if !strings.Contains(strings.Join(s.Warnings, " "), "2027-06-01") {
		t.Fatalf("the revocation after the signature timestamp is not reported: %v", s.Warnings)
	}
	flip := func(sig, inside []byte) []byte {
		i := bytes.Index(sig, inside)
		if i < 0 {
			t.Fatal("element not found")
		}
		out := bytes.Clone(sig)
		out[i+len(inside)-1] ^= 1
		return out
	}
	for name, sig := range map[string][]byte{
		"not renewed (the first TSA expired)":         archived,
		"revocation values changed after archiving":   flip(renewed, revVals),
		"a certificate value changed after archiving": flip(renewed, certVals[len(certVals)-1]),
	} {
		rep := w.verify(t, sig, content, true)
		if rep.Indication == verify.TotalPassed {
			t.Errorf("%s: passed (timestamps %s)", name, kinds(rep.Signatures[0]))
		}
		for _, ts := range rep.Signatures[0].Timestamps {
			if ts.Type == "archive-v2" && ts.Indication == verify.TotalPassed {
				t.Errorf("%s: archive-v2 of %s passed", name, ts.GenTime.Format("2006"))
			}
		}
	}
}

type atsv2Archive struct {
	archived, renewed []byte   // one archive-time-stamp-v2 (2027), two (2027, 2030)
	revVals           []byte   // the revocation-values value the first one covers
	certs             [][]byte // the certificates of the certificate-values it covers
}

// buildATSv2Archive builds the CAdES-A of TestTimelineArchiveTimestampV2:
// detached DER, or enveloping BER with indefinite lengths when ber.
func buildATSv2Archive(t *testing.T, w *world, x *testats.Tools, content []byte, ber bool) atsv2Archive {
	t.Helper()
	ctx := context.Background()
	imprintContent := content
	if ber {
		imprintContent = nil
	}
	w.set(tSign)
	sig := x.Sign(content, x.PEM(nil, w.doctor.Cert), x.PEM(w.doctor.Key), x.PEM(nil, w.signCA.Cert), ber)
	sd, err := cms.Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(sd.SignerInfos[0].Signature)
	tok, err := w.stamp1.Timestamp(ctx, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig = x.Add(sig, "1.2.840.113549.1.9.16.2.14", tok.Raw, -1)

	w.set(tExtend)
	lt, err := CAdES(ctx, sig, bytes.NewReader(content), Options{To: sign.LevelLT, Verify: w.options(false)})
	if err != nil {
		t.Fatalf("validation data: %v", err)
	}
	ltSD, err := cms.Parse(lt.Signature)
	if err != nil {
		t.Fatal(err)
	}
	crls, ocsps := ltSD.RevocationValues()
	var certs cryptobyte.Builder
	certs.AddASN1(cbasn1.SEQUENCE, func(l *cryptobyte.Builder) {
		for _, c := range ltSD.Certificates {
			l.AddBytes(c)
		}
	})
	revVals := revocationValues(t, crls, ocsps)
	sig = x.Add(sig, "1.2.840.113549.1.9.16.2.23", certs.BytesOrPanic(), -1)
	sig = x.Add(sig, "1.2.840.113549.1.9.16.2.24", revVals, -1)
	tok, err = w.stamp1.Timestamp(ctx, x.Imprint(sig, imprintContent, false))
	if err != nil {
		t.Fatal(err)
	}
	archived := x.Add(sig, "1.2.840.113549.1.9.16.2.48", tok.Raw, -1)

	w.set(tRenew)
	resp, err := w.routes.Get("http://crl.hpki-test.invalid/tsa.crl")
	if err != nil {
		t.Fatal(err)
	}
	tsaCRL, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	renewed := x.Add(archived, "1.2.840.113549.1.9.16.2.24", revocationValues(t, [][]byte{tsaCRL}, nil), -1)
	tok, err = w.stamp2.Timestamp(ctx, x.Imprint(renewed, imprintContent, true))
	if err != nil {
		t.Fatal(err)
	}
	renewed = x.Add(renewed, "1.2.840.113549.1.9.16.2.48", tok.Raw, -1)
	return atsv2Archive{archived: archived, renewed: renewed, revVals: revVals, certs: ltSD.Certificates}
}

// hpki extend renews a CAdES-A whose archive-time-stamp-v2 is what still
// proves the signature (the first TSA has expired): the new validation
// data go after it as certificate-values and revocation-values, so it
// keeps validating, and the new archive-time-stamp-v3 covers it. A BER
// archive, which writing re-encodes as DER, is refused with the reason
// rather than written broken.
func TestExtendKeepsArchiveTimestampV2(t *testing.T) {
	w := newWorld(t)
	x := testats.New(t)
	ctx := context.Background()
	content := []byte("%PDF-1.7 a CAdES-A with archive-time-stamp-v2, renewed by hpki")
	der := buildATSv2Archive(t, w, x, content, false)
	ber := buildATSv2Archive(t, w, x, content, true)
	renewAt := tTSA1End.AddDate(1, 0, 0)
	w.set(renewAt)
	ext, err := CAdES(ctx, der.renewed, bytes.NewReader(content), Options{To: sign.LevelLTA, TSA: w.stamp2, Verify: w.options(false)})
	if err != nil {
		t.Fatalf("renewing after the first TSA expired: %v", err)
	}
	w.set(tLater)
	rep := w.verify(t, ext.Signature, content, true)
	s := rep.Signatures[0]
	var kinds []string
	for _, ts := range s.Timestamps {
		kinds = append(kinds, ts.Type+":"+ts.GenTime.Format("2006")+":"+string(ts.Indication))
	}
	if rep.Indication != verify.TotalPassed || strings.Join(kinds, ",") != "signature:2027:TOTAL_PASSED,archive-v2:2027:TOTAL_PASSED,archive-v2:2030:TOTAL_PASSED,archive:2032:TOTAL_PASSED" {
		t.Fatalf("renewed by hpki, at %s: %s/%s %v\ntimestamps %v", tLater.Format("2006"), rep.Indication, rep.SubIndication, s.Errors, kinds)
	}
	w.set(renewAt)
	if _, err := CAdES(ctx, ber.renewed, bytes.NewReader(content), Options{To: sign.LevelLTA, TSA: w.stamp2, Verify: w.options(false)}); err == nil || !strings.Contains(err.Error(), "re-encoded it") {
		t.Fatalf("BER archive re-encoded: %v", err)
	}
}
