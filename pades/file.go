package pades

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
)

// Bounds on what a File reads, so that time and memory stay proportional
// to the input: at most MaxSections cross-reference sections, MaxObjects
// objects per section, maxEntries(N) cross-reference entries in all the
// sections of a file of N bytes, MaxDecoded bytes of decoded stream data
// per stream and decodeBudget(N) per File (at most MaxDecodedTotal).
const (
	MaxSections     = 4096
	MaxObjects      = 1 << 22
	MaxDecoded      = 64 << 20
	MaxDecodedTotal = 256 << 20
)

// maxEntries bounds the cross-reference entries of all the sections of a
// file of size bytes: a table entry takes 20 bytes of the file, and an
// object, even compressed, takes several; 64 Ki entries are always
// accepted. Each entry costs about 64 bytes of memory, so the entries of
// a file take at most 8·N + 4 MiB.
func maxEntries(size int64) int64 { return 1<<16 + size/8 }

// decodeBudget bounds the decoded stream data a File produces in all (the
// data of every structural stream it decodes, released or cached): 32 MiB
// plus 4 bytes per byte of the file, at most MaxDecodedTotal.
func decodeBudget(size int64) int64 { return min(MaxDecodedTotal, 32<<20+4*size) }

// ErrNotPDF is wrapped when the input is not a PDF at all.
var ErrNotPDF = errors.New("not a PDF")

type entry struct {
	typ byte // 0 free, 1 at offset, 2 in an object stream
	off int64
	gen int
	stm int // object stream number (typ 2)
	idx int // index in the object stream (typ 2)
}

// section is one cross-reference section (table or stream) with its
// trailer.
type section struct {
	off      int64
	entries  map[int]entry
	trailer  Dict
	prev     int64 // -1: none
	end      int64 // just after the section's syntax (trailer or endobj)
	isStream bool
	num      int // object number of an xref stream
}

// Revision is one version of the document: the bytes [0, End) of the file
// with the cross-reference sections reachable from its startxref.
type Revision struct {
	// Index counts revisions from 0 (the original document).
	Index int
	// EOF is the offset just after this revision's "%%EOF"; End is after
	// the end-of-line that may follow it.
	EOF, End int64
	// Trailer is the trailer dictionary of the revision's newest section.
	Trailer Dict
	chain   []*section // newest first
	head    *section
}

// File is a parsed PDF: its revisions and an object reader. It reads
// through an io.ReaderAt and holds only what it parsed, never the file.
type File struct {
	r         io.ReaderAt
	size      int64
	Revisions []*Revision
	sections  map[int64]*section
	// Problems lists structural oddities found while opening (bytes
	// after the last %%EOF, sections that do not nest).
	Problems []string

	// crypt is set for an encrypted file whose key could be derived
	// (crypt.go); cryptErr says why not.
	crypt    *crypt
	cryptErr error

	mu      sync.Mutex
	decoded int64 // decoded stream bytes produced so far (decodeBudget)
	entries int64 // cross-reference entries read so far (maxEntries)
	objstm  map[int64]*objStream
	cache   map[int64]cached
}

type cached struct {
	num, gen int
	obj      Object
	end      int64
}

type objStream struct {
	data  []byte
	first int
	offs  map[int]int // idx → (num, offset)
	nums  []int
	err   error
}

// Size returns the size of the file.
func (f *File) Size() int64 { return f.size }

