package cms

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"github.com/hpki-jp/hpki/internal/der"
)

// The DER reading of a SignedData, without encoding/asn1's reflection
// (internal/der). It accepts and refuses exactly what the encoding/asn1
// reading of the same structures did (FuzzParseDifferential holds the two
// together): the same lax places (trailing elements inside a SEQUENCE,
// digestAlgorithms that are not a sequence of elements) and the same
// strict ones), but for the refusals marked der.StrictMark: elements after
// the last field of ContentInfo, SignedData, EncapsulatedContentInfo and
// SignerInfo, and versions outside those RFC 5652 defines.
//
// Aliasing: every []byte and asn1.RawValue of the result (signature
// values, eContent, certificates, CRLs, attribute values, raw encodings)
// is a sub-slice of the input, as Parse documents; object identifiers
// and attribute value lists share a few allocations per signature, each
// with its capacity cut to its length so that appending to one copies it.

// parser holds what one parse allocates from.
type parser struct {
	ints []int           // spare capacity for object identifiers
	vals []asn1.RawValue // spare capacity for attribute values
}

// values returns n attribute values to fill, from allocations shared by
// the attributes of a parse (each slice's capacity cut to its length);
// more is how many more values are expected (one per attribute still to
// read), so that a new allocation holds them too.
func (p *parser) values(n, more int) []asn1.RawValue {
	if cap(p.vals)-len(p.vals) < n {
		p.vals = make([]asn1.RawValue, 0, n+more)
	}
	start := len(p.vals)
	p.vals = p.vals[:start+n]
	return p.vals[start : start+n : start+n]
}

func (p *parser) oid(body []byte) (asn1.ObjectIdentifier, error) {
	oid, grown, err := der.AppendOID(p.ints, body)
	p.ints = grown
	return oid, err
}

func parseDER(in []byte) (*SignedData, error) {
	p := &parser{ints: make([]int, 0, 128)}
	// ContentInfo ::= SEQUENCE { contentType, [0] EXPLICIT content OPTIONAL }
	ci, rest, err := der.Top(in, asn1.TagSequence, true)
	if err != nil {
		return nil, formatErr("ContentInfo: %v", err)
	}
	f := der.NewFields(ci.Body)
	ctype, err := f.Universal(asn1.TagOID, false)
	if err != nil {
		return nil, formatErr("ContentInfo: %v", err)
	}
	ct, err := p.oid(ctype.Body)
	if err != nil {
		return nil, formatErr("ContentInfo: %v", err)
	}
	content, _, err := f.ExplicitRaw(0, true)
	if err == nil {
		err = f.End("ContentInfo")
	}
	if err != nil {
		return nil, formatErr("ContentInfo: %v", err)
	}
	if len(rest) != 0 {
		return nil, formatErr("%d trailing bytes after ContentInfo", len(rest))
	}
	if !ct.Equal(OIDSignedData) {
		return nil, formatErr("content type %s is not SignedData", ct)
	}
	var sd rawSD
	if err := p.signedData(&sd, content.Body); err != nil {
		return nil, formatErr("SignedData: %v", err)
	}
	if sd.DigestAlgorithmsRaw.Tag != asn1.TagSet || sd.signerInfosRaw.Tag != asn1.TagSet {
		return nil, formatErr("SignedData digestAlgorithms or signerInfos is not a SET")
	}
	return p.finish(&sd)
}

// rawSD is the first reading of a SignedData: its fields as elements.
type rawSD struct {
	*SignedData
	DigestAlgorithmsRaw   der.Element
	eContent, certs, crls der.Element
	hasEContent           bool
	hasCerts, hasCRLs     bool
	signerInfosRaw        der.Element
}

