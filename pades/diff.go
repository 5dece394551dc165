package pades

import (
	"bytes"
	"fmt"
	"io"
	"sort"
)

// Kinds of changes a revision can make after a signature, from the
// harmless to the forbidden.
const (
	kindDSS       = "validation data (DSS)"
	kindDocTS     = "document timestamp"
	kindMeta      = "metadata"
	kindSignature = "signature"
	kindForm      = "form filling"
	kindAnnot     = "annotation"
	kindOther     = "other"
)

// change is one change a revision makes.
type change struct {
	kind string
	what string
	// field is the form field filled in (kindForm), for FieldMDP locks.
	field string
	// visibleSig marks a signature (kindSignature) added with a visible
	// widget: its appearance may cover the page, so it is allowed for the
	// earlier signatures only when that later signature itself passes
	// (pades/verify.go visibleSignatures).
	visibleSig bool
}

// allowed says whether a change is allowed after a signature under DocMDP
// permissions p (0: the document is not certified). DSS, document
// timestamps and metadata are always allowed; further signatures unless
// p is 1; form filling with p 2 or 3; annotations with p 3; nothing else.
// Without certification only signatures (and the always-allowed kinds)
// are accepted: a form filled in or an annotation added after an approval
// signature changes what the reader sees, so it is reported as not
// allowed.
func (c change) allowed(p int) bool {
	switch c.kind {
	case kindDSS, kindDocTS, kindMeta:
		return true
	case kindSignature:
		return p != 1
	case kindForm:
		return p == 2 || p == 3
	case kindAnnot:
		return p == 3
	}
	return false
}

// MaxChangedObjects bounds the objects a revision may change and still
// be analysed; a larger revision is one "other" change.
const MaxChangedObjects = 10000

// changes lists, for each revision after the first signed one, what it
// changed relative to the revision before it.
func (f *File) changes(sigs []*sigInfo) [][]change {
	out := make([][]change, len(f.Revisions))
	first := len(f.Revisions)
	for _, s := range sigs {
		if s.rev != nil && s.rev.Index < first {
			first = s.rev.Index
		}
	}
	if first >= len(f.Revisions)-1 {
		return out
	}
	refs := &refIndex{f: f, first: map[int]int{}}
	for i := first + 1; i < len(f.Revisions); i++ {
		out[i] = f.revisionChanges(f.Revisions[i-1], f.Revisions[i], refs)
	}
	return out
}

// refIndex records, for each object number, the first revision in which
// any object refers to it (built revision by revision, on demand).
type refIndex struct {
	f     *File
	upTo  int // revisions indexed: 0..upTo-1
	first map[int]int
	err   error
}

func (ri *refIndex) referencedBefore(num, rev int) bool {
	for ri.upTo < rev && ri.err == nil {
		r := ri.f.Revisions[ri.upTo]
		var prev *Revision
		if ri.upTo > 0 {
			prev = ri.f.Revisions[ri.upTo-1]
		}
		for _, n := range newNums(r, prev) {
			o, err := ri.f.Object(r, n)
			if err != nil {
				continue
			}
			walkRefs(o, 0, func(x Ref) {
				if _, ok := ri.first[x.Num]; !ok {
					ri.first[x.Num] = ri.upTo
				}
			})
		}
		ri.upTo++
	}
	i, ok := ri.first[num]
	return ok && i < rev
}

func walkRefs(o Object, depth int, fn func(Ref)) {
	if depth > MaxDepth {
		return
	}
	switch x := o.(type) {
	case Ref:
		fn(x)
	case Array:
		for _, v := range x {
			walkRefs(v, depth+1, fn)
		}
	case Dict:
		for _, v := range x {
			walkRefs(v, depth+1, fn)
		}
	case *Stream:
		walkRefs(x.Dict, depth+1, fn)
	}
}

// newSections lists the sections of cur that prev does not have.
func newSections(cur, prev *Revision) []*section {
	var out []*section
	for _, s := range cur.chain {
		if prev != nil && prev.contains(s) {
			break
		}
		out = append(out, s)
	}
	return out
}

