package extend

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// CAdES extends a CAdES signature. content is the detached content (nil
// for an enveloping signature); it is read up to three times.
//
// B-LT adds the certificates and revocation values the validation used to
// SignedData.certificates and SignedData.crls (OCSP responses as
// RevocationInfoChoice other, RFC 5940). B-LTA then adds to each signer an
// archive-time-stamp-v3 (EN 319 122-1) whose token carries the
// ats-hash-index-v3 of what it covers. A B-B signer first gets a signature
// timestamp.
func CAdES(ctx context.Context, sig []byte, content io.ReadSeeker, opts Options) (*Result, error) {
	e, err := NewExtender(opts)
	if err != nil {
		return nil, err
	}
	return e.CAdES(ctx, sig, content)
}

// CAdES extends a CAdES signature as the function CAdES does, with the
// Extender's options and verifiers.
func (e *Extender) CAdES(ctx context.Context, sig []byte, content io.ReadSeeker) (*Result, error) {
	opts := e.opts
	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", verify.ErrUnreadable, err)
	}
	if len(sd.SignerInfos) == 0 {
		return nil, fmt.Errorf("%w: no signer", verify.ErrUnreadable)
	}
	// A signature timestamp first, for B-B signers.
	if needsTimestamp(sd) {
		if opts.TSA == nil {
			return nil, errors.New("the signature has no signature timestamp: give a TSA to add one")
		}
		if sig, err = sign.AddTimestamp(ctx, sig, opts.TSA); err != nil {
			return nil, err
		}
		if sd, err = cms.Parse(sig); err != nil {
			return nil, err
		}
	}
	rep, err := verifyCAdES(ctx, e.before, sig, content)
	if err != nil {
		return nil, err
	}
	if err := mustPass(rep, "the signature"); err != nil {
		return nil, err
	}
	// B-LT: the validation data of every signature and timestamp.
	v2 := hasArchiveTimestampV2(sd)
	var certs, crls, ocsps [][]byte
	for _, s := range rep.Signatures {
		vd := s.ValidationData
		if vd == nil {
			continue
		}
		for _, c := range vd.Certificates {
			certs = append(certs, c.Raw)
		}
		crls = append(crls, vd.CRLs...)
		ocsps = append(ocsps, vd.OCSPs...)
	}
	if v2 {
		// An archive-time-stamp-v2 covers the SignedData's certificates
		// and crls fields and the unsigned attributes before it: new
		// data goes after it, as certificate-values and
		// revocation-values, so that it keeps proving what it proves.
		if err := addValidationValues(sd, certs, crls, ocsps); err != nil {
			return nil, err
		}
	} else {
		sd.AddCertificates(certs...)
		for _, crl := range crls {
			sd.AddCRL(crl)
		}
		for _, o := range ocsps {
			if err := sd.AddOCSPResponse(o); err != nil {
				return nil, err
			}
		}
	}
	if opts.To == sign.LevelLTA {
		if err := addArchiveTimestamps(ctx, sd, content, opts.TSA, opts.Hash); err != nil {
			return nil, err
		}
	}
	out, err := sd.Marshal()
	if err != nil {
		return nil, err
	}
	// The extended signature must validate from what it embeds.
	before := rep
	rep, err = verifyCAdES(ctx, e.after, out, content)
	if err != nil {
		return nil, err
	}
	if err := mustPass(rep, "the extended signature"); err != nil {
		if v2 && archiveV2Broken(before, rep) {
			return nil, fmt.Errorf("%w (an archive-time-stamp-v2 that validated before no longer does: it covers the signature as the file encodes it, and writing the extended signature re-encoded it, e.g. BER as DER)", err)
		}
		return nil, err
	}
	return result(out, rep, opts.To)
}

func verifyCAdES(ctx context.Context, v *verify.Verifier, sig []byte, content io.ReadSeeker) (*verify.Report, error) {
	r, err := rewind(content)
	if err != nil {
		return nil, err
	}
	return v.VerifyCAdES(ctx, sig, r, "")
}

func needsTimestamp(sd *cms.SignedData) bool {
	for i := range sd.SignerInfos {
		if len(sd.SignerInfos[i].UnsignedAttr(cms.OIDSignatureTimeStamp)) == 0 {
			return true
		}
	}
	return false
}

