package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hpki-jp/hpki/archive"
	"github.com/hpki-jp/hpki/keyfile"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

func ExampleRun() {
	cred, opts, err := testCredential()
	if err != nil {
		fmt.Println(err)
		return
	}
	// A folder with one record: the letter and its detached signature.
	dir, _ := os.MkdirTemp("", "records")
	defer os.RemoveAll(dir)
	letter := []byte("referral letter")
	res, err := sign.SignCAdES(context.Background(), bytes.NewReader(letter),
		cred, sign.CAdESOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	os.WriteFile(filepath.Join(dir, "letter.txt"), letter, 0o600)
	os.WriteFile(filepath.Join(dir, "letter.txt.p7s"), res.Signature, 0o600)

	files, _ := archive.Find(dir)
	recs := archive.Run(context.Background(), files, archive.Options{Verify: opts}, nil)
	for _, r := range recs {
		fmt.Println(filepath.Base(r.Path), r.Indication, r.Level, filepath.Base(r.Content))
	}
	// Output: letter.txt.p7s TOTAL_PASSED CAdES-BASELINE-B letter.txt
}

func ExampleProcess() {
	cred, opts, err := testCredential()
	if err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "records")
	defer os.RemoveAll(dir)
	for _, name := range []string{"a.txt", "b.txt"} {
		letter := []byte("referral letter " + name)
		res, err := sign.SignCAdES(context.Background(), bytes.NewReader(letter),
			cred, sign.CAdESOptions{})
		if err != nil {
			fmt.Println(err)
			return
		}
		os.WriteFile(filepath.Join(dir, name), letter, 0o600)
		os.WriteFile(filepath.Join(dir, name+".p7s"), res.Signature, 0o600)
	}
	// Records are walked, checked in parallel and emitted in order, one at
	// a time; nothing is kept. A journal would make the run resumable.
	src, err := archive.Paths(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	sum, err := archive.Process(context.Background(), src, archive.Options{Verify: opts, Shard: archive.Shard{K: 0, N: 1}}, func(r archive.Record) {
		fmt.Println(filepath.Base(r.Path), r.Indication)
	})
	fmt.Println(sum.Records, sum.Passed, err)
	// Output:
	// a.txt.p7s TOTAL_PASSED
	// b.txt.p7s TOTAL_PASSED
	// 2 2 <nil>
}

// testCredential loads the test doctor's key and certificates, and the
// validation options (the test HPKI root as trust anchor, the signing CA's
// CRL, nothing fetched), from the committed files in testdata/certs.
func testCredential() (sign.Credential, verify.Options, error) {
	certs := filepath.Join("..", "testdata", "certs")
	c, err := keyfile.Load(filepath.Join(certs, "doctor.key"), filepath.Join(certs, "doctor.pem"), filepath.Join(certs, "chain-sign.pem"))
	if err != nil {
		return sign.Credential{}, verify.Options{}, err
	}
	anchors, err := trust.Load(filepath.Join(certs, "root.pem"))
	if err != nil {
		return sign.Credential{}, verify.Options{}, err
	}
	crl, err := os.ReadFile(filepath.Join(certs, "ca-sign.crl"))
	if err != nil {
		return sign.Credential{}, verify.Options{}, err
	}
	return sign.Credential{Signer: c.Signer, Certificate: c.Certificate, Chain: c.Chain},
		verify.Options{Trust: anchors, CRLs: [][]byte{crl}, Offline: true}, nil
}
