package pades

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"hash"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/hpki-jp/hpki/internal/cms"
	"github.com/hpki-jp/hpki/tsa"
	"github.com/hpki-jp/hpki/verify"
)

// ErrNoSignatures is returned by Verify for a PDF without any signature
// or document timestamp.
var ErrNoSignatures = errors.New("no signatures in this PDF")

// MaxSignatures bounds the signatures and document timestamps validated in
// one PDF.
const MaxSignatures = 256

// Sub-filters.
const (
	subCAdES   = "ETSI.CAdES.detached"
	subPKCS7   = "adbe.pkcs7.detached"
	subRFC3161 = "ETSI.RFC3161"
)

// sigInfo is one signature dictionary found in the document.
type sigInfo struct {
	id        string
	ref       Ref
	dict      Dict
	field     string
	sub       string
	br        [4]int64
	contents  []byte
	rev       *Revision // the revision its ByteRange covers
	problem   string    // a format failure found before any cryptography
	docMDP    int       // P of a certification signature, 0 otherwise
	tokenHash crypto.Hash
	cmsHash   crypto.Hash
	digests   map[crypto.Hash][]byte
}

// Verify validates every signature and document timestamp of the PDF read
// from r (size bytes) with v, into one report (format "PAdES"). It returns
// an error wrapping ErrNotPDF for input that is not a PDF,
// ErrNoSignatures for a PDF without signatures, and an error wrapping
// ErrNeedsPassword for a PDF its last revision's encryption does not open
// with the empty user password (nothing of such a file is judged).
func Verify(ctx context.Context, r io.ReaderAt, size int64, v *verify.Verifier) (*verify.Report, error) {
	f, err := Open(r, size)
	if err != nil {
		if errors.Is(err, ErrNotPDF) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrNotPDF, err)
	}
	// A file its last revision's encryption does not open (a user
	// password, a handler we do not read, a key that no longer derives
	// from the trailer's /ID) is not judged: its changes could not be
	// read as a PDF reader reads them.
	if f.cryptErr != nil {
		return nil, f.cryptErr
	}
	sigs, err := f.signatures()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotPDF, err)
	}
	if len(sigs) == 0 {
		return nil, ErrNoSignatures
	}
	assignIDs(sigs)
	rep := &verify.Report{Format: "PAdES", ValidationTime: v.ValidationTime()}
	rep.Errors = append(rep.Errors, f.Problems...)
	// Digests of every signature's byte range, sharing the common prefix.
	if err := f.digestAll(sigs); err != nil {
		return nil, err
	}
	certs, crls, ocsps := f.dssData()
	changes := f.changes(sigs)
	var stamps []verify.DocumentTimestamp // valid-looking document timestamps, in order
	var stampRev []int
	for _, s := range sigs {
		if s.sub == subRFC3161 && s.problem == "" {
			stamps = append(stamps, verify.DocumentTimestamp{Token: s.contents, Digests: s.digests})
			stampRev = append(stampRev, s.rev.Index)
		}
	}
	certP, certRev := 0, -1
	for _, s := range sigs {
		if s.docMDP != 0 {
			certP, certRev = s.docMDP, s.rev.Index
			break
		}
	}
	n := len(f.Revisions)
	for _, s := range sigs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var later []verify.DocumentTimestamp
		for i, d := range stamps {
			if s.rev != nil && stampRev[i] > s.rev.Index {
				later = append(later, d)
			}
		}
		var covers []string
		if s.rev != nil {
			covers = []string{fmt.Sprintf("revision %d of %d: bytes 0–%d and %d–%d of %d (all of the revision but this signature's /Contents)",
				s.rev.Index+1, n, s.br[1]-1, s.br[2], s.br[2]+s.br[3]-1, size)}
		}
		var sr verify.SignatureReport
		switch {
		case s.problem != "":
			sr.ID = s.id
			if s.sub == subRFC3161 {
				sr.Kind = "documentTimestamp"
			}
			sr.Indication, sr.SubIndication = verify.TotalFailed, verify.FormatFailure
			sr.Errors = []string{s.problem}
			sr.Signer = verify.Signer{Roles: []verify.Role{}, HPKI: "none"}
			sr.Covers = []string{"field " + s.field}
		case s.sub == subRFC3161:
			sr = v.VerifyDocumentTimestamp(ctx, s.id, verify.DocumentTimestamp{Token: s.contents, Digests: s.digests}, later, covers, certs, crls, ocsps)
		default:
			format := "PAdES"
			sr = v.VerifyEmbeddedCMS(ctx, verify.EmbeddedCMS{ID: s.id, CMS: s.contents, Digests: s.digests, Covers: covers,
				Format: format, Later: later, Certificates: certs, CRLs: crls, OCSPs: ocsps})
			if s.sub == subPKCS7 {
				sr.Level = strings.Replace(strings.Replace(sr.Level, "PAdES-BASELINE", "PDF-CMS", 1), "CMS", "PDF-CMS", 1)
				sr.Level = strings.Replace(sr.Level, "PDF-PDF-CMS", "PDF-CMS", 1)
				sr.Warnings = append(sr.Warnings, "SubFilter adbe.pkcs7.detached: a PDF CMS signature, not a PAdES baseline signature")
			} else if !strings.HasPrefix(sr.Level, "PAdES-") {
				sr.Warnings = append(sr.Warnings, "not a PAdES baseline signature: no signing-certificate-v2 attribute")
			}
			if sr.ClaimedSigningTime == nil {
				if m, ok := s.dict["M"].(String); ok {
					if t, err := parsePDFDate(f.text(m)); err == nil {
						t = t.UTC()
						sr.ClaimedSigningTime = &t
					}
				}
			} else if s.sub == subCAdES {
				sr.Warnings = append(sr.Warnings, "the CMS carries a signing-time attribute, which PAdES baseline signatures leave out (the claimed time is /M)")
			}
		}
		sr.Covers = append(sr.Covers, "signature field "+s.field)
		if s.problem == "" {
			p := 0
			if certRev >= 0 && certRev <= s.rev.Index {
				p = certP
			}
			if s.docMDP != 0 {
				sr.Warnings = append(sr.Warnings, fmt.Sprintf("certification signature (DocMDP P=%d)", s.docMDP))
			}
			applyChanges(&sr, changes, s.rev.Index, n, p, f.fieldLock(s))
		}
		rep.Signatures = append(rep.Signatures, sr)
	}
	visibleSignatures(rep.Signatures, sigs, changes)
	if len(f.Problems) > 0 {
		for i := range rep.Signatures {
			s := &rep.Signatures[i]
			if s.Indication == verify.TotalPassed {
				s.Indication, s.SubIndication = verify.TotalFailed, verify.SigConstraintsFailure
			}
			s.Errors = append(s.Errors, "the file's structure is not a sequence of incremental updates: "+strings.Join(f.Problems, "; "))
		}
	}
	rep.Summarise()
	return rep, nil
}

