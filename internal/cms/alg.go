package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"

	_ "crypto/sha1" // SHA-1 digests of old signatures and ESSCertID v1
	_ "crypto/sha256"
	_ "crypto/sha3" // SHA-3 digests (FIPS 202) of newer producers
	_ "crypto/sha512"
)

var hashes = []struct {
	oid asn1.ObjectIdentifier
	h   crypto.Hash
	rsa asn1.ObjectIdentifier
	ec  asn1.ObjectIdentifier
}{
	{OIDSHA1, crypto.SHA1, OIDSHA1WithRSA, asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}},
	{OIDSHA256, crypto.SHA256, OIDSHA256WithRSA, OIDECDSAWithSHA256},
	{OIDSHA384, crypto.SHA384, OIDSHA384WithRSA, OIDECDSAWithSHA384},
	{OIDSHA512, crypto.SHA512, OIDSHA512WithRSA, OIDECDSAWithSHA512},
	{OIDSHA3_256, crypto.SHA3_256, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 14}, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 10}},
	{OIDSHA3_384, crypto.SHA3_384, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 15}, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 11}},
	{OIDSHA3_512, crypto.SHA3_512, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 16}, asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 12}},
}

// SHA-3 digest algorithms (NIST).
var (
	OIDSHA3_256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 8}
	OIDSHA3_384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 9}
	OIDSHA3_512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 10}
)

// HashFromOID returns the hash function of a digest algorithm OID.
func HashFromOID(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	for _, h := range hashes {
		if h.oid.Equal(oid) {
			return h.h, nil
		}
	}
	return 0, fmt.Errorf("unsupported digest algorithm %s", oid)
}

// DigestAlgorithm returns the AlgorithmIdentifier of h (parameters absent,
// as RFC 5754 recommends).
func DigestAlgorithm(h crypto.Hash) (pkix.AlgorithmIdentifier, error) {
	for _, x := range hashes {
		if x.h == h {
			return pkix.AlgorithmIdentifier{Algorithm: x.oid}, nil
		}
	}
	return pkix.AlgorithmIdentifier{}, fmt.Errorf("unsupported hash %v", h)
}

// NewHash returns a hash.Hash for h, or an error when it is unavailable.
func NewHash(h crypto.Hash) (hash.Hash, error) {
	if !h.Available() {
		return nil, fmt.Errorf("hash %v unavailable", h)
	}
	return h.New(), nil
}

type pssParams struct {
	Hash         pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
	MGF          pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
	SaltLength   int                      `asn1:"explicit,tag:2"`
	TrailerField int                      `asn1:"optional,explicit,tag:3,default:1"`
}

// SignatureAlgorithm returns the signatureAlgorithm identifier for a key of
// type pub signing a digest made with h, RSASSA-PSS when pss.
func SignatureAlgorithm(pub crypto.PublicKey, h crypto.Hash, pss bool) (pkix.AlgorithmIdentifier, error) {
	var x *struct {
		oid asn1.ObjectIdentifier
		h   crypto.Hash
		rsa asn1.ObjectIdentifier
		ec  asn1.ObjectIdentifier
	}
	for i := range hashes {
		if hashes[i].h == h {
			x = &hashes[i]
		}
	}
	if x == nil {
		return pkix.AlgorithmIdentifier{}, fmt.Errorf("unsupported hash %v", h)
	}
	switch pub.(type) {
	case *rsa.PublicKey:
		if !pss {
			return pkix.AlgorithmIdentifier{Algorithm: x.rsa, Parameters: asn1.NullRawValue}, nil
		}
		hashAlg := pkix.AlgorithmIdentifier{Algorithm: x.oid, Parameters: asn1.NullRawValue}
		mgfParam, _ := asn1.Marshal(hashAlg)
		params, err := asn1.Marshal(pssParams{
			Hash:         hashAlg,
			MGF:          pkix.AlgorithmIdentifier{Algorithm: OIDMGF1, Parameters: asn1.RawValue{FullBytes: mgfParam}},
			SaltLength:   h.Size(),
			TrailerField: 1,
		})
		if err != nil {
			return pkix.AlgorithmIdentifier{}, err
		}
		return pkix.AlgorithmIdentifier{Algorithm: OIDRSAPSS, Parameters: asn1.RawValue{FullBytes: params}}, nil
	case *ecdsa.PublicKey:
		return pkix.AlgorithmIdentifier{Algorithm: x.ec}, nil
	}
	return pkix.AlgorithmIdentifier{}, fmt.Errorf("unsupported public key type %T", pub)
}

// ErrSignature is wrapped when a signature value does not verify.
var ErrSignature = errors.New("signature does not verify")

// VerifySignature checks sig over digest (computed with h) by pub, for the
// signatureAlgorithm alg. Accepted: rsaEncryption and sha*WithRSAEncryption
// (PKCS#1 v1.5), RSASSA-PSS with MGF1 and a hash equal to h, ECDSA.
func VerifySignature(pub crypto.PublicKey, alg pkix.AlgorithmIdentifier, h crypto.Hash, digest, sig []byte) error {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		switch {
		case alg.Algorithm.Equal(OIDRSAPSS):
			var p pssParams
			if _, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil {
				return fmt.Errorf("RSASSA-PSS parameters: %w", err)
			}
			ph, err := HashFromOID(p.Hash.Algorithm)
			if err != nil || ph != h {
				return fmt.Errorf("RSASSA-PSS hash %s differs from the digest algorithm", p.Hash.Algorithm)
			}
			if !p.MGF.Algorithm.Equal(OIDMGF1) {
				return fmt.Errorf("RSASSA-PSS mask generation %s unsupported", p.MGF.Algorithm)
			}
			if err := rsa.VerifyPSS(k, h, digest, sig, &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h}); err != nil {
				return fmt.Errorf("%w: %v", ErrSignature, err)
			}
			return nil
		case alg.Algorithm.Equal(OIDRSAEncryption) || rsaAlgFor(alg.Algorithm) == h:
			if err := rsa.VerifyPKCS1v15(k, h, digest, sig); err != nil {
				return fmt.Errorf("%w: %v", ErrSignature, err)
			}
			return nil
		}
		return fmt.Errorf("signature algorithm %s does not fit an RSA key with %v", alg.Algorithm, h)
	case *ecdsa.PublicKey:
		if !alg.Algorithm.Equal(OIDECPublicKey) && ecAlgFor(alg.Algorithm) != h {
			return fmt.Errorf("signature algorithm %s does not fit an ECDSA key with %v", alg.Algorithm, h)
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return ErrSignature
		}
		return nil
	case ed25519.PublicKey:
		return errors.New("Ed25519 signatures are not supported")
	}
	return fmt.Errorf("unsupported public key type %T", pub)
}

func rsaAlgFor(oid asn1.ObjectIdentifier) crypto.Hash {
	for _, x := range hashes {
		if x.rsa.Equal(oid) {
			return x.h
		}
	}
	return 0
}

func ecAlgFor(oid asn1.ObjectIdentifier) crypto.Hash {
	for _, x := range hashes {
		if x.ec.Equal(oid) {
			return x.h
		}
	}
	return 0
}

// KeyBits returns the size of an RSA modulus or an EC curve in bits.
func KeyBits(pub crypto.PublicKey) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen()
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize
	}
	return 0
}

// CertificateFor returns the certificate among certs that sid names, or nil.
// It never falls back to "the first certificate".
func CertificateFor(sid SignerIdentifier, certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if sid.Matches(c) {
			return c
		}
	}
	return nil
}
