package verify

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/xmlsig"
)

// MaxArchiveTimestampsV2 bounds the archive-time-stamp-v2 tokens checked
// per signer. Each hashes the signature's unsigned attributes again (which
// ones it covers depends on its genTime), so the bound keeps the work
// linear in the size of the signature; real archives renew their
// timestamp every few years and hold a handful. Tokens beyond it are
// reported failed and are no proof of existence.
const MaxArchiveTimestampsV2 = 16

// archiveV2Input is what the archive-time-stamp-v2 tokens of the signers
// of one SignedData share: the original encodings, and per hash the state
// after the encapContentInfo element and the detached content (streamed
// once, with the content digests).
type archiveV2Input struct {
	raw   *cms.RawEncoding
	heads map[crypto.Hash]hash.Hash
	// given is false when the content is detached and was not given.
	given bool
}

// newArchiveV2Input prepares the hashes of sd's archive-time-stamp-v2
// tokens; nil when sd has none.
func (v *Verifier) newArchiveV2Input(sd *cms.SignedData) *archiveV2Input {
	var hashes []crypto.Hash
	for i := range sd.SignerInfos {
		for _, attr := range sd.SignerInfos[i].UnsignedAttr(cms.OIDArchiveTimeStampV2) {
			for _, val := range attr.Values {
				if pt := v.token(val.FullBytes); pt.err == nil {
					hashes = append(hashes, pt.tok.HashAlgorithm)
				}
			}
		}
	}
	if len(hashes) == 0 {
		return nil
	}
	in := &archiveV2Input{raw: sd.Raw, heads: map[crypto.Hash]hash.Hash{}, given: sd.Content != nil}
	if in.raw == nil {
		return in
	}
	for _, h := range hashes {
		if _, ok := in.heads[h]; !ok && h.Available() {
			d := h.New()
			d.Write(in.raw.EncapContentInfo)
			in.heads[h] = d
		}
	}
	return in
}

// detachedWriters returns the hashes the detached content must be written
// to (after the encapContentInfo element).
func (in *archiveV2Input) detachedWriters(sd *cms.SignedData, content io.Reader) []io.Writer {
	if in == nil || sd.Content != nil || content == nil {
		return nil
	}
	in.given = true
	out := make([]io.Writer, 0, len(in.heads))
	for _, d := range in.heads {
		out = append(out, d)
	}
	return out
}

// archiveV2Signer is the archive-time-stamp-v2 input of one signer: the
// hash states after the certificates, crls and the SignerInfo's fields up
// to its signature, computed once per hash.
type archiveV2Signer struct {
	in      *archiveV2Input
	signer  int
	mid     map[crypto.Hash]hash.Hash
	checked int
}

func (in *archiveV2Input) forSigner(i int) *archiveV2Signer {
	if in == nil {
		return nil
	}
	return &archiveV2Signer{in: in, signer: i, mid: map[crypto.Hash]hash.Hash{}}
}

func cloneHash(d hash.Hash) (hash.Hash, error) {
	c, ok := d.(hash.Cloner)
	if !ok {
		return nil, errors.New("hash cannot be cloned")
	}
	return c.Clone()
}

// base returns a fresh hash (h) holding everything the signer's
// archive-time-stamp-v2 tokens hash before the unsigned attributes.
func (a *archiveV2Signer) base(h crypto.Hash) (hash.Hash, error) {
	d, ok := a.mid[h]
	if !ok {
		head, ok := a.in.heads[h]
		if !ok {
			return nil, fmt.Errorf("hash %v unavailable", h)
		}
		var err error
		if d, err = cloneHash(head); err != nil {
			return nil, err
		}
		d.Write(a.in.raw.ATSv2Middle(a.signer))
		a.mid[h] = d
	}
	return cloneHash(d)
}