// visibleSignatures applies the rule for later signatures with a visible
// widget (change.visibleSig): their appearance is drawn over the page that
// the earlier signatures signed, so an earlier signature is never
// TOTAL_PASSED unless every such later signature is TOTAL_PASSED itself
// (its signer identified under the same trust). A later one that failed
// makes the earlier one TOTAL_FAILED (SIG_CONSTRAINTS_FAILURE); one that
// is INDETERMINATE makes it INDETERMINATE with the same sub-indication.
// reports[i] is the report of sigs[i].
func visibleSignatures(reports []verify.SignatureReport, sigs []*sigInfo, changes [][]change) {
	byRev := map[int]*verify.SignatureReport{}
	for i, s := range sigs {
		if s.rev != nil && s.sub != subRFC3161 {
			byRev[s.rev.Index] = &reports[i]
		}
	}
	// Newest first: a later signature's verdict is final before an
	// earlier one looks at it.
	for i := len(sigs) - 1; i >= 0; i-- {
		s, sr := sigs[i], &reports[i]
		if s.rev == nil || sr.Indication == verify.TotalFailed {
			continue
		}
		for r := s.rev.Index + 1; r < len(changes); r++ {
			for _, c := range changes[r] {
				if !c.visibleSig {
					continue
				}
				later := byRev[r]
				switch {
				case later == nil || later.Indication == verify.TotalFailed:
					sr.Indication, sr.SubIndication = verify.TotalFailed, verify.SigConstraintsFailure
					sr.Errors = append(sr.Errors, fmt.Sprintf("revision %d: %s, but that signature does not verify: its appearance may cover what this signature signed", r+1, c.what))
				case later.Indication == verify.Indeterminate && sr.Indication == verify.TotalPassed:
					sr.Indication, sr.SubIndication = verify.Indeterminate, later.SubIndication
					sr.Errors = append(sr.Errors, fmt.Sprintf("revision %d: %s by %s, whose signature is INDETERMINATE: its appearance on the page is accepted only once it passes", r+1, c.what, later.ID))
				}
				if sr.Indication == verify.TotalFailed {
					break
				}
			}
		}
	}
}

