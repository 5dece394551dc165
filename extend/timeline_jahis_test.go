package extend

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
	"github.com/hpki-jp/hpki/xmlsig"
)

// A scanned-record archive in the JAHIS 電子保存 layout: a signed
// ds:Manifest lists the scanned files by relative path, the XML page
// canonicalized (C14N 1.0) and the image as is. Signed B-T in 2027,
// archived (LTA) and renewed three times — four archive timestamps — it
// validates offline in 2035, long after the signer's certificate expired,
// and the report lists the four archive timestamps. A changed page fails;
// a missing one is SIGNED_DATA_NOT_FOUND.
func TestTimelineScannedRecordManifest(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	page := "<?xml version=\"1.0\"?>\n<Page  n=\"1\"   xmlns=\"urn:example:scan\"><Text>scanned page</Text><Empty></Empty></Page>\n"
	image := "\xff\xd8\xff\xe0 JPEG image bytes"
	files := map[string]string{"scan/page001.xml": page, "scan/image001.jpg": image}
	// The manifest's digests, as the scanning system wrote them.
	pageDoc, err := xmlsig.Parse([]byte(page))
	if err != nil {
		t.Fatal(err)
	}
	var canon bytes.Buffer
	if err := xmlsig.ReferenceData(&canon, pageDoc, pageDoc.Root(), nil, true, xmlsig.AlgC14N10, ""); err != nil {
		t.Fatal(err)
	}
	b64 := func(data []byte) string { s := sha256.Sum256(data); return base64.StdEncoding.EncodeToString(s[:]) }
	record := `<?xml version="1.0" encoding="UTF-8"?>
<StorageRecord xmlns="urn:example:jahis:storage"><ds:Manifest xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="Manifest1">` +
		`<ds:Reference URI="scan/page001.xml"><ds:Transforms><ds:Transform Algorithm="` + xmlsig.AlgC14N10 + `"/></ds:Transforms>` +
		`<ds:DigestMethod Algorithm="` + xmlsig.AlgSHA256 + `"/><ds:DigestValue>` + b64(canon.Bytes()) + `</ds:DigestValue></ds:Reference>` +
		`<ds:Reference URI="scan/image001.jpg"><ds:DigestMethod Algorithm="` + xmlsig.AlgSHA256 + `"/><ds:DigestValue>` + b64([]byte(image)) + `</ds:DigestValue></ds:Reference>` +
		`</ds:Manifest></StorageRecord>`
	detached := func(files map[string]string) xmlsig.Detached {
		return func(uri string) (io.Reader, error) {
			if s, ok := files[uri]; ok {
				return strings.NewReader(s), nil
			}
			return nil, nil
		}
	}
	w.set(tSign)
	res, err := sign.SignXAdES(ctx, []byte(record), sign.Credential{Signer: w.doctor.Key, Certificate: w.doctor.Cert, Chain: w.doctor.Chain},
		sign.XAdESOptions{ReferenceID: "Manifest1", Level: sign.LevelT, TSA: w.stamp1, SigningTime: w.clock(), AllowNonHPKI: true})
	if err != nil {
		t.Fatal(err)
	}
	doc := res.Signature
	// Archived before the CA expires, renewed twice with the first TSA
	// and once with the second (before the first one's certificate
	// expires): four archive timestamps.
	for i, at := range []time.Time{tExtend, tExtend.AddDate(0, 2, 0), tRenew.AddDate(0, -1, 0), tRenew} {
		w.set(at)
		ts := w.stamp1
		if i == 3 {
			ts = w.stamp2
		}
		out, err := XAdES(ctx, doc, detached(files), Options{To: sign.LevelLTA, TSA: ts, Verify: w.options(false)})
		if err != nil {
			t.Fatalf("archive timestamp %d: %v", i+1, err)
		}
		doc = out.Signature
	}
	w.set(tLater)
	check := func(files map[string]string) *verify.Report {
		rep, err := verify.New(w.options(true)).VerifyXAdES(ctx, doc, detached(files))
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := check(files)
	s := rep.Signatures[0]
	archives := 0
	for _, ts := range s.Timestamps {
		if ts.Type == "archive" && ts.Indication == verify.TotalPassed {
			archives++
		}
	}
	if rep.Indication != verify.TotalPassed || archives != 4 || !s.BestSignatureTime.Equal(tSign) {
		t.Fatalf("%s/%s, %d valid archive timestamps, best %s\nerrors %v\ntimestamps %+v", rep.Indication, rep.SubIndication, archives, s.BestSignatureTime, s.Errors, s.Timestamps)
	}
	if cov := strings.Join(s.Covers, " | "); !strings.Contains(cov, "file scan/page001.xml (transforms: canonicalization)") || !strings.Contains(cov, "file scan/image001.jpg") {
		t.Fatalf("covers %q", cov)
	}
	// The same page written differently canonicalizes the same; a changed
	// page or image fails; a missing page is not found.
	same := map[string]string{"scan/page001.xml": `<Page xmlns="urn:example:scan" n="1"><Text>scanned page</Text><Empty/></Page>`, "scan/image001.jpg": image}
	if r := check(same); r.Indication != verify.TotalPassed {
		t.Fatalf("same page, other spelling: %s/%s", r.Indication, r.SubIndication)
	}
	for name, tc := range map[string]struct {
		files map[string]string
		ind   verify.Indication
		sub   verify.SubIndication
	}{
		"page changed":  {map[string]string{"scan/page001.xml": strings.Replace(page, "scanned page", "forged page", 1), "scan/image001.jpg": image}, verify.TotalFailed, verify.HashFailure},
		"image changed": {map[string]string{"scan/page001.xml": page, "scan/image001.jpg": image + "x"}, verify.TotalFailed, verify.HashFailure},
		"page missing":  {map[string]string{"scan/image001.jpg": image}, verify.Indeterminate, verify.SignedDataNotFound},
	} {
		if r := check(tc.files); r.Indication != tc.ind || r.SubIndication != tc.sub {
			t.Errorf("%s: %s/%s %v", name, r.Indication, r.SubIndication, r.Signatures[0].Errors)
		}
	}
}
