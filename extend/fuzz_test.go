package extend

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"os"
	"testing"

	"github.com/hpki-jp/hpki/internal/cms/cmstest"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/internal/testtsa"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

// refusingTSA stands in for the TSA while fuzzing: everything extend does
// before asking for a timestamp (parsing, validation, collecting the
// validation data, building the archive input and index) runs, and nothing
// goes to the network.
type refusingTSA struct{}

var errNoTSA = errors.New("no TSA while fuzzing")

func (refusingTSA) TimestampData(context.Context, []byte) (*tsa.Token, error) { return nil, errNoTSA }

// fuzzOptions extend to LTA with ts, offline, with the committed test
// HPKI and its CRL.
func fuzzOptions(tb testing.TB, ts sign.Timestamper) Options {
	p := testpki.MustLoad(tb)
	return Options{To: sign.LevelLTA, TSA: ts, Verify: verify.Options{
		Trust:    trust.New([]*x509.Certificate{p.Root.Cert}, nil),
		TSATrust: trust.New([]*x509.Certificate{p.TSARoot.Cert}, nil),
		CRLs:     [][]byte{p.CRL},
		Offline:  true,
	}}
}

func FuzzExtendCAdES(f *testing.F) {
	p := testpki.MustLoad(f)
	content := []byte("a referral letter, enveloped for fuzzing\n")
	cred := sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}
	ts := testtsa.Client(f, p.TSA, p.TSARoot, nil)
	bt, err := sign.SignCAdES(context.Background(), bytes.NewReader(content), cred, sign.CAdESOptions{Packaging: sign.Enveloping, Level: sign.LevelT, TSA: ts, AllowNonHPKI: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bt.Signature)
	if lta, err := CAdES(context.Background(), bt.Signature, nil, fuzzOptions(f, ts)); err == nil {
		f.Add(lta.Signature)
	}
	// Hostile inputs of issue 11: nested counter-signatures, a repeating
	// ats-hash-index-v3, a junk CRL.
	f.Add(cmstest.SignedDataWith(content, nil, nil, cmstest.NestedCounterSignatures(40)))
	if sig, err := cmstest.HashIndexAttack(bt.Signature, bt.Signature, 50, true); err == nil {
		f.Add(sig)
	}
	f.Add(cmstest.SignedDataWith(content, nil, [][]byte{cmstest.JunkCRL(p.SignCA.Cert.RawSubject, 4096)}, cmstest.MinimalSignerInfo()))
	opts := fuzzOptions(f, refusingTSA{})
	f.Fuzz(func(t *testing.T, sig []byte) {
		res, err := CAdES(context.Background(), sig, nil, opts)
		if err == nil && (res == nil || res.Report == nil) {
			t.Fatal("no result and no error")
		}
	})
}

func FuzzExtendXAdES(f *testing.F) {
	p := testpki.MustLoad(f)
	doc, err := os.ReadFile(testpki.Path("../xml/prescription.xml"))
	if err != nil {
		f.Fatal(err)
	}
	cred := sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain}
	ts := testtsa.Client(f, p.TSA, p.TSARoot, nil)
	bt, err := sign.SignXAdES(context.Background(), doc, cred, sign.XAdESOptions{Level: sign.LevelT, TSA: ts, AllowNonHPKI: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bt.Signature)
	bb, err := sign.SignXAdES(context.Background(), doc, cred, sign.XAdESOptions{AllowNonHPKI: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(bb.Signature)
	opts := fuzzOptions(f, refusingTSA{})
	f.Fuzz(func(t *testing.T, document []byte) {
		res, err := XAdES(context.Background(), document, nil, opts)
		if err == nil && (res == nil || res.Report == nil) {
			t.Fatal("no result and no error")
		}
	})
}
