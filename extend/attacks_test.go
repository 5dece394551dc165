package extend

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/internal/cms/cmstest"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/revocation"
	"github.com/hpki-jp/hpki/sign"
)

// attackLetter is the document the attack tests sign.
var attackLetter = bytes.Repeat([]byte("紹介状 referral letter, synthetic\n"), 100)

// Issue class "stale revocation data masks a revocation", extend side: a
// forgery carrying a stale CRL is never turned into a B-LT/B-LTA record,
// and extend embeds only data issued at or after the time it proves,
// saying when to retry when the CA has published none yet.
func TestAttackExtendStaleRevocationData(t *testing.T) {
	p := testpki.MustLoad(t)
	stale, err := testpki.MakeCRL(p.SignCA, nil, time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(2045, 1, 1, 0, 0, 0, 0, time.UTC), 1)
	if err != nil {
		t.Fatal(err)
	}
	signT := func(cred *testpki.Credential, crls ...[]byte) []byte {
		o, _ := committedOptions(t, sign.LevelLT)
		res, err := sign.SignCAdES(context.Background(), bytes.NewReader(attackLetter), sign.Credential{Signer: cred.Key, Certificate: cred.Cert, Chain: cred.Chain},
			sign.CAdESOptions{Level: sign.LevelT, TSA: o.TSA, AllowNonHPKI: true})
		if err != nil {
			t.Fatal(err)
		}
		out, err := cmstest.WithCRLs(res.Signature, crls...)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	t.Run("revoked signer with a stale CRL embedded, CA reachable: refused", func(t *testing.T) {
		o, _ := committedOptions(t, sign.LevelLTA)
		addr := testpki.Serve(t, revocation.CRLHandler(func() []byte { return p.CRL }))
		o.Verify.Offline, o.Verify.CRLs = false, nil
		o.Verify.Fetcher = &revocation.Fetcher{HTTPClient: testpki.Routes(map[string]string{"crl.hpki-test.invalid": addr, "ocsp.hpki-test.invalid": addr})}
		_, err := CAdES(context.Background(), signT(p.Revoked, stale), bytes.NewReader(attackLetter), o)
		if !errors.Is(err, ErrNotValid) || !strings.Contains(err.Error(), "REVOKED") {
			t.Fatalf("want a refusal naming the revocation, got %v", err)
		}
	})
	t.Run("revoked signer with a stale CRL embedded, offline: refused", func(t *testing.T) {
		o, _ := committedOptions(t, sign.LevelLTA)
		o.Verify.CRLs = nil
		if _, err := CAdES(context.Background(), signT(p.Revoked, stale), bytes.NewReader(attackLetter), o); !errors.Is(err, ErrNotValid) {
			t.Fatalf("want ErrNotValid, got %v", err)
		}
	})
	t.Run("only data issued before the timestamp: refused, with when to retry", func(t *testing.T) {
		o, _ := committedOptions(t, sign.LevelLT)
		o.Verify.CRLs = [][]byte{stale, p.CRL} // issued 2025-05-01 and 2025-06-01
		_, err := CAdES(context.Background(), signT(p.Doctor), bytes.NewReader(attackLetter), o)
		if !errors.Is(err, ErrNotValid) || !strings.Contains(err.Error(), "TRY_LATER") || !strings.Contains(err.Error(), "retry after 2045-12-31") {
			t.Fatalf("want TRY_LATER with a retry time, got %v", err)
		}
	})
	t.Run("stale and fresh data given: only the fresh CRL is embedded", func(t *testing.T) {
		o, _ := committedOptions(t, sign.LevelLT)
		fresh := o.Verify.CRLs[0]
		o.Verify.CRLs = [][]byte{stale, p.CRL, fresh}
		res, err := CAdES(context.Background(), signT(p.Doctor), bytes.NewReader(attackLetter), o)
		if err != nil {
			t.Fatal(err)
		}
		sd, err := cms.Parse(res.Signature)
		if err != nil {
			t.Fatal(err)
		}
		crls, _ := sd.RevocationValues()
		if len(crls) != 1 || !bytes.Equal(crls[0], fresh) {
			t.Fatalf("embedded %d CRLs; want exactly the one issued after the timestamp", len(crls))
		}
	})
}
