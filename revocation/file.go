package revocation

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParseCRLFile reads the CRLs of a CRL file as people have them: PEM "X509
// CRL" (or "CRL") blocks wherever they stand in the file (text around them,
// such as `openssl crl -text` output, and other blocks are skipped), or one
// DER CRL optionally followed by white space or zero bytes. It returns each
// CRL parsed; the issuer and signature are not checked here (ParseCRL does
// that against the issuer). Input with no CRL is an error.
func ParseCRLFile(data []byte) ([]*x509.RevocationList, error) {
	if bytes.Contains(data, []byte("-----BEGIN ")) {
		var out []*x509.RevocationList
		var others []string
		rest := data
		for {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			if block.Type != "X509 CRL" && block.Type != "CRL" {
				if len(others) < 4 {
					others = append(others, block.Type)
				}
				continue
			}
			crl, err := x509.ParseRevocationList(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("PEM CRL %d: %w", len(out)+1, err)
			}
			out = append(out, crl)
		}
		if len(out) == 0 {
			if len(others) > 0 {
				return nil, fmt.Errorf("no CRL in the file: the PEM blocks are %v", others)
			}
			return nil, errors.New("no CRL in the file")
		}
		return out, nil
	}
	if len(data) == 0 || data[0] != 0x30 {
		return nil, errors.New("not a CRL (expected PEM \"X509 CRL\" blocks or DER)")
	}
	// One DER element, then at most white space or zero bytes (never
	// trimmed off the element itself: DER may end in such bytes).
	var raw asn1.RawValue
	rest, err := asn1.Unmarshal(data, &raw)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimLeft(rest, " \t\r\n\x00")) != 0 {
		return nil, fmt.Errorf("%d bytes of trailing data after the CRL", len(rest))
	}
	crl, err := x509.ParseRevocationList(raw.FullBytes)
	if err != nil {
		return nil, err
	}
	return []*x509.RevocationList{crl}, nil
}
