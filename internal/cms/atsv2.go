package cms

import "bytes"

// Archive-time-stamp-v2 (ETSI TS 101 733 v1.7.4 to v2.2.1 §6.4.1; the
// attribute of the CAdES-A archives of the 2010s). Its message imprint is
// the hash of the concatenation of: the encapContentInfo element; the
// external content when eContent is absent; the certificates and crls
// fields of the SignedData (with their [0] and [1] tags); and every field
// of the SignerInfo, including the unsigned attributes that were present
// before the timestamp, all "as they are encoded". Since RFC 5652 allows
// BER for everything but the signed attributes, the hash must be taken
// over the bytes of the input, not over a re-encoding: Parse therefore
// records them (RawEncoding) besides its normalised reading.

// RawEncoding holds elements of a SignedData exactly as the input encoded
// them (definite or indefinite lengths, segmented strings …). Every slice
// points into the input Parse was given.
type RawEncoding struct {
	// EncapContentInfo is the encapContentInfo element: tag, length and
	// content (with eContent when enveloped).
	EncapContentInfo []byte
	// Certificates and CRLs are the [0] and [1] fields, tag included;
	// nil when absent.
	Certificates, CRLs []byte
	// Signers are the SignerInfos, in the order of SignedData.SignerInfos.
	Signers []RawSignerInfo
}

// RawSignerInfo is one SignerInfo as encoded.
type RawSignerInfo struct {
	// Fields is the concatenation of the fields version, sid,
	// digestAlgorithm, signedAttrs, signatureAlgorithm and signature,
	// each with its tag and length, without the SignerInfo's own.
	Fields []byte
	// UnsignedAttrs holds each unsigned Attribute element, in order: the
	// i-th is SignerInfo.UnsignedAttrs[i].
	UnsignedAttrs [][]byte
}

// ATSv2Variant says how the unsigned attributes enter the
// archive-time-stamp-v2 hash. The normative text of TS 101 733 names the
// unsignedAttrs field (its tag and length included); Annex K of v1.8.x
// listed only the attributes, and v2.2.1 (Annex K, note 3) recommends
// checking a timestamp against both, as producers followed either.
type ATSv2Variant int

const (
	// ATSv2WithUnsignedAttrsTag hashes the [1] tag and (definite, DER)
	// length of the covered unsigned attributes, then the attributes.
	ATSv2WithUnsignedAttrsTag ATSv2Variant = iota
	// ATSv2BareUnsignedAttrs hashes the covered attributes only.
	ATSv2BareUnsignedAttrs
)

// String names the variant for reports.
func (v ATSv2Variant) String() string {
	if v == ATSv2BareUnsignedAttrs {
		return "unsigned attributes without their SET tag (TS 101 733 v1.8.x Annex K)"
	}
	return "unsigned attributes with their SET tag (TS 101 733 §6.4.1)"
}

// ATSv2Middle returns what the archive-time-stamp-v2 hash takes after the
// content: the certificates and crls fields and the fields of the
// signer-th SignerInfo up to its signature, as encoded.
func (r *RawEncoding) ATSv2Middle(signer int) []byte {
	var out bytes.Buffer
	out.Write(r.Certificates)
	out.Write(r.CRLs)
	out.Write(r.Signers[signer].Fields)
	return out.Bytes()
}

// ATSv2Tail returns the last part of the archive-time-stamp-v2 input: the
// covered unsigned attribute elements (as encoded, in their order) in the
// given variant.
func ATSv2Tail(covered [][]byte, v ATSv2Variant) [][]byte {
	out := make([][]byte, 0, len(covered)+1)
	if v == ATSv2WithUnsignedAttrsTag {
		n := 0
		for _, a := range covered {
			n += len(a)
		}
		out = append(out, appendLength([]byte{0xa1}, n))
	}
	return append(out, covered...)
}