// addArchiveTimestamps adds an archive-time-stamp-v3 (hash h) to every
// signer of sd.
func addArchiveTimestamps(ctx context.Context, sd *cms.SignedData, content io.ReadSeeker, ts sign.Timestamper, h crypto.Hash) error {
	var contentHash []byte
	switch {
	case sd.Content != nil:
		d := h.New()
		d.Write(sd.Content)
		contentHash = d.Sum(nil)
	case content != nil:
		r, err := rewind(content)
		if err != nil {
			return err
		}
		d := h.New()
		if _, err := io.Copy(d, r); err != nil {
			return fmt.Errorf("reading the content: %w", err)
		}
		contentHash = d.Sum(nil)
	default:
		return errors.New("an archive timestamp covers the signed content: give the detached content")
	}
	for i := range sd.SignerInfos {
		si := &sd.SignerInfos[i]
		index, err := cms.ATSHashIndexV3(sd, si, h)
		if err != nil {
			return err
		}
		input, err := cms.ATSv3Input(sd, si, contentHash, index)
		if err != nil {
			return err
		}
		tok, err := ts.TimestampData(ctx, input)
		if err != nil {
			return fmt.Errorf("archive timestamp: %w", err)
		}
		if tok.HashAlgorithm != h {
			return fmt.Errorf("archive timestamp: the TSA used %v, not %v", tok.HashAlgorithm, h)
		}
		tokSD, err := cms.Parse(tok.Raw)
		if err != nil || len(tokSD.SignerInfos) != 1 {
			return fmt.Errorf("archive timestamp token: %v", err)
		}
		tokSD.SignerInfos[0].AddUnsignedAttr(cms.OIDATSHashIndexV3, index)
		raw, err := tokSD.Marshal()
		if err != nil {
			return err
		}
		si.AddUnsignedAttr(cms.OIDArchiveTimeStampV3, raw)
	}
	return nil
}

func hasArchiveTimestampV2(sd *cms.SignedData) bool {
	for i := range sd.SignerInfos {
		if len(sd.SignerInfos[i].UnsignedAttr(cms.OIDArchiveTimeStampV2)) > 0 {
			return true
		}
	}
	return false
}

// addValidationValues appends to every signer that has an
// archive-time-stamp-v2 the certificates, CRLs and OCSP responses the
// signature does not hold yet, as certificate-values and revocation-values
// attributes.
func addValidationValues(sd *cms.SignedData, certs, crls, ocsps [][]byte) error {
	have := map[string]bool{}
	for _, c := range sd.Certificates {
		have[string(c)] = true
	}
	for _, c := range sd.CRLs {
		have[string(c)] = true
	}
	for i := range sd.SignerInfos {
		c, r, o := sd.SignerInfos[i].ValidationValues()
		for _, list := range [][][]byte{c, r, o} {
			for _, v := range list {
				have[string(v)] = true
			}
		}
	}
	fresh := func(list [][]byte) [][]byte {
		var out [][]byte
		for _, v := range list {
			if !have[string(v)] {
				have[string(v)] = true
				out = append(out, v)
			}
		}
		return out
	}
	certValues, revValues, err := cms.ValidationValuesAttrs(fresh(certs), fresh(crls), fresh(ocsps))
	if err != nil {
		return err
	}
	for i := range sd.SignerInfos {
		si := &sd.SignerInfos[i]
		if len(si.UnsignedAttr(cms.OIDArchiveTimeStampV2)) == 0 {
			continue
		}
		if certValues != nil {
			si.AddUnsignedAttr(cms.OIDCertificateValues, certValues)
		}
		if revValues != nil {
			si.AddUnsignedAttr(cms.OIDRevocationValues, revValues)
		}
	}
	return nil
}

// archiveV2Broken reports whether an archive-time-stamp-v2 that passed in
// before fails in after (same signers, same order).
func archiveV2Broken(before, after *verify.Report) bool {
	passed := func(r *verify.Report) map[string]int {
		n := map[string]int{}
		for _, s := range r.Signatures {
			for _, ts := range s.Timestamps {
				if ts.Type == "archive-v2" && ts.Indication == verify.TotalPassed {
					n[s.ID]++
				}
			}
		}
		return n
	}
	b, a := passed(before), passed(after)
	for id, n := range b {
		if a[id] < n {
			return true
		}
	}
	return false
}