// archiveStampV2 prepares the check of the archive-time-stamp-v2 token raw,
// the value of si's attrIndex-th unsigned attribute. It covers the
// unsigned attributes of si present when it was made, each as encoded in
// the input: read as those before it (attributes are appended), or as
// every one but itself and the archive timestamps (v2 or v3) not made
// before it (a SET re-sorted as DER puts later attributes first). Its
// imprint must be that of one of these readings in one of the two variants
// of TS 101 733 (cms.ATSv2Variant): each is a hash over exactly the
// elements the file holds, so none lets a changed element through;
// otherwise the token fails and proves nothing.
func (v *Verifier) archiveStampV2(a *archiveV2Signer, si *cms.SignerInfo, attrIndex int, raw []byte) stamp {
	st := stamp{kind: "archive-v2", raw: raw}
	pt := v.token(raw)
	switch {
	case pt.err != nil:
		st.err = fmt.Errorf("archive-time-stamp-v2 is not a timestamp token: %v", pt.err)
		return st
	case a == nil || a.in.raw == nil:
		st.err = errors.New("archive-time-stamp-v2 not checked: the signature's elements could not be read as encoded")
		return st
	case !a.in.given:
		st.err = fmt.Errorf("%w: the signed content is needed to check the archive-time-stamp-v2: give it with --content", xmlsig.ErrNotGiven)
		return st
	}
	a.checked++
	if a.checked > MaxArchiveTimestampsV2 {
		st.err = fmt.Errorf("more than %d archive-time-stamp-v2 tokens under one signer: the others are not checked", MaxArchiveTimestampsV2)
		return st
	}
	// Which unsigned attributes the token covers: those before it in the
	// input (producers that append), or every one but the archive
	// timestamps not made before it (producers whose SET was re-sorted
	// as DER, so that a later attribute may come first).
	genTime := pt.tok.GenTime
	rawAttrs := a.in.raw.Signers[a.signer].UnsignedAttrs
	before := rawAttrs[:attrIndex]
	var byTime [][]byte
	var byTimeIdx []int
	for j := range si.UnsignedAttrs {
		attr := &si.UnsignedAttrs[j]
		if j == attrIndex {
			continue
		}
		if attr.Type.Equal(cms.OIDArchiveTimeStampV2) || attr.Type.Equal(cms.OIDArchiveTimeStampV3) {
			if len(attr.Values) == 0 {
				continue
			}
			other := v.token(attr.Values[0].FullBytes)
			if other.err != nil || !other.tok.GenTime.Before(genTime) {
				continue
			}
		}
		byTime = append(byTime, rawAttrs[j])
		byTimeIdx = append(byTimeIdx, j)
	}
	sets := [][][]byte{before}
	if !sameSlices(before, byTime) {
		sets = append(sets, byTime)
	}
	// What the token covers is the reading its imprint matched: the
	// attributes before it, or those of byTime. Until one matched (the
	// token is then failed anyway) it covers nothing.
	matched := -1
	inByTime := make(map[int]bool, len(byTimeIdx))
	for _, j := range byTimeIdx {
		inByTime[j] = true
	}
	st.covers = func(p stampPos) bool {
		switch matched {
		case 0:
			return p[0] < attrIndex
		case 1:
			return inByTime[p[0]]
		}
		return false
	}
	want := pt.tok.HashedMessage
	st.digest = func(h crypto.Hash) ([]byte, error) {
		var first []byte
		for reading, covered := range sets {
			for _, variant := range []cms.ATSv2Variant{cms.ATSv2WithUnsignedAttrsTag, cms.ATSv2BareUnsignedAttrs} {
				d, err := a.base(h)
				if err != nil {
					return nil, err
				}
				for _, p := range cms.ATSv2Tail(covered, variant) {
					d.Write(p)
				}
				sum := d.Sum(nil)
				if bytes.Equal(sum, want) {
					matched = reading
					return sum, nil
				}
				if first == nil {
					first = sum
				}
			}
		}
		return first, nil
	}
	return st
}

// isArchive reports whether a timestamp kind is an archive timestamp:
// validated newest first, each at the time the next one proves.
func isArchive(kind string) bool { return kind == "archive" || kind == "archive-v2" }

// sameSlices reports whether a and b hold the same slices (same bytes).
func sameSlices(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