func (p *parser) signedData(r *rawSD, b []byte) error {
	top, rest, err := der.Top(b, asn1.TagSequence, true)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return asn1.SyntaxError{Msg: "trailing data"}
	}
	r.SignedData = &SignedData{}
	f := der.NewFields(top.Body)
	v, err := f.Universal(asn1.TagInteger, false)
	if err != nil {
		return err
	}
	if r.Version, err = der.Int(v.Body); err != nil {
		return err
	}
	if err := der.Version(r.Version, "SignedData", 1, 3, 4, 5); err != nil {
		return err
	}
	if r.DigestAlgorithmsRaw, _, err = f.Any(false); err != nil {
		return err
	}
	encap, err := f.Universal(asn1.TagSequence, true)
	if err != nil {
		return err
	}
	ef := der.NewFields(encap.Body)
	et, err := ef.Universal(asn1.TagOID, false)
	if err != nil {
		return err
	}
	if r.ContentType, err = p.oid(et.Body); err != nil {
		return err
	}
	if r.eContent, r.hasEContent, err = ef.ExplicitRaw(0, true); err != nil {
		return err
	}
	if err := ef.End("EncapsulatedContentInfo"); err != nil {
		return err
	}
	if r.certs, r.hasCerts, err = f.ImplicitRaw(0, true); err != nil {
		return err
	}
	if r.crls, r.hasCRLs, err = f.ImplicitRaw(1, true); err != nil {
		return err
	}
	if r.signerInfosRaw, _, err = f.Any(false); err != nil {
		return err
	}
	return f.End("SignedData")
}

// finish reads the fields that signedData kept as elements, with the
// checks (and the error messages) of the encoding/asn1 reading.
func (p *parser) finish(r *rawSD) (*SignedData, error) {
	sd := r.SignedData
	if algs := splitElements(r.DigestAlgorithmsRaw.Body); len(algs) > 0 {
		sd.DigestAlgorithms = make([]pkix.AlgorithmIdentifier, len(algs))
		for i, e := range algs {
			ai, rest, err := p.topAlgorithm(e)
			if err != nil || len(rest) != 0 {
				return nil, formatErr("digest algorithm: %v", err)
			}
			sd.DigestAlgorithms[i] = ai
		}
	}
	if r.hasEContent {
		os, rest, err := der.Top(r.eContent.Body, asn1.TagOctetString, false)
		if err != nil || len(rest) != 0 {
			return nil, formatErr("eContent is not an OCTET STRING: %v", err)
		}
		sd.Content = os.Body
	}
	if r.hasCerts {
		sd.Certificates = splitElements(r.certs.Body)
		if sd.Certificates == nil && len(r.certs.Body) > 0 {
			return nil, formatErr("certificates are not a sequence of elements")
		}
	}
	if r.hasCRLs {
		sd.CRLs = splitElements(r.crls.Body)
		if sd.CRLs == nil && len(r.crls.Body) > 0 {
			return nil, formatErr("crls are not a sequence of elements")
		}
	}
	elems := splitElements(r.signerInfosRaw.Body)
	if elems == nil && len(r.signerInfosRaw.Body) > 0 {
		return nil, formatErr("signerInfos are not a sequence of elements")
	}
	if len(elems) > 0 {
		sd.SignerInfos = make([]SignerInfo, len(elems))
		for i, e := range elems {
			if err := p.signerInfo(&sd.SignerInfos[i], e); err != nil {
				return nil, err
			}
		}
	}
	return sd, nil
}

func (p *parser) topAlgorithm(b []byte) (pkix.AlgorithmIdentifier, []byte, error) {
	e, rest, err := der.Top(b, asn1.TagSequence, true)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, nil, err
	}
	ai, err := der.AlgorithmIdentifierBody(e.Body, p.oid)
	return ai, rest, err
}

// ParseSignerInfo decodes one DER SignerInfo (also used for
// counter-signatures). The result shares der's bytes (signature value,
// attribute values, SignedAttrsRaw): der must not change while it is used.
func ParseSignerInfo(der []byte) (*SignerInfo, error) {
	p := &parser{ints: make([]int, 0, 64)}
	si := new(SignerInfo)
	if err := p.signerInfo(si, der); err != nil {
		return nil, err
	}
	return si, nil
}