// assignIDs names the signatures S1, S2… and the document timestamps
// DT1, DT2… in the order of the revisions they sign.
func assignIDs(sigs []*sigInfo) {
	nsig, nts := 0, 0
	for _, s := range sigs {
		if s.sub == subRFC3161 {
			nts++
			s.id = fmt.Sprintf("DT%d", nts)
		} else {
			nsig++
			s.id = fmt.Sprintf("S%d", nsig)
		}
	}
}

// SignedRevision says which bytes a signature of a PDF signs.
type SignedRevision struct {
	// ID is the signature's ID in Verify's report.
	ID string
	// End is the size of the signed revision: the signature covers the
	// file's bytes [0, End) except its own /Contents. Zero when the
	// signature's /ByteRange is not a whole revision.
	End int64
}

// SignedRevisions lists, for each signature and document timestamp of the
// PDF, the revision it signs (for extracting the signed version of the
// document: the first End bytes of the file, to be opened in any reader).
func SignedRevisions(r io.ReaderAt, size int64) ([]SignedRevision, error) {
	f, err := Open(r, size)
	if err != nil {
		return nil, err
	}
	sigs, err := f.signatures()
	if err != nil {
		return nil, err
	}
	assignIDs(sigs)
	out := make([]SignedRevision, len(sigs))
	for i, s := range sigs {
		out[i].ID = s.id
		if s.rev != nil {
			out[i].End = s.rev.End
		}
	}
	return out, nil
}

// applyChanges judges the revisions after revision rev for a signature of
// that revision under DocMDP permissions p (0: not certified).
func applyChanges(sr *verify.SignatureReport, changes [][]change, rev, n, p int, locked func(string) bool) {
	var bad, ok []string
	for i := rev + 1; i < n; i++ {
		for _, c := range changes[i] {
			if c.kind == kindForm && locked(c.field) {
				bad = append(bad, fmt.Sprintf("revision %d: %s (locked by this signature's FieldMDP)", i+1, c.what))
				continue
			}
			if c.allowed(p) {
				ok = append(ok, fmt.Sprintf("revision %d: %s", i+1, c.what))
			} else {
				bad = append(bad, fmt.Sprintf("revision %d: %s", i+1, c.what))
			}
		}
	}
	if rev+1 < n {
		if rev+2 == n {
			sr.Covers = append(sr.Covers, fmt.Sprintf("NOT revision %d, added after this signature", n))
		} else {
			sr.Covers = append(sr.Covers, fmt.Sprintf("NOT revisions %d–%d, added after this signature", rev+2, n))
		}
	}
	if len(ok) > 0 {
		sr.Warnings = append(sr.Warnings, "changes after this signature that its rules allow: "+strings.Join(ok, "; "))
	}
	if len(bad) > 0 {
		if sr.Indication != verify.TotalFailed {
			sr.Indication, sr.SubIndication = verify.TotalFailed, verify.SigConstraintsFailure
		}
		what := "no certification: only signatures, document timestamps and validation data may be added"
		if p > 0 {
			what = fmt.Sprintf("certified with DocMDP P=%d", p)
		}
		sr.Errors = append(sr.Errors, "the document was changed after this signature in a way not allowed ("+what+"): "+strings.Join(bad, "; "))
	}
}

