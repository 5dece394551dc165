package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hpki-jp/hpki/hcrole"
	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/xmlsig"
)

// ErrUnreadable is wrapped when the input is not a signature at all; the
// CLI maps it to exit code 3.
var ErrUnreadable = errors.New("unreadable signature")

// VerifyCAdES validates a CAdES (or plain CMS) signature with a new
// Verifier. See Verifier.VerifyCAdES.
func VerifyCAdES(ctx context.Context, sig []byte, content io.Reader, opts Options) (*Report, error) {
	return New(opts).VerifyCAdES(ctx, sig, content, "")
}

// VerifyCAdES validates every signer (and counter-signer) of a CAdES
// signature in DER, BER or PEM. content is the detached content (nil for
// an enveloping signature); contentName names it in the report. The error
// is non-nil only when sig is not a CMS signature at all (ErrUnreadable) or
// content cannot be read; every validation outcome is in the Report.
func (v *Verifier) VerifyCAdES(ctx context.Context, sig []byte, content io.Reader, contentName string) (*Report, error) {
	if block, _ := pem.Decode(sig); block != nil {
		sig = block.Bytes
	}
	sd, err := cms.Parse(sig)
	padding := 0
	if err != nil {
		// Zero bytes after the ContentInfo (BER files of some
		// producers) are accepted with a warning; anything else after
		// it is not.
		if el, pad := cms.SplitPadding(sig); pad > 0 {
			if sd2, err2 := cms.Parse(el); err2 == nil {
				sd, err, padding = sd2, nil, pad
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	if len(sd.SignerInfos) == 0 {
		return nil, fmt.Errorf("%w: no signer in the SignedData", ErrUnreadable)
	}
	now := v.validationTime()
	rep := &Report{Format: "CAdES", ValidationTime: now.UTC()}
	// Hash the content once per digest algorithm in use. Content the
	// caller gives is what is checked, also against enveloped content.
	v2 := v.newArchiveV2Input(sd)
	digests, covers, mismatch, err := digestContent(sd, content, contentName, v.archiveHashes(sd), v2.detachedWriters(sd, content)...)
	if err != nil {
		return nil, err
	}
	var bag []*x509.Certificate
	var unsupported []string // certificates crypto/x509 cannot read, and why
	for _, raw := range sd.Certificates {
		if len(raw) == 0 || raw[0] != 0x30 {
			continue
		}
		c, err := v.parseCert(raw)
		if err != nil {
			rep.Errors = append(rep.Errors, "unparseable certificate in the signature: "+err.Error())
			unsupported = append(unsupported, err.Error())
			continue
		}
		bag = append(bag, c)
	}
	m := v.newMaterial()
	crls, ocsps := sd.RevocationValues()
	m.addEmbedded(nil, hashed(crls), hashed(ocsps))
	// CAdES-XL validation data in unsigned attributes (older archives).
	for i := range sd.SignerInfos {
		certs, crls, ocsps := sd.SignerInfos[i].ValidationValues()
		for _, raw := range certs {
			if c, err := v.parseCert(raw); err == nil {
				bag = append(bag, c)
			}
		}
		m.addEmbedded(nil, hashed(crls), hashed(ocsps))
	}
	for i := range sd.SignerInfos {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		si := &sd.SignerInfos[i]
		id := fmt.Sprintf("S%d", i+1)
		sr := v.checkSignerInfo(ctx, sd, si, digests, v2.forSigner(i), bag, m, now, false)
		sr.ID = id
		sr.Covers = covers
		if sd.Content != nil && v.opts.KeepSignedData {
			// The enveloped content, as digested (the given --content,
			// when there is one, is byte for byte the same or the
			// verdict is HASH_FAILURE).
			sr.SignedData = []SignedData{{Checked: sr.Indication != TotalFailed || sr.SubIndication != HashFailure, Data: sd.Content}}
		}
		rep.Signatures = append(rep.Signatures, sr)
		v.counterSignatures(ctx, rep, si, id, bag, m, now)
	}
	for i := range rep.Signatures {
		if s := &rep.Signatures[i]; s.SubIndication == NoSigningCertificateFound && len(unsupported) > 0 {
			s.Errors = append(s.Errors, "unsupported certificate in the signature (perhaps the signer's): "+strings.Join(unsupported, "; "))
		}
	}
	if padding > 0 {
		for i := range rep.Signatures {
			rep.Signatures[i].Warnings = append(rep.Signatures[i].Warnings, fmt.Sprintf("%d zero bytes of padding after the signature's ContentInfo were ignored", padding))
		}
	}
	failGivenContent(rep, mismatch)
	rep.summarise()
	return rep, nil
}

// digestContent hashes the content for every digest algorithm of the
// signers. Detached content without a reader gives nil digests. When the
// signature carries its own content (eContent) and the caller gives
// content too, the given content is hashed (streamed, never held in
// memory) and compared byte for byte with the carried one: mismatch is
// then non-empty and says so, and the verdict must be HASH_FAILURE
// (failGivenContent) — given content is never silently ignored.
func digestContent(sd *cms.SignedData, content io.Reader, name string, more []crypto.Hash, tee ...io.Writer) (digests map[crypto.Hash][]byte, covers []string, mismatch string, err error) {
	var hashes []crypto.Hash
	seen := map[crypto.Hash]bool{}
	for i := range sd.SignerInfos {
		h, err := cms.HashFromOID(sd.SignerInfos[i].DigestAlgorithm.Algorithm)
		if err == nil && !seen[h] {
			seen[h] = true
			hashes = append(hashes, h)
		}
	}
	for _, h := range more {
		if !seen[h] {
			seen[h] = true
			hashes = append(hashes, h)
		}
	}
	if name == "" {
		name = "detached content"
	}
	var src io.Reader
	var cmp *compareWriter
	switch {
	case sd.Content != nil && content != nil:
		src = content
		cmp = &compareWriter{want: sd.Content}
		covers = []string{fmt.Sprintf("enveloped content (%d bytes, type %s)", len(sd.Content), contentTypeName(sd.ContentType))}
	case sd.Content != nil:
		src = bytes.NewReader(sd.Content)
		covers = []string{fmt.Sprintf("enveloped content (%d bytes, type %s)", len(sd.Content), contentTypeName(sd.ContentType))}
	case content != nil:
		src = content
		covers = []string{name}
	default:
		return nil, []string{"detached content (not given)"}, "", nil
	}
	ws := make([]io.Writer, 0, len(hashes)+1)
	hs := make(map[crypto.Hash]interface {
		io.Writer
		Sum([]byte) []byte
	})
	for _, h := range hashes {
		hh := h.New()
		hs[h] = hh
		ws = append(ws, hh)
	}
	if cmp != nil {
		ws = append(ws, cmp)
	}
	if sd.Content == nil {
		ws = append(ws, tee...)
	}
	buf := copyBuffers.Get().(*[]byte)
	_, err = io.CopyBuffer(io.MultiWriter(ws...), src, *buf)
	copyBuffers.Put(buf)
	if err != nil {
		return nil, nil, "", fmt.Errorf("reading the signed content: %w", err)
	}
	out := make(map[crypto.Hash][]byte, len(hs))
	for h, hh := range hs {
		out[h] = hh.Sum(nil)
	}
	if cmp != nil {
		if cmp.equal() {
			covers[0] += "; identical to the given " + name
		} else {
			mismatch = fmt.Sprintf("the given content (%s) is not the content this signature carries and covers (%s)", name, covers[0])
			covers[0] += "; NOT the given " + name
		}
	}
	return out, covers, mismatch, nil
}

// copyBuffers holds the buffers digestContent streams content through:
// one per signature would be most of what a run over many small
// documents allocates.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// compareWriter compares what is written with want, without keeping it.
type compareWriter struct {
	want []byte
	n    int
	diff bool
}

func (c *compareWriter) Write(p []byte) (int, error) {
	if !c.diff {
		rest := c.want[min(c.n, len(c.want)):]
		if len(p) > len(rest) || !bytes.Equal(p, rest[:len(p)]) {
			c.diff = true
		}
	}
	c.n += len(p)
	return len(p), nil
}

func (c *compareWriter) equal() bool { return !c.diff && c.n == len(c.want) }

func contentTypeName(oid []int) string {
	if cms.OIDData.Equal(oid) {
		return "data"
	}
	return fmt.Sprint(oid)
}

// archiveHashes lists the hash algorithms of the archive timestamps'
// indexes, so that the content is hashed for them too. The tokens are
// parsed through the Verifier's cache (archiveStamp reads them again); a
// token wrapped in an OCTET STRING adds nothing here (read as found, it is
// not a token).
func (v *Verifier) archiveHashes(sd *cms.SignedData) []crypto.Hash {
	var out []crypto.Hash
	for i := range sd.SignerInfos {
		for _, attr := range sd.SignerInfos[i].UnsignedAttr(cms.OIDArchiveTimeStampV3) {
			for _, val := range attr.Values {
				if len(val.FullBytes) > 0 && val.FullBytes[0] == 0x04 {
					continue // an OCTET STRING, read as found: not a token
				}
				if pt := v.token(val.FullBytes); pt.err == nil {
					out = append(out, pt.tok.HashAlgorithm)
				}
			}
		}
	}
	return out
}

// archiveContext is what the archive timestamps of one SignerInfo share:
// the hashed sets of the elements their indexes may list, and the hash
// state after the common part of their input (ATSv3Prefix), so that K
// archive timestamps over a signature of N bytes cost O(K + N), not O(K·N).
type archiveContext struct {
	sd       *cms.SignedData
	si       *cms.SignerInfo
	digests  map[crypto.Hash][]byte
	elements *cms.ArchiveElements
	prefix   map[[2]crypto.Hash]hash.Hash // (index alg, imprint alg) → state after the prefix
}

func newArchiveContext(sd *cms.SignedData, si *cms.SignerInfo, digests map[crypto.Hash][]byte) *archiveContext {
	return &archiveContext{sd: sd, si: si, digests: digests, elements: cms.NewArchiveElements(sd, si), prefix: map[[2]crypto.Hash]hash.Hash{}}
}

// imprint returns the hash (alg) of ATSv3Input for an index made with
// indexAlg, hashing the shared prefix once per pair of algorithms.
func (a *archiveContext) imprint(indexAlg, alg crypto.Hash, index []byte) ([]byte, error) {
	key := [2]crypto.Hash{indexAlg, alg}
	base, ok := a.prefix[key]
	if !ok {
		prefix, err := cms.ATSv3Prefix(a.sd, a.si, a.digests[indexAlg])
		if err != nil {
			return nil, err
		}
		base = alg.New()
		base.Write(prefix)
		a.prefix[key] = base
	}
	c, ok := base.(hash.Cloner)
	if !ok {
		return nil, fmt.Errorf("hash %v cannot be cloned", alg)
	}
	d, err := c.Clone()
	if err != nil {
		return nil, fmt.Errorf("hash %v: %w", alg, err)
	}
	d.Write(index)
	return d.Sum(nil), nil
}

// archiveStamp prepares the check of one archive-time-stamp-v3: the
// ats-hash-index-v3 in the token must list only elements still present,
// and the token must cover ATSv3Input. Its cost is linear in the token and
// its index, whatever the size of the signature: the signature's elements
// are hashed once per signer (archiveContext).
func (v *Verifier) archiveStamp(a *archiveContext, raw []byte) stamp {
	st := stamp{kind: "archive", raw: raw}
	pt := v.token(raw)
	if pt.err != nil || len(pt.sd.SignerInfos) != 1 {
		st.err = fmt.Errorf("archive timestamp is not a timestamp token: %v", pt.err)
		return st
	}
	tokSD := pt.sd
	check, old := a.elements.CheckIndex, false
	attrs := tokSD.SignerInfos[0].UnsignedAttr(cms.OIDATSHashIndexV3)
	if prev := tokSD.SignerInfos[0].UnsignedAttr(cms.OIDATSHashIndex); len(attrs) == 0 && len(prev) > 0 {
		// ETSI TS 101 733 v2.x: the older index, unsigned attributes
		// hashed whole.
		attrs, check, old = prev, a.elements.CheckOldIndex, true
	}
	if len(attrs) != 1 || len(attrs[0].Values) != 1 {
		st.err = errors.New("archive timestamp without exactly one ats-hash-index-v3 (or older ats-hash-index)")
		return st
	}
	index := attrs[0].Values[0].FullBytes
	h, err := check(index)
	if err != nil {
		st.err = err
		return st
	}
	covered, err := a.elements.CoveredAttrs(index, old)
	if err != nil {
		st.err = err
		return st
	}
	st.covers = func(p stampPos) bool { return covered(p[0], p[1]) }
	if _, ok := a.digests[h]; !ok {
		st.err = fmt.Errorf("%w: the signed content is needed to check the archive timestamp: give it with --content", xmlsig.ErrNotGiven)
		return st
	}
	st.digest = func(alg crypto.Hash) ([]byte, error) { return a.imprint(h, alg, index) }
	return st
}

// Limits on counter-signatures, so that a signature cannot make the
// verifier do unbounded work: counter-signatures nested deeper than
// MaxCounterSignatureDepth levels under a signer, or more than
// MaxCounterSignatures of them under one signer in all, are not validated;
// the report then carries one TOTAL_FAILED/FORMAT_FAILURE entry saying so.
// Real signatures have one or two levels (a pharmacist counter-signing a
// doctor's prescription).
const (
	MaxCounterSignatureDepth = 16
	MaxCounterSignatures     = 64
)

// counterSignatures validates the counter-signatures of si, recursively,
// within MaxCounterSignatureDepth and MaxCounterSignatures. Each
// counter-signature must cover exactly the signature value of its parent:
// its message-digest is compared with the hash of si.Signature, nothing
// else.
func (v *Verifier) counterSignatures(ctx context.Context, rep *Report, si *cms.SignerInfo, parentID string, bag []*x509.Certificate, m *material, now time.Time) {
	budget := MaxCounterSignatures
	v.counterSignaturesAt(ctx, rep, si, parentID, bag, m, now, 1, &budget)
}

func (v *Verifier) counterSignaturesAt(ctx context.Context, rep *Report, si *cms.SignerInfo, parentID string, bag []*x509.Certificate, m *material, now time.Time, depth int, budget *int) {
	n := 0
	for _, attr := range si.UnsignedAttr(cms.OIDCounterSignature) {
		for _, val := range attr.Values {
			if ctx.Err() != nil {
				return
			}
			n++
			id := fmt.Sprintf("%s/counter%d", parentID, n)
			if depth > MaxCounterSignatureDepth || *budget <= 0 {
				msg := fmt.Sprintf("counter-signatures nested deeper than %d levels: not validated", MaxCounterSignatureDepth)
				if *budget <= 0 {
					msg = fmt.Sprintf("more than %d counter-signatures under one signer: the others are not validated", MaxCounterSignatures)
				}
				rep.Signatures = append(rep.Signatures, SignatureReport{ID: id, Indication: TotalFailed, SubIndication: FormatFailure,
					Covers: []string{"the signature value of " + parentID}, Errors: []string{msg}})
				*budget = -1 // one such entry per signer is enough
				return
			}
			*budget--
			csi, err := cms.ParseSignerInfo(val.FullBytes)
			if err != nil {
				rep.Signatures = append(rep.Signatures, SignatureReport{ID: id, Indication: TotalFailed, SubIndication: FormatFailure, Errors: []string{err.Error()}})
				continue
			}
			h, err := cms.HashFromOID(csi.DigestAlgorithm.Algorithm)
			var digests map[crypto.Hash][]byte
			if err == nil {
				d := h.New()
				d.Write(si.Signature)
				digests = map[crypto.Hash][]byte{h: d.Sum(nil)}
			}
			sr := v.checkSignerInfo(ctx, nil, csi, digests, nil, bag, m, now, true)
			sr.ID = id
			sr.Covers = []string{"the signature value of " + parentID}
			rep.Signatures = append(rep.Signatures, sr)
			v.counterSignaturesAt(ctx, rep, csi, id, bag, m, now, depth+1, budget)
			if *budget < 0 {
				return
			}
		}
	}
}

// cryptoSunset says until when a weak algorithm is acceptable, when a proof
// of existence shows the signature was made before that date.
var cryptoSunset = map[string]time.Time{
	"SHA-1":    time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC),
	"RSA-1024": time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC),
}

// checkSignerInfo validates one SignerInfo of sd (nil for a
// counter-signature, which must not carry content-type).
// more are further proofs of existence of the signature (the document
// timestamps of a PDF), oldest first. v2 is the archive-time-stamp-v2
// input of si (nil when sd has none, and for counter-signatures).
func (v *Verifier) checkSignerInfo(ctx context.Context, sd *cms.SignedData, si *cms.SignerInfo, digests map[crypto.Hash][]byte, v2 *archiveV2Signer, bag []*x509.Certificate, m *material, now time.Time, counter bool, more ...stamp) SignatureReport {
	sr := SignatureReport{BestSignatureTime: now.UTC(), Signer: Signer{Roles: []Role{}, HPKI: hcrole.NotHPKI.String()}}
	fail := func(ind Indication, sub SubIndication, format string, args ...any) SignatureReport {
		if sr.Indication == "" || severity(ind) > severity(sr.Indication) {
			sr.Indication, sr.SubIndication = ind, sub
		}
		sr.Errors = append(sr.Errors, fmt.Sprintf(format, args...))
		return sr
	}
	// The signer certificate, by sid only.
	cert := cms.CertificateFor(si.SID, bag)
	if cert == nil {
		cert = cms.CertificateFor(si.SID, v.opts.Trust.IntermediateCertificates())
	}
	if cert == nil {
		return fail(Indeterminate, NoSigningCertificateFound, "the signer's certificate (named by the SignerInfo sid) is not in the signature")
	}
	v.describeSigner(&sr, cert)
	h, err := cms.HashFromOID(si.DigestAlgorithm.Algorithm)
	if err != nil {
		return fail(Indeterminate, CryptoConstraintsFailure, "%v", err)
	}
	sr.DigestAlgorithm = hashName(h)
	if si.SignedAttrsRaw == nil {
		return fail(TotalFailed, FormatFailure, "no signed attributes: not a CAdES signature")
	}
	// Structure of the signed attributes (single-valued ones once, with one
	// value; cmsAlgorithmProtection naming this SignerInfo's algorithms).
	if err := si.CheckSignedAttrs(); err != nil {
		return fail(TotalFailed, FormatFailure, "%v", err)
	}
	// content-type and message-digest.
	if counter {
		if si.SignedAttr(cms.OIDContentType) != nil {
			return fail(TotalFailed, FormatFailure, "a counter-signature must not carry content-type")
		}
	} else {
		ct := si.SignedAttr(cms.OIDContentType)
		if ct == nil || si.CountSignedAttr(cms.OIDContentType) != 1 {
			return fail(TotalFailed, FormatFailure, "content-type must appear exactly once among the signed attributes")
		}
		o, err := cms.OIDValue(ct)
		if err != nil || !o.Equal(sd.ContentType) {
			return fail(TotalFailed, FormatFailure, "content-type attribute %v differs from the encapsulated content type %v", o, sd.ContentType)
		}
	}
	mdAttr := si.SignedAttr(cms.OIDMessageDigest)
	if mdAttr == nil || si.CountSignedAttr(cms.OIDMessageDigest) != 1 {
		return fail(TotalFailed, FormatFailure, "message-digest must appear exactly once among the signed attributes")
	}
	md, err := cms.OctetStringValue(mdAttr)
	if err != nil {
		return fail(TotalFailed, FormatFailure, "%v", err)
	}
	if st := si.SignedAttr(cms.OIDSigningTime); st != nil {
		if t, err := cms.SigningTime(st); err == nil {
			t = t.UTC()
			sr.ClaimedSigningTime = &t
		}
	}
	if pa := si.SignedAttr(cms.OIDSignaturePolicyID); pa != nil {
		if oid, err := cms.SignaturePolicy(pa); err == nil && oid != nil {
			sr.SignaturePolicy = oid.String()
		}
	}
	// Signing certificate reference (ESS signing-certificate(-v2)).
	level := "CAdES-BASELINE-B"
	sc := si.SignedAttr(cms.OIDSigningCertificateV2)
	if sc == nil {
		sc = si.SignedAttr(cms.OIDSigningCertificate)
	}
	if sc == nil {
		level = "CMS"
		sr.Warnings = append(sr.Warnings, "no signing-certificate(-v2) attribute: a plain CMS signature, not CAdES; the signer certificate is identified by the sid only")
		// The sid is not signed: another certificate for the same key
		// (with other roles) could be named instead. A role needs a
		// certificate the signed attributes bind.
		if !v.opts.RequireRole.IsZero() {
			fail(TotalFailed, SigConstraintsFailure, "the role requirement cannot be met: no signed attribute (signing-certificate-v2) binds the signer certificate, and the sid naming it is not signed")
		}
	} else if m, err := cms.CheckSigningCertificate(sc, cert); err != nil {
		return fail(Indeterminate, NoSigningCertificateFound, "signing-certificate attribute: %v", err)
	} else if !m.V2 {
		sr.Warnings = append(sr.Warnings, "signing-certificate v1 (SHA-1 certificate hash) is used instead of v2")
	}
	// The signature itself.
	d := h.New()
	d.Write(si.SignedAttrsForSignature())
	if err := cms.VerifySignature(cert.PublicKey, si.SignatureAlgorithm, h, d.Sum(nil), si.Signature); err != nil {
		return fail(TotalFailed, SigCryptoFailure, "the signature value does not verify with the signer's key: %v", err)
	}
	// Content digest.
	switch got, ok := digests[h]; {
	case digests == nil:
		fail(Indeterminate, SignedDataNotFound, "detached signature: give the signed file with --content")
	case !ok:
		fail(Indeterminate, CryptoConstraintsFailure, "digest algorithm %v unavailable", h)
	case !bytes.Equal(got, md):
		return fail(TotalFailed, HashFailure, "the content does not match the signed message digest: it was changed or is not the signed file")
	}
	var stamps []stamp
	var archive *archiveContext
	archives := 0
	for j, attr := range si.UnsignedAttrs {
		for k, val := range attr.Values {
			n := len(stamps)
			isArchiveAttr := attr.Type.Equal(cms.OIDArchiveTimeStampV2) || attr.Type.Equal(cms.OIDArchiveTimeStampV3)
			if isArchiveAttr && !counter {
				if archives++; archives > MaxArchiveTimestamps {
					// Not even prepared: each would cost work over
					// the signature's attributes (checkTimestamps
					// reports it failed).
					kind := "archive"
					if attr.Type.Equal(cms.OIDArchiveTimeStampV2) {
						kind = "archive-v2"
					}
					stamps = append(stamps, stamp{kind: kind, raw: val.FullBytes, pos: stampPos{j, k}})
					continue
				}
			}
			switch {
			case attr.Type.Equal(cms.OIDArchiveTimeStampV2) && !counter:
				stamps = append(stamps, v.archiveStampV2(v2, si, j, val.FullBytes))
			case attr.Type.Equal(cms.OIDSignatureTimeStamp):
				stamps = append(stamps, stamp{kind: "signature", raw: val.FullBytes, data: si.Signature})
			case attr.Type.Equal(cms.OIDESCTimeStamp) && !counter:
				// CAdES-X type 1: covers the signature value (and the
				// references): a proof of existence of the signature.
				data, err := cms.ESCTimeStampInput(si)
				stamps = append(stamps, stamp{kind: "esc", raw: val.FullBytes, data: data, err: err})
			case attr.Type.Equal(cms.OIDCertCRLTimestamp) && !counter:
				// CAdES-X type 2: covers the references only, so it
				// proves nothing about when the signature existed.
				data, err := cms.CertCRLTimestampInput(si)
				stamps = append(stamps, stamp{kind: "certcrl", raw: val.FullBytes, data: data, err: err})
			case attr.Type.Equal(cms.OIDArchiveTimeStampV3) && !counter:
				if archive == nil {
					archive = newArchiveContext(sd, si, digests)
				}
				stamps = append(stamps, v.archiveStamp(archive, val.FullBytes))
			}
			for i := n; i < len(stamps); i++ {
				stamps[i].pos = stampPos{j, k}
			}
		}
	}
	// Later stamps from the container (a PDF's document timestamps)
	// cover all of this signature.
	for i, st := range more {
		st.pos = stampPos{len(si.UnsignedAttrs) + i, 0}
		stamps = append(stamps, st)
	}
	// Certificates and revocation data inside the timestamp tokens are
	// validation data too.
	tm := m.clone()
	for _, st := range stamps {
		if pt := v.token(st.raw); pt.err == nil {
			tm.addEmbedded(pt.certs, pt.crls, pt.ocsps)
		}
	}
	v.finish(ctx, &sr, cert, bag, h, level, stamps, tm)
	return sr
}

// finish completes a signature report with what every format shares. The
// timestamps are validated by checkTimestamps; the earliest valid
// signature timestamp gives the best signature time. Then
// the algorithm policy, the signer's path and its revocation status at the
// best signature time, the HPKI role policy, and the final indication.
// level is the level reached without timestamps ("…-B").
func (v *Verifier) finish(ctx context.Context, sr *SignatureReport, cert *x509.Certificate, bag []*x509.Certificate, h crypto.Hash, level string, stamps []stamp, m *material) {
	fail := func(ind Indication, sub SubIndication, format string, args ...any) {
		if sr.Indication == "" || severity(ind) > severity(sr.Indication) {
			sr.Indication, sr.SubIndication = ind, sub
		}
		sr.Errors = append(sr.Errors, fmt.Sprintf(format, args...))
	}
	vd := &ValidationData{}
	sr.ValidationData = vd
	now := v.validationTime()
	results, archived, renewBy := v.checkTimestamps(ctx, stamps, now, m, vd)
	var best time.Time
	for i, st := range stamps {
		if isArchive(st.kind) {
			continue
		}
		tr := results[i]
		if tr.valid && sr.ClaimedSigningTime != nil && sr.ClaimedSigningTime.After(tr.report.GenTime.Add(tokenSlack)) {
			tr.report.Errors = append(tr.report.Errors, "the claimed signing-time is after this timestamp")
			results[i] = tr
			sr.Warnings = append(sr.Warnings, "claimed signing-time "+sr.ClaimedSigningTime.Format(time.RFC3339)+" is later than the signature timestamp")
		}
		if tr.valid && st.kind != "certcrl" && (best.IsZero() || tr.report.GenTime.Before(best)) {
			best = tr.report.GenTime
		}
	}
	if !renewBy.IsZero() {
		rb := renewBy.UTC()
		sr.RenewBy = &rb
	}
	for _, tr := range results {
		sr.Timestamps = append(sr.Timestamps, tr.report)
		sr.Warnings = append(sr.Warnings, tr.warnings...)
		if !tr.valid {
			sr.Warnings = append(sr.Warnings, "a "+tr.report.Type+" timestamp failed validation and is ignored: "+strings.Join(tr.report.Errors, "; "))
		}
	}
	proven := !best.IsZero()
	if proven {
		sr.BestSignatureTime = best
		level = strings.Replace(level, "-BASELINE-B", "-BASELINE-T", 1)
	}
	// Proof of existence at a past validation time.
	if err := v.pastPOE(proven); err != nil {
		fail(Indeterminate, NoPOE, "%v", err)
	}
	// Who may sign documents at all: an end entity allowed to sign, never
	// an HPKI authentication certificate (hcrole.DocumentSigner).
	if err := hcrole.DocumentSigner(cert); err != nil {
		fail(TotalFailed, SigConstraintsFailure, "signer certificate: %v", err)
	}
	// Algorithm policy at the best signature time.
	if h == crypto.SHA1 && !sr.BestSignatureTime.Before(cryptoSunset["SHA-1"]) {
		fail(Indeterminate, CryptoConstraintsFailure, "SHA-1 is not acceptable for a signature without proof of existence before %s", cryptoSunset["SHA-1"].Format("2006-01-02"))
	}
	if bits := cms.KeyBits(cert.PublicKey); isRSA(cert) && bits < 2048 && !sr.BestSignatureTime.Before(cryptoSunset["RSA-1024"]) {
		fail(Indeterminate, CryptoConstraintsFailure, "RSA-%d is too weak for a signature without proof of existence before %s", bits, cryptoSunset["RSA-1024"].Format("2006-01-02"))
	}
	// Certification path and revocation status at the best signature time.
	extra := append(append([]*x509.Certificate{}, bag...), m.certs...)
	if chain, err := v.path(v.opts.Trust, cert, extra, sr.BestSignatureTime); err != nil {
		pf := err.(*pathFailure)
		fail(pf.ind, pf.sub, "signer certificate: %v", pf.err)
	} else {
		if w := v.opts.Trust.AnchorWarning(chain[len(chain)-1]); w != "" {
			sr.Warnings = append(sr.Warnings, w)
		}
		for _, c := range chain {
			vd.addCert(c)
		}
		rev := v.checkRevocation(ctx, chain, sr.BestSignatureTime, proven, !proven, false, m, vd)
		sr.Revocation = rev.checks
		sr.Warnings = append(sr.Warnings, rev.warnings...)
		if rev.ind != "" {
			fail(rev.ind, rev.sub, "signer certificate: %s", rev.err)
		}
		if proven && embeddedOnly(rev.checks) && strings.HasSuffix(level, "-BASELINE-T") {
			level = strings.TrimSuffix(level, "-T") + "-LT"
		}
	}
	if archived && strings.HasSuffix(level, "-BASELINE-LT") {
		level = strings.TrimSuffix(level, "-LT") + "-LTA"
	}
	sr.Level = level
	// HPKI role policy: met only by an HPKI signing certificate's roles,
	// under their scheme.
	if err := v.opts.RequireRole.CheckCertificate(cert); err != nil {
		fail(TotalFailed, SigConstraintsFailure, "%v", err)
	}
	if sr.Signer.HPKI != hcrole.Signing.String() {
		sr.Warnings = append(sr.Warnings, "the signer's certificate is not an HPKI signing (署名用) certificate")
	}
	if sr.Indication == "" {
		sr.Indication = TotalPassed
	}
	sr.Warnings = unique(sr.Warnings)
}

// unique drops repeated strings, keeping the first of each.
func unique(list []string) []string {
	seen := map[string]bool{}
	out := list[:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// embeddedOnly reports whether the signature's own data settled every
// revocation check (the mark of B-LT).
func embeddedOnly(checks []RevocationCheck) bool {
	n := 0
	for _, c := range checks {
		switch {
		case c.Source == "": // not checkable (a CA without CRL or OCSP)
		case !c.selfContained:
			return false
		default:
			n++
		}
	}
	return n > 0
}

// pastPOE applies the rule of validation at a past time (Options.At before
// the clock): only a timestamp whose genTime is at or before that time
// proves the signature existed then (timestamps after it have already
// failed with TIMESTAMP_ORDER_FAILURE). Without one the signature has no
// proof of existence at that time, whatever its certificates say. A
// validation time at or after the clock needs no proof: the signature is at
// hand now.
func (v *Verifier) pastPOE(proven bool) error {
	if proven || v.opts.At.IsZero() {
		return nil
	}
	clock := time.Now()
	if v.opts.Now != nil {
		clock = v.opts.Now()
	}
	if !v.opts.At.Before(clock.Add(-tokenSlack)) {
		return nil
	}
	return fmt.Errorf("no proof of existence at %s: the validation time is in the past and no valid timestamp at or before it shows that the signature existed then", v.opts.At.UTC().Format(time.RFC3339))
}

// tokenSlack tolerates clock differences between signer and TSA.
const tokenSlack = 5 * time.Minute

func isRSA(c *x509.Certificate) bool { return c.PublicKeyAlgorithm == x509.RSA }

func rolesOf(cert *x509.Certificate) []hcrole.Role {
	roles, _ := hcrole.FromCertificate(cert)
	return roles
}

// describeSigner fills the Signer part of the report. The description is
// a function of the certificate's bytes alone, cached under their hash
// (signerKey); each report gets its own copy of the roles.
func (v *Verifier) describeSigner(sr *SignatureReport, cert *x509.Certificate) {
	key := signerKey(sha256.Sum256(cert.Raw))
	if e, ok := v.cache.load(key); ok {
		sr.Signer = e.(Signer)
		sr.Signer.Roles = slices.Clone(sr.Signer.Roles)
		return
	}
	s := describe(cert)
	v.cache.store(key, s, signerCost(s))
	sr.Signer = s
	sr.Signer.Roles = slices.Clone(s.Roles)
}

// signerCost estimates the memory of a cached Signer.
func signerCost(s Signer) int64 {
	n := int64(256 + len(s.Subject) + len(s.SubjectJa) + len(s.Issuer) + len(s.Serial))
	for _, r := range s.Roles {
		n += int64(64 + len(r.Code) + len(r.Ja) + len(r.Scheme))
	}
	return n
}

// describe is the Signer part of a report for cert.
func describe(cert *x509.Certificate) Signer {
	prof := hcrole.Classify(cert)
	cn, _ := hcrole.JapaneseName(cert)
	s := Signer{
		Subject:   cert.Subject.String(),
		SubjectJa: cn,
		Issuer:    cert.Issuer.String(),
		Serial:    strings.ToUpper(new(big.Int).Set(cert.SerialNumber).Text(16)),
		HPKI:      prof.Kind.String(),
		Roles:     []Role{},
		NotBefore: cert.NotBefore.UTC(),
		NotAfter:  cert.NotAfter.UTC(),
	}
	for _, r := range prof.Roles {
		s.Roles = append(s.Roles, Role{Code: r.Text, Ja: r.Ja(), Scheme: r.Scheme.String()})
	}
	return s
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	}
	return h.String()
}

// severity orders indications from best to worst.
func severity(i Indication) int {
	switch i {
	case TotalPassed:
		return 1
	case Indeterminate:
		return 2
	case TotalFailed:
		return 3
	}
	return 0
}

// summarise sets the report's indication to the worst of its signatures.
func (r *Report) summarise() {
	r.Indication = TotalPassed
	for _, s := range r.Signatures {
		if severity(s.Indication) > severity(r.Indication) {
			r.Indication, r.SubIndication = s.Indication, s.SubIndication
		}
	}
	if len(r.Signatures) == 0 {
		r.Indication, r.SubIndication = TotalFailed, FormatFailure
	}
}

// MaxArchiveTimestamps bounds the archive timestamps (of any kind) checked
// per signature, so that ordering them by what covers what stays cheap;
// real archives renew every few years and hold a handful. Tokens beyond
// it are reported failed and prove nothing.
const MaxArchiveTimestamps = 256

// checkTimestamps validates the timestamps of one signature. A token is
// validated at the time up to which a proof of existence covers it: the
// earliest genTime of the valid archive timestamps whose input covered it
// (stamp.covering), or, when none did, at the validation time with the
// rules of the newest token. So a token added after an archive timestamp
// (not in its input) gains nothing from it, wherever it sits. Archive
// timestamps are validated latest genTime first, so those covering a token
// are settled before it; a covering token that claims an earlier genTime
// than the token it covers is not used for it. It returns the results (in
// the order of stamps), whether an archive timestamp is valid, and the
// renewal deadline (when the TSA path of the valid tokens no archive
// timestamp covers first expires).
func (v *Verifier) checkTimestamps(ctx context.Context, stamps []stamp, now time.Time, m *material, vd *ValidationData) ([]timestampResult, bool, time.Time) {
	results := make([]timestampResult, len(stamps))
	genTime := func(i int) (time.Time, bool) {
		pt := v.token(stamps[i].raw)
		if pt.err != nil {
			return time.Time{}, false
		}
		return pt.tok.GenTime, true
	}
	var archives []int
	for i, st := range stamps {
		if !isArchive(st.kind) {
			continue
		}
		if len(archives) == MaxArchiveTimestamps {
			results[i] = timestampResult{report: Timestamp{Type: st.kind, Indication: TotalFailed, SubInd: FormatFailure,
				Errors: []string{fmt.Sprintf("more than %d archive timestamps under one signature: the others are not checked", MaxArchiveTimestamps)}}}
			continue
		}
		archives = append(archives, i)
	}
	// Latest genTime first; unreadable tokens last (they fail anyway).
	sort.SliceStable(archives, func(a, b int) bool {
		ta, oka := genTime(archives[a])
		tb, okb := genTime(archives[b])
		if oka != okb {
			return oka
		}
		return ta.After(tb)
	})
	var validArchives []int // in the order validated: latest genTime first
	// control returns the time up to which the valid archive timestamps
	// validated so far prove token i existed, and whether none does.
	control := func(i int) (time.Time, bool) {
		t, ok := genTime(i)
		if !ok {
			return now, true
		}
		best, found := now, false
		for _, j := range validArchives {
			gj := results[j].report.GenTime
			if j == i || gj.Before(t) || !stamps[j].covering(stamps[i].pos) {
				continue
			}
			if !found || gj.Before(best) {
				best, found = gj, true
			}
		}
		return best, !found
	}
	archived := false
	var renewBy time.Time
	note := func(tr timestampResult, uncovered bool) {
		if tr.valid && uncovered && (renewBy.IsZero() || tr.until.Before(renewBy)) {
			renewBy = tr.until
		}
	}
	for _, i := range archives {
		at, uncovered := control(i)
		tr := v.checkTimestampAt(ctx, stamps[i], at, uncovered, m, vd)
		results[i] = tr
		if tr.valid {
			validArchives = append(validArchives, i)
			archived = true
			note(tr, uncovered)
		}
	}
	var sigRenew time.Time
	for i, st := range stamps {
		if isArchive(st.kind) {
			continue
		}
		at, uncovered := control(i)
		tr := v.checkTimestampAt(ctx, st, at, uncovered, m, vd)
		results[i] = tr
		if tr.valid && uncovered && (sigRenew.IsZero() || tr.until.Before(sigRenew)) {
			sigRenew = tr.until
		}
	}
	if !archived {
		renewBy = sigRenew
	}
	return results, archived, renewBy
}