// Open parses the structure of a PDF of size bytes read through r.
func Open(r io.ReaderAt, size int64) (*File, error) {
	f := &File{r: r, size: size, sections: map[int64]*section{}, objstm: map[int64]*objStream{}, cache: map[int64]cached{}}
	head := make([]byte, min(size, 1024))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return nil, err
	}
	if !bytes.HasPrefix(head, []byte("%PDF-")) {
		return nil, fmt.Errorf("%w: no %%PDF- header", ErrNotPDF)
	}
	start, eofEnd, err := f.lastStartxref()
	if err != nil {
		return nil, err
	}
	// Follow the chain from the newest section.
	var chain []*section
	for off := start; off >= 0; {
		if len(chain) >= MaxSections {
			return nil, fmt.Errorf("pades: more than %d cross-reference sections", MaxSections)
		}
		if _, seen := f.sections[off]; seen {
			return nil, fmt.Errorf("pades: cross-reference sections form a loop at offset %d", off)
		}
		s, err := f.readSection(off)
		if err != nil {
			return nil, err
		}
		f.sections[off] = s
		chain = append(chain, s)
		off = s.prev
	}
	// Revisions: a section followed by "startxref N %%EOF" where N names a
	// section of the chain ends a revision whose newest section is N.
	ends := map[int64]*Revision{}
	for _, s := range chain {
		n, eof, end, ok := f.startxrefAfter(s.end)
		if !ok {
			continue
		}
		h, ok := f.sections[n]
		if !ok {
			continue
		}
		if _, dup := ends[end]; !dup {
			ends[end] = &Revision{EOF: eof, End: end, head: h}
		}
	}
	if _, ok := ends[eofEnd]; !ok {
		// The file's own final startxref (always a revision).
		ends[eofEnd] = &Revision{EOF: f.eofOf(eofEnd), End: eofEnd, head: chain[0]}
	}
	for _, r := range ends {
		f.Revisions = append(f.Revisions, r)
	}
	sort.Slice(f.Revisions, func(i, j int) bool { return f.Revisions[i].End < f.Revisions[j].End })
	for i, r := range f.Revisions {
		r.Index = i
		r.Trailer = r.head.trailer
		for s := r.head; s != nil; s = f.sections[s.prev] {
			r.chain = append(r.chain, s)
			if len(r.chain) > MaxSections {
				return nil, errors.New("pades: cross-reference chain too long")
			}
		}
		if i > 0 && !r.contains(f.Revisions[i-1].head) {
			f.Problems = append(f.Problems, fmt.Sprintf("revision %d does not build on revision %d (its cross-reference sections do not include the earlier ones)", i+1, i))
		}
	}
	last := f.Revisions[len(f.Revisions)-1]
	if last.head != chain[0] {
		f.Problems = append(f.Problems, "the last revision in the file is not the one its final startxref names")
	}
	f.cryptErr = f.setupCrypt()
	return f, nil
}

func (r *Revision) contains(s *section) bool {
	for _, x := range r.chain {
		if x == s {
			return true
		}
	}
	return false
}

// Head returns the offset of the revision's newest cross-reference section.
func (r *Revision) Head() int64 { return r.head.off }

// eofOf returns the offset just after "%%EOF" for a revision ending at end.
func (f *File) eofOf(end int64) int64 {
	b := make([]byte, min(end, 2))
	f.r.ReadAt(b, end-int64(len(b)))
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
		end--
	}
	return end
}

// lastStartxref finds the file's final "startxref N %%EOF". Only white
// space may follow it; anything else is reported in Problems.
func (f *File) lastStartxref() (start, end int64, err error) {
	n := min(f.size, 4096)
	tail := make([]byte, n)
	if _, err := f.r.ReadAt(tail, f.size-n); err != nil && err != io.EOF {
		return 0, 0, err
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, 0, fmt.Errorf("%w: no startxref at the end (a truncated or damaged file)", ErrNotPDF)
	}
	ps := &parser{b: tail[i+9:], base: f.size - n + int64(i) + 9, final: true}
	off, err := ps.integer()
	if err != nil {
		return 0, 0, fmt.Errorf("%w: bad startxref: %v", ErrNotPDF, err)
	}
	ps.ws0()
	if !bytes.HasPrefix(ps.b[ps.p:], []byte("%%EOF")) {
		return 0, 0, fmt.Errorf("%w: no %%%%EOF after the last startxref", ErrNotPDF)
	}
	ps.p += 5
	ps.eol()
	if rest := bytes.TrimLeft(ps.b[ps.p:], "\x00\t\n\f\r "); len(rest) > 0 {
		f.Problems = append(f.Problems, fmt.Sprintf("%d bytes after the last %%%%EOF are not part of any revision", len(ps.b)-ps.p))
	}
	return off, ps.off(), nil
}

