// Package pades signs and validates PDF documents with PAdES baseline
// signatures (ETSI EN 319 142-1): B-B and B-T signatures (SubFilter
// ETSI.CAdES.detached) written as incremental updates, B-LT (a Document
// Security Store with the validation data) and B-LTA (document timestamps,
// SubFilter ETSI.RFC3161).
//
// Security contract: signing appends a revision and never changes a byte
// of the input; the signature's /ByteRange covers the whole new revision
// except its /Contents hex string. Validation (Verify) accepts a signature
// only when its /ByteRange is exactly that — starting at 0, the hole
// exactly the /Contents string of this very signature dictionary as the
// signed revision itself defines it, ending at a revision's %%EOF — and
// classifies every revision after it: only a Document Security Store,
// document timestamps, further signatures, and what the certification
// (DocMDP) permits are allowed; anything else (the incremental-saving,
// signature-wrapping and shadow attacks) makes the signature TOTAL_FAILED
// with SIG_CONSTRAINTS_FAILURE. The PDF reader is bounded (MaxObjectSize,
// MaxDepth, MaxSections, MaxDecoded…) and streams the signed bytes.
package pades

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/tsa"
)

// SignOptions control Sign.
type SignOptions struct {
	// CAdES are the options of the embedded CMS signature: hash, level
	// (sign.LevelB or sign.LevelT with TSA), role requirement, PSS. The
	// signing-time attribute is always left out (PAdES baseline): the
	// claimed time is the dictionary's /M.
	CAdES sign.CAdESOptions
	// Field names the signature field: an existing empty signature field
	// of that name is signed; otherwise a new field of that name is made
	// (default "Signature" followed by the first free number).
	Field string
	// Reason, Location and ContactInfo go into the signature dictionary.
	Reason, Location, ContactInfo string
	// Certify, 1–3, makes a certification signature with DocMDP
	// permissions P (1: no changes; 2: form filling and signing; 3: also
	// annotations). Only the first signature of a document may certify.
	Certify int
	// Visible, when set, gives the signature a visible appearance.
	Visible *Appearance
	// Time is the claimed signing time (/M; default now).
	Time time.Time
	// Reserve is the room, in bytes, for the CMS signature (default: an
	// estimate from the certificates and the level).
	Reserve int
}

// Result is what Sign made.
type Result struct {
	// ByteRange is the signed byte range.
	ByteRange [4]int64
	// Field is the name of the signature field signed.
	Field string
	// Size is the size of the signed file.
	Size int64
	// Warnings from the preflight of the certificate.
	Warnings []string
	// TimestampTime is the signature timestamp's genTime (level T).
	TimestampTime time.Time
}

// Sign adds a PAdES signature to the PDF read from in (size bytes) and
// writes the whole signed file to out: the input unchanged, then one
// incremental update. The signed bytes are hashed as a stream (memory does
// not grow with the file).
func Sign(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, cred sign.Credential, opts SignOptions) (*Result, error) {
	if opts.CAdES.Level == sign.LevelLT || opts.CAdES.Level == sign.LevelLTA {
		return nil, errors.New("pades: sign at B or T, then extend to LT or LTA")
	}
	// Refuse before any work (and before a card asks for its PIN).
	warnings, err := sign.Preflight(cred.Certificate, opts.CAdES.RequireRole, opts.CAdES.AllowNonHPKI)
	if err != nil {
		return nil, err
	}
	f, err := Open(in, size)
	if err != nil {
		return nil, err
	}
	u, err := newUpdate(f)
	if err != nil {
		return nil, err
	}
	when := opts.Time
	if when.IsZero() {
		when = time.Now()
	}
	reserve := opts.Reserve
	if reserve == 0 {
		reserve = 8192 + len(cred.Certificate.Raw)
		for _, c := range cred.Chain {
			reserve += len(c.Raw)
		}
		if opts.CAdES.Level == sign.LevelT {
			reserve += 12288
		}
	}
	sig := Dict{
		"Type":      Name("Sig"),
		"Filter":    Name("Adobe.PPKLite"),
		"SubFilter": Name("ETSI.CAdES.detached"),
		"M":         plain(pdfDate(when)),
		"Contents":  contentsMark{reserve},
	}
	for k, v := range map[Name]string{"Reason": opts.Reason, "Location": opts.Location, "ContactInfo": opts.ContactInfo} {
		if v != "" {
			sig[k] = encodeText(v)
		}
	}
	if opts.Certify != 0 {
		if opts.Certify < 1 || opts.Certify > 3 {
			return nil, fmt.Errorf("pades: DocMDP permissions must be 1, 2 or 3, not %d", opts.Certify)
		}
		sig["Reference"] = Array{Dict{
			"Type":            Name("SigRef"),
			"TransformMethod": Name("DocMDP"),
			"TransformParams": Dict{"Type": Name("TransformParams"), "P": int64(opts.Certify), "V": Name("1.2")},
		}}
	}
	name, err := u.placeSignature(sig, opts.Field, opts.Visible, cred, when, opts.Certify != 0)
	if err != nil {
		return nil, err
	}
	s, err := u.bytes()
	if err != nil {
		return nil, err
	}
	br, err := s.byteRange()
	if err != nil {
		return nil, err
	}
	copts := opts.CAdES
	copts.NoSigningTime = true
	copts.Packaging = sign.Detached
	res, err := sign.SignCAdES(ctx, s.signedReader(f), cred, copts)
	if err != nil {
		return nil, err
	}
	if err := s.fill(res.Signature); err != nil {
		return nil, err
	}
	if err := s.writeTo(f, out); err != nil {
		return nil, err
	}
	return &Result{ByteRange: br, Field: name, Size: size + int64(len(s.data)), Warnings: append(warnings, res.Warnings...), TimestampTime: res.TimestampTime}, nil
}