// signatures finds the signature dictionaries of every revision (a
// signature removed by a later revision is still found and judged),
// oldest revision first, and checks each one's /ByteRange.
func (f *File) signatures() ([]*sigInfo, error) {
	var out []*sigInfo
	seen := map[int]bool{}
	for _, rev := range f.Revisions {
		fields, err := f.fields(rev)
		if err != nil {
			return nil, err
		}
		for _, fl := range fields {
			if fl.FT != "Sig" || fl.Dict["V"] == nil {
				continue
			}
			ref, isRef := fl.Dict["V"].(Ref)
			if isRef && seen[ref.Num] {
				continue
			}
			if len(out) >= MaxSignatures {
				return nil, fmt.Errorf("more than %d signatures", MaxSignatures)
			}
			s := &sigInfo{ref: ref, field: fl.Name}
			out = append(out, s)
			if !isRef {
				s.problem = "the signature dictionary is not an indirect object"
				continue
			}
			seen[ref.Num] = true
			f.checkSignature(s, rev)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, rj := 1<<62, 1<<62
		if out[i].rev != nil {
			ri = out[i].rev.Index
		}
		if out[j].rev != nil {
			rj = out[j].rev.Index
		}
		return ri < rj
	})
	return out, nil
}

// checkSignature applies the /ByteRange rules to the signature dictionary
// s.ref as revision found (the first to list it) defines it.
func (f *File) checkSignature(s *sigInfo, found *Revision) {
	e, ok := f.lookup(found, s.ref.Num)
	if !ok || e.typ != 1 {
		s.problem = "the signature dictionary is not a plain object of the file (it is missing or inside an object stream): its /Contents cannot be located"
		return
	}
	c, err := f.objectAt(e.off, found)
	if err != nil || c.num != s.ref.Num {
		s.problem = fmt.Sprintf("the signature dictionary cannot be read: %v", err)
		return
	}
	d, ok := c.obj.(Dict)
	if !ok {
		s.problem = "the signature value is not a dictionary"
		return
	}
	s.dict = d
	s.sub = string(d.Name("SubFilter"))
	if d.Name("Type") == "DocTimeStamp" && s.sub != subRFC3161 {
		s.problem = "a /DocTimeStamp dictionary must have SubFilter ETSI.RFC3161"
		return
	}
	switch s.sub {
	case subCAdES, subPKCS7, subRFC3161:
	default:
		s.problem = fmt.Sprintf("SubFilter %q is not supported (ETSI.CAdES.detached, adbe.pkcs7.detached, ETSI.RFC3161)", s.sub)
		return
	}
	arr, ok := d["ByteRange"].(Array)
	if !ok || len(arr) != 4 {
		s.problem = "/ByteRange must be a direct array of four integers [0 a b c]"
		return
	}
	for i, x := range arr {
		n, ok := x.(int64)
		if !ok || n < 0 {
			s.problem = "/ByteRange must be a direct array of four non-negative integers"
			return
		}
		s.br[i] = n
	}
	br := s.br
	contents, ok := d["Contents"].(String)
	switch {
	case br[0] != 0:
		s.problem = "/ByteRange does not start at the beginning of the file"
	case br[1] <= 0 || br[2] <= br[1] || br[2]+br[3] > f.size || br[2]+br[3] < br[2]:
		s.problem = "/ByteRange is out of order or outside the file"
	case !ok || !contents.Hex:
		s.problem = "/Contents is not a hexadecimal string"
	case contents.Pos != br[1] || contents.End != br[2]:
		s.problem = fmt.Sprintf("/ByteRange leaves out bytes %d–%d, which are not exactly this signature's /Contents (bytes %d–%d): a wrapped signature", br[1], br[2]-1, contents.Pos, contents.End-1)
	case e.off >= br[1] || c.end > br[2]+br[3]:
		s.problem = "the signature dictionary lies outside the bytes it signs"
	}
	if s.problem != "" {
		return
	}
	end := br[2] + br[3]
	for _, r := range f.Revisions {
		if r.End == end || r.EOF == end {
			s.rev = r
			break
		}
	}
	if s.rev == nil {
		s.problem = fmt.Sprintf("/ByteRange ends at byte %d, which is not the end of a revision (%%%%EOF): the signed bytes are not a whole revision", end)
		return
	}
	// The revision it signs must itself define this dictionary there.
	if re, ok := f.lookup(s.rev, s.ref.Num); !ok || re != e {
		s.problem = fmt.Sprintf("the signed revision %d does not contain this signature dictionary at the place the later revisions have it", s.rev.Index+1)
		return
	}
	s.contents = trimDER(contents.B)
	if len(s.contents) == 0 {
		s.problem = "/Contents is empty: the field was never signed"
		return
	}
	if s.sub == subRFC3161 {
		tok, err := tsa.ParseToken(s.contents)
		if err != nil {
			s.problem = "the document timestamp is not a timestamp token: " + err.Error()
			return
		}
		s.tokenHash = tok.HashAlgorithm
	} else {
		sd, err := cms.Parse(s.contents)
		if err != nil || len(sd.SignerInfos) == 0 {
			s.problem = fmt.Sprintf("the signature is not a CMS SignedData: %v", err)
			return
		}
		if h, err := cms.HashFromOID(sd.SignerInfos[0].DigestAlgorithm.Algorithm); err == nil {
			s.cmsHash = h
		}
		s.docMDP = f.docMDP(s)
	}
}