// ws0 skips white space only (not comments: %%EOF is one).
func (ps *parser) ws0() {
	for ps.p < len(ps.b) && isWS(ps.b[ps.p]) {
		ps.p++
	}
}

// eol skips one end-of-line marker.
func (ps *parser) eol() {
	if ps.p < len(ps.b) && ps.b[ps.p] == '\r' {
		ps.p++
	}
	if ps.p < len(ps.b) && ps.b[ps.p] == '\n' {
		ps.p++
	}
}

// startxrefAfter reads "startxref N %%EOF" right after off (white space
// and comments between), returning N and where %%EOF and its line end.
func (f *File) startxrefAfter(off int64) (n, eof, end int64, ok bool) {
	b := make([]byte, min(512, f.size-off))
	if _, err := f.r.ReadAt(b, off); err != nil && err != io.EOF {
		return 0, 0, 0, false
	}
	ps := &parser{b: b, base: off, final: off+int64(len(b)) == f.size}
	ps.ws0()
	for ps.p < len(b) && b[ps.p] == '%' && !bytes.HasPrefix(b[ps.p:], []byte("%%EOF")) {
		ps.ws() // a comment line
		ps.ws0()
	}
	if k, err := ps.keyword(); err != nil || k != "startxref" {
		return 0, 0, 0, false
	}
	n, err := ps.integer()
	if err != nil {
		return 0, 0, 0, false
	}
	ps.ws0()
	if !bytes.HasPrefix(b[ps.p:], []byte("%%EOF")) {
		return 0, 0, 0, false
	}
	ps.p += 5
	eof = ps.off()
	ps.eol()
	return n, eof, ps.off(), true
}

// window returns a parser over the file from off, of n bytes at most.
func (f *File) window(off int64, n int) (*parser, error) {
	if off < 0 || off >= f.size {
		return nil, fmt.Errorf("pades: offset %d outside the file", off)
	}
	n = int(min(int64(n), f.size-off))
	b := make([]byte, n)
	if _, err := f.r.ReadAt(b, off); err != nil && err != io.EOF {
		return nil, err
	}
	return &parser{b: b, base: off, final: off+int64(n) == f.size}, nil
}

// parseWindow runs fn on growing windows from off until it stops asking
// for more, up to MaxObjectSize.
func (f *File) parseWindow(off int64, fn func(ps *parser) error) error {
	for n := 4096; ; n *= 4 {
		ps, err := f.window(off, n)
		if err != nil {
			return err
		}
		err = fn(ps)
		if err != errShort {
			return err
		}
		if n >= MaxObjectSize {
			return fmt.Errorf("pades: object at offset %d larger than %d bytes", off, MaxObjectSize)
		}
	}
}

// readSection parses the cross-reference section at off.
func (f *File) readSection(off int64) (*section, error) {
	s := &section{off: off, prev: -1, entries: map[int]entry{}}
	var isTable bool
	err := f.parseWindow(off, func(ps *parser) error {
		k, err := ps.keyword()
		if err != nil {
			return err
		}
		isTable = k == "xref"
		if !isTable {
			return nil
		}
		return f.parseTable(ps, s)
	})
	if err != nil {
		return nil, fmt.Errorf("cross-reference section at %d: %w", off, err)
	}
	if !isTable {
		if err := f.parseXrefStream(off, s); err != nil {
			return nil, fmt.Errorf("cross-reference stream at %d: %w", off, err)
		}
	}
	if err := f.countEntries(len(s.entries)); err != nil {
		return nil, fmt.Errorf("cross-reference section at %d: %w", off, err)
	}
	if p, ok := s.trailer["Prev"]; ok {
		pi, ok := p.(int64)
		if !ok || pi < 0 || pi >= f.size {
			return nil, fmt.Errorf("pades: bad /Prev in the trailer at %d", off)
		}
		s.prev = pi
	}
	if x, ok := s.trailer["XRefStm"].(int64); ok && isTable {
		// Hybrid file: the table's entries win over the stream's.
		hs := &section{entries: map[int]entry{}}
		if err := f.parseXrefStream(x, hs); err != nil {
			return nil, fmt.Errorf("hybrid cross-reference stream at %d: %w", x, err)
		}
		if err := f.countEntries(len(hs.entries)); err != nil {
			return nil, fmt.Errorf("hybrid cross-reference stream at %d: %w", x, err)
		}
		for n, e := range hs.entries {
			if _, ok := s.entries[n]; !ok {
				s.entries[n] = e
			}
		}
	}
	return s, nil
}

