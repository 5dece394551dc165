package cms

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Validation data in SignedData (CAdES B-LT, EN 319 122-1 §5.5.1).

// AddCertificates appends the DER certificates not already in the bag.
func (sd *SignedData) AddCertificates(certs ...[]byte) {
	seen := make(map[string]bool, len(sd.Certificates)+len(certs))
	for _, c := range sd.Certificates {
		seen[string(c)] = true
	}
	for _, c := range certs {
		if !seen[string(c)] {
			seen[string(c)] = true
			sd.Certificates = append(sd.Certificates, c)
		}
	}
}

// AddCRL appends a DER CRL (RevocationInfoChoice crl) unless present.
func (sd *SignedData) AddCRL(crl []byte) {
	if !containsBytes(sd.CRLs, crl) {
		sd.CRLs = append(sd.CRLs, crl)
	}
}

// AddOCSPResponse appends an OCSPResponse as RevocationInfoChoice other
// with id-ri-ocsp-response (RFC 5940), unless present.
func (sd *SignedData) AddOCSPResponse(resp []byte) error {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(o *cryptobyte.Builder) {
		o.AddASN1ObjectIdentifier(OIDOtherRevInfoOCSP)
		o.AddBytes(resp)
	})
	enc, err := b.Bytes()
	if err != nil {
		return err
	}
	if !containsBytes(sd.CRLs, enc) {
		sd.CRLs = append(sd.CRLs, enc)
	}
	return nil
}

// RevocationValues splits the crls field into CRLs and OCSP responses;
// other formats are skipped.
func (sd *SignedData) RevocationValues() (crls, ocsps [][]byte) {
	for _, raw := range sd.CRLs {
		switch {
		case len(raw) > 0 && raw[0] == 0x30:
			crls = append(crls, raw)
		case len(raw) > 0 && raw[0] == 0xa1:
			var other struct {
				Format asn1.ObjectIdentifier
				Info   asn1.RawValue
			}
			if _, err := asn1.UnmarshalWithParams(raw, &other, "tag:1"); err == nil && other.Format.Equal(OIDOtherRevInfoOCSP) {
				ocsps = append(ocsps, other.Info.FullBytes)
			}
		}
	}
	return crls, ocsps
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

// Archive timestamps v3 (EN 319 122-1 §5.5.2, §5.5.3).

// atsHashIndexV3 is ATSHashIndexV3; the algorithm is omitted when SHA-256.
type atsHashIndexV3 struct {
	Certificates [][]byte
	CRLs         [][]byte
	UnsignedAttr [][]byte
}

// ATSHashIndexV3 builds the ats-hash-index-v3 value for si as the
// signature stands: the hash (h) of every certificate, every revocation
// value, and every unsigned attribute value (attrType || attrValue) of si.
func ATSHashIndexV3(sd *SignedData, si *SignerInfo, h crypto.Hash) ([]byte, error) {
	alg, err := DigestAlgorithm(h)
	if err != nil {
		return nil, err
	}
	sum := func(parts ...[]byte) []byte {
		d := h.New()
		for _, p := range parts {
			d.Write(p)
		}
		return d.Sum(nil)
	}
	var idx atsHashIndexV3
	for _, c := range sd.Certificates {
		idx.Certificates = append(idx.Certificates, sum(c))
	}
	for _, c := range sd.CRLs {
		idx.CRLs = append(idx.CRLs, sum(c))
	}
	for _, parts := range unsignedAttrValueParts(si) {
		idx.UnsignedAttr = append(idx.UnsignedAttr, sum(parts[0], parts[1]))
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
		if h != crypto.SHA256 {
			addAlg(s, alg)
		}
		for _, list := range [][][]byte{idx.Certificates, idx.CRLs, idx.UnsignedAttr} {
			s.AddASN1(cbasn1.SEQUENCE, func(l *cryptobyte.Builder) {
				for _, v := range list {
					l.AddASN1OctetString(v)
				}
			})
		}
	})
	return b.Bytes()
}

