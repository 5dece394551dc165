package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hpki-jp/hpki/extend"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// ExtendOptions control Extend.
type ExtendOptions struct {
	// To is sign.LevelLT or sign.LevelLTA (which also renews an LTA
	// document with a further DSS and document timestamp).
	To sign.Level
	// TSA gives the document timestamp (LTA), over a digest made with
	// Hash (default SHA-256; the TSA client must use the same).
	TSA  DigestTimestamper
	Hash crypto.Hash
	// Verify configures the validation that must pass before extending
	// and that collects the validation data.
	Verify verify.Options
}

// ExtendResult is what Extend made.
type ExtendResult struct {
	// Level is the lowest level of the extended document's signatures.
	Level string
	// Report validates the extended document from what it embeds.
	Report *verify.Report
	// Size is the size of the written file.
	Size int64
}

// Extend raises every signature of the PDF to B-LT (a revision adding a
// Document Security Store with the certificates, CRLs and OCSP responses
// that validated the signers and TSAs) or B-LTA (then a revision with a
// document timestamp), and writes the whole file to out: the input
// unchanged, then the new revisions. The document is extended only if
// every signature validates now (TOTAL_PASSED) and is at least B-T; the
// result is validated again from its embedded data alone before anything
// is written.
func Extend(ctx context.Context, in io.ReaderAt, size int64, out io.Writer, opts ExtendOptions) (*ExtendResult, error) {
	switch opts.To {
	case sign.LevelLT:
	case sign.LevelLTA:
		if opts.TSA == nil {
			return nil, errors.New("pades: extending to LTA needs a TSA")
		}
	default:
		return nil, fmt.Errorf("pades: cannot extend to level %q: LT or LTA", opts.To)
	}
	h := opts.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	rep, err := Verify(ctx, in, size, verify.New(opts.Verify))
	if err != nil {
		return nil, err
	}
	if rep.Indication != verify.TotalPassed {
		return nil, notValid(rep)
	}
	for _, s := range rep.Signatures {
		if s.Kind == "" && verify.LevelRank(s.Level) < 1 {
			return nil, fmt.Errorf("%w: signature %s is %s: a PDF signature without a signature timestamp cannot be extended (sign with --level T)", extend.ErrNotValid, s.ID, s.Level)
		}
	}
	// Revision 1: the DSS.
	f, err := Open(in, size)
	if err != nil {
		return nil, err
	}
	dss, err := f.dssUpdate(rep)
	if err != nil {
		return nil, err
	}
	cur := &concatReaderAt{a: in, asize: size, b: dss}
	total := size + int64(len(dss))
	if opts.To == sign.LevelLTA {
		f2, err := Open(cur, total)
		if err != nil {
			return nil, err
		}
		ts, err := f2.docTimestamp(ctx, opts.TSA, h)
		if err != nil {
			return nil, err
		}
		cur = &concatReaderAt{a: in, asize: size, b: append(dss, ts...)}
		total += int64(len(ts))
	}
	self := opts.Verify
	self.CRLs, self.OCSPResponses, self.Offline, self.Fetcher = nil, nil, true, nil
	after, err := Verify(ctx, cur, total, verify.New(self))
	if err != nil {
		return nil, err
	}
	if after.Indication != verify.TotalPassed {
		return nil, notValid(after)
	}
	level := after.Level()
	if verify.LevelRank(level) < verify.LevelRank("-"+string(opts.To)) {
		return nil, fmt.Errorf("%w: the extended document only reaches %s (a certificate's revocation data could not be embedded?)", extend.ErrNotValid, level)
	}
	if _, err := io.Copy(out, io.NewSectionReader(cur, 0, total)); err != nil {
		return nil, err
	}
	return &ExtendResult{Level: level, Report: after, Size: total}, nil
}

func notValid(rep *verify.Report) error {
	msg := string(rep.Indication)
	if rep.SubIndication != "" {
		msg += "/" + string(rep.SubIndication)
	}
	for _, s := range rep.Signatures {
		for _, e := range s.Errors {
			msg += "; " + s.ID + ": " + e
		}
	}
	return fmt.Errorf("%w: the PDF is not valid now (%s)", extend.ErrNotValid, msg)
}