// parseTable reads a classic cross-reference table into s. It may run
// more than once on growing windows (parseWindow): it starts afresh each
// time, so that the entries of a shorter attempt are not seen twice.
func (f *File) parseTable(ps *parser, s *section) error {
	s.entries = map[int]entry{}
	for {
		ps.ws()
		if ps.p >= len(ps.b) {
			return ps.short("cross-reference table")
		}
		if c := ps.b[ps.p]; c < '0' || c > '9' {
			break
		}
		first, err := ps.integer()
		if err != nil {
			return err
		}
		count, err := ps.integer()
		if err != nil {
			return err
		}
		if count > int64(MaxObjects) || first+count > int64(MaxObjects) || count*18 > f.size {
			return ps.errf("cross-reference subsection too large")
		}
		for i := int64(0); i < count; i++ {
			o, err := ps.integer()
			if err != nil {
				return err
			}
			g, err := ps.integer()
			if err != nil {
				return err
			}
			k, err := ps.keyword()
			if err != nil {
				return err
			}
			num := int(first + i)
			if _, dup := s.entries[num]; dup {
				return ps.errf("object %d listed twice in one cross-reference section", num)
			}
			switch k {
			case "n":
				if o >= f.size {
					return ps.errf("object %d at offset %d, outside the file", num, o)
				}
				s.entries[num] = entry{typ: 1, off: o, gen: int(g)}
			case "f":
				s.entries[num] = entry{typ: 0, gen: int(g)}
			default:
				return ps.errf("bad cross-reference entry type %q", trunc(k))
			}
		}
	}
	if err := ps.expect("trailer"); err != nil {
		return err
	}
	t, err := ps.object(0)
	if err != nil {
		return err
	}
	d, ok := t.(Dict)
	if !ok {
		return ps.errf("trailer is not a dictionary")
	}
	s.trailer = d
	s.end = ps.off()
	return nil
}

// countEntries adds n cross-reference entries to the file's count,
// refusing more than maxEntries.
func (f *File) countEntries(n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries += int64(n)
	if f.entries > maxEntries(f.size) {
		return fmt.Errorf("pades: more than %d cross-reference entries for a file of %d bytes", maxEntries(f.size), f.size)
	}
	return nil
}

