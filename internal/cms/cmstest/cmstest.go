// Package cmstest builds hostile CMS inputs for tests and fuzz seeds: the
// worst cases that the parsers and the verifier must handle in bounded time
// and memory. Every generator runs in time linear in its output.
//
// TEST ONLY: nothing here is used by the library itself.
package cmstest

import (
	"crypto/sha256"
	"encoding/asn1"

	"github.com/hpki-jp/hpki/internal/cms"
)

// tlv encodes a DER element with the given (one-byte) tag around body.
func tlv(tag byte, body ...[]byte) []byte {
	n := 0
	for _, b := range body {
		n += len(b)
	}
	out := append([]byte{tag}, lengthOctets(n)...)
	for _, b := range body {
		out = append(out, b...)
	}
	return out
}

func lengthOctets(n int) []byte {
	switch {
	case n < 0x80:
		return []byte{byte(n)}
	case n < 0x100:
		return []byte{0x81, byte(n)}
	case n < 0x10000:
		return []byte{0x82, byte(n >> 8), byte(n)}
	case n < 0x1000000:
		return []byte{0x83, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	return []byte{0x84, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
}

func mustOID(o asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(o)
	if err != nil {
		panic(err)
	}
	return b
}

// minimalSignerInfoHead is a SignerInfo's fields up to (and without) its
// unsigned attributes: version 3, a subjectKeyIdentifier sid that names no
// certificate, SHA-256, no signed attributes, sha256WithRSA, a one-byte
// signature. No key is needed to make it.
func minimalSignerInfoHead() []byte {
	var b []byte
	b = append(b, 0x02, 0x01, 0x03)       // version 3
	b = append(b, 0x80, 0x02, 0xde, 0xad) // sid [0] subjectKeyIdentifier
	b = append(b, tlv(0x30, mustOID(cms.OIDSHA256))...)
	b = append(b, tlv(0x30, mustOID(cms.OIDSHA256WithRSA), []byte{0x05, 0x00})...)
	b = append(b, 0x04, 0x01, 0x00) // signature
	return b
}

// MinimalSignerInfo returns a SignerInfo that parses but verifies with no
// certificate (its sid names none).
func MinimalSignerInfo() []byte { return tlv(0x30, minimalSignerInfoHead()) }

// NestedCounterSignatures returns a SignerInfo with depth counter-signatures
// nested one in another (each the only counter-signature of its parent).
// The output is about 45·depth bytes; it is built from the inside out, in
// linear time.
func NestedCounterSignatures(depth int) []byte {
	head := minimalSignerInfoHead()
	oid := mustOID(cms.OIDCounterSignature)
	inner := MinimalSignerInfo()
	// Each level wraps the previous one: SEQUENCE { head, [1] { SEQUENCE {
	// oid, SET { inner } } } }. Only prefixes depend on the inner length, so
	// collect the prefixes from the inside out and write them outermost
	// first.
	prefixes := make([][]byte, depth)
	n := len(inner)
	for i := depth - 1; i >= 0; i-- {
		set := append([]byte{0x31}, lengthOctets(n)...)
		attrLen := len(oid) + len(set) + n
		attr := append([]byte{0x30}, lengthOctets(attrLen)...)
		unsLen := len(attr) + attrLen
		uns := append([]byte{0xa1}, lengthOctets(unsLen)...)
		siLen := len(head) + len(uns) + unsLen
		p := append([]byte{0x30}, lengthOctets(siLen)...)
		p = append(p, head...)
		p = append(p, uns...)
		p = append(p, attr...)
		p = append(p, oid...)
		p = append(p, set...)
		prefixes[i] = p
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range prefixes {
		out = append(out, p...)
	}
	return append(out, inner...)
}

// WideCounterSignatures returns a SignerInfo with n counter-signatures side
// by side in one countersignature attribute.
func WideCounterSignatures(n int) []byte {
	one := MinimalSignerInfo()
	vals := make([]byte, 0, n*len(one))
	for i := 0; i < n; i++ {
		vals = append(vals, one...)
	}
	attr := tlv(0x30, mustOID(cms.OIDCounterSignature), tlv(0x31, vals))
	return tlv(0x30, minimalSignerInfoHead(), tlv(0xa1, attr))
}

// SignedDataWith wraps signerInfos (DER SignerInfo elements) in an
// enveloping ContentInfo/SignedData over content, with the given
// certificates and CRLs (DER, may be nil).
func SignedDataWith(content []byte, certs, crls [][]byte, signerInfos ...[]byte) []byte {
	var fields [][]byte
	fields = append(fields, []byte{0x02, 0x01, 0x01})
	fields = append(fields, tlv(0x31, tlv(0x30, mustOID(cms.OIDSHA256))))
	fields = append(fields, tlv(0x30, mustOID(cms.OIDData), tlv(0xa0, tlv(0x04, content))))
	if len(certs) > 0 {
		fields = append(fields, tlv(0xa0, certs...))
	}
	if len(crls) > 0 {
		fields = append(fields, tlv(0xa1, crls...))
	}
	fields = append(fields, tlv(0x31, signerInfos...))
	return tlv(0x30, mustOID(cms.OIDSignedData), tlv(0xa0, tlv(0x30, fields...)))
}

// JunkCRL returns a DER CertificateList of about size bytes with the
// issuer name rawIssuer (DER Name) and as many minimal revocation entries
// as fit, signed with nothing (the signature is junk). It is the input of
// the "big junk CRL appended to a signature" attack.
func JunkCRL(rawIssuer []byte, size int) []byte {
	alg := tlv(0x30, mustOID(cms.OIDSHA256WithRSA), []byte{0x05, 0x00})
	thisUpdate := tlv(0x17, []byte("250101000000Z"))
	nextUpdate := tlv(0x17, []byte("450101000000Z"))
	entry := func(i int) []byte {
		return tlv(0x30, tlv(0x02, []byte{0x01, byte(i >> 16), byte(i >> 8), byte(i)}), thisUpdate)
	}
	one := len(entry(0))
	count := size / one
	entries := make([]byte, 0, count*one)
	for i := 0; i < count; i++ {
		entries = append(entries, entry(i)...)
	}
	tbs := tlv(0x30, []byte{0x02, 0x01, 0x01}, alg, rawIssuer, thisUpdate, nextUpdate, tlv(0x30, entries))
	return tlv(0x30, tbs, alg, tlv(0x03, []byte{0x00, 0x01, 0x02, 0x03}))
}

// OIDFiller is the type of the filler unsigned attributes that
// HashIndexAttack adds (an unregistered arc: no verifier interprets it).
var OIDFiller = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 99, 1}

// HashIndexAttack returns sig (a DER CAdES signature whose first signer
// verifies) with n filler unsigned attributes added to its first signer and
// token (a parseable DER timestamp token; it need not verify) appended as
// an archive-time-stamp-v3 whose ats-hash-index-v3 lists n unsigned
// attribute hashes. With repeat, every entry is the hash of the last filler
// (a linear scan per entry then costs n·n comparisons); otherwise the index
// lists each filler once, a valid index that must be checked in full.
func HashIndexAttack(sig, token []byte, n int, repeat bool) ([]byte, error) {
	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, err
	}
	si := &sd.SignerInfos[0]
	typ := mustOID(OIDFiller)
	var entries []byte
	var last []byte
	for i := 0; i < n; i++ {
		val := tlv(0x04, []byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
		si.AddUnsignedAttr(OIDFiller, val)
		sum := sha256.Sum256(append(append([]byte{}, typ...), val...))
		last = tlv(0x04, sum[:])
		if !repeat {
			entries = append(entries, last...)
		}
	}
	if repeat {
		entries = make([]byte, 0, n*len(last))
		for i := 0; i < n; i++ {
			entries = append(entries, last...)
		}
	}
	index := tlv(0x30, tlv(0x30), tlv(0x30), tlv(0x30, entries))
	tsd, err := cms.Parse(token)
	if err != nil {
		return nil, err
	}
	tsd.SignerInfos[0].AddUnsignedAttr(cms.OIDATSHashIndexV3, index)
	tok, err := tsd.Marshal()
	if err != nil {
		return nil, err
	}
	si.AddUnsignedAttr(cms.OIDArchiveTimeStampV3, tok)
	return sd.Marshal()
}

// WithCRLs returns the DER signature sig with crls added to its SignedData
// CRL set (unsigned: anyone holding a signature can do this), each once.
func WithCRLs(sig []byte, crls ...[]byte) ([]byte, error) {
	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, err
	}
	for _, c := range crls {
		sd.AddCRL(c)
	}
	return sd.Marshal()
}