// docMDP returns the DocMDP permissions of a certification signature: the
// dictionary's /Reference names the DocMDP transform and the catalog of
// the revision it signs lists it under /Perms /DocMDP.
func (f *File) docMDP(s *sigInfo) int {
	refs, _ := f.Resolve(s.rev, s.dict["Reference"])
	arr, _ := refs.(Array)
	for _, x := range arr {
		d := f.dict(s.rev, x)
		if d == nil || d.Name("TransformMethod") != "DocMDP" {
			continue
		}
		cat, _, err := f.Catalog(s.rev)
		if err != nil {
			return 0
		}
		perms := f.dict(s.rev, cat["Perms"])
		if r, ok := perms["DocMDP"].(Ref); !ok || r != s.ref {
			return 0
		}
		p := int64(2)
		if tp := f.dict(s.rev, d["TransformParams"]); tp != nil {
			if v, ok := tp["P"].(int64); ok && v >= 1 && v <= 3 {
				p = v
			}
		}
		return int(p)
	}
	return 0
}

// fieldLock returns which form fields a signature locks (FieldMDP: its
// /Reference names the FieldMDP transform with /Action All, Include or
// Exclude and /Fields; the field's /Lock dictionary says the same).
func (f *File) fieldLock(s *sigInfo) func(string) bool {
	none := func(string) bool { return false }
	refs, _ := f.Resolve(s.rev, s.dict["Reference"])
	arr, _ := refs.(Array)
	for _, x := range arr {
		d := f.dict(s.rev, x)
		if d == nil || d.Name("TransformMethod") != "FieldMDP" {
			continue
		}
		tp := f.dict(s.rev, d["TransformParams"])
		names := map[string]bool{}
		fl, _ := f.Resolve(s.rev, tp["Fields"])
		fa, _ := fl.(Array)
		for _, n := range fa {
			if str, ok := n.(String); ok {
				names[f.text(str)] = true
			}
		}
		switch tp.Name("Action") {
		case "All":
			return func(string) bool { return true }
		case "Include":
			return func(name string) bool { return names[name] }
		case "Exclude":
			return func(name string) bool { return !names[name] }
		}
		// An unknown action locks everything (the safe reading).
		return func(string) bool { return true }
	}
	return none
}