// parseXrefStream reads the cross-reference stream at off into s. Its
// decoded data is exactly (sum of /W) bytes per entry that /Index lists;
// the entries are counted against maxEntries before anything is decoded,
// and no more than that many bytes are ever decoded.
func (f *File) parseXrefStream(off int64, s *section) error {
	c, err := f.objectAt(off, nil)
	if err != nil {
		return err
	}
	st, ok := c.obj.(*Stream)
	if !ok || st.Dict.Name("Type") != "XRef" {
		return errors.New("not a cross-reference stream")
	}
	s.isStream, s.num, s.end, s.trailer = true, c.num, c.end, st.Dict
	w, ok := st.Dict["W"].(Array)
	if !ok || len(w) != 3 {
		return errors.New("bad /W")
	}
	var ws [3]int
	for i := range ws {
		v, ok := w[i].(int64)
		if !ok || v < 0 || v > 8 {
			return errors.New("bad /W")
		}
		ws[i] = int(v)
	}
	size, ok := st.Dict["Size"].(int64)
	if !ok || size < 0 || size > MaxObjects {
		return errors.New("bad /Size")
	}
	index := Array{int64(0), size}
	if ix, ok := st.Dict["Index"].(Array); ok {
		index = ix
	}
	if len(index)%2 != 0 {
		return errors.New("bad /Index")
	}
	rowLen := ws[0] + ws[1] + ws[2]
	if rowLen == 0 {
		return errors.New("bad /W")
	}
	var rows int64
	for i := 0; i < len(index); i += 2 {
		first, ok1 := index[i].(int64)
		count, ok2 := index[i+1].(int64)
		if !ok1 || !ok2 || first < 0 || count < 0 || first+count > MaxObjects {
			return errors.New("bad /Index")
		}
		rows += count
		if rows > maxEntries(f.size) {
			return fmt.Errorf("pades: /Index lists more than %d entries for a file of %d bytes", maxEntries(f.size), f.size)
		}
	}
	data, err := f.decode(st, rows*int64(rowLen))
	if err != nil {
		return err
	}
	if int64(len(data)) != rows*int64(rowLen) {
		return errors.New("cross-reference stream data is not as long as its /Index and /W say")
	}
	pos := 0
	field := func(n int, def int64) int64 {
		if n == 0 {
			return def
		}
		var v int64
		for i := 0; i < n; i++ {
			v = v<<8 | int64(data[pos])
			pos++
		}
		return v
	}
	for i := 0; i < len(index); i += 2 {
		first, ok1 := index[i].(int64)
		count, ok2 := index[i+1].(int64)
		if !ok1 || !ok2 || first < 0 || count < 0 || first+count > MaxObjects {
			return errors.New("bad /Index")
		}
		for j := int64(0); j < count; j++ {
			if pos+rowLen > len(data) {
				return errors.New("cross-reference stream shorter than its /Index says")
			}
			t := field(ws[0], 1)
			a := field(ws[1], 0)
			b := field(ws[2], 0)
			num := int(first + j)
			if _, dup := s.entries[num]; dup {
				return fmt.Errorf("object %d listed twice in one cross-reference stream", num)
			}
			switch t {
			case 0:
				s.entries[num] = entry{typ: 0, gen: int(b)}
			case 1:
				if a >= f.size {
					return fmt.Errorf("object %d at offset %d, outside the file", num, a)
				}
				s.entries[num] = entry{typ: 1, off: a, gen: int(b)}
			case 2:
				if a > MaxObjects || b > MaxObjects {
					return errors.New("bad compressed object entry")
				}
				s.entries[num] = entry{typ: 2, stm: int(a), idx: int(b)}
			default:
				// Unknown types are to be ignored (as null) by readers.
			}
		}
	}
	return nil
}

// objectAt parses the indirect object "N G obj … endobj" at off. rev
// resolves an indirect /Length (nil: the newest revision).
func (f *File) objectAt(off int64, rev *Revision) (cached, error) {
	return f.objectAtDepth(off, rev, 0)
}