// DigestTimestamper gets RFC 3161 tokens over a digest; *tsa.Client is one.
type DigestTimestamper interface {
	Timestamp(ctx context.Context, digest []byte) (*tsa.Token, error)
}

// pdfDate formats t as a PDF date in UTC.
func pdfDate(t time.Time) string { return "D:" + t.UTC().Format("20060102150405") + "Z" }

// placeSignature puts the signature dictionary sig into a signature field
// (an existing empty one named field, or a new one with a widget on a
// page) and returns the field's name. certify also records the signature
// in the catalog's /Perms.
func (u *update) placeSignature(sig Dict, field string, vis *Appearance, cred sign.Credential, when time.Time, certify bool) (string, error) {
	f, rev := u.f, u.rev
	cat, catRef, err := f.Catalog(rev)
	if err != nil {
		return "", err
	}
	fields, err := f.fields(rev)
	if err != nil {
		return "", err
	}
	if certify {
		for _, fl := range fields {
			if fl.FT == "Sig" && fl.Dict["V"] != nil {
				return "", errors.New("pades: only the first signature of a document may certify it (this one is already signed)")
			}
		}
	}
	if p := u.certifiedP(cat); p == 1 && sig.Name("Type") != "DocTimeStamp" {
		return "", errors.New("pades: the document is certified with DocMDP P=1 (no changes): a further signature would break its certification")
	}
	sigRef := u.add(sig)
	newCat := copyDict(cat)
	catChanged := false
	if certify {
		newCat["Perms"] = Dict{"DocMDP": sigRef}
		catChanged = true
	}
	defer func() {
		if catChanged {
			u.set(catRef, newCat)
		}
	}()
	// An existing field of that name.
	if field != "" {
		for _, fl := range fields {
			if fl.Name != field {
				continue
			}
			if fl.FT != "Sig" {
				return "", fmt.Errorf("pades: field %q is not a signature field", field)
			}
			if fl.Dict["V"] != nil {
				return "", fmt.Errorf("pades: field %q is already signed", field)
			}
			nd := copyDict(fl.Dict)
			nd["V"] = sigRef
			if vis != nil {
				if rect, ok := nd["Rect"].(Array); ok && len(rect) == 4 && nd.Name("Subtype") == "Widget" {
					ap, err := u.appearance(vis, rect, cred, when)
					if err != nil {
						return "", err
					}
					nd["AP"] = Dict{"N": ap}
				}
			}
			u.set(fl.Ref, nd)
			u.setSigFlags(cat, &newCat, &catChanged)
			return field, nil
		}
	}
	if field == "" {
		taken := map[string]bool{}
		for _, fl := range fields {
			taken[fl.Name] = true
		}
		for i := 1; ; i++ {
			field = fmt.Sprintf("Signature%d", i)
			if !taken[field] {
				break
			}
		}
	}
	pages, err := f.pages(rev)
	if err != nil {
		return "", err
	}
	if len(pages) == 0 {
		return "", errors.New("pades: the document has no page")
	}
	page := pages[0]
	rect := Array{int64(0), int64(0), int64(0), int64(0)}
	widget := Dict{
		"Type": Name("Annot"), "Subtype": Name("Widget"), "FT": Name("Sig"),
		"T": encodeText(field), "V": sigRef, "F": int64(132), "Rect": rect,
	}
	if vis != nil {
		if vis.Page < 1 || vis.Page > len(pages) {
			return "", fmt.Errorf("pades: page %d does not exist (the document has %d)", vis.Page, len(pages))
		}
		page = pages[vis.Page-1]
		rect = Array{vis.X, vis.Y, vis.X + vis.W, vis.Y + vis.H}
		widget["Rect"] = rect
		widget["F"] = int64(4) // print
		ap, err := u.appearance(vis, rect, cred, when)
		if err != nil {
			return "", err
		}
		widget["AP"] = Dict{"N": ap}
	}
	widget["P"] = page.ref
	wref := u.add(widget)
	// The page's /Annots gets the widget.
	switch a := page.dict["Annots"].(type) {
	case Ref:
		arr, err := f.Resolve(rev, a)
		if err != nil {
			return "", err
		}
		old, ok := arr.(Array)
		if !ok {
			return "", errors.New("pades: the page's /Annots is not an array")
		}
		u.set(a, append(append(Array{}, old...), wref))
	default:
		old, _ := a.(Array)
		np := copyDict(page.dict)
		np["Annots"] = append(append(Array{}, old...), wref)
		u.set(page.ref, np)
	}
	// The AcroForm's /Fields gets the field.
	switch af := cat["AcroForm"].(type) {
	case Ref:
		d := f.dict(rev, af)
		if d == nil {
			return "", errors.New("pades: /AcroForm is not a dictionary")
		}
		nd := copyDict(d)
		if err := u.appendField(nd, wref); err != nil {
			return "", err
		}
		nd["SigFlags"] = int64(3)
		u.set(af, nd)
	default:
		d, _ := af.(Dict)
		nd := copyDict(d)
		if err := u.appendField(nd, wref); err != nil {
			return "", err
		}
		nd["SigFlags"] = int64(3)
		newCat["AcroForm"] = nd
		catChanged = true
	}
	return field, nil
}