// dssUpdate returns an incremental update adding the validation data of
// rep's signatures and document timestamps to the Document Security Store
// (kept entries first, each piece of data once).
func (f *File) dssUpdate(rep *verify.Report) ([]byte, error) {
	u, err := newUpdate(f)
	if err != nil {
		return nil, err
	}
	cat, catRef, err := f.Catalog(u.rev)
	if err != nil {
		return nil, err
	}
	old := f.dict(u.rev, cat["DSS"])
	have := map[[32]byte]bool{}
	lists := map[Name]Array{}
	for _, k := range []Name{"Certs", "CRLs", "OCSPs"} {
		arrObj, _ := f.Resolve(u.rev, old[k])
		arr, _ := arrObj.(Array)
		for _, x := range arr {
			o, err := f.Resolve(u.rev, x)
			if st, ok := o.(*Stream); err == nil && ok {
				if data, err := f.StreamData(st); err == nil {
					have[sha256.Sum256(data)] = true
				}
			}
			lists[k] = append(lists[k], x)
		}
	}
	add := func(k Name, der []byte) {
		sum := sha256.Sum256(der)
		if have[sum] {
			return
		}
		have[sum] = true
		lists[k] = append(lists[k], u.add(newStream{dict: Dict{}, data: der}))
	}
	for _, s := range rep.Signatures {
		vd := s.ValidationData
		if vd == nil {
			continue
		}
		for _, c := range vd.Certificates {
			add("Certs", c.Raw)
		}
		for _, c := range vd.CRLs {
			add("CRLs", c)
		}
		for _, o := range vd.OCSPs {
			add("OCSPs", o)
		}
	}
	nd := Dict{"Type": Name("DSS")}
	for k, v := range old {
		if k != "Certs" && k != "CRLs" && k != "OCSPs" {
			nd[k] = v
		}
	}
	for k, v := range lists {
		if len(v) > 0 {
			nd[k] = u.add(v)
		}
	}
	newCat := copyDict(cat)
	newCat["DSS"] = u.add(nd)
	if cat["Extensions"] == nil {
		newCat["Extensions"] = Dict{"ESIC": Dict{"BaseVersion": Name("1.7"), "ExtensionLevel": int64(5)}}
	}
	u.set(catRef, newCat)
	s, err := u.bytes()
	if err != nil {
		return nil, err
	}
	return s.data, nil
}

// docTimestamp returns an incremental update adding a document timestamp
// (an invisible signature field whose /V is a /DocTimeStamp dictionary,
// SubFilter ETSI.RFC3161) over the whole new revision but its /Contents.
func (f *File) docTimestamp(ctx context.Context, ts DigestTimestamper, h crypto.Hash) ([]byte, error) {
	u, err := newUpdate(f)
	if err != nil {
		return nil, err
	}
	sig := Dict{
		"Type":      Name("DocTimeStamp"),
		"Filter":    Name("Adobe.PPKLite"),
		"SubFilter": Name("ETSI.RFC3161"),
		"Contents":  contentsMark{16384},
	}
	if _, err := u.placeSignature(sig, "", nil, sign.Credential{}, time.Time{}, false); err != nil {
		return nil, err
	}
	s, err := u.bytes()
	if err != nil {
		return nil, err
	}
	if _, err := s.byteRange(); err != nil {
		return nil, err
	}
	d := h.New()
	if _, err := io.Copy(d, s.signedReader(f)); err != nil {
		return nil, err
	}
	tok, err := ts.Timestamp(ctx, d.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("document timestamp: %w", err)
	}
	if err := s.fill(tok.Raw); err != nil {
		return nil, err
	}
	return s.data, nil
}

// concatReaderAt reads a (asize bytes) followed by b.
type concatReaderAt struct {
	a     io.ReaderAt
	asize int64
	b     []byte
}

func (c *concatReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	if off < c.asize {
		k := int(min(int64(len(p)), c.asize-off))
		m, err := c.a.ReadAt(p[:k], off)
		n += m
		if err != nil && !(err == io.EOF && m == k) {
			return n, err
		}
		p, off = p[k:], off+int64(k)
	}
	if len(p) == 0 {
		return n, nil
	}
	i := off - c.asize
	if i >= int64(len(c.b)) {
		return n, io.EOF
	}
	m := copy(p, c.b[i:])
	n += m
	if m < len(p) {
		return n, io.EOF
	}
	return n, nil
}

var _ = bytes.Equal
