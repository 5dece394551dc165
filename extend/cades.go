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
	if err := opts.check(); err != nil {
		return nil, err
	}
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
	v := verify.New(opts.Verify)
	rep, err := verifyCAdES(ctx, v, sig, content)
	if err != nil {
		return nil, err
	}
	if err := mustPass(rep, "the signature"); err != nil {
		return nil, err
	}
	// B-LT: the validation data of every signature and timestamp.
	for _, s := range rep.Signatures {
		vd := s.ValidationData
		if vd == nil {
			continue
		}
		for _, c := range vd.Certificates {
			sd.AddCertificates(c.Raw)
		}
		for _, crl := range vd.CRLs {
			sd.AddCRL(crl)
		}
		for _, o := range vd.OCSPs {
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
	rep, err = verifyCAdES(ctx, verify.New(selfContained(opts.Verify)), out, content)
	if err != nil {
		return nil, err
	}
	if err := mustPass(rep, "the extended signature"); err != nil {
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