func (f *File) objectAtDepth(off int64, rev *Revision, depth int) (cached, error) {
	f.mu.Lock()
	c, ok := f.cache[off]
	f.mu.Unlock()
	if ok {
		return c, nil
	}
	var lenRef *Ref
	err := f.parseWindow(off, func(ps *parser) error {
		num, err := ps.integer()
		if err != nil {
			return err
		}
		gen, err := ps.integer()
		if err != nil {
			return err
		}
		if err := ps.expect("obj"); err != nil {
			return err
		}
		o, err := ps.object(0)
		if err != nil {
			return err
		}
		c = cached{num: int(num), gen: int(gen), obj: o}
		k, err := ps.keyword()
		if err != nil {
			return err
		}
		switch k {
		case "endobj":
			c.end = ps.off()
			return nil
		case "stream":
			d, ok := o.(Dict)
			if !ok {
				return ps.errf("stream without a dictionary")
			}
			// "stream" is followed by CRLF or LF.
			if ps.p < len(ps.b) && ps.b[ps.p] == '\r' {
				ps.p++
			}
			if ps.p < len(ps.b) && ps.b[ps.p] == '\n' {
				ps.p++
			}
			if ps.p >= len(ps.b) && !ps.final {
				return errShort
			}
			c.obj = &Stream{Dict: d, Start: ps.off()}
			if r, ok := d["Length"].(Ref); ok {
				lenRef = &r
			}
			return nil
		}
		return ps.errf("expected endobj or stream, found %q", trunc(k))
	})
	if err != nil {
		return cached{}, err
	}
	if st, ok := c.obj.(*Stream); ok {
		st.num, st.gen = c.num, c.gen
		if st.Dict.Name("Type") != "XRef" {
			f.openStrings(st.Dict, c.num, c.gen)
		}
	} else {
		f.openStrings(c.obj, c.num, c.gen)
	}
	if st, ok := c.obj.(*Stream); ok {
		var l Object = st.Dict["Length"]
		if lenRef != nil {
			if rev == nil {
				rev = f.Revisions[len(f.Revisions)-1]
			}
			// The length is a plain number object, never a stream.
			e, ok := f.lookup(rev, lenRef.Num)
			if !ok || e.typ != 1 || e.off == off {
				return cached{}, fmt.Errorf("pades: object at %d: unresolvable /Length", off)
			}
			if depth > 0 {
				return cached{}, fmt.Errorf("pades: object at %d: /Length refers to a stream", off)
			}
			lc, err := f.objectAtDepth(e.off, rev, depth+1)
			if err != nil {
				return cached{}, fmt.Errorf("pades: /Length of object at %d: %w", off, err)
			}
			l = lc.obj
		}
		n, ok := l.(int64)
		if !ok || n < 0 || st.Start+n > f.size {
			return cached{}, fmt.Errorf("pades: object at %d: bad stream /Length", off)
		}
		st.Len = n
		// endstream must follow (after optional EOL).
		err := f.parseWindow(st.Start+n, func(ps *parser) error {
			if err := ps.expect("endstream"); err != nil {
				return err
			}
			if err := ps.expect("endobj"); err != nil {
				return err
			}
			c.end = ps.off()
			return nil
		})
		if err != nil {
			return cached{}, fmt.Errorf("pades: stream at %d: /Length does not end at endstream: %w", off, err)
		}
	}
	f.mu.Lock()
	if len(f.cache) < 1<<16 {
		f.cache[off] = c
	}
	f.mu.Unlock()
	return c, nil
}

// lookup finds the cross-reference entry of object num in rev.
func (f *File) lookup(rev *Revision, num int) (entry, bool) {
	for _, s := range rev.chain {
		if e, ok := s.entries[num]; ok {
			return e, true
		}
	}
	return entry{}, false
}

// Object returns object num as revision rev has it (nil when free or
// absent).
func (f *File) Object(rev *Revision, num int) (Object, error) {
	e, ok := f.lookup(rev, num)
	if !ok || e.typ == 0 {
		return nil, nil
	}
	if e.typ == 1 {
		c, err := f.objectAt(e.off, rev)
		if err != nil {
			return nil, err
		}
		if c.num != num {
			return nil, fmt.Errorf("pades: cross-reference entry of object %d points at object %d", num, c.num)
		}
		return c.obj, nil
	}
	return f.compressed(rev, num, e)
}

