package verify

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"strings"
	"time"

	"github.com/hpki-jp/hpki/internal/cms"
)

// EmbeddedCMS is a detached CMS signature carried inside a container (a
// PDF signature dictionary), with the digests of exactly the bytes it
// covers: the container's parser (package pades) finds those bytes and
// applies the container's own rules; every rule about the signature, its
// certificates, timestamps, revocation and roles is applied here, the same
// as for CAdES.
type EmbeddedCMS struct {
	// ID names the signature in the report.
	ID string
	// CMS is the DER ContentInfo (trailing zero padding removed).
	CMS []byte
	// Digests are the hashes of the covered bytes, one per algorithm the
	// signer may use (at least its digest algorithm).
	Digests map[crypto.Hash][]byte
	// Covers describes the covered bytes.
	Covers []string
	// Format replaces "CAdES" in the level names ("PAdES").
	Format string
	// Later are document timestamps over the container after this
	// signature, oldest first: each proves the signature existed at its
	// genTime (the B-LTA mechanism of PAdES).
	Later []DocumentTimestamp
	// Certificates, CRLs and OCSPs are validation data the container
	// carries beside the signature (a PDF's Document Security Store);
	// they count as embedded (B-LT).
	Certificates, CRLs, OCSPs [][]byte
}

// DocumentTimestamp is an RFC 3161 token over container bytes (a PDF
// document timestamp), with the digests of the bytes it covers.
type DocumentTimestamp struct {
	Token   []byte
	Digests map[crypto.Hash][]byte
}

func (d DocumentTimestamp) stamp() stamp {
	return stamp{kind: "archive", raw: d.Token, digest: func(h crypto.Hash) ([]byte, error) {
		if sum, ok := d.Digests[h]; ok {
			return sum, nil
		}
		return nil, fmt.Errorf("the document timestamp uses %v, whose digest of the covered bytes was not computed", h)
	}}
}

// embeddedMaterial is the container's validation data as embedded data.
func (v *Verifier) embeddedMaterial(certs, crls, ocsps [][]byte) (*material, []*x509.Certificate) {
	m := v.newMaterial()
	var parsed []*x509.Certificate
	for _, raw := range certs {
		if c, err := v.parseCert(raw); err == nil {
			parsed = append(parsed, c)
		}
	}
	m.addEmbedded(parsed, hashed(crls), hashed(ocsps))
	return m, parsed
}

// VerifyEmbeddedCMS validates one embedded detached CMS signature with
// exactly one signer, as VerifyCAdES validates a signer, with the
// container's document timestamps as further proofs of existence and its
// validation data as embedded data. The content digests must be those of
// the bytes the container says are signed.
func (v *Verifier) VerifyEmbeddedCMS(ctx context.Context, e EmbeddedCMS) SignatureReport {
	now := v.validationTime()
	fail := func(sub SubIndication, msg string) SignatureReport {
		return SignatureReport{ID: e.ID, Indication: TotalFailed, SubIndication: sub, Covers: e.Covers, BestSignatureTime: now.UTC(),
			Signer: Signer{Roles: []Role{}, HPKI: "none"}, Errors: []string{msg}}
	}
	sd, err := cms.Parse(e.CMS)
	if err != nil {
		return fail(FormatFailure, "the signature is not a CMS SignedData: "+err.Error())
	}
	if len(sd.SignerInfos) != 1 {
		return fail(FormatFailure, fmt.Sprintf("the signature has %d signers; exactly one is allowed", len(sd.SignerInfos)))
	}
	if sd.Content != nil {
		return fail(FormatFailure, "the CMS signature carries its own content: an embedded signature must be detached")
	}
	if !sd.ContentType.Equal(cms.OIDData) {
		return fail(FormatFailure, "the CMS content type is not id-data")
	}
	m, dssCerts := v.embeddedMaterial(e.Certificates, e.CRLs, e.OCSPs)
	crls, ocsps := sd.RevocationValues()
	m.addEmbedded(nil, hashed(crls), hashed(ocsps))
	var bag []*x509.Certificate
	for _, raw := range sd.Certificates {
		if len(raw) == 0 || raw[0] != 0x30 {
			continue
		}
		if c, err := v.parseCert(raw); err == nil {
			bag = append(bag, c)
		}
	}
	bag = append(bag, dssCerts...)
	more := make([]stamp, len(e.Later))
	for i, d := range e.Later {
		more[i] = d.stamp()
	}
	sr := v.checkSignerInfo(ctx, sd, &sd.SignerInfos[0], e.Digests, nil, bag, m, now, false, more...)
	sr.ID = e.ID
	sr.Covers = e.Covers
	if e.Format != "" {
		sr.Level = strings.Replace(sr.Level, "CAdES-", e.Format+"-", 1)
	}
	for i := range sr.Timestamps {
		if sr.Timestamps[i].Type == "archive" {
			sr.Timestamps[i].Type = "document"
		}
	}
	return sr
}

// VerifyDocumentTimestamp validates a document timestamp: its imprint
// over the covered bytes, its TSA's signature, certificate and path, at
// the time the later document timestamps prove (the validation time for
// the newest), with the container's validation data as embedded data.
func (v *Verifier) VerifyDocumentTimestamp(ctx context.Context, id string, d DocumentTimestamp, later []DocumentTimestamp, covers []string, certs, crls, ocsps [][]byte) SignatureReport {
	now := v.validationTime()
	sr := SignatureReport{ID: id, Kind: "documentTimestamp", Covers: covers, BestSignatureTime: now.UTC(), Signer: Signer{Roles: []Role{}, HPKI: "none"}}
	m, _ := v.embeddedMaterial(certs, crls, ocsps)
	for _, l := range append([]DocumentTimestamp{d}, later...) {
		if pt := v.token(l.Token); pt.err == nil {
			m.addEmbedded(pt.certs, pt.crls, pt.ocsps)
		}
	}
	vd := &ValidationData{}
	sr.ValidationData = vd
	control, newest := now, true
	for i := len(later) - 1; i >= 0; i-- {
		tr := v.checkTimestampAt(ctx, later[i].stamp(), control, newest, m, vd)
		if tr.valid {
			if newest {
				rb := tr.until.UTC()
				sr.RenewBy = &rb
			}
			control, newest = tr.report.GenTime, false
		}
	}
	tr := v.checkTimestampAt(ctx, d.stamp(), control, newest, m, vd)
	tr.report.Type = "document"
	sr.Timestamps = []Timestamp{tr.report}
	sr.Warnings = append(sr.Warnings, tr.warnings...)
	if newest && tr.valid {
		rb := tr.until.UTC()
		sr.RenewBy = &rb
	}
	if pt := v.token(d.Token); pt.err == nil && len(pt.certs) > 0 {
		if c := cms.CertificateFor(pt.sd.SignerInfos[0].SID, pt.certs); c != nil {
			v.describeSigner(&sr, c)
		}
	}
	if tr.valid {
		sr.Indication = TotalPassed
		sr.BestSignatureTime = tr.report.GenTime
	} else {
		sr.Indication, sr.SubIndication = tr.report.Indication, tr.report.SubInd
		sr.Errors = append(sr.Errors, tr.report.Errors...)
	}
	sr.Warnings = unique(sr.Warnings)
	return sr
}

// ValidationTime returns the time the Verifier validates for (Options.At,
// or its clock).
func (v *Verifier) ValidationTime() time.Time { return v.validationTime().UTC() }

// Summarise sets the report's indication to the worst of its signatures
// (TOTAL_FAILED/FORMAT_FAILURE when there is none).
func (r *Report) Summarise() { r.summarise() }