// unsignedAttrValueParts returns (attrType DER, attrValue DER) pairs.
func unsignedAttrValueParts(si *SignerInfo) [][2][]byte {
	var out [][2][]byte
	for _, a := range si.UnsignedAttrs {
		t, err := asn1.Marshal(a.Type)
		if err != nil {
			continue
		}
		for _, v := range a.Values {
			enc := v.FullBytes
			if enc == nil {
				enc, _ = asn1.Marshal(v)
			}
			out = append(out, [2][]byte{t, enc})
		}
	}
	return out
}

// CheckATSHashIndexV3 parses an ats-hash-index-v3 value and checks that
// every hash it lists still names an element of the signature: nothing
// the archive timestamp covered was removed or changed. It returns the
// index algorithm. Checking several indexes of one signer is cheaper with
// one ArchiveElements.
func CheckATSHashIndexV3(sd *SignedData, si *SignerInfo, index []byte) (crypto.Hash, error) {
	return NewArchiveElements(sd, si).CheckIndex(index)
}

// ArchiveElements holds the elements of a signature that an
// ats-hash-index-v3 may list (certificates, revocation values, and the
// unsigned attribute values of one SignerInfo), hashed once per algorithm
// into sets. Checking an index of M entries against N elements then costs
// O(M + N) however many indexes are checked, not O(M·N) each. It is not
// safe for concurrent use; sd and si must not change while it is used.
type ArchiveElements struct {
	sd    *SignedData
	si    *SignerInfo
	parts [][2][]byte // unsigned attribute (type, value) pairs
	sets  map[indexKind]*[3]map[string]int
	sums  map[indexKind][][]string // per attribute, see valueSums
}

// indexKind tells the hash sets of an ArchiveElements apart: the hash, and
// whether unsigned attributes are hashed whole (the older ats-hash-index)
// or per value (ats-hash-index-v3).
type indexKind struct {
	h     crypto.Hash
	whole bool
}

// NewArchiveElements returns the archive elements of si in sd.
func NewArchiveElements(sd *SignedData, si *SignerInfo) *ArchiveElements {
	return &ArchiveElements{sd: sd, si: si, parts: unsignedAttrValueParts(si), sets: map[indexKind]*[3]map[string]int{}}
}

// counts returns how many elements each index list may name.
func (e *ArchiveElements) counts(whole bool) [3]int {
	if whole {
		return [3]int{len(e.sd.Certificates), len(e.sd.CRLs), len(e.si.UnsignedAttrs)}
	}
	return [3]int{len(e.sd.Certificates), len(e.sd.CRLs), len(e.parts)}
}

// hashed returns the multisets of element hashes for h, computing them once.
func (e *ArchiveElements) hashed(h crypto.Hash, whole bool) *[3]map[string]int {
	if s, ok := e.sets[indexKind{h, whole}]; ok {
		return s
	}
	sum := func(parts ...[]byte) string {
		d := h.New()
		for _, p := range parts {
			d.Write(p)
		}
		return string(d.Sum(nil))
	}
	var s [3]map[string]int
	for i, n := range e.counts(whole) {
		s[i] = make(map[string]int, n)
	}
	for _, c := range e.sd.Certificates {
		s[0][sum(c)]++
	}
	for _, c := range e.sd.CRLs {
		s[1][sum(c)]++
	}
	if whole {
		for _, a := range e.si.UnsignedAttrs {
			if der, err := a.marshal(); err == nil {
				s[2][sum(der)]++
			}
		}
	} else {
		for _, p := range e.parts {
			s[2][sum(p[0], p[1])]++
		}
	}
	e.sets[indexKind{h, whole}] = &s
	return &s
}

// marshal returns the DER Attribute: its type and the SET of its values
// as they were encoded, in their order.
func (a *Attribute) marshal() ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(s *cryptobyte.Builder) {
		s.AddASN1ObjectIdentifier(a.Type)
		s.AddASN1(cbasn1.SET, func(set *cryptobyte.Builder) {
			for _, v := range a.Values {
				enc := v.FullBytes
				if enc == nil {
					var err error
					if enc, err = asn1.Marshal(v); err != nil {
						set.SetError(err)
						return
					}
				}
				set.AddBytes(enc)
			}
		})
	})
	return b.Bytes()
}