func (f *File) compressed(rev *Revision, num int, e entry) (Object, error) {
	se, ok := f.lookup(rev, e.stm)
	if !ok || se.typ != 1 {
		return nil, fmt.Errorf("pades: object stream %d of object %d not found", e.stm, num)
	}
	f.mu.Lock()
	os, ok := f.objstm[se.off]
	f.mu.Unlock()
	if !ok {
		os = f.loadObjStream(se.off, rev)
		f.mu.Lock()
		f.objstm[se.off] = os
		f.mu.Unlock()
	}
	if os.err != nil {
		return nil, os.err
	}
	at, ok := os.offs[e.idx]
	if !ok || os.nums[e.idx] != num {
		return nil, fmt.Errorf("pades: object %d is not at index %d of object stream %d", num, e.idx, e.stm)
	}
	ps := &parser{b: os.data[at:], base: 0, final: true}
	o, err := ps.object(0)
	if err != nil {
		return nil, fmt.Errorf("pades: object %d in object stream %d: %w", num, e.stm, err)
	}
	if _, isStream := o.(*Stream); isStream {
		return nil, errors.New("pades: a stream inside an object stream")
	}
	return o, nil
}

func (f *File) loadObjStream(off int64, rev *Revision) *objStream {
	os := &objStream{}
	c, err := f.objectAt(off, rev)
	if err != nil {
		os.err = err
		return os
	}
	st, ok := c.obj.(*Stream)
	if !ok || st.Dict.Name("Type") != "ObjStm" {
		os.err = fmt.Errorf("pades: object at %d is not an object stream", off)
		return os
	}
	n, ok1 := st.Dict["N"].(int64)
	first, ok2 := st.Dict["First"].(int64)
	if !ok1 || !ok2 || n < 0 || first < 0 || n > MaxObjects {
		os.err = errors.New("pades: bad object stream /N or /First")
		return os
	}
	if os.data, os.err = f.decode(st, MaxDecoded); os.err != nil {
		return os
	}
	if first > int64(len(os.data)) {
		os.err = errors.New("pades: object stream /First outside its data")
		return os
	}
	ps := &parser{b: os.data[:first], final: true}
	os.offs = map[int]int{}
	for i := 0; i < int(n); i++ {
		num, err1 := ps.integer()
		o, err2 := ps.integer()
		if err1 != nil || err2 != nil || first+o > int64(len(os.data)) {
			os.err = errors.New("pades: bad object stream header")
			return os
		}
		os.offs[i] = int(first + o)
		os.nums = append(os.nums, int(num))
	}
	return os
}

// StreamData returns the decoded data of st (FlateDecode with PNG
// predictors, or no filter), bounded by MaxDecoded and the File's budget.
func (f *File) StreamData(st *Stream) ([]byte, error) { return f.decode(st, MaxDecoded) }

