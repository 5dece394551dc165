// Command signverify is an example of using hpki as a library from another
// module: it loads a software key with package keyfile, signs a document
// with package sign (CAdES, detached, the HPKI role 医師 required) and
// validates the signature with package verify, offline against a trust
// anchor and a CRL.
//
//	go run ./signverify -certs ../testdata/certs
//
// It exits 0 when the signature validates TOTAL_PASSED and a changed
// document fails; anything else is an error.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/keyfile"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/trust"
	"github.com/hpki-jp/hpki/verify"
)

func main() {
	certs := flag.String("certs", "../testdata/certs", "folder with doctor.key, doctor.pem, chain-sign.pem, root.pem and ca-sign.crl")
	flag.Parse()
	if err := run(*certs); err != nil {
		fmt.Fprintln(os.Stderr, "signverify:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	ctx := context.Background()
	at := func(name string) string { return filepath.Join(dir, name) }

	// A software credential: key, certificate and chain.
	c, err := keyfile.Load(at("doctor.key"), at("doctor.pem"), at("chain-sign.pem"))
	if err != nil {
		return err
	}
	doctorOnly, err := hcrole.ParseRequirement("医師")
	if err != nil {
		return err
	}
	doc := []byte("紹介状: referral letter for the patient")
	res, err := sign.SignCAdES(ctx, bytes.NewReader(doc),
		sign.Credential{Signer: c.Signer, Certificate: c.Certificate, Chain: c.Chain},
		sign.CAdESOptions{RequireRole: doctorOnly})
	if err != nil {
		return fmt.Errorf("signing: %w", err)
	}

	// Validation, offline: the trust anchor and a CRL given by the caller.
	anchors, err := trust.Load(at("root.pem"))
	if err != nil {
		return err
	}
	crl, err := os.ReadFile(at("ca-sign.crl"))
	if err != nil {
		return err
	}
	v := verify.New(verify.Options{Trust: anchors, Offline: true, CRLs: [][]byte{crl}, RequireRole: doctorOnly})
	rep, err := v.VerifyCAdES(ctx, res.Signature, bytes.NewReader(doc), "letter.txt")
	if err != nil {
		return fmt.Errorf("verifying: %w", err)
	}
	s := rep.Signatures[0]
	fmt.Printf("%s %s signed by %s as %s\n", rep.Indication, s.Level, s.Signer.Subject, s.Signer.Roles[0].Ja)
	if rep.Indication != verify.TotalPassed {
		return fmt.Errorf("want TOTAL_PASSED, got %s %s", rep.Indication, rep.SubIndication)
	}

	// A changed document must fail.
	rep, err = v.VerifyCAdES(ctx, res.Signature, bytes.NewReader(append(doc, '!')), "letter.txt")
	if err != nil {
		return fmt.Errorf("verifying the changed document: %w", err)
	}
	fmt.Printf("changed document: %s %s\n", rep.Indication, rep.SubIndication)
	if rep.Indication != verify.TotalFailed {
		return fmt.Errorf("a changed document gave %s", rep.Indication)
	}
	return nil
}