// CheckOldIndex is CheckIndex for the older ats-hash-index (OID
// 0.4.0.1733.2.5, ETSI TS 101 733 v2.x): the same structure, but each
// unsigned attribute is hashed whole (its DER Attribute encoding) rather
// than per value.
func (e *ArchiveElements) CheckOldIndex(index []byte) (crypto.Hash, error) {
	return e.checkIndex(index, true)
}

// CheckIndex parses an ats-hash-index-v3 value and checks that every hash
// it lists names a distinct element still present (an element listed
// twice must be present twice). Work is bounded before anything is
// hashed: an index that lists more entries than there are elements, or
// entries of another length than its hash, is refused at once. It returns
// the index's hash algorithm.
func (e *ArchiveElements) CheckIndex(index []byte) (crypto.Hash, error) {
	return e.checkIndex(index, false)
}

func (e *ArchiveElements) checkIndex(index []byte, whole bool) (crypto.Hash, error) {
	h, _, err := e.readIndex(index, whole)
	return h, err
}

// CoveredAttrs returns, for an index that CheckIndex (old: CheckOldIndex)
// accepts, whether the k-th value of the signer's j-th unsigned attribute
// is among the elements the index lists: what the archive timestamp
// covers, and so what it proves existed at its time. A value the index
// does not list (an attribute added after the archive timestamp) is not
// covered, wherever it sits in the SET.
func (e *ArchiveElements) CoveredAttrs(index []byte, old bool) (func(j, k int) bool, error) {
	h, lists, err := e.readIndex(index, old)
	if err != nil {
		return nil, err
	}
	listed := make(map[string]bool, len(lists[2]))
	for _, v := range lists[2] {
		listed[string(v)] = true
	}
	sums := e.valueSums(h, old)
	return func(j, k int) bool {
		if j < 0 || j >= len(sums) || k < 0 {
			return false
		}
		if old {
			return len(sums[j]) > 0 && k < len(e.si.UnsignedAttrs[j].Values) && listed[sums[j][0]]
		}
		return k < len(sums[j]) && listed[sums[j][k]]
	}, nil
}

// valueSums returns, per unsigned attribute, the hashes (h) an index
// lists it by: the whole attribute (old) or each of its values; computed
// once per kind, so that checking K indexes costs O(N + their sizes), not
// O(K·N).
func (e *ArchiveElements) valueSums(h crypto.Hash, whole bool) [][]string {
	key := indexKind{h, whole}
	if s, ok := e.sums[key]; ok {
		return s
	}
	out := make([][]string, len(e.si.UnsignedAttrs))
	for j := range e.si.UnsignedAttrs {
		a := &e.si.UnsignedAttrs[j]
		if whole {
			if der, err := a.marshal(); err == nil {
				d := h.New()
				d.Write(der)
				out[j] = []string{string(d.Sum(nil))}
			}
			continue
		}
		t, err := asn1.Marshal(a.Type)
		if err != nil {
			continue
		}
		for _, v := range a.Values {
			enc := v.FullBytes
			if enc == nil {
				if enc, err = asn1.Marshal(v); err != nil {
					enc = nil
				}
			}
			d := h.New()
			d.Write(t)
			d.Write(enc)
			out[j] = append(out[j], string(d.Sum(nil)))
		}
	}
	if e.sums == nil {
		e.sums = map[indexKind][][]string{}
	}
	e.sums[key] = out
	return out
}

// readIndex parses and checks an index (see CheckIndex), returning its
// hash algorithm and its three lists.
func (e *ArchiveElements) readIndex(index []byte, whole bool) (crypto.Hash, [3][][]byte, error) {
	var lists [3][][]byte
	h, err := e.parseIndex(index, whole, &lists)
	return h, lists, err
}