// newNums lists the object numbers cur's new sections define, sorted.
func newNums(cur, prev *Revision) []int {
	set := map[int]bool{}
	for _, s := range newSections(cur, prev) {
		for n := range s.entries {
			set[n] = true
		}
	}
	out := make([]int, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

// roles of the objects of a revision that changes may touch.
type roles struct {
	catalog  int
	acroform int // indirect AcroForm, or -1
	fieldArr int // indirect /Fields array, or -1
	pages    map[int]bool
	annots   map[int]bool // indirect /Annots arrays
	fields   map[int]Field
	annot    map[int]bool // annotations
	dss      map[int]bool
	info     int
	metadata int
}

func (f *File) roles(rev *Revision) *roles {
	r := &roles{acroform: -1, fieldArr: -1, info: -1, metadata: -1, pages: map[int]bool{}, annots: map[int]bool{}, fields: map[int]Field{}, annot: map[int]bool{}, dss: map[int]bool{}}
	cat, catRef, err := f.Catalog(rev)
	if err != nil {
		return r
	}
	r.catalog = catRef.Num
	if x, ok := rev.Trailer["Info"].(Ref); ok {
		r.info = x.Num
	}
	if x, ok := cat["Metadata"].(Ref); ok {
		r.metadata = x.Num
	}
	if x, ok := cat["AcroForm"].(Ref); ok {
		r.acroform = x.Num
	}
	if af := f.dict(rev, cat["AcroForm"]); af != nil {
		if x, ok := af["Fields"].(Ref); ok {
			r.fieldArr = x.Num
		}
	}
	if fl, err := f.fields(rev); err == nil {
		for _, x := range fl {
			r.fields[x.Ref.Num] = x
			// Widgets that are kids of a terminal field.
			kids, _ := f.Resolve(rev, x.Dict["Kids"])
			ka, _ := kids.(Array)
			for _, k := range ka {
				if kr, ok := k.(Ref); ok {
					r.fields[kr.Num] = Field{Name: x.Name, Ref: kr, Dict: f.dict(rev, kr), FT: x.FT}
				}
			}
		}
	}
	if pages, err := f.pages(rev); err == nil {
		for _, p := range pages {
			r.pages[p.ref.Num] = true
			if x, ok := p.dict["Annots"].(Ref); ok {
				r.annots[x.Num] = true
			}
			a, _ := f.Resolve(rev, p.dict["Annots"])
			arr, _ := a.(Array)
			for _, x := range arr {
				if ar, ok := x.(Ref); ok {
					r.annot[ar.Num] = true
				}
			}
		}
	}
	// What the pages use (content, resources, annotations, inherited
	// attributes) can never count as DSS or metadata: a DSS or /Info
	// that names a page's content stream must not make its change
	// "validation data".
	rendered := f.reachable(rev, cat["Pages"])
	if x, ok := cat["DSS"]; ok {
		walkDSS(f, rev, x, r.dss, 0)
	}
	for n := range r.dss {
		_, isField := r.fields[n]
		if rendered[n] || isField || r.annot[n] || r.annots[n] || n == r.catalog || n == r.acroform || n == r.fieldArr {
			delete(r.dss, n)
			continue
		}
		if o, err := f.Object(rev, n); err != nil {
			delete(r.dss, n)
		} else if _, isStream := o.(*Stream); isStream {
			delete(r.dss, n) // DSS data streams are never changed, only added
		}
	}
	if rendered[r.info] {
		r.info = -1
	}
	if rendered[r.metadata] {
		r.metadata = -1
	}
	return r
}

// maxReach bounds the objects reachable() visits.
const maxReach = 1 << 20

// reachable returns the object numbers reachable from o in rev (following
// every reference, bounded by maxReach).
func (f *File) reachable(rev *Revision, o Object) map[int]bool {
	seen := map[int]bool{}
	var queue []int
	add := func(x Ref) {
		if !seen[x.Num] && len(seen) < maxReach {
			seen[x.Num] = true
			queue = append(queue, x.Num)
		}
	}
	walkRefs(o, 0, add)
	for len(queue) > 0 {
		n := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		obj, err := f.Object(rev, n)
		if err != nil {
			continue
		}
		walkRefs(obj, 0, add)
	}
	return seen
}

func walkDSS(f *File, rev *Revision, o Object, set map[int]bool, depth int) {
	if depth > 4 {
		return
	}
	if r, ok := o.(Ref); ok {
		if set[r.Num] {
			return
		}
		set[r.Num] = true
		o, _ = f.Resolve(rev, r)
	}
	switch x := o.(type) {
	case Dict:
		for _, v := range x {
			walkDSS(f, rev, v, set, depth+1)
		}
	case Array:
		for _, v := range x {
			walkDSS(f, rev, v, set, depth+1)
		}
	}
}

// revisionChanges classifies what cur changes relative to prev.
func (f *File) revisionChanges(prev, cur *Revision, refs *refIndex) []change {
	var out []change
	other := func(format string, args ...any) {
		out = append(out, change{kind: kindOther, what: fmt.Sprintf(format, args...)})
	}
	if !equal(prev.Trailer["Root"], cur.Trailer["Root"]) {
		other("the trailer names another document catalog")
	}
	if !equal(prev.Trailer["Encrypt"], cur.Trailer["Encrypt"]) {
		other("the encryption dictionary changed")
	}
	if prev.Trailer["Encrypt"] != nil && !equal(firstID(prev.Trailer), firstID(cur.Trailer)) {
		// Revisions 2 to 4 derive the file key from /ID[0]; it is the
		// file's permanent identifier in any case (ISO 32000-1 14.4).
		other("the file identifier /ID[0], from which the encryption key is derived, changed")
	}
	if !cur.contains(prev.head) {
		other("the revision does not build on the previous one")
		return out
	}
	if msg := f.unaccounted(prev, cur); msg != "" {
		other("%s", msg)
	}
	nums := newNums(cur, prev)
	if len(nums) > MaxChangedObjects {
		other("%d objects changed", len(nums))
		return out
	}
	// A new cross-reference stream object is structure, not content; one
	// that takes the number of an existing object replaces that object
	// and is judged like any other change.
	structural := map[int]bool{}
	for _, s := range newSections(cur, prev) {
		if old, err := f.Object(prev, s.num); s.isStream && err == nil && old == nil {
			structural[s.num] = true
		}
	}
	ro := f.roles(prev)
	c := &classifier{f: f, prev: prev, cur: cur, ro: ro, refs: refs}
	for _, n := range nums {
		if structural[n] {
			continue
		}
		oldObj, err1 := f.Object(prev, n)
		newObj, err2 := f.Object(cur, n)
		if err2 != nil {
			other("object %d cannot be read: %v", n, err2)
			continue
		}
		if st, ok := newObj.(*Stream); ok && st.Dict.Name("Type") == "ObjStm" && oldObj == nil {
			continue
		}
		if err1 == nil && oldObj == nil {
			if newObj != nil && refs.referencedBefore(n, cur.Index) {
				other("object %d is new, but earlier revisions already refer to it (a dangling reference filled in later)", n)
			}
			continue
		}
		if newObj == nil {
			other("object %d was deleted", n)
			continue
		}
		if err1 == nil && equal(oldObj, newObj) {
			continue
		}
		out = append(out, c.modified(n, oldObj, newObj)...)
	}
	return dedupe(out)
}

func dedupe(in []change) []change {
	seen := map[change]bool{}
	var out []change
	for _, c := range in {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

type classifier struct {
	f         *File
	prev, cur *Revision
	ro        *roles
	refs      *refIndex
}

// modified classifies a changed object.
func (c *classifier) modified(n int, oldObj, newObj Object) []change {
	ro := c.ro
	od, _ := oldObj.(Dict)
	nd, _ := newObj.(Dict)
	oa, _ := oldObj.(Array)
	na, okA := newObj.(Array)
	switch {
	case n == ro.catalog && od != nil && nd != nil:
		var out []change
		for _, k := range diffKeys(od, nd) {
			switch k {
			case "DSS", "Extensions":
				out = append(out, change{kind: kindDSS, what: "the catalog's " + string(k) + " was updated"})
			case "Metadata":
				out = append(out, change{kind: kindMeta, what: "the document metadata was replaced"})
			case "AcroForm":
				oaf, _ := od["AcroForm"].(Dict)
				naf, okN := nd["AcroForm"].(Dict)
				if !okN || (od["AcroForm"] != nil && oaf == nil) {
					out = append(out, change{kind: kindOther, what: "the catalog's /AcroForm was replaced"})
					continue
				}
				out = append(out, c.acroForm(oaf, naf)...)
			default:
				out = append(out, change{kind: kindOther, what: "the document catalog's /" + string(k) + " changed"})
			}
		}
		return out
	case n == ro.acroform && od != nil && nd != nil:
		return c.acroForm(od, nd)
	case n == ro.fieldArr && okA:
		return c.fieldList(oa, na)
	case ro.pages[n] && od != nil && nd != nil:
		var out []change
		for _, k := range diffKeys(od, nd) {
			if k != "Annots" {
				out = append(out, change{kind: kindOther, what: fmt.Sprintf("page object %d: /%s changed", n, k)})
				continue
			}
			out = append(out, c.annotList(c.arr(c.prev, od["Annots"]), c.arr(c.cur, nd["Annots"]), n)...)
		}
		return out
	case ro.annots[n] && okA:
		return c.annotList(oa, na, n)
	case ro.dss[n] && (nd != nil || okA):
		return []change{{kind: kindDSS, what: fmt.Sprintf("DSS object %d updated", n)}}
	case n == ro.info && nd != nil:
		return []change{{kind: kindMeta, what: "document information updated"}}
	case n == ro.metadata:
		if st, ok := newObj.(*Stream); ok && st.Dict.Name("Type") == "Metadata" {
			return []change{{kind: kindMeta, what: "document metadata updated"}}
		}
	}
	if fl, ok := ro.fields[n]; ok && od != nil && nd != nil {
		keys := diffKeys(od, nd)
		if fl.FT == "Sig" {
			if ov, ok := c.get(c.prev, od["V"]); ok && ov == nil && onlyKeys(keys, "V", "AP", "AS", "F") {
				return []change{c.sigValue(nd["V"], nd, "the empty signature field "+fl.Name+" was signed")}
			}
			if od["V"] != nil && onlyKeys(keys, "AP", "AS") && nd["V"] == nil && false {
				return nil
			}
			return []change{{kind: kindOther, what: fmt.Sprintf("signature field %s changed (%v)", fl.Name, keys)}}
		}
		if onlyKeys(keys, "V", "AP", "AS") {
			return []change{{kind: kindForm, what: "form field " + fl.Name + " filled in", field: fl.Name}}
		}
		return []change{{kind: kindOther, what: fmt.Sprintf("form field %s changed (%v)", fl.Name, keys)}}
	}
	if ro.annot[n] {
		return []change{{kind: kindAnnot, what: fmt.Sprintf("annotation %d changed", n)}}
	}
	what := "object"
	if od != nil && od.Name("Type") != "" {
		what = "/" + string(od.Name("Type")) + " object"
	} else if _, ok := oldObj.(*Stream); ok {
		what = "stream"
	}
	return []change{{kind: kindOther, what: fmt.Sprintf("%s %d was changed", what, n)}}
}

func onlyKeys(keys []Name, allowed ...Name) bool {
	for _, k := range keys {
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func (c *classifier) arr(rev *Revision, o Object) Array {
	x, _ := c.f.Resolve(rev, o)
	a, _ := x.(Array)
	return a
}

// acroForm classifies a change of the AcroForm dictionary.
func (c *classifier) acroForm(od, nd Dict) []change {
	var out []change
	for _, k := range diffKeys(od, nd) {
		switch k {
		case "Fields":
			out = append(out, c.fieldList(c.arr(c.prev, od["Fields"]), c.arr(c.cur, nd["Fields"]))...)
		case "SigFlags":
			out = append(out, change{kind: kindSignature, what: "the form's signature flags were set"})
		case "DR", "DA":
			out = append(out, change{kind: kindForm, what: "the form's default resources changed"})
		case "NeedAppearances":
			out = append(out, change{kind: kindForm, what: "the form asks readers to redraw its fields"})
		default:
			out = append(out, change{kind: kindOther, what: "the form's /" + string(k) + " changed"})
		}
	}
	return out
}

// fieldList classifies a change of the /Fields array: earlier fields must
// stay; new ones must be signature fields.
func (c *classifier) fieldList(oa, na Array) []change {
	var out []change
	have := map[Ref]bool{}
	for _, x := range na {
		if r, ok := x.(Ref); ok {
			have[r] = true
		}
	}
	old := map[Ref]bool{}
	for _, x := range oa {
		r, ok := x.(Ref)
		if !ok {
			continue
		}
		old[r] = true
		if !have[r] {
			out = append(out, change{kind: kindOther, what: fmt.Sprintf("form field %d was removed", r.Num)})
		}
	}
	for _, x := range na {
		r, ok := x.(Ref)
		if !ok {
			out = append(out, change{kind: kindOther, what: "a form field that is not a reference was added"})
			continue
		}
		if old[r] {
			continue
		}
		out = append(out, c.newField(r))
	}
	return out
}

// newField classifies a field added to the form.
func (c *classifier) newField(r Ref) change {
	d := c.f.dict(c.cur, r)
	if d == nil {
		return change{kind: kindOther, what: fmt.Sprintf("form field %d added, unreadable", r.Num)}
	}
	if _, existed := c.ro.fields[r.Num]; existed || c.ro.annot[r.Num] {
		return change{kind: kindOther, what: fmt.Sprintf("object %d, already part of the document, was added as a form field", r.Num)}
	}
	if ft := c.dictName(c.cur, d, "FT"); ft != "Sig" || d["Kids"] != nil {
		return change{kind: kindOther, what: fmt.Sprintf("a form field of type %q was added", ft)}
	}
	v, ok := c.get(c.cur, d["V"])
	if !ok {
		return change{kind: kindOther, what: "a signature field with an unreadable value was added"}
	}
	if v == nil {
		if c.visible(c.cur, d) {
			return change{kind: kindAnnot, what: "a visible, empty signature field was added"}
		}
		return change{kind: kindSignature, what: "an empty signature field was added"}
	}
	return c.sigValue(d["V"], d, "a signature field was added")
}

// sigValue classifies the signature dictionary v of a new or newly signed
// field whose widget (in cur) is w: a document timestamp or a signature.
// A document timestamp is invisible: one with a visible widget is a change
// not allowed. A signature with a visible widget is marked visibleSig.
func (c *classifier) sigValue(v Object, w Dict, what string) change {
	r, ok := v.(Ref)
	if !ok {
		return change{kind: kindOther, what: what + ", with a direct signature dictionary"}
	}
	if old, _ := c.f.Object(c.prev, r.Num); old != nil {
		return change{kind: kindOther, what: what + ", with a signature dictionary that already existed"}
	}
	d := c.f.dict(c.cur, r)
	if d == nil {
		return change{kind: kindOther, what: what + ", with an unreadable signature dictionary"}
	}
	sub, ok := c.name(c.cur, d["SubFilter"])
	if !ok {
		return change{kind: kindOther, what: what + ", with an odd /SubFilter"}
	}
	vis := c.visible(c.cur, w)
	if sub == subRFC3161 {
		if vis {
			return change{kind: kindOther, what: "a document timestamp with a visible widget (an appearance on the page) was added"}
		}
		return change{kind: kindDocTS, what: "a document timestamp was added"}
	}
	if vis {
		return change{kind: kindSignature, what: what + " (visible: its appearance is drawn on the page)", visibleSig: true}
	}
	return change{kind: kindSignature, what: what}
}

// get resolves o in rev; ok is false when a reference cannot be followed
// (a value the classifier cannot read is a change not allowed).
func (c *classifier) get(rev *Revision, o Object) (Object, bool) {
	x, err := c.f.Resolve(rev, o)
	return x, err == nil
}

// name resolves o to a name ("" when absent); ok is false for any other
// value.
func (c *classifier) name(rev *Revision, o Object) (Name, bool) {
	x, ok := c.get(rev, o)
	if !ok {
		return "", false
	}
	switch n := x.(type) {
	case nil:
		return "", true
	case Name:
		return n, true
	}
	return "", false
}

// dictName is the name d has under k, resolved; an odd value is returned
// as "?" (matching no name the classifier allows).
func (c *classifier) dictName(rev *Revision, d Dict, k Name) Name {
	n, ok := c.name(rev, d[k])
	if !ok {
		return "?"
	}
	return n
}

// annotList classifies a change of a page's annotations: earlier ones must
// stay; new widgets of signature fields are signatures, anything else an
// annotation.
func (c *classifier) annotList(oa, na Array, page int) []change {
	var out []change
	have := map[Ref]bool{}
	for _, x := range na {
		if r, ok := x.(Ref); ok {
			have[r] = true
		}
	}
	old := map[Ref]bool{}
	for _, x := range oa {
		r, ok := x.(Ref)
		if !ok {
			out = append(out, change{kind: kindAnnot, what: fmt.Sprintf("page object %d: its annotations changed", page)})
			continue
		}
		old[r] = true
		if !have[r] {
			out = append(out, change{kind: kindAnnot, what: fmt.Sprintf("page object %d: annotation %d was removed", page, r.Num)})
		}
	}
	for _, x := range na {
		r, ok := x.(Ref)
		if !ok {
			out = append(out, change{kind: kindAnnot, what: fmt.Sprintf("page object %d: a direct annotation was added", page)})
			continue
		}
		if old[r] {
			continue
		}
		d := c.f.dict(c.cur, r)
		if prevObj, _ := c.f.Object(c.prev, r.Num); prevObj != nil {
			if _, isField := c.ro.fields[r.Num]; !isField || d.Name("Subtype") != "Widget" {
				out = append(out, change{kind: kindAnnot, what: fmt.Sprintf("page object %d: existing object %d was added as an annotation", page, r.Num)})
				continue
			}
		}
		if d == nil || c.dictName(c.cur, d, "Subtype") != "Widget" {
			out = append(out, change{kind: kindAnnot, what: fmt.Sprintf("page object %d: an annotation was added", page)})
			continue
		}
		ft := c.dictName(c.cur, d, "FT")
		if ft == "" {
			if p := c.f.dict(c.cur, d["Parent"]); p != nil {
				ft = c.dictName(c.cur, p, "FT")
			}
		}
		if ft != "Sig" {
			out = append(out, change{kind: kindOther, what: fmt.Sprintf("page object %d: a widget of a %q form field was added", page, ft)})
			continue
		}
		v, ok := c.get(c.cur, d["V"])
		if !ok {
			out = append(out, change{kind: kindOther, what: fmt.Sprintf("page object %d: a signature widget with an unreadable value was added", page)})
			continue
		}
		if v != nil {
			out = append(out, c.sigValue(d["V"], d, fmt.Sprintf("page object %d: a signature widget was added", page)))
			continue
		}
		// An empty signature field shows nothing signed: a visible one
		// is judged as an annotation (it could cover the content).
		if c.visible(c.cur, d) {
			out = append(out, change{kind: kindAnnot, what: fmt.Sprintf("page object %d: a visible, empty signature widget was added", page)})
			continue
		}
		out = append(out, change{kind: kindSignature, what: fmt.Sprintf("page object %d: an empty signature widget was added", page)})
	}
	return out
}

// visible reports whether widget d of rev may draw something on its page:
// unless its flags hide it (Hidden or NoView) or its /Rect has no area, or
// it has neither an appearance nor appearance characteristics (/MK). Every
// value is resolved through references; one that cannot be read, or is not
// of the expected type, counts as visible (the change is then judged as
// one that shows something).
func (c *classifier) visible(rev *Revision, d Dict) bool {
	if d == nil {
		return true
	}
	if fl, ok := c.get(rev, d["F"]); !ok {
		return true
	} else if fl != nil {
		n, ok := fl.(int64)
		if !ok {
			return true
		}
		const hidden, noView = 1 << 1, 1 << 5
		if n&(hidden|noView) != 0 {
			return false
		}
	}
	ap, ok1 := c.get(rev, d["AP"])
	mk, ok2 := c.get(rev, d["MK"])
	if !ok1 || !ok2 {
		return true
	}
	if ap == nil && mk == nil {
		return false
	}
	ro, ok := c.get(rev, d["Rect"])
	if !ok {
		return true
	}
	r, ok := ro.(Array)
	if !ok || len(r) != 4 {
		return true
	}
	var v [4]float64
	for i, x := range r {
		x, ok := c.get(rev, x)
		if !ok {
			return true
		}
		switch n := x.(type) {
		case int64:
			v[i] = float64(n)
		case float64:
			v[i] = n
		default:
			return true
		}
	}
	return v[2] != v[0] && v[3] != v[1]
}

// unaccounted checks that the bytes cur appends after prev are only its
// objects, its cross-reference sections and trailers, and white space or
// comments: an object no cross-reference section lists could be picked up
// by a reader that repairs files (the incremental-saving attack).
func (f *File) unaccounted(prev, cur *Revision) string {
	type span struct{ a, b int64 }
	var spans []span
	lo, hi := prev.End, cur.End
	for _, s := range newSections(cur, prev) {
		end := s.end
		if _, _, e, ok := f.startxrefAfter(s.end); ok {
			end = e
		}
		spans = append(spans, span{s.off, end})
		for n, e := range s.entries {
			if e.typ != 1 || e.off < lo || e.off >= hi {
				continue
			}
			c, err := f.objectAt(e.off, cur)
			if err != nil || c.num != n {
				return fmt.Sprintf("object %d is not where the cross-reference section says", n)
			}
			spans = append(spans, span{e.off, c.end})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	pos := lo
	check := func(a, b int64) string {
		if b <= a {
			return ""
		}
		if b-a > 1<<20 {
			return fmt.Sprintf("bytes %d–%d are not part of any listed object", a, b-1)
		}
		buf := make([]byte, b-a)
		if _, err := f.r.ReadAt(buf, a); err != nil && err != io.EOF {
			return "unreadable bytes"
		}
		ps := &parser{b: buf, final: true}
		ps.ws()
		if ps.p != len(buf) {
			return fmt.Sprintf("bytes %d–%d are not part of any object the cross-reference sections list (%q…)", a+int64(ps.p), b-1, trunc(string(bytes.TrimSpace(buf[ps.p:min(len(buf), ps.p+24)]))))
		}
		return ""
	}
	for _, s := range spans {
		if s.a < pos {
			if s.b > pos {
				pos = s.b
			}
			continue
		}
		if msg := check(pos, s.a); msg != "" {
			return msg
		}
		pos = s.b
	}
	return check(pos, hi)
}

// firstID is the first string of a trailer's /ID array, or nil.
func firstID(trailer Dict) Object {
	if ids, ok := trailer["ID"].(Array); ok && len(ids) > 0 {
		return ids[0]
	}
	return nil
}
