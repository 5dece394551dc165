package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/cms/cmstest"
	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/tsa"
)

// Attacks on the CMS side of CAdES verification: cost of hostile
// structures (issue 11 items 1, 2, 4) and signed-attribute rules (issue 10
// classes 10a, 10c, 10d). Each test builds the attack from the test PKI.

// verifyCAdESBytes verifies sig with a fresh Verifier and the test options.
func verifyCAdESBytes(t testing.TB, sig []byte, content []byte) *Report {
	t.Helper()
	var r *Report
	var err error
	if content != nil {
		r, err = New(opts(t)).VerifyCAdES(context.Background(), sig, bytes.NewReader(content), "letter.txt")
	} else {
		r, err = New(opts(t)).VerifyCAdES(context.Background(), sig, nil, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Issue 11 item 1: nested counter-signatures cost time and memory linear in
// the input (no key needed to build them).
func TestNestedCounterSignaturesCost(t *testing.T) {
	v := New(opts(t))
	cmstest.AssertLinear(t, "nested counter-signatures", func(scale int) []byte {
		return cmstest.SignedDataWith([]byte("x"), nil, nil, cmstest.NestedCounterSignatures(1000*scale))
	}, func(in []byte) {
		if _, err := v.VerifyCAdES(context.Background(), in, nil, ""); err != nil {
			t.Fatal(err)
		}
	})
}

// Counter-signatures deeper than MaxCounterSignatureDepth, or more than
// MaxCounterSignatures under one signer, are not validated: one
// TOTAL_FAILED/FORMAT_FAILURE entry says so.
func TestCounterSignatureLimits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		si      []byte
		entries int
		text    string
		lastID  string
	}{
		{"nested 40 deep", cmstest.NestedCounterSignatures(40), 1 + MaxCounterSignatureDepth + 1, "nested deeper than 16 levels", "S1" + strings.Repeat("/counter1", MaxCounterSignatureDepth+1)},
		{"nested exactly 16 deep", cmstest.NestedCounterSignatures(MaxCounterSignatureDepth), 1 + MaxCounterSignatureDepth, "", ""},
		{"200 side by side", cmstest.WideCounterSignatures(200), 1 + MaxCounterSignatures + 1, "more than 64 counter-signatures", fmt.Sprintf("S1/counter%d", MaxCounterSignatures+1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verifyCAdESBytes(t, cmstest.SignedDataWith([]byte("x"), nil, nil, tc.si), nil)
			if len(r.Signatures) != tc.entries {
				t.Fatalf("%d report entries, want %d", len(r.Signatures), tc.entries)
			}
			if tc.text == "" {
				for _, s := range r.Signatures {
					if strings.Contains(strings.Join(s.Errors, " "), "not validated") {
						t.Fatalf("%s: %v", s.ID, s.Errors)
					}
				}
				return
			}
			last := r.Signatures[len(r.Signatures)-1]
			if last.ID != tc.lastID || last.Indication != TotalFailed || last.SubIndication != FormatFailure || !strings.Contains(strings.Join(last.Errors, " "), tc.text) {
				t.Fatalf("last entry %s %s/%s %v", last.ID, last.Indication, last.SubIndication, last.Errors)
			}
			if r.Indication != TotalFailed {
				t.Fatalf("report %s/%s", r.Indication, r.SubIndication)
			}
		})
	}
}

// cmsCounterSign returns sig with a counter-signature by cred added to its
// first signer, whose message-digest is the hash of over (nil: the
// parent's signature value, as it must be).
func cmsCounterSign(t testing.TB, sig []byte, cred *testpki.Credential, over []byte) []byte {
	t.Helper()
	sd, err := cms.Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	if over == nil {
		over = sd.SignerInfos[0].Signature
	}
	sum := sha256.Sum256(over)
	md, _ := cms.NewAttribute(cms.OIDMessageDigest, sum[:])
	sc, _ := cms.SigningCertificateV2Attr(cred.Cert, crypto.SHA256)
	st, _ := cms.SigningTimeAttr(time.Now())
	csi, err := cms.NewSignerInfo(cred.Key, cred.Cert, []cms.Attribute{md, sc, st}, cms.SignOptions{Hash: crypto.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := csi.Marshal()
	sd.SignerInfos[0].AddUnsignedAttr(cms.OIDCounterSignature, enc)
	sd.AddCertificates(cred.Cert.Raw)
	out, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Issue 10 class 10a (CAdES): a counter-signature covers exactly its
// parent's signature value. One over any other value — the parent's
// signed attributes, the content, a value planted elsewhere — fails.
func TestCounterSignatureMustCoverParentSignature(t *testing.T) {
	p := testpki.MustLoad(t)
	base := signDoc(t, p.Doctor, sign.CAdESOptions{})
	sd, _ := cms.Parse(base)
	for _, tc := range []struct {
		name string
		over []byte
		ind  Indication
		sub  SubIndication
	}{
		{"the parent's signature value", nil, TotalPassed, None},
		{"the parent's signed attributes", sd.SignerInfos[0].SignedAttrsForSignature(), TotalFailed, HashFailure},
		{"the content", doc, TotalFailed, HashFailure},
		{"a planted value", []byte("a signature value planted by the attacker"), TotalFailed, HashFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := verifyCAdESBytes(t, cmsCounterSign(t, base, p.Pharmacist, tc.over), doc)
			if len(r.Signatures) != 2 {
				t.Fatalf("%d signatures", len(r.Signatures))
			}
			cs := r.Signatures[1]
			if cs.ID != "S1/counter1" || cs.Indication != tc.ind || cs.SubIndication != tc.sub {
				t.Fatalf("%s: %s/%s errors %v", cs.ID, cs.Indication, cs.SubIndication, cs.Errors)
			}
			if len(cs.Covers) != 1 || cs.Covers[0] != "the signature value of S1" {
				t.Fatalf("covers %v", cs.Covers)
			}
			if r.Indication != tc.ind || r.SubIndication != tc.sub {
				t.Fatalf("report %s/%s", r.Indication, r.SubIndication)
			}
			if tc.ind != TotalPassed && !strings.Contains(strings.Join(cs.Errors, " "), "does not match the signed message digest") {
				t.Fatalf("errors %v", cs.Errors)
			}
		})
	}
}

// resignCAdESAttrs returns a signature by cred over doc whose signed attributes were
// changed by mutate and signed again with cred's key, so that only the
// rule under test can fail.
func resignCAdESAttrs(t testing.TB, cred *testpki.Credential, mutate func(si *cms.SignerInfo, attrs []cms.Attribute) []cms.Attribute) []byte {
	t.Helper()
	sd, err := cms.Parse(signDoc(t, cred, sign.CAdESOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	si := &sd.SignerInfos[0]
	attrs := mutate(si, append([]cms.Attribute{}, si.SignedAttrs...))
	if err := si.SetSignedAttrs(attrs); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(si.SignedAttrsForSignature())
	if si.Signature, err = cred.Key.Sign(rand.Reader, sum[:], crypto.SHA256); err != nil {
		t.Fatal(err)
	}
	out, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// algorithmProtection encodes a cmsAlgorithmProtection attribute (RFC 6211,
// IMPLICIT tags).
func algorithmProtection(t testing.TB, digest, sig pkix.AlgorithmIdentifier, mac bool) cms.Attribute {
	t.Helper()
	type withSig struct {
		DigestAlgorithm    pkix.AlgorithmIdentifier
		SignatureAlgorithm pkix.AlgorithmIdentifier `asn1:"tag:1"`
	}
	type withMAC struct {
		DigestAlgorithm pkix.AlgorithmIdentifier
		MACAlgorithm    pkix.AlgorithmIdentifier `asn1:"tag:2"`
	}
	var v any = withSig{digest, sig}
	if mac {
		v = withMAC{digest, sig}
	}
	a, err := cms.NewAttribute(cms.OIDCMSAlgorithmProtection, v)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Issue 10 classes 10c and 10d: single-valued signed attributes appear
// once with one value, and cmsAlgorithmProtection names the SignerInfo's
// algorithms. Every case is signed again with the doctor's key, so the
// signature value verifies and only the rule under test can fail.
func TestSignedAttributeRules(t *testing.T) {
	p := testpki.MustLoad(t)
	sha256Alg := pkix.AlgorithmIdentifier{Algorithm: cms.OIDSHA256}
	sha256Null := pkix.AlgorithmIdentifier{Algorithm: cms.OIDSHA256, Parameters: asn1.NullRawValue}
	rsaNull := pkix.AlgorithmIdentifier{Algorithm: cms.OIDSHA256WithRSA, Parameters: asn1.NullRawValue}
	rsaAbsent := pkix.AlgorithmIdentifier{Algorithm: cms.OIDSHA256WithRSA}
	for _, tc := range []struct {
		name   string
		mutate func(si *cms.SignerInfo, attrs []cms.Attribute) []cms.Attribute
		ind    Indication
		sub    SubIndication
		text   string
	}{
		{"unchanged, signed again", func(_ *cms.SignerInfo, a []cms.Attribute) []cms.Attribute { return a }, TotalPassed, None, ""},
		{"two signing-times", func(_ *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			st, _ := cms.SigningTimeAttr(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
			return append(a, st)
		}, TotalFailed, FormatFailure, "signing-time (1.2.840.113549.1.9.5) appears 2 times"},
		{"signing-time with two values", func(_ *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			st, _ := cms.SigningTimeAttr(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
			for i := range a {
				if a[i].Type.Equal(cms.OIDSigningTime) {
					a[i].Values = append(append([]asn1.RawValue{}, a[i].Values...), st.Values[0])
				}
			}
			return a
		}, TotalFailed, FormatFailure, "signing-time (1.2.840.113549.1.9.5) has 2 values"},
		{"two signing-certificate-v2", func(_ *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			sc, _ := cms.SigningCertificateV2Attr(p.Director.Cert, crypto.SHA256)
			return append(a, sc)
		}, TotalFailed, FormatFailure, "signing-certificate-v2"},
		{"two message-digests", func(_ *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			md, _ := cms.NewAttribute(cms.OIDMessageDigest, make([]byte, 32))
			return append(a, md)
		}, TotalFailed, FormatFailure, "message-digest"},
		{"two content-types", func(_ *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			ct, _ := cms.NewAttribute(cms.OIDContentType, cms.OIDSignedData)
			return append(a, ct)
		}, TotalFailed, FormatFailure, "content-type"},
		{"two signature policies", func(_ *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			p1, _ := cms.SignaturePolicyAttr(asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 9, 1}, crypto.SHA256, make([]byte, 32))
			p2, _ := cms.SignaturePolicyAttr(asn1.ObjectIdentifier{1, 2, 392, 100495, 1, 9, 2}, crypto.SHA256, make([]byte, 32))
			return append(a, p1, p2)
		}, TotalFailed, FormatFailure, "signature-policy-identifier"},
		{"attribute without value", func(_ *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			return append(a, cms.Attribute{Type: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 99, 2}})
		}, TotalFailed, FormatFailure, "has no value"},
		{"cmsAlgorithmProtection matching", func(si *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			return append(a, algorithmProtection(t, si.DigestAlgorithm, si.SignatureAlgorithm, false))
		}, TotalPassed, None, ""},
		{"cmsAlgorithmProtection with NULL where the SignerInfo has none, and the reverse", func(si *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			if len(si.DigestAlgorithm.Parameters.FullBytes) != 0 || !bytes.Equal(si.SignatureAlgorithm.Parameters.FullBytes, []byte{5, 0}) {
				t.Fatalf("test assumes SHA-256 without parameters and RSA with NULL: %+v %+v", si.DigestAlgorithm, si.SignatureAlgorithm)
			}
			return append(a, algorithmProtection(t, sha256Null, rsaAbsent, false))
		}, TotalPassed, None, ""},
		{"cmsAlgorithmProtection naming SHA-512", func(si *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			return append(a, algorithmProtection(t, pkix.AlgorithmIdentifier{Algorithm: cms.OIDSHA512}, rsaNull, false))
		}, TotalFailed, FormatFailure, "cmsAlgorithmProtection digest algorithm 2.16.840.1.101.3.4.2.3 differs"},
		{"cmsAlgorithmProtection naming RSASSA-PSS", func(si *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			pss, _ := cms.SignatureAlgorithm(p.Doctor.Cert.PublicKey, crypto.SHA256, true)
			return append(a, algorithmProtection(t, sha256Alg, pss, false))
		}, TotalFailed, FormatFailure, "cmsAlgorithmProtection signature algorithm 1.2.840.113549.1.1.10 differs"},
		{"cmsAlgorithmProtection with other parameters", func(si *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			odd := pkix.AlgorithmIdentifier{Algorithm: cms.OIDSHA256WithRSA, Parameters: asn1.RawValue{FullBytes: []byte{0x02, 0x01, 0x07}}}
			return append(a, algorithmProtection(t, sha256Alg, odd, false))
		}, TotalFailed, FormatFailure, "signature algorithm"},
		{"cmsAlgorithmProtection with a MAC algorithm", func(si *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			return append(a, algorithmProtection(t, sha256Alg, pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}}, true))
		}, TotalFailed, FormatFailure, "MAC algorithm"},
		{"two cmsAlgorithmProtection", func(si *cms.SignerInfo, a []cms.Attribute) []cms.Attribute {
			ap := algorithmProtection(t, si.DigestAlgorithm, si.SignatureAlgorithm, false)
			ap2 := algorithmProtection(t, sha256Null, si.SignatureAlgorithm, false)
			return append(a, ap, ap2)
		}, TotalFailed, FormatFailure, "cmsAlgorithmProtection (1.2.840.113549.1.9.52) appears 2 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sig := resignCAdESAttrs(t, p.Doctor, tc.mutate)
			r := verifyCAdESBytes(t, sig, doc)
			s := r.Signatures[0]
			if r.Indication != tc.ind || r.SubIndication != tc.sub {
				t.Fatalf("%s/%s, want %s/%s; errors %v", r.Indication, r.SubIndication, tc.ind, tc.sub, s.Errors)
			}
			if tc.text != "" && !strings.Contains(strings.Join(s.Errors, " "), tc.text) {
				t.Fatalf("errors %v, want %q", s.Errors, tc.text)
			}
			if tc.ind != TotalPassed {
				var b strings.Builder
				if err := r.WriteText(&b, "en"); err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(b.String(), tc.text) {
					t.Fatalf("text report lacks %q:\n%s", tc.text, b.String())
				}
			}
		})
	}
}

// OpenSSL 3 adds cmsAlgorithmProtection to every signature it makes: such
// signatures (PKCS#1 v1.5, RSASSA-PSS, ECDSA) still verify.
func TestOpenSSLAlgorithmProtection(t *testing.T) {
	openssl := peer.Require(t, "openssl", "apt-get install openssl")
	dir := t.TempDir()
	in := filepath.Join(dir, "doc")
	if err := os.WriteFile(in, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		who  string
		args []string
	}{
		{"RSA PKCS#1 v1.5", "doctor", nil},
		{"RSASSA-PSS", "doctor", []string{"-keyopt", "rsa_padding_mode:pss"}},
		{"ECDSA", "doctor-ec", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.who+".p7s")
			args := append([]string{"cms", "-sign", "-binary", "-md", "sha256", "-in", in, "-signer", testpki.Path(tc.who + ".pem"),
				"-inkey", testpki.Path(tc.who + ".key"), "-certfile", testpki.Path("chain-sign.pem"), "-outform", "DER", "-out", out}, tc.args...)
			if o, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
				t.Fatalf("openssl %v: %v\n%s", args, err, o)
			}
			sig, _ := os.ReadFile(out)
			sd, err := cms.Parse(sig)
			if err != nil {
				t.Fatal(err)
			}
			if sd.SignerInfos[0].SignedAttr(cms.OIDCMSAlgorithmProtection) == nil {
				t.Skip("this OpenSSL does not add cmsAlgorithmProtection")
			}
			r := verifyCAdESBytes(t, sig, doc)
			if r.Indication != TotalPassed {
				t.Fatalf("%s/%s errors %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
			}
		})
	}
}

// cmsHashIndexAttack builds the ats-hash-index-v3 attack at scale: a doctor's
// signature with 2000·scale filler unsigned attributes and an unverified
// archive timestamp whose index lists as many entries.
func cmsHashIndexAttack(t testing.TB, repeat bool) func(scale int) []byte {
	p := testpki.MustLoad(t)
	base := signDoc(t, p.Doctor, sign.CAdESOptions{Packaging: sign.Enveloping})
	srv := &tsa.Server{Signer: p.TSA.Key, Cert: p.TSA.Cert, Now: time.Now}
	tok, err := tokenFor(srv, []byte("not the archive input"))
	if err != nil {
		t.Fatal(err)
	}
	return func(scale int) []byte {
		sig, err := cmstest.HashIndexAttack(base, tok.Raw, 2000*scale, repeat)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
}

// Issue 11 item 2: an ats-hash-index-v3 of M entries over N elements costs
// O(M + N), before the archive timestamp's signature is even looked at.
func TestHashIndexAttackCost(t *testing.T) {
	for _, repeat := range []bool{true, false} {
		name := map[bool]string{true: "index repeating one hash", false: "index listing every element"}[repeat]
		t.Run(name, func(t *testing.T) {
			build := cmsHashIndexAttack(t, repeat)
			v := New(opts(t))
			cmstest.AssertLinear(t, name, build, func(in []byte) {
				if _, err := v.VerifyCAdES(context.Background(), in, nil, ""); err != nil {
					t.Fatal(err)
				}
			})
			r := verifyCAdESBytes(t, build(1), nil)
			s := r.Signatures[0]
			if len(s.Timestamps) != 1 || s.Timestamps[0].Type != "archive" || s.Timestamps[0].Indication != TotalFailed || s.Timestamps[0].SubInd != HashFailure {
				t.Fatalf("timestamps %+v", s.Timestamps)
			}
			want := "removed or changed" // the repeated hash names one element only
			if !repeat {
				want = "imprint mismatch" // a valid index, but the token covers other data
			}
			if got := strings.Join(s.Timestamps[0].Errors, " "); !strings.Contains(got, want) {
				t.Fatalf("archive timestamp errors %q, want %q", got, want)
			}
			if r.Indication != TotalPassed || s.Level != "CAdES-BASELINE-B" {
				t.Fatalf("%s/%s level %s", r.Indication, r.SubIndication, s.Level)
			}
		})
	}
}

// withJunkCRL returns the doctor's enveloping signature with a junk CRL of
// about size bytes in the name of issuerName added to its CRL set.
func withJunkCRL(t testing.TB, base, issuerName []byte, size int) []byte {
	t.Helper()
	sd, err := cms.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	sd.AddCRL(cmstest.JunkCRL(issuerName, size))
	out, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Issue 11 item 4 (CMS side): a big junk CRL in a signature costs memory
// linear in its size, within 16·N + 64 MB, whether it names the signer's CA
// or another; and the Verifier's cache does not keep it.
func TestJunkCRLMemory(t *testing.T) {
	p := testpki.MustLoad(t)
	base := signDoc(t, p.Doctor, sign.CAdESOptions{Packaging: sign.Enveloping})
	for name, issuer := range map[string][]byte{"in the signing CA's name": p.SignCA.Cert.RawSubject, "in another CA's name": p.AuthCA.Cert.RawSubject} {
		t.Run(name, func(t *testing.T) {
			v := New(opts(t))
			cmstest.AssertLinear(t, "junk CRL "+name, func(scale int) []byte {
				return withJunkCRL(t, base, issuer, scale<<20)
			}, func(in []byte) {
				r, err := v.VerifyCAdES(context.Background(), in, nil, "")
				if err != nil {
					t.Fatal(err)
				}
				if r.Indication != TotalPassed {
					t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
				}
			})
			// What stays behind: nothing of the size of the CRL.
			v = New(opts(t))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			sig := withJunkCRL(t, base, issuer, 16<<20)
			r, err := v.VerifyCAdES(context.Background(), sig, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			if name == "in the signing CA's name" && !strings.Contains(strings.Join(r.Signatures[0].Warnings, " "), "signature does not verify") {
				t.Fatalf("warnings %v", r.Signatures[0].Warnings)
			}
			sig, r = nil, nil
			runtime.GC()
			runtime.ReadMemStats(&after)
			retained := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			t.Logf("retained after verifying a 16 MB junk CRL: %d KB heap, cache estimate %d KB", retained>>10, v.cachedBytes()>>10)
			if retained > 4<<20 || v.cachedBytes() > 1<<20 {
				t.Fatalf("the Verifier keeps %d bytes (cache estimate %d) after a 16 MB junk CRL", retained, v.cachedBytes())
			}
			runtime.KeepAlive(v)
		})
	}
}

// The caches are bounded in bytes: a CRL whose parsed form would exceed a
// quarter of Options.CacheBytes is checked but not kept, and the estimate
// never exceeds the budget.
func TestVerifierCacheBytesBounded(t *testing.T) {
	p := testpki.MustLoad(t)
	this, next := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2045, 12, 31, 0, 0, 0, 0, time.UTC)
	var entries []x509.RevocationListEntry
	for i := 0; i < 20000; i++ {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: big.NewInt(int64(5000000 + i)), RevocationTime: this, ReasonCode: 1})
	}
	bigCRL, err := testpki.MakeCRL(p.SignCA, entries, this, next, 7)
	if err != nil {
		t.Fatal(err)
	}
	sig := signDoc(t, p.Doctor, sign.CAdESOptions{Packaging: sign.Enveloping})
	for _, tc := range []struct {
		name   string
		budget int64
		kept   bool
	}{
		{"default budget keeps the CRL", 0, true},
		{"small budget does not", 2 << 20, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := opts(t)
			o.CRLs, o.CacheBytes = [][]byte{bigCRL}, tc.budget
			v := New(o)
			for i := 0; i < 3; i++ {
				r, err := v.VerifyCAdES(context.Background(), sig, nil, "")
				if err != nil || r.Indication != TotalPassed {
					t.Fatalf("%v %+v", err, r)
				}
			}
			budget := tc.budget
			if budget == 0 {
				budget = DefaultCacheBytes
			}
			got := v.cachedBytes()
			t.Logf("%d byte CRL, budget %d: cache estimate %d", len(bigCRL), budget, got)
			if got > budget || (got >= 8*int64(len(bigCRL))) != tc.kept {
				t.Fatalf("cache estimate %d with budget %d (CRL %d bytes)", got, budget, len(bigCRL))
			}
		})
	}
}

// A CRL of another CA is skipped on its issuer name before it is hashed:
// asking about it again and again (once per certificate of every
// timestamp's path) costs the same whatever its size.
func TestOtherIssuerCRLCostsNoHashing(t *testing.T) {
	p := testpki.MustLoad(t)
	v := New(opts(t))
	costOf := func(size int) cmstest.Cost {
		junk := cmstest.JunkCRL(p.AuthCA.Cert.RawSubject, size)
		return cmstest.Measure(3, func() {
			for i := 0; i < 200; i++ {
				if _, err := v.checkedCRL(revData{raw: junk}, p.SignCA.Cert); !errors.Is(err, revocation.ErrOtherIssuer) {
					t.Fatal(err)
				}
			}
		})
	}
	small, large := costOf(64<<10), costOf(16<<20)
	t.Logf("200 look-ups: 64 KB CRL %v, 16 MB CRL %v", small.Time, large.Time)
	if large.Time > 8*max(small.Time, cmstest.TimeFloor) {
		t.Fatalf("200 look-ups of another CA's CRL: %v at 16 MB, %v at 64 KB: the size matters", large.Time, small.Time)
	}
}

// Junk CRLs in the signer CA's own name, repeated or distinct, are hashed
// and checked once each however many certificates and timestamps ask about
// them: the cost of a signature grows with its size only.
func TestSameIssuerJunkCRLsCost(t *testing.T) {
	p := testpki.MustLoad(t)
	sig := signDoc(t, p.Doctor, sign.CAdESOptions{Level: sign.LevelT, TSA: stamper(t, p.TSA, time.Time{})})
	t.Run("repeated copies are listed once", func(t *testing.T) {
		junk := cmstest.JunkCRL(p.SignCA.Cert.RawSubject, 64<<10)
		m := New(opts(t)).newMaterial()
		m.addEmbedded(nil, hashed([][]byte{junk, junk, junk}), nil)
		m.clone().addEmbedded(nil, hashed([][]byte{junk}), nil)
		n := 0
		for _, d := range m.crls {
			if d.origin == "embedded" {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d embedded entries for one CRL given three times", n)
		}
	})
	for _, distinct := range []bool{false, true} {
		name := "repeated"
		if distinct {
			name = "distinct"
		}
		cmstest.AssertLinear(t, name+" same-issuer junk CRLs", func(scale int) []byte {
			sd, err := cms.Parse(sig)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 4*scale; i++ {
				size := 64 << 10
				if distinct {
					size += 64 * i // another entry count: other bytes
				}
				// Appended as they are: a hostile signature need not
				// deduplicate its CRL set.
				sd.CRLs = append(sd.CRLs, cmstest.JunkCRL(p.SignCA.Cert.RawSubject, size))
			}
			out, err := sd.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			return out
		}, func(in []byte) {
			r, err := New(opts(t)).VerifyCAdES(context.Background(), in, bytes.NewReader(doc), "")
			if err != nil || r.Indication != TotalPassed {
				t.Fatalf("%v %v", err, r)
			}
		})
	}
}

// archiveCopies returns a signature with one archive timestamp (a small
// valid index, a token over other data) repeated copies times, then
// fillers more filler unsigned attributes.
func archiveCopies(t testing.TB, copies, fillers int) []byte {
	t.Helper()
	p := testpki.MustLoad(t)
	base := signDoc(t, p.Doctor, sign.CAdESOptions{Packaging: sign.Enveloping})
	srv := &tsa.Server{Signer: p.TSA.Key, Cert: p.TSA.Cert, Now: time.Now}
	tok, err := tokenFor(srv, []byte("not the archive input"))
	if err != nil {
		t.Fatal(err)
	}
	sig, err := cmstest.HashIndexAttack(base, tok.Raw, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Parse(sig)
	if err != nil {
		t.Fatal(err)
	}
	si := &sd.SignerInfos[0]
	ats := si.UnsignedAttrs[len(si.UnsignedAttrs)-1]
	for i := 1; i < copies; i++ {
		si.UnsignedAttrs = append(si.UnsignedAttrs, ats)
	}
	for i := 0; i < fillers; i++ {
		si.AddUnsignedAttr(cmstest.OIDFiller, []byte{0x04, 0x04, byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
	}
	out, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Copies of an archive timestamp cost time linear in the input: beyond
// MaxArchiveTimestamps they are not prepared at all, and the ones checked
// do not each hash every unsigned attribute again (256 archive timestamps
// over many attributes: O(K + N), not O(K·N)).
func TestArchiveTimestampCopiesCost(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(scale int) []byte
	}{
		{"copies beyond the limit", func(scale int) []byte { return archiveCopies(t, MaxArchiveTimestamps+300*scale, 0) }},
		// K archive timestamps over N attributes, both growing: O(K·N)
		// would grow 16 times faster than the input.
		{"many archive timestamps over many attributes", func(scale int) []byte {
			return archiveCopies(t, MaxArchiveTimestamps/16*scale, 3000*scale)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := New(opts(t))
			cmstest.AssertLinear(t, tc.name, tc.build, func(in []byte) {
				if _, err := v.VerifyCAdES(context.Background(), in, nil, ""); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
	r := verifyCAdESBytes(t, archiveCopies(t, MaxArchiveTimestamps+2, 0), nil)
	s := r.Signatures[0]
	if n := len(s.Timestamps); n != MaxArchiveTimestamps+2 {
		t.Fatalf("%d timestamps reported", n)
	}
	last := s.Timestamps[len(s.Timestamps)-1]
	if last.Indication != TotalFailed || !strings.Contains(strings.Join(last.Errors, " "), "not checked") {
		t.Fatalf("a copy beyond the limit: %+v", last)
	}
}
