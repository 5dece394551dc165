package auth

import (
	"crypto"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
)

// CardTLSConfig returns a copy of base (nil: a new config) that presents
// the card's authentication certificate as the TLS client certificate,
// signing the handshake with key (e.g. a pkcs11.Signer with
// SignerOptions.Authentication).
//
// HPKI cards sign only with RSASSA-PKCS1-v1_5 (CKM_RSA_PKCS). TLS 1.3
// forbids PKCS#1 v1.5 in CertificateVerify and requires RSASSA-PSS
// (RFC 8446 §4.2.3, §4.4.3), so for an RSA key the connection is capped
// at TLS 1.2 and the key is offered for rsa_pkcs1_sha256/384/512 only
// (never PSS, which the card would have to compute). The server must
// accept TLS 1.2 for card clients (serve.TLSConfig does). EC keys keep TLS
// 1.3.
func CardTLSConfig(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate, base *tls.Config) *tls.Config {
	c := &tls.Config{}
	if base != nil {
		c = base.Clone()
	}
	tc := tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
	for _, ca := range chain {
		if string(ca.RawIssuer) != string(ca.RawSubject) {
			tc.Certificate = append(tc.Certificate, ca.Raw)
		}
	}
	if _, ok := cert.PublicKey.(*rsa.PublicKey); ok {
		tc.SupportedSignatureAlgorithms = []tls.SignatureScheme{tls.PKCS1WithSHA256, tls.PKCS1WithSHA384, tls.PKCS1WithSHA512}
		c.MaxVersion = tls.VersionTLS12
		if c.MinVersion == 0 || c.MinVersion > tls.VersionTLS12 {
			c.MinVersion = tls.VersionTLS12
		}
	}
	c.Certificates = nil
	c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &tc, nil }
	return c
}
