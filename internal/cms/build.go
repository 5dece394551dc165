package cms

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"math/big"
)

// SignOptions control NewSignerInfo.
type SignOptions struct {
	// Hash is the digest algorithm of the signature (and of the attributes).
	Hash crypto.Hash
	// PSS selects RSASSA-PSS for RSA keys.
	PSS bool
}

// NewSignerInfo builds a SignerInfo identified by issuer and serial of cert,
// with signedAttrs (encoded as a DER SET, sorted), and signs them with
// signer. The signer is called exactly once.
func NewSignerInfo(signer crypto.Signer, cert *x509.Certificate, signedAttrs []Attribute, opts SignOptions) (*SignerInfo, error) {
	digestAlg, err := DigestAlgorithm(opts.Hash)
	if err != nil {
		return nil, err
	}
	sigAlg, err := SignatureAlgorithm(cert.PublicKey, opts.Hash, opts.PSS)
	if err != nil {
		return nil, err
	}
	si := &SignerInfo{
		Version:            1,
		SID:                SignerIdentifier{IssuerAndSerial: &IssuerAndSerial{RawIssuer: cert.RawIssuer, Serial: new(big.Int).Set(cert.SerialNumber)}},
		DigestAlgorithm:    digestAlg,
		SignatureAlgorithm: sigAlg,
	}
	if err := si.SetSignedAttrs(signedAttrs); err != nil {
		return nil, err
	}
	h := opts.Hash.New()
	h.Write(si.SignedAttrsForSignature())
	var so crypto.SignerOpts = opts.Hash
	if opts.PSS {
		so = &rsa.PSSOptions{SaltLength: opts.Hash.Size(), Hash: opts.Hash}
	}
	sig, err := signer.Sign(rand.Reader, h.Sum(nil), so)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	si.Signature = sig
	return si, nil
}
