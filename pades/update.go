package pades

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
)

// update builds an incremental update: new and replaced objects, then a
// cross-reference section of the same kind as the last one (table or
// stream) whose /Prev is the previous startxref. The original bytes are
// never touched.
type update struct {
	f    *File
	rev  *Revision
	next int
	objs map[int]pending
}

type pending struct {
	gen int
	obj Object
}

// newStream is a stream object to write (its /Length is set when written).
type newStream struct {
	dict Dict
	data []byte
}

func newUpdate(f *File) (*update, error) {
	rev := f.Revisions[len(f.Revisions)-1]
	if f.cryptErr != nil {
		return nil, f.cryptErr
	}
	if len(f.Problems) > 0 {
		return nil, fmt.Errorf("pades: refusing to add a revision to a damaged file: %s", f.Problems[0])
	}
	size, _ := rev.Trailer["Size"].(int64)
	next := int(size)
	for _, s := range rev.chain {
		for n := range s.entries {
			if n+1 > next {
				next = n + 1
			}
		}
	}
	return &update{f: f, rev: rev, next: next, objs: map[int]pending{}}, nil
}

// add stores a new object and returns its reference.
func (u *update) add(o Object) Ref {
	n := u.next
	u.next++
	u.objs[n] = pending{0, o}
	return Ref{n, 0}
}

// set replaces object r.
func (u *update) set(r Ref, o Object) { u.objs[r.Num] = pending{r.Gen, o} }

// reserve allocates an object number to fill later with set.
func (u *update) reserve() Ref {
	n := u.next
	u.next++
	return Ref{n, 0}
}

// placeholder marks where a signature's /Contents and /ByteRange go.
type placeholder struct {
	num      int
	contents int // bytes reserved (hex doubles them)
}

// serialised is the update's bytes with the positions of a placeholder.
type serialised struct {
	data []byte
	// base is the file offset of data[0].
	base int64
	// holeStart/holeEnd are the offsets (in data) of the /Contents hex
	// string, '<' and after '>'; brPos and brLen locate the ByteRange
	// placeholder.
	holeStart, holeEnd int
	brPos, brLen       int
}

const brPlaceholder = "[0 0000000000 0000000000 0000000000]"

// contentsMark stands for the placeholder values in an object.
type contentsMark struct{ n int }

// bytes writes the update. sig, when set, is the object number of the
// signature dictionary holding a contentsMark and a byteRangeMark.
func (u *update) bytes() (*serialised, error) {
	s := &serialised{base: u.f.size, holeStart: -1}
	var b []byte
	// The previous revision must end with an end-of-line.
	last := make([]byte, 1)
	u.f.r.ReadAt(last, u.f.size-1)
	if last[0] != '\n' && last[0] != '\r' {
		b = append(b, '\n')
	}
	nums := make([]int, 0, len(u.objs)+1)
	for n := range u.objs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	offsets := map[int]int64{}
	for _, n := range nums {
		p := u.objs[n]
		p.obj = u.f.sealNew(p.obj, n, p.gen)
		offsets[n] = s.base + int64(len(b))
		b = fmt.Appendf(b, "%d %d obj\n", n, p.gen)
		switch o := p.obj.(type) {
		case newStream:
			d := Dict{}
			for k, v := range o.dict {
				d[k] = v
			}
			d["Length"] = int64(len(o.data))
			b = appendObject(b, d)
			b = append(b, "\nstream\n"...)
			b = append(b, o.data...)
			b = append(b, "\nendstream"...)
		case Dict:
			b = u.appendSigDict(b, o, s)
		default:
			b = appendObject(b, o)
		}
		b = append(b, "\nendobj\n"...)
	}
	prev := u.rev.head.off
	trailer := Dict{"Root": u.rev.Trailer["Root"], "Prev": prev}
	for _, k := range []Name{"Info", "ID", "Encrypt"} {
		if v, ok := u.rev.Trailer[k]; ok {
			trailer[k] = v
		}
	}
	xrefOff := s.base + int64(len(b))
	if !u.rev.head.isStream {
		trailer["Size"] = int64(u.next)
		b = append(b, "xref\n"...)
		for i := 0; i < len(nums); {
			j := i
			for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
				j++
			}
			b = fmt.Appendf(b, "%d %d\n", nums[i], j-i+1)
			for k := i; k <= j; k++ {
				b = fmt.Appendf(b, "%010d %05d n\r\n", offsets[nums[k]], u.objs[nums[k]].gen)
			}
			i = j + 1
		}
		b = append(b, "trailer\n"...)
		b = appendObject(b, trailer)
		b = append(b, '\n')
	} else {
		xn := u.next
		u.next++
		offsets[xn] = xrefOff
		nums = append(nums, xn)
		w := 4
		if xrefOff >= 1<<32 {
			w = 8
		}
		var data, index []byte
		index = append(index, '[')
		for i, n := range nums {
			data = append(data, 1)
			for k := w - 1; k >= 0; k-- {
				data = append(data, byte(offsets[n]>>(8*k)))
			}
			gen := 0
			if p, ok := u.objs[n]; ok {
				gen = p.gen
			}
			data = append(data, byte(gen>>8), byte(gen))
			if i > 0 {
				index = append(index, ' ')
			}
			index = fmt.Appendf(index, "%d 1", n)
		}
		index = append(index, ']')
		trailer["Type"] = Name("XRef")
		trailer["Size"] = int64(u.next)
		trailer["W"] = Array{int64(1), int64(w), int64(2)}
		trailer["Index"] = raw(index)
		trailer["Length"] = int64(len(data))
		b = fmt.Appendf(b, "%d 0 obj\n", xn)
		b = appendObject(b, trailer)
		b = append(b, "\nstream\n"...)
		b = append(b, data...)
		b = append(b, "\nendstream\nendobj\n"...)
	}
	b = fmt.Appendf(b, "startxref\n%d\n%%%%EOF\n", xrefOff)
	s.data = b
	return s, nil
}

