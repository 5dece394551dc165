package extend

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/beevik/etree"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
	"github.com/hpki-jp/hpki/xmlsig"
)

// XAdES extends every XAdES signature of an XML document. detached
// resolves detached references (needed for LTA, whose archive timestamp
// covers the referenced data).
//
// B-LT adds xades:CertificateValues and xades:RevocationValues (before any
// archive timestamp; afterwards, new values go into a
// xades141:TimeStampValidationData, so that nothing an archive timestamp
// covered changes). B-LTA adds a xades141:ArchiveTimeStamp (exclusive
// C14N). A B-B signature first gets a SignatureTimeStamp.
func XAdES(ctx context.Context, document []byte, detached xmlsig.Detached, opts Options) (*Result, error) {
	e, err := NewExtender(opts)
	if err != nil {
		return nil, err
	}
	return e.XAdES(ctx, document, detached)
}

// XAdES extends every XAdES signature of an XML document as the function
// XAdES does, with the Extender's options and verifiers.
func (e *Extender) XAdES(ctx context.Context, document []byte, detached xmlsig.Detached) (*Result, error) {
	opts := e.opts
	doc, err := xmlsig.Parse(document)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", verify.ErrUnreadable, err)
	}
	sigs := xmlsig.Find(doc.Root(), xmlsig.NSDSig, "Signature")
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: no ds:Signature in the document", verify.ErrUnreadable)
	}
	for _, sig := range sigs {
		if xmlsig.QualifyingProperties(sig) == nil {
			return nil, errors.New("a ds:Signature without XAdES QualifyingProperties cannot be extended")
		}
		if len(xmlsig.Find(sig, xmlsig.NSXAdES132, "SignatureTimeStamp")) > 0 {
			continue
		}
		if opts.TSA == nil {
			return nil, errors.New("the signature has no signature timestamp: give a TSA to add one")
		}
		if _, err := sign.TimestampXMLSignature(ctx, sig, opts.TSA); err != nil {
			return nil, err
		}
	}
	v := e.before
	current, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	// Content given is checked against the document as handed in: the
	// signature timestamp just added changes the working copy, not what
	// the caller's file is.
	given := opts.Content
	if given.Open != nil {
		same, err := given.Is(document)
		if err != nil {
			return nil, err
		}
		if same {
			given = verify.GivenContent{} // the document itself
		}
	}
	rep, err := v.VerifyXAdESContent(ctx, current, given, detached)
	if err != nil {
		return nil, err
	}
	if err := mustPass(rep, "the signature"); err != nil {
		return nil, err
	}
	if len(rep.Signatures) != len(sigs) {
		return nil, errors.New("the report does not match the document's signatures")
	}
	for i, sig := range sigs {
		if vd := rep.Signatures[i].ValidationData; vd != nil {
			addXMLValidationData(sig, vd)
		}
	}
	if opts.To == sign.LevelLTA {
		for _, sig := range sigs {
			data, err := xmlsig.ArchiveInput(doc, sig, detached, nil, xmlsig.AlgExcC14N)
			if err != nil {
				return nil, err
			}
			tok, err := opts.TSA.TimestampData(ctx, data)
			if err != nil {
				return nil, fmt.Errorf("archive timestamp: %w", err)
			}
			qp := xmlsig.QualifyingProperties(sig)
			xmlsig.AddTimeStamp(xmlsig.UnsignedSignatureProperties(qp), "xades141", "ArchiveTimeStamp", qp.Space, sig.Space, "", xmlsig.AlgExcC14N, tok.Raw, true)
		}
	}
	out, err := xmlsig.Serialize(doc)
	if err != nil {
		return nil, err
	}
	if rep, err = e.after.VerifyXAdES(ctx, out, detached); err != nil {
		return nil, err
	}
	if err := mustPass(rep, "the extended signature"); err != nil {
		return nil, err
	}
	return result(out, rep, opts.To)
}

// addXMLValidationData adds the certificates and revocation values of vd
// that sig does not carry yet.
func addXMLValidationData(sig *etree.Element, vd *verify.ValidationData) {
	have := map[string]bool{}
	for _, local := range []string{"EncapsulatedX509Certificate", "EncapsulatedCRLValue", "EncapsulatedOCSPValue"} {
		for _, v := range xmlsig.EncapsulatedValues(sig, xmlsig.NSXAdES132, local) {
			have[v] = true
		}
	}
	for _, v := range xmlsig.EncapsulatedValues(sig, xmlsig.NSDSig, "X509Certificate") {
		have[v] = true
	}
	fresh := func(raws [][]byte) []string {
		var out []string
		for _, r := range raws {
			if b := base64.StdEncoding.EncodeToString(r); !have[b] {
				have[b] = true
				out = append(out, b)
			}
		}
		return out
	}
	var certRaws [][]byte
	for _, c := range vd.Certificates {
		certRaws = append(certRaws, c.Raw)
	}
	certs, crls, ocsps := fresh(certRaws), fresh(vd.CRLs), fresh(vd.OCSPs)
	if len(certs)+len(crls)+len(ocsps) == 0 {
		return
	}
	qp := xmlsig.QualifyingProperties(sig)
	usp := xmlsig.UnsignedSignatureProperties(qp)
	x := func(local string) string {
		if qp.Space == "" {
			return local
		}
		return qp.Space + ":" + local
	}
	parent := usp
	archived := false
	for _, c := range usp.ChildElements() {
		if xmlsig.IsArchiveTimeStamp(c) {
			archived = true
		}
	}
	if archived {
		// After an archive timestamp, add, never change.
		parent = usp.CreateElement("xades141:TimeStampValidationData")
		parent.CreateAttr("xmlns:xades141", xmlsig.NSXAdES141)
	}
	child := func(p *etree.Element, local string) *etree.Element {
		if !archived {
			if el := xmlsig.Child(p, xmlsig.NSXAdES132, local); el != nil {
				return el
			}
		}
		return p.CreateElement(x(local))
	}
	if len(certs) > 0 {
		cv := child(parent, "CertificateValues")
		for _, b := range certs {
			cv.CreateElement(x("EncapsulatedX509Certificate")).SetText(b)
		}
	}
	if len(crls)+len(ocsps) > 0 {
		rv := child(parent, "RevocationValues")
		if len(crls) > 0 {
			cv := child(rv, "CRLValues")
			for _, b := range crls {
				cv.CreateElement(x("EncapsulatedCRLValue")).SetText(b)
			}
		}
		if len(ocsps) > 0 {
			ov := child(rv, "OCSPValues")
			for _, b := range ocsps {
				ov.CreateElement(x("EncapsulatedOCSPValue")).SetText(b)
			}
		}
	}
}
