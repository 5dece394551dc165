package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"github.com/hpki-jp/hpki/internal/cms/cmstest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/xmlsig"
)

// Cost of hostile XML (issue 11, items 3, 4 and 9): each test builds the
// worst case at 1x, 4x and 16x and asserts that time and allocated bytes
// grow linearly (16x input: < 64x, where quadratic would be 256x).

// ManifestBomb returns a document whose ds:Signature has r References to a
// ds:Manifest that holds r References to the whole document (enveloped),
// all digests correct, SignedInfo signed with key and the certificate
// cert in KeyInfo: r² canonicalizations of the document for a verifier
// that does not memoise. distinct gives each manifest reference its own
// InclusiveNamespaces prefix list, which memoisation cannot share.
func ManifestBomb(t testing.TB, r int, key crypto.Signer, cert *x509.Certificate, distinct bool) []byte {
	t.Helper()
	const ds = `xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`
	var body strings.Builder
	for i := 0; i < r; i++ {
		fmt.Fprintf(&body, "<item n=\"%d\">filler text of the signed document</item>", i)
	}
	bare := []byte(`<doc>` + body.String() + `</doc>`)
	d, err := xmlsig.Parse(bare)
	if err != nil {
		t.Fatal(err)
	}
	// The prefixes p0, p1… are declared nowhere, so the canonical form
	// (and its digest) is the same for all: one canonicalization here.
	var buf bytes.Buffer
	if err := xmlsig.ReferenceData(&buf, d, d.Root(), nil, true, xmlsig.AlgExcC14N, ""); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	digestDoc := func(string) string { return base64.StdEncoding.EncodeToString(sum[:]) }
	var man strings.Builder
	fmt.Fprintf(&man, `<ds:Manifest %s Id="m">`, ds)
	for i := 0; i < r; i++ {
		prefixes := ""
		if distinct {
			prefixes = fmt.Sprintf("p%d", i)
		}
		fmt.Fprintf(&man, `<ds:Reference URI=""><ds:Transforms><ds:Transform Algorithm="%s"/><ds:Transform Algorithm="%s"><ec:InclusiveNamespaces xmlns:ec="%s" PrefixList="%s"/></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="%s"/><ds:DigestValue>%s</ds:DigestValue></ds:Reference>`,
			xmlsig.AlgEnveloped, xmlsig.AlgExcC14N, xmlsig.AlgExcC14N, prefixes, xmlsig.AlgSHA256, digestDoc(prefixes))
	}
	man.WriteString(`</ds:Manifest>`)
	md, err := xmlsig.Parse([]byte(man.String()))
	if err != nil {
		t.Fatal(err)
	}
	mc, err := xmlsig.Canonicalize(md.Root(), xmlsig.AlgExcC14N, "")
	if err != nil {
		t.Fatal(err)
	}
	msum := sha256.Sum256(mc)
	var si strings.Builder
	fmt.Fprintf(&si, `<ds:SignedInfo %s><ds:CanonicalizationMethod Algorithm="%s"/><ds:SignatureMethod Algorithm="%s"/>`, ds, xmlsig.AlgExcC14N, xmlsig.AlgRSASHA256)
	for i := 0; i < r; i++ {
		fmt.Fprintf(&si, `<ds:Reference URI="#m" Type="http://www.w3.org/2000/09/xmldsig#Manifest"><ds:Transforms><ds:Transform Algorithm="%s"/></ds:Transforms><ds:DigestMethod Algorithm="%s"/><ds:DigestValue>%s</ds:DigestValue></ds:Reference>`,
			xmlsig.AlgExcC14N, xmlsig.AlgSHA256, base64.StdEncoding.EncodeToString(msum[:]))
	}
	si.WriteString(`</ds:SignedInfo>`)
	sd, err := xmlsig.Parse([]byte(si.String()))
	if err != nil {
		t.Fatal(err)
	}
	sc, err := xmlsig.Canonicalize(sd.Root(), xmlsig.AlgExcC14N, "")
	if err != nil {
		t.Fatal(err)
	}
	ssum := sha256.Sum256(sc)
	sv, err := key.Sign(rand.Reader, ssum[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(fmt.Sprintf(`<doc>%s<ds:Signature %s>%s<ds:SignatureValue>%s</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo><ds:Object>%s</ds:Object></ds:Signature></doc>`,
		body.String(), ds, si.String(), base64.StdEncoding.EncodeToString(sv), base64.StdEncoding.EncodeToString(cert.Raw), man.String()))
}

// TinyElements returns a document of about n bytes made of empty elements
// of width bytes each (at least 4): with width 4, the most tree per byte.
func TinyElements(n, width int) []byte {
	el := []byte("<a/>")
	if width > 4 {
		el = []byte(`<a b="` + strings.Repeat("x", max(width-9, 0)) + `"/>`)
	}
	var b bytes.Buffer
	b.WriteString("<r>")
	for b.Len() < n {
		b.Write(el)
	}
	b.WriteString("</r>")
	return b.Bytes()
}

// peakDuring returns the most heap in use while f runs, above what was in
// use before (sampled every millisecond).
func peakDuring(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak {
				peak = m.HeapInuse
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	<-sampled
	return peak - base
}

// assertLinear checks the cost at sizes 1x, 4x and 16x
// (cmstest.AssertLinearRuns).
func assertLinear(t *testing.T, name string, run func(scale int) func()) {
	t.Helper()
	cmstest.AssertLinearRuns(t, name, run)
}

func TestCostXAdESManifestBomb(t *testing.T) {
	p := testpki.MustLoad(t)
	self, err := testpki.IssueCert(testpki.SigningTemplate("SELF Signed", "自己署名", "X1", []string{"Medical Doctor"}, p.Doctor.Cert.NotBefore, p.Doctor.Cert.NotAfter), nil, p.Stranger.Key)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		key      crypto.Signer
		cert     *x509.Certificate
		distinct bool
		ind      Indication
		sub      SubIndication
	}{
		// An unknown self-signed key buys no reference digest at all.
		{"self-signed key", p.Stranger.Key, self.Cert, false, Indeterminate, NoCertificateChainFound},
		{"self-signed key, distinct transforms", p.Stranger.Key, self.Cert, true, Indeterminate, NoCertificateChainFound},
		// A trusted key: each distinct (subtree, transforms) once.
		{"trusted key", p.Doctor.Key, p.Doctor.Cert, false, TotalPassed, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := New(opts(t))
			assertLinear(t, tc.name, func(scale int) func() {
				doc := ManifestBomb(t, 60*scale, tc.key, tc.cert, tc.distinct)
				return func() {
					r, err := v.VerifyXAdES(context.Background(), doc, nil)
					if err != nil {
						t.Fatal(err)
					}
					if r.Indication != tc.ind || r.SubIndication != tc.sub {
						t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
					}
				}
			})
		})
	}
	// A trusted key with distinct transforms per reference cannot be
	// memoised: the canonicalization budget stops it (INDETERMINATE).
	doc := ManifestBomb(t, 2000, p.Doctor.Key, p.Doctor.Cert, true)
	r := verifyXML(t, doc, nil, nil)
	if r.Indication != Indeterminate || !strings.Contains(strings.Join(r.Signatures[0].Errors, " "), "canonicalized") {
		t.Fatalf("%s/%s %v", r.Indication, r.SubIndication, r.Signatures[0].Errors)
	}
}

// Item 4: the limits are enforced while scanning, so memory follows the
// document's size, and a document over the node budget is refused before
// any tree is built.
func TestCostXMLParse(t *testing.T) {
	assertLinear(t, "tiny elements", func(scale int) func() {
		doc := TinyElements(256<<10*scale, 40)
		return func() {
			if _, err := xmlsig.Parse(doc); err != nil {
				t.Fatal(err)
			}
		}
	})
	// Peak memory bound, 16·N + 64 MB, for the densest documents the
	// budget accepts (element widths around 2·7 bytes per element).
	for _, width := range []int{4, 16} {
		n := 0
		for n = 64 << 10; n < 4<<20; n *= 2 {
			if _, err := xmlsig.Parse(TinyElements(2*n, width)); err != nil {
				break
			}
		}
		doc := TinyElements(n, width)
		var err error
		peak := peakDuring(func() { _, err = xmlsig.Parse(doc) })
		t.Logf("width %d: largest accepted %d bytes, peak %d MB", width, len(doc), peak>>20)
		if err != nil {
			t.Fatalf("width %d: %v", width, err)
		}
		if limit := uint64(16*len(doc) + 64<<20); peak > limit {
			t.Errorf("width %d: parsing %d bytes took %d bytes at peak, more than 16·N + 64 MB", width, len(doc), peak)
		}
	}
	// Over the node budget: refused by the scan, with little allocated.
	big := TinyElements(40<<20, 4)
	var err error
	peak := peakDuring(func() { _, err = xmlsig.Parse(big) })
	if err == nil || !strings.Contains(err.Error(), "MaxNodes") {
		t.Fatalf("accepted: %v", err)
	}
	if peak > uint64(2*len(big)) {
		t.Errorf("refusing %d bytes took %d bytes at peak", len(big), peak)
	}
}

// Item 9: signing and verifying grows linearly with the number of elements
// (no limit near 1000 elements any more).
func TestCostXAdESLargeDocument(t *testing.T) {
	p := testpki.MustLoad(t)
	v := New(opts(t))
	assertLinear(t, "CDA-like document", func(scale int) func() {
		signed := signXML(t, p.Doctor, manyElements(1200*scale), sign.XAdESOptions{})
		return func() {
			r, err := v.VerifyXAdES(context.Background(), signed, nil)
			if err != nil || r.Indication != TotalPassed {
				t.Fatalf("%v %+v", err, r)
			}
		}
	})
}