// appendSigDict writes a dictionary, replacing a contentsMark and the
// /ByteRange of a signature dictionary by placeholders whose positions it
// records.
func (u *update) appendSigDict(b []byte, d Dict, s *serialised) []byte {
	mark, ok := d["Contents"].(contentsMark)
	if !ok {
		return appendObject(b, d)
	}
	rest := Dict{}
	for k, v := range d {
		if k != "Contents" && k != "ByteRange" {
			rest[k] = v
		}
	}
	b = append(b, "<</ByteRange "...)
	s.brPos = len(b)
	b = append(b, brPlaceholder...)
	s.brLen = len(brPlaceholder)
	b = append(b, " /Contents "...)
	s.holeStart = len(b)
	b = append(b, '<')
	b = append(b, bytes.Repeat([]byte("0"), 2*mark.n)...)
	b = append(b, '>')
	s.holeEnd = len(b)
	inner := appendObject(nil, rest)
	b = append(b, ' ')
	b = append(b, inner[2:]...) // the other keys, and ">>"
	return b
}

// byteRange fills the ByteRange placeholder and returns the four numbers.
func (s *serialised) byteRange() ([4]int64, error) {
	total := s.base + int64(len(s.data))
	br := [4]int64{0, s.base + int64(s.holeStart), s.base + int64(s.holeEnd), total - (s.base + int64(s.holeEnd))}
	txt := fmt.Sprintf("[%d %d %d %d]", br[0], br[1], br[2], br[3])
	if len(txt) > s.brLen {
		return br, errors.New("pades: file too large for the /ByteRange placeholder")
	}
	copy(s.data[s.brPos:], txt+string(bytes.Repeat([]byte(" "), s.brLen-len(txt))))
	return br, nil
}

// signedReader streams the bytes the ByteRange covers: the original file,
// then the update without its /Contents hole.
func (s *serialised) signedReader(f *File) io.Reader {
	return io.MultiReader(io.NewSectionReader(f.r, 0, f.size), bytes.NewReader(s.data[:s.holeStart]), bytes.NewReader(s.data[s.holeEnd:]))
}

// fill writes the signature value (DER) into the hole.
func (s *serialised) fill(der []byte) error {
	room := (s.holeEnd - s.holeStart - 2) / 2
	if len(der) > room {
		return fmt.Errorf("pades: the signature (%d bytes) is larger than the %d bytes reserved for it", len(der), room)
	}
	hex := fmt.Appendf(nil, "%X", der)
	copy(s.data[s.holeStart+1:], hex)
	return nil
}

// writeTo writes the whole new file: the original bytes, then the update.
func (s *serialised) writeTo(f *File, w io.Writer) error {
	if _, err := io.Copy(w, io.NewSectionReader(f.r, 0, f.size)); err != nil {
		return err
	}
	_, err := w.Write(s.data)
	return err
}