// decode returns the decoded data of st, of at most limit bytes (after
// predictors are undone): longer data is an error, found without decoding
// more than limit+1 bytes. Every decoded byte is charged to the File's
// decodeBudget, so that all the streams of a file together cost memory and
// time proportional to its size.
func (f *File) decode(st *Stream, limit int64) ([]byte, error) {
	if st.Len > MaxDecoded {
		return nil, fmt.Errorf("pades: stream of %d bytes is larger than %d", st.Len, MaxDecoded)
	}
	limit = min(limit, MaxDecoded)
	if f.cryptErr != nil && st.Dict.Name("Type") != "XRef" {
		return nil, f.cryptErr
	}
	filters := []Object{}
	switch x := st.Dict["Filter"].(type) {
	case nil:
	case Name:
		filters = append(filters, x)
	case Array:
		filters = x
	default:
		return nil, errors.New("pades: bad /Filter")
	}
	if len(filters) > 1 {
		return nil, errors.New("pades: more than one filter on a structural stream")
	}
	if len(filters) == 1 && filters[0] != Name("FlateDecode") {
		return nil, fmt.Errorf("pades: unsupported filter %v on a structural stream", filters[0])
	}
	var parms Dict
	switch p := st.Dict["DecodeParms"].(type) {
	case Dict:
		parms = p
	case Array:
		if len(p) == 1 {
			parms, _ = p[0].(Dict)
		}
	}
	pred, _ := parms["Predictor"].(int64)
	cols, _ := parms["Columns"].(int64)
	if cols <= 0 || cols > 1<<16 {
		cols = 1
	}
	if len(filters) == 0 && pred > 1 {
		return nil, errors.New("pades: a predictor without a filter")
	}
	if pred > 1 && pred < 10 {
		return nil, fmt.Errorf("pades: unsupported predictor %d", pred)
	}
	// The inflated data is longer than the result by one byte per row
	// when PNG predictors are used.
	inflated := limit
	if pred >= 10 {
		inflated = limit + (limit+cols-1)/cols
	}
	if len(filters) == 0 && st.Len > limit {
		return nil, fmt.Errorf("pades: stream data longer than its dictionary allows (%d bytes)", limit)
	}
	raw := make([]byte, st.Len)
	if _, err := f.r.ReadAt(raw, st.Start); err != nil && !(err == io.EOF && st.Len == 0) {
		return nil, err
	}
	if c := f.crypt; c != nil && st.Dict.Name("Type") != "XRef" && (c.encryptMetadata || st.Dict.Name("Type") != "Metadata") {
		var err error
		if raw, err = c.decrypt(c.streams, st.num, st.gen, raw); err != nil {
			return nil, err
		}
	}
	if len(filters) == 0 {
		return raw, nil
	}
	zr, err := zlib.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("pades: flate: %w", err)
	}
	f.mu.Lock()
	budget := min(inflated, decodeBudget(f.size)-f.decoded)
	f.mu.Unlock()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(zr, max(budget, 0)+1))
	f.mu.Lock()
	f.decoded += n
	f.mu.Unlock()
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, fmt.Errorf("pades: flate: %w", err)
	}
	if n > budget {
		if budget < inflated {
			return nil, fmt.Errorf("pades: decoded stream data beyond the file's budget (%d bytes for a file of %d bytes)", decodeBudget(f.size), f.size)
		}
		return nil, fmt.Errorf("pades: decoded stream data longer than its dictionary allows (%d bytes)", limit)
	}
	out := buf.Bytes()
	if pred >= 10 {
		if out, err = unpredict(out, int(cols)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// unpredict reverses PNG predictors (bytes per pixel 1, as in
// cross-reference streams).
func unpredict(data []byte, cols int) ([]byte, error) {
	row := cols + 1
	if len(data)%row != 0 {
		return nil, errors.New("pades: predicted data is not whole rows")
	}
	out := make([]byte, 0, len(data)/row*cols)
	prev := make([]byte, cols)
	for i := 0; i < len(data); i += row {
		t, cur := data[i], data[i+1:i+row]
		line := make([]byte, cols)
		for j := 0; j < cols; j++ {
			var left, up, ul byte
			if j > 0 {
				left, ul = line[j-1], prev[j-1]
			}
			up = prev[j]
			switch t {
			case 0:
				line[j] = cur[j]
			case 1:
				line[j] = cur[j] + left
			case 2:
				line[j] = cur[j] + up
			case 3:
				line[j] = cur[j] + byte((int(left)+int(up))/2)
			case 4:
				line[j] = cur[j] + paeth(left, up, ul)
			default:
				return nil, errors.New("pades: bad PNG predictor")
			}
		}
		out = append(out, line...)
		prev = line
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	if pa <= pb && pa <= pc {
		return a
	}
	if pb <= pc {
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// Resolve follows references (at most 32) in rev.
func (f *File) Resolve(rev *Revision, o Object) (Object, error) {
	for i := 0; i < 32; i++ {
		r, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = f.Object(rev, r.Num); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("pades: reference chain too long")
}

// dict resolves o to a dictionary (nil when it is not one).
func (f *File) dict(rev *Revision, o Object) Dict {
	o, err := f.Resolve(rev, o)
	if err != nil {
		return nil
	}
	switch x := o.(type) {
	case Dict:
		return x
	case *Stream:
		return x.Dict
	}
	return nil
}