// trimDER cuts the zero padding after the DER (or BER) value at the start
// of b.
func trimDER(b []byte) []byte {
	if n, ok := berLen(b, 0); ok {
		return b[:n]
	}
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// berLen returns the length of the BER element at the start of b.
func berLen(b []byte, depth int) (int, bool) {
	if depth > 64 || len(b) < 2 {
		return 0, false
	}
	p := 1
	if b[0]&0x1f == 0x1f {
		for p < len(b) && b[p]&0x80 != 0 {
			p++
		}
		p++
	}
	if p >= len(b) {
		return 0, false
	}
	l := int(b[p])
	p++
	if l == 0x80 { // indefinite: elements until 00 00
		for {
			if p+1 < len(b) && b[p] == 0 && b[p+1] == 0 {
				return p + 2, true
			}
			n, ok := berLen(b[p:], depth+1)
			if !ok {
				return 0, false
			}
			p += n
		}
	}
	if l > 0x80 {
		k := l & 0x7f
		if k > 4 || p+k > len(b) {
			return 0, false
		}
		l = 0
		for i := 0; i < k; i++ {
			l = l<<8 | int(b[p+i])
		}
		p += k
	}
	if l < 0 || p+l > len(b) {
		return 0, false
	}
	return p + l, true
}

// digestAll hashes every signature's byte range with the algorithms it
// needs. Byte ranges of later signatures contain the earlier ones, so the
// file is read once: the hash of [0, a) is extended from one signature's
// a to the next and cloned for each (O(file + Σ tails), not O(file × n)).
func (f *File) digestAll(sigs []*sigInfo) error {
	byHash := map[crypto.Hash][]*sigInfo{}
	for _, s := range sigs {
		if s.problem != "" {
			continue
		}
		s.digests = map[crypto.Hash][]byte{}
		hs := []crypto.Hash{s.cmsHash, s.tokenHash}
		for _, h := range hs {
			if h != 0 && h.Available() {
				byHash[h] = append(byHash[h], s)
			}
		}
	}
	buf := make([]byte, 256<<10)
	for h, list := range byHash {
		sort.Slice(list, func(i, j int) bool { return list[i].br[1] < list[j].br[1] })
		main := h.New()
		pos := int64(0)
		for _, s := range list {
			if _, err := io.CopyBuffer(main, io.NewSectionReader(f.r, pos, s.br[1]-pos), buf); err != nil {
				return err
			}
			pos = s.br[1]
			d, err := clone(main)
			if err != nil {
				return err
			}
			if _, err := io.CopyBuffer(d, io.NewSectionReader(f.r, s.br[2], s.br[3]), buf); err != nil {
				return err
			}
			s.digests[h] = d.Sum(nil)
		}
	}
	return nil
}

func clone(h hash.Hash) (hash.Hash, error) {
	c, ok := h.(hash.Cloner)
	if !ok {
		return nil, errors.New("hash cannot be cloned")
	}
	return c.Clone()
}

// dssData collects the validation data of every revision's Document
// Security Store (each stream read once, bounded by MaxDecoded).
func (f *File) dssData() (certs, crls, ocsps [][]byte) {
	seen := map[int64]bool{}
	for _, rev := range f.Revisions {
		cat, _, err := f.Catalog(rev)
		if err != nil {
			continue
		}
		dss := f.dict(rev, cat["DSS"])
		if dss == nil {
			continue
		}
		for key, list := range map[Name]*[][]byte{"Certs": &certs, "CRLs": &crls, "OCSPs": &ocsps} {
			arrObj, _ := f.Resolve(rev, dss[key])
			arr, _ := arrObj.(Array)
			for _, x := range arr {
				o, err := f.Resolve(rev, x)
				st, ok := o.(*Stream)
				if err != nil || !ok || seen[st.Start] {
					continue
				}
				seen[st.Start] = true
				if data, err := f.StreamData(st); err == nil {
					*list = append(*list, data)
				}
			}
		}
	}
	return certs, crls, ocsps
}

// parsePDFDate parses D:YYYYMMDDHHmmSSOHH'mm' (later parts optional).
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(s, "D:")
	s = strings.ReplaceAll(s, "'", "")
	layouts := []string{"20060102150405Z0700", "20060102150405Z", "20060102150405-0700", "20060102150405", "200601021504", "20060102"}
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	if strings.HasSuffix(s, "Z00") || strings.HasSuffix(s, "Z0000") {
		return parsePDFDate(strings.TrimRight(s, "0") + "")
	}
	return time.Time{}, fmt.Errorf("bad PDF date %q", s)
}
