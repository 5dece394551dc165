package tsa

import (
	"crypto/x509/pkix"
	"encoding/asn1"

	"github.com/hpki-jp/hpki/internal/der"
)

// parseTSTInfo reads a DER TSTInfo without encoding/asn1's reflection,
// accepting and refusing exactly what asn1.Unmarshal into a tstInfo
// (with nothing after it) does, to the same values
// (FuzzTSTInfoDifferential). The hashed message, the tsa field and the
// extension values share b.
func parseTSTInfo(b []byte) (tstInfo, error) {
	var info tstInfo
	top, rest, err := der.Top(b, asn1.TagSequence, true)
	if err != nil {
		return info, err
	}
	if len(rest) != 0 {
		return info, asn1.SyntaxError{Msg: "trailing data"}
	}
	f := der.NewFields(top.Body)
	v, err := f.Universal(asn1.TagInteger, false)
	if err != nil {
		return info, err
	}
	if info.Version, err = der.Int(v.Body); err != nil {
		return info, err
	}
	p, err := f.Universal(asn1.TagOID, false)
	if err != nil {
		return info, err
	}
	if info.Policy, err = der.OID(p.Body); err != nil {
		return info, err
	}
	mi, err := f.Universal(asn1.TagSequence, true)
	if err != nil {
		return info, err
	}
	mf := der.NewFields(mi.Body)
	if info.MessageImprint.HashAlgorithm, err = mf.AlgorithmIdentifier(nil); err != nil {
		return info, err
	}
	hm, err := mf.Universal(asn1.TagOctetString, false)
	if err != nil {
		return info, err
	}
	if err := mf.End("MessageImprint"); err != nil {
		return info, err
	}
	info.MessageImprint.HashedMessage = hm.Body
	sn, err := f.Universal(asn1.TagInteger, false)
	if err != nil {
		return info, err
	}
	if info.SerialNumber, err = der.BigInt(sn.Body); err != nil {
		return info, err
	}
	if info.GenTime, err = f.GeneralizedTimeZ("genTime"); err != nil {
		return info, err
	}
	acc, ok, err := f.OptionalUniversal(asn1.TagSequence, true)
	if err != nil {
		return info, err
	}
	if ok {
		if info.Accuracy, err = parseAccuracy(acc.Body); err != nil {
			return info, err
		}
	}
	ord, ok, err := f.OptionalUniversal(asn1.TagBoolean, false)
	if err != nil {
		return info, err
	}
	if ok {
		if info.Ordering, err = der.Bool(ord.Body); err != nil {
			return info, err
		}
	}
	nonce, ok, err := f.OptionalUniversal(asn1.TagInteger, false)
	if err != nil {
		return info, err
	}
	if ok {
		if info.Nonce, err = der.BigInt(nonce.Body); err != nil {
			return info, err
		}
	}
	name, ok, err := f.ImplicitRaw(0, true)
	if err != nil {
		return info, err
	}
	if ok {
		info.TSA = name.RawValue()
	}
	exts, ok, err := f.Implicit(1, true, true)
	if err != nil {
		return info, err
	}
	if ok {
		if info.Extensions, err = parseExtensions(exts.Body); err != nil {
			return info, err
		}
	}
	return info, f.End("TSTInfo")
}

// parseAccuracy reads the content of an Accuracy (every field optional:
// seconds, then [0] millis, then [1] micros).
func parseAccuracy(b []byte) (accuracy, error) {
	var a accuracy
	f := der.NewFields(b)
	for _, field := range []struct {
		tag int // -1: the universal INTEGER seconds
		out *int
	}{{-1, &a.Seconds}, {0, &a.Millis}, {1, &a.Micros}} {
		var e der.Element
		var ok bool
		var err error
		if field.tag < 0 {
			e, ok, err = f.OptionalUniversal(asn1.TagInteger, false)
		} else {
			e, ok, err = f.Implicit(field.tag, false, true)
		}
		if err != nil {
			return a, err
		}
		if ok {
			if *field.out, err = der.Int(e.Body); err != nil {
				return a, err
			}
		}
	}
	return a, nil
}

// parseExtensions reads the content of a SEQUENCE OF Extension.
func parseExtensions(b []byte) ([]pkix.Extension, error) {
	elems, err := der.SequenceOf(b, asn1.TagSequence, true)
	if err != nil {
		return nil, err
	}
	out := make([]pkix.Extension, len(elems))
	for i, e := range elems {
		f := der.NewFields(e.Body)
		id, err := f.Universal(asn1.TagOID, false)
		if err != nil {
			return nil, err
		}
		if out[i].Id, err = der.OID(id.Body); err != nil {
			return nil, err
		}
		crit, ok, err := f.OptionalUniversal(asn1.TagBoolean, false)
		if err != nil {
			return nil, err
		}
		if ok {
			if out[i].Critical, err = der.Bool(crit.Body); err != nil {
				return nil, err
			}
		}
		val, err := f.Universal(asn1.TagOctetString, false)
		if err != nil {
			return nil, err
		}
		out[i].Value = val.Body
	}
	return out, nil
}