// certifiedP returns the DocMDP permissions of the document's
// certification signature (0 when not certified).
func (u *update) certifiedP(cat Dict) int {
	perms := u.f.dict(u.rev, cat["Perms"])
	sd := u.f.dict(u.rev, perms["DocMDP"])
	refs, _ := u.f.Resolve(u.rev, sd["Reference"])
	arr, _ := refs.(Array)
	for _, x := range arr {
		d := u.f.dict(u.rev, x)
		if d.Name("TransformMethod") != "DocMDP" {
			continue
		}
		if tp := u.f.dict(u.rev, d["TransformParams"]); tp != nil {
			if v, ok := tp["P"].(int64); ok && v >= 1 && v <= 3 {
				return int(v)
			}
		}
		return 2
	}
	return 0
}

func (u *update) setSigFlags(cat Dict, newCat *Dict, changed *bool) {
	switch af := cat["AcroForm"].(type) {
	case Ref:
		if d := u.f.dict(u.rev, af); d != nil && !equal(d["SigFlags"], int64(3)) {
			nd := copyDict(d)
			nd["SigFlags"] = int64(3)
			u.set(af, nd)
		}
	case Dict:
		if !equal(af["SigFlags"], int64(3)) {
			nd := copyDict(af)
			nd["SigFlags"] = int64(3)
			(*newCat)["AcroForm"] = nd
			*changed = true
		}
	}
}

// appendField adds ref to the /Fields of an AcroForm dictionary (writing
// a new version of an indirect /Fields array).
func (u *update) appendField(af Dict, ref Ref) error {
	switch fl := af["Fields"].(type) {
	case Ref:
		arr, err := u.f.Resolve(u.rev, fl)
		if err != nil {
			return err
		}
		old, ok := arr.(Array)
		if !ok {
			return errors.New("pades: /Fields is not an array")
		}
		u.set(fl, append(append(Array{}, old...), ref))
	case Array:
		af["Fields"] = append(append(Array{}, fl...), ref)
	case nil:
		af["Fields"] = Array{ref}
	default:
		return errors.New("pades: /Fields is not an array")
	}
	return nil
}

func copyDict(d Dict) Dict {
	out := make(Dict, len(d)+2)
	for k, v := range d {
		out[k] = v
	}
	return out
}

// hashRanges hashes the file's bytes in the byte ranges br with h, as a
// stream.
func hashRanges(r io.ReaderAt, br []int64, h crypto.Hash) ([]byte, error) {
	d := h.New()
	buf := make([]byte, 64<<10)
	for i := 0; i+1 < len(br); i += 2 {
		if _, err := io.CopyBuffer(d, io.NewSectionReader(r, br[i], br[i+1]), buf); err != nil {
			return nil, err
		}
	}
	return d.Sum(nil), nil
}

var _ = bytes.Equal