func (e *ArchiveElements) parseIndex(index []byte, whole bool, out *[3][][]byte) (crypto.Hash, error) {
	input := cryptobyte.String(index)
	var seq cryptobyte.String
	if !input.ReadASN1(&seq, cbasn1.SEQUENCE) || !input.Empty() {
		return 0, formatErr("ats-hash-index-v3 is not a SEQUENCE")
	}
	h := crypto.SHA256
	if seq.PeekASN1Tag(cbasn1.SEQUENCE) {
		// Either the AlgorithmIdentifier or the first list: an
		// AlgorithmIdentifier starts with an OID.
		var first cryptobyte.String
		peek := seq
		if peek.ReadASN1(&first, cbasn1.SEQUENCE) && first.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
			var ai pkix.AlgorithmIdentifier
			var raw cryptobyte.String
			seq.ReadASN1Element(&raw, cbasn1.SEQUENCE)
			if _, err := asn1.Unmarshal(raw, &ai); err != nil {
				return 0, formatErr("ats-hash-index-v3 algorithm: %v", err)
			}
			var err error
			if h, err = HashFromOID(ai.Algorithm); err != nil {
				return 0, err
			}
		}
	}
	names := [3]string{"certificate", "revocation value", "unsigned attribute"}
	limits := e.counts(whole)
	lists := out
	for i := range lists {
		var l cryptobyte.String
		if !seq.ReadASN1(&l, cbasn1.SEQUENCE) {
			return 0, formatErr("ats-hash-index-v3 list %d missing", i+1)
		}
		for !l.Empty() {
			var v cryptobyte.String
			if !l.ReadASN1(&v, cbasn1.OCTET_STRING) {
				return 0, formatErr("ats-hash-index-v3 entry is not an OCTET STRING")
			}
			if len(v) != h.Size() {
				return 0, formatErr("ats-hash-index-v3 %s entry of %d bytes for %v", names[i], len(v), h)
			}
			if len(lists[i]) == limits[i] {
				return 0, fmt.Errorf("%w: the ats-hash-index-v3 lists more %s entries than the signature holds (%d): a covered element was removed", ErrFormat, names[i], limits[i])
			}
			lists[i] = append(lists[i], v)
		}
	}
	if !seq.Empty() {
		return 0, formatErr("trailing data in ats-hash-index-v3")
	}
	have := e.hashed(h, whole)
	var used [3]map[string]int
	for i := range lists {
		used[i] = make(map[string]int, len(lists[i]))
		for _, want := range lists[i] {
			k := string(want)
			used[i][k]++
			if used[i][k] > have[i][k] {
				return 0, fmt.Errorf("%w: a %s covered by the archive timestamp was removed or changed", ErrFormat, names[i])
			}
		}
	}
	return h, nil
}

// ATSv3Prefix is ATSv3Input without the index: what every archive
// timestamp of si hashes first. Archive timestamps of one signer share it.
func ATSv3Prefix(sd *SignedData, si *SignerInfo, contentHash []byte) ([]byte, error) {
	var out bytes.Buffer
	ct, err := asn1.Marshal(sd.ContentType)
	if err != nil {
		return nil, err
	}
	out.Write(ct)
	out.Write(contentHash)
	sid, err := si.sidBytes()
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1Int64(int64(si.Version))
	b.AddBytes(sid)
	addAlg(&b, si.DigestAlgorithm)
	b.AddBytes(si.SignedAttrsRaw)
	addAlg(&b, si.SignatureAlgorithm)
	b.AddASN1OctetString(si.Signature)
	fields, err := b.Bytes()
	if err != nil {
		return nil, err
	}
	out.Write(fields)
	return out.Bytes(), nil
}

// ATSv3Input is the data whose hash is the message imprint of an
// archive-time-stamp-v3: eContentType, the content hash (made with the
// index algorithm), the SignerInfo's version, sid, digestAlgorithm,
// signedAttrs, signatureAlgorithm and signature, and the ats-hash-index-v3.
func ATSv3Input(sd *SignedData, si *SignerInfo, contentHash, index []byte) ([]byte, error) {
	prefix, err := ATSv3Prefix(sd, si, contentHash)
	if err != nil {
		return nil, err
	}
	return append(prefix, index...), nil
}