func (p *parser) signerInfo(si *SignerInfo, b []byte) error {
	top, rest, err := der.Top(b, asn1.TagSequence, true)
	if err == nil && len(rest) != 0 {
		err = asn1.SyntaxError{Msg: "trailing data"}
	}
	var fl siFields
	if err == nil {
		fl, err = p.signerInfoFields(si, top.Body)
	}
	if err != nil {
		return formatErr("SignerInfo: %v", err)
	}
	sid := fl.sid
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		ias, rest, err := der.Top(sid.Full, asn1.TagSequence, true)
		var issuer, serial der.Element
		if err == nil {
			f := der.NewFields(ias.Body)
			if issuer, _, err = f.Any(false); err == nil {
				serial, err = f.Universal(asn1.TagInteger, false)
			}
		}
		if err == nil && len(rest) != 0 {
			err = asn1.SyntaxError{Msg: "trailing data"}
		}
		is := &IssuerAndSerial{RawIssuer: issuer.Full}
		if err == nil {
			is.Serial, err = der.BigInt(serial.Body)
		}
		if err != nil {
			return formatErr("SignerIdentifier issuerAndSerialNumber: %v", err)
		}
		si.SID.IssuerAndSerial = is
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0 && !sid.Compound:
		si.SID.SubjectKeyID = sid.Body
	default:
		return formatErr("unknown SignerIdentifier choice")
	}
	if fl.hasSigned {
		if !fl.signed.Compound {
			return formatErr("signedAttrs is not constructed")
		}
		si.SignedAttrsRaw = fl.signed.Full
		attrs, err := p.attributes(fl.signed.Body)
		if err != nil {
			return fmt.Errorf("signed attributes: %w", err)
		}
		si.SignedAttrs = attrs
	}
	if fl.hasUnsigned {
		attrs, err := p.attributes(fl.unsigned.Body)
		if err != nil {
			return fmt.Errorf("unsigned attributes: %w", err)
		}
		si.UnsignedAttrs = attrs
	}
	return nil
}

// siFields are the fields of a SignerInfo that ParseSignerInfo reads in
// a second step, as the encoding/asn1 reading did.
type siFields struct {
	sid, signed, unsigned  der.Element
	hasSigned, hasUnsigned bool
}

// signerInfoFields reads the fields of a SignerInfo SEQUENCE.
func (p *parser) signerInfoFields(si *SignerInfo, b []byte) (fl siFields, err error) {
	f := der.NewFields(b)
	v, err := f.Universal(asn1.TagInteger, false)
	if err != nil {
		return fl, err
	}
	if si.Version, err = der.Int(v.Body); err != nil {
		return fl, err
	}
	if err := der.Version(si.Version, "SignerInfo", 1, 3); err != nil {
		return fl, err
	}
	if fl.sid, _, err = f.Any(false); err != nil {
		return fl, err
	}
	si.rawSID = fl.sid.Full
	if si.DigestAlgorithm, err = f.AlgorithmIdentifier(p.oid); err != nil {
		return fl, err
	}
	if fl.signed, fl.hasSigned, err = f.ImplicitRaw(0, true); err != nil {
		return fl, err
	}
	if si.SignatureAlgorithm, err = f.AlgorithmIdentifier(p.oid); err != nil {
		return fl, err
	}
	sig, err := f.Universal(asn1.TagOctetString, false)
	if err != nil {
		return fl, err
	}
	si.Signature = sig.Body
	if fl.unsigned, fl.hasUnsigned, err = f.ImplicitRaw(1, true); err != nil {
		return fl, err
	}
	return fl, f.End("SignerInfo")
}

// attributes reads a SET OF Attribute (its content).
func (p *parser) attributes(b []byte) ([]Attribute, error) {
	elems := splitElements(b)
	if elems == nil && len(b) > 0 {
		return nil, formatErr("attributes are not a sequence of elements")
	}
	out := make([]Attribute, len(elems))
	for i, e := range elems {
		a := &out[i]
		top, rest, err := der.Top(e, asn1.TagSequence, true)
		var typ, values der.Element
		if err == nil {
			f := der.NewFields(top.Body)
			if typ, err = f.Universal(asn1.TagOID, false); err == nil {
				if a.Type, err = p.oid(typ.Body); err == nil {
					values, _, err = f.Any(false)
				}
			}
		}
		if err == nil && len(rest) != 0 {
			err = asn1.SyntaxError{Msg: "trailing data"}
		}
		if err != nil {
			return nil, formatErr("attribute: %v", err)
		}
		if values.Tag != asn1.TagSet || values.Class != asn1.ClassUniversal {
			return nil, formatErr("attribute %s values are not a SET", a.Type)
		}
		vals := splitElements(values.Body)
		if vals == nil && len(values.Body) > 0 {
			return nil, formatErr("attribute %s values are malformed", a.Type)
		}
		if len(vals) == 0 {
			continue
		}
		a.Values = p.values(len(vals), len(elems)-i-1)
		for j, v := range vals {
			rv, _, err := der.TopAny(v)
			if err != nil {
				return nil, formatErr("attribute %s value: %v", a.Type, err)
			}
			a.Values[j] = rv.RawValue()
		}
	}
	return out, nil
}

// parseAttributes reads a SET OF Attribute (its content).
func parseAttributes(b []byte) ([]Attribute, error) {
	p := &parser{}
	return p.attributes(b)
}
