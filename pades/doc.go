package pades

import (
	"errors"
	"fmt"
	"strings"
)

// Bounds of document walks.
const (
	maxPages  = 1 << 20
	maxFields = 1 << 16
	maxWalk   = 64 // depth of page and field trees
)

// Catalog returns the document catalog of rev and its reference.
func (f *File) Catalog(rev *Revision) (Dict, Ref, error) {
	r, ok := rev.Trailer["Root"].(Ref)
	if !ok {
		return nil, Ref{}, errors.New("pades: the trailer has no /Root reference")
	}
	o, err := f.Resolve(rev, r)
	if err != nil {
		return nil, Ref{}, fmt.Errorf("pades: the catalog (/Root): %w", err)
	}
	d, ok := o.(Dict)
	if !ok {
		return nil, Ref{}, errors.New("pades: /Root is not a dictionary")
	}
	return d, r, nil
}

// pageRef is a page object and its reference.
type pageRef struct {
	ref  Ref
	dict Dict
}

// pages lists the pages of rev in order (bounded by maxPages, maxWalk).
func (f *File) pages(rev *Revision) ([]pageRef, error) {
	cat, _, err := f.Catalog(rev)
	if err != nil {
		return nil, err
	}
	root, ok := cat["Pages"].(Ref)
	if !ok {
		return nil, errors.New("pades: the catalog has no /Pages reference")
	}
	var out []pageRef
	seen := map[int]bool{}
	var walk func(r Ref, depth int) error
	walk = func(r Ref, depth int) error {
		if depth > maxWalk || seen[r.Num] || len(out) > maxPages {
			return errors.New("pades: page tree too deep, too large or looping")
		}
		seen[r.Num] = true
		d := f.dict(rev, r)
		if d == nil {
			return fmt.Errorf("pades: page tree node %d is not a dictionary", r.Num)
		}
		switch d.Name("Type") {
		case "Page":
			out = append(out, pageRef{r, d})
			return nil
		case "Pages":
			kids, _ := f.Resolve(rev, d["Kids"])
			arr, _ := kids.(Array)
			for _, k := range arr {
				kr, ok := k.(Ref)
				if !ok {
					return errors.New("pades: a page tree kid is not a reference")
				}
				if err := walk(kr, depth+1); err != nil {
					return err
				}
			}
			return nil
		}
		return fmt.Errorf("pades: page tree node %d has /Type %q", r.Num, d.Name("Type"))
	}
	return out, walk(root, 0)
}

// Field is a form field of the document.
type Field struct {
	// Name is the fully qualified field name (parts joined by ".").
	Name string
	Ref  Ref
	Dict Dict
	// FT is the field type, inherited from parents when absent.
	FT Name
}

// fields lists the terminal fields of rev's AcroForm (bounded).
func (f *File) fields(rev *Revision) ([]Field, error) {
	cat, _, err := f.Catalog(rev)
	if err != nil {
		return nil, err
	}
	af := f.dict(rev, cat["AcroForm"])
	if af == nil {
		return nil, nil
	}
	fl, err := f.Resolve(rev, af["Fields"])
	if err != nil {
		return nil, err
	}
	arr, _ := fl.(Array)
	var out []Field
	seen := map[int]bool{}
	var walk func(r Ref, parent string, ft Name, depth int) error
	walk = func(r Ref, parent string, ft Name, depth int) error {
		if depth > maxWalk || len(seen) > maxFields {
			return errors.New("pades: form field tree too deep or too large")
		}
		if seen[r.Num] {
			return fmt.Errorf("pades: form field %d appears twice", r.Num)
		}
		seen[r.Num] = true
		d := f.dict(rev, r)
		if d == nil {
			return nil
		}
		name := parent
		if t, ok := d["T"].(String); ok {
			if name != "" {
				name += "."
			}
			name += f.text(t)
		}
		if t := d.Name("FT"); t != "" {
			ft = t
		}
		kids, _ := f.Resolve(rev, d["Kids"])
		ka, _ := kids.(Array)
		terminal := true
		for _, k := range ka {
			kr, ok := k.(Ref)
			if !ok {
				continue
			}
			kd := f.dict(rev, kr)
			if kd == nil {
				continue
			}
			if _, isField := kd["T"]; isField {
				terminal = false
				if err := walk(kr, name, ft, depth+1); err != nil {
					return err
				}
			}
		}
		if terminal {
			out = append(out, Field{Name: name, Ref: r, Dict: d, FT: ft})
		}
		return nil
	}
	for _, x := range arr {
		if r, ok := x.(Ref); ok {
			if err := walk(r, "", "", 0); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// decodeText decodes a PDF text string (UTF-16BE with BOM, UTF-8 with BOM,
// or PDFDocEncoding treated as Latin-1).
func decodeText(b []byte) string {
	if len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF {
		var r []rune
		for i := 2; i+1 < len(b); i += 2 {
			u := rune(b[i])<<8 | rune(b[i+1])
			if u >= 0xD800 && u < 0xDC00 && i+3 < len(b) {
				l := rune(b[i+2])<<8 | rune(b[i+3])
				u = 0x10000 + (u-0xD800)<<10 + (l - 0xDC00)
				i += 2
			}
			r = append(r, u)
		}
		return string(r)
	}
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		return string(b[3:])
	}
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// encodeText encodes s as a PDF text string: ASCII as is, anything else
// as UTF-16BE with a BOM (a string this package adds: see plain).
func encodeText(s string) plain {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return plain(s)
	}
	b := []byte{0xFE, 0xFF}
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			b = append(b, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		b = append(b, byte(r>>8), byte(r))
	}
	return plain(b)
}