// parseRaw records the original encodings of the SignedData in input (a
// ContentInfo, DER or BER). Its cost is linear in the input: it descends
// a fixed number of levels, and measuring an element visits each nested
// element once per level.
func parseRaw(input []byte) (*RawEncoding, error) {
	ci, err := berChildren(input)
	if err != nil || len(ci) != 2 {
		return nil, formatErr("ContentInfo is not a SEQUENCE of two elements")
	}
	exp, err := berChildren(ci[1])
	if err != nil || len(exp) != 1 {
		return nil, formatErr("ContentInfo content is not one element")
	}
	fields, err := berChildren(exp[0])
	if err != nil || len(fields) < 4 {
		return nil, formatErr("SignedData has fewer than four fields")
	}
	r := &RawEncoding{EncapContentInfo: fields[2]}
	rest := fields[3:]
	if len(rest) > 0 && rest[0][0] == 0xa0 {
		r.Certificates, rest = rest[0], rest[1:]
	}
	if len(rest) > 0 && rest[0][0] == 0xa1 {
		r.CRLs, rest = rest[0], rest[1:]
	}
	if len(rest) != 1 {
		return nil, formatErr("SignedData fields after the content are not certificates, crls and signerInfos")
	}
	infos, err := berChildren(rest[0])
	if err != nil {
		return nil, err
	}
	for _, info := range infos {
		parts, err := berChildren(info)
		if err != nil || len(parts) < 5 {
			return nil, formatErr("SignerInfo has fewer than five fields")
		}
		var rs RawSignerInfo
		last := parts[len(parts)-1]
		if last[0] == 0xa1 {
			parts = parts[:len(parts)-1]
			if rs.UnsignedAttrs, err = berChildren(last); err != nil {
				return nil, err
			}
		}
		// The fields are consecutive in the input: one slice of it
		// covers them all.
		n := 0
		for _, p := range parts {
			n += len(p)
		}
		rs.Fields = parts[0][:n:n]
		r.Signers = append(r.Signers, rs)
	}
	return r, nil
}

// berChildren returns the elements (each tag, length and content) inside
// the constructed BER or DER element el.
func berChildren(el []byte) ([][]byte, error) {
	h, err := readBERHeader(el)
	if err != nil {
		return nil, err
	}
	if !h.constructed {
		return nil, formatErr("element is not constructed")
	}
	body := el[h.hdrLen:]
	if !h.indefinite {
		body = body[:h.length]
	}
	// Measure first, so that the result is allocated once.
	n := 0
	if err := eachBERChild(h, body, func([]byte) { n++ }); err != nil {
		return nil, err
	}
	var out [][]byte
	if n > 0 {
		out = make([][]byte, 0, n)
	}
	eachBERChild(h, body, func(c []byte) { out = append(out, c) })
	return out, nil
}

// eachBERChild calls f with each element of body, the content of a
// constructed element with header h.
func eachBERChild(h berHeader, body []byte, f func([]byte)) error {
	for {
		if h.indefinite && len(body) >= 2 && body[0] == 0 && body[1] == 0 {
			return nil
		}
		if len(body) == 0 {
			if h.indefinite {
				return formatErr("indefinite length without end-of-contents")
			}
			return nil
		}
		n, err := berElementLen(body, 0)
		if err != nil {
			return err
		}
		f(body[:n])
		body = body[n:]
	}
}

// berElementLen returns the length of the BER element at the start of in.
func berElementLen(in []byte, depth int) (int, error) {
	if depth > maxDepth {
		return 0, formatErr("nesting deeper than %d", maxDepth)
	}
	h, err := readBERHeader(in)
	if err != nil {
		return 0, err
	}
	if !h.indefinite {
		return h.hdrLen + h.length, nil
	}
	p := h.hdrLen
	for {
		if len(in)-p >= 2 && in[p] == 0 && in[p+1] == 0 {
			return p + 2, nil
		}
		if p >= len(in) {
			return 0, formatErr("indefinite length without end-of-contents")
		}
		n, err := berElementLen(in[p:], depth+1)
		if err != nil {
			return 0, err
		}
		p += n
	}
}
