package xmlsig

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/beevik/etree"
)

// Limits on documents. They are enforced by a streaming token scan before
// any tree is built, so that a hostile document costs at most a bounded
// multiple of its size: live memory of the tree stays below 8·N + 32 MB
// for a document of N bytes, and so the peak below 16·N + 64 MB. The tree
// costs about 110 bytes per element and 50 per attribute or text node, so
// the node budget is weighted (an element counts 2 units, an attribute,
// text, comment or processing instruction 1; a unit is about 55 bytes)
// and grows with N/7, not with the number of tags an attacker can pack into
// N bytes. Real documents use far more than 7 bytes per unit (a CDA entry
// about 10): a 100 MB clinical document passes.
const (
	// MaxDocument is the largest document accepted, in bytes.
	MaxDocument = 128 << 20
	// MaxDepth is the deepest element nesting accepted.
	MaxDepth = 256
	// MaxAttributes is the largest number of attributes (namespace
	// declarations included) on one element.
	MaxAttributes = 256
	// MaxNamespaceDecls is the largest number of namespace declarations
	// in a document.
	MaxNamespaceDecls = 4096
	// baseUnits and bytesPerUnit set the node budget of a document of N
	// bytes: baseUnits + N/bytesPerUnit.
	baseUnits    = 512 << 10
	bytesPerUnit = 7
)

// MaxNodes returns the weighted node budget (elements 2 units; attributes,
// character data, comments and processing instructions 1) of a document of
// size bytes.
func MaxNodes(size int) int { return baseUnits + size/bytesPerUnit }

// ErrLimit is wrapped (together with ErrFormat) by every error saying that
// a document exceeds one of the limits above. It is a resource limit of
// this verifier, not evidence of forgery: callers report it as
// INDETERMINATE or a usage error, never as TOTAL_FAILED.
var ErrLimit = errors.New("XML document exceeds a limit of this verifier")

func limitErr(format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s", ErrFormat, ErrLimit, fmt.Sprintf(format, args...))
}

// Parse reads a document. It first scans the raw tokens and refuses,
// before building anything, documents that are not UTF-8 (an XML
// declaration naming another encoding, a UTF-16 or UTF-32 byte order mark,
// invalid UTF-8), that carry a DTD or any other directive (and so
// entities), duplicate attributes, or that exceed MaxDocument, MaxDepth,
// MaxAttributes, MaxNamespaceDecls or MaxNodes. Only then is the tree built.
//
// Documents of the common shape are read in one pass that applies the same
// checks while building the tree (fastparse.go), and only when a cheap
// upper bound of their node count is within MaxNodes, so that the tree
// built before a refusal stays within the budget; anything else, and every
// refusal, is decided by the two-step path above.
func Parse(data []byte) (*etree.Document, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(data) <= MaxDocument && checkEncoding(data) == nil {
		if doc, ok := fastParse(data); ok {
			return doc, nil
		}
	}
	return parseReference(data)
}

// ParseTransient is Parse for a caller that is done with the tree before
// it calls release: the tree's memory is then zeroed and reused by later
// calls. Nothing from the tree (elements, attributes, tokens) may be kept
// or used after release; strings read from it may. Calls of release after
// the first do nothing. release must not be called while another goroutine
// still reads the tree.
func ParseTransient(data []byte) (doc *etree.Document, release func(), err error) {
	doc, _, release, err = parseSurveyed(data, false)
	return doc, release, err
}

// ParseSurveyed is ParseTransient that also returns SurveyDocument(doc).
// On the fast path the survey is gathered while parsing, which spares a
// walk of the whole tree; otherwise it is SurveyDocument's walk. The
// Survey's elements belong to the tree: they may not be used after
// release.
//
// Unlike ParseTransient, it borrows data instead of copying it: on the
// fast path the strings of the tree (names, attribute values, text without
// entities) share data's memory. So data must not be modified until
// release, and a string read from the tree that is kept after release
// must be copied first (strings.Clone): once the caller reuses data, such
// a string would change with it.
//
// On the fast path it also records where each element lies in data (16
// bytes an element: at most 1.2·N + 4 MB more for a document of N bytes),
// and a Checker built with the survey's index canonicalizes the parts of
// the document whose text is already canonical by copying that text. So
// the tree must not be modified: the canonical form would be the text's.
func ParseSurveyed(data []byte) (doc *etree.Document, sv *Survey, release func(), err error) {
	return parseSurveyed(data, true)
}

// parseSurveyed is ParseSurveyed; borrow says whether the fast path may
// share data's memory.
func parseSurveyed(data []byte, borrow bool) (doc *etree.Document, sv *Survey, release func(), err error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(data) <= MaxDocument && checkEncoding(data) == nil {
		if doc, sv, release, ok := fastParseTransient(data, borrow); ok {
			return doc, sv, release, nil
		}
	}
	doc, err = parseReference(data)
	if err != nil {
		return nil, nil, func() {}, err
	}
	return doc, SurveyDocument(doc), func() {}, nil
}

// parseReference is Parse with encoding/xml: Scan, then etree's reader.
// It decides every document the fast path leaves to it (fastparse.go).
func parseReference(data []byte) (*etree.Document, error) {
	if err := Scan(data); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	doc.ReadSettings.CharsetReader = refuseCharset
	if err := doc.ReadFromBytes(normaliseAttrSpace(data)); err != nil {
		return nil, formatErr("%v", err)
	}
	if doc.Root() == nil {
		return nil, formatErr("no root element")
	}
	return doc, nil
}

func refuseCharset(charset string, _ io.Reader) (io.Reader, error) {
	return nil, formatErr("the document declares encoding %q: only UTF-8 documents are accepted", charset)
}

// Scan checks data against the rules of Parse with a streaming token
// scan, without building a tree: its memory is bounded by the longest
// token and the nesting depth.
func Scan(data []byte) error {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(data) > MaxDocument {
		return limitErr("document of %d bytes is larger than the limit of %d bytes (MaxDocument)", len(data), MaxDocument)
	}
	if err := checkEncoding(data); err != nil {
		return err
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	dec.CharsetReader = refuseCharset
	budget := MaxNodes(len(data))
	nodes, depth, nsDecls, roots := 0, 0, 0, 0
	// declared[p] counts the open elements declaring prefix p; scopes
	// records, per open element, the prefixes it declared.
	declared := map[string]int{}
	var scopes [][]string
	// uris[p] is the stack of namespace names bound to prefix p.
	uris := map[string][]string{}
	first := true // no token read yet: only there may the XML declaration be
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return formatErr("%v", err)
		}
		nodes++
		switch t := tok.(type) {
		case xml.StartElement:
			nodes++
			depth++
			if depth == 1 {
				roots++
			}
			if depth > MaxDepth {
				return limitErr("elements nested deeper than %d (MaxDepth)", MaxDepth)
			}
			if len(t.Attr) > MaxAttributes {
				return limitErr("element %s has %d attributes, more than %d (MaxAttributes)", qname(t.Name), len(t.Attr), MaxAttributes)
			}
			nodes += len(t.Attr)
			for i, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					if nsDecls++; nsDecls > MaxNamespaceDecls {
						return limitErr("more than %d namespace declarations (MaxNamespaceDecls)", MaxNamespaceDecls)
					}
				}
				for _, b := range t.Attr[:i] {
					if a.Name == b.Name {
						return formatErr("element %s has the attribute %s twice", qname(t.Name), qname(a.Name))
					}
				}
			}
			var mine []string
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" && a.Value == "" {
					// Namespaces in XML 1.0 §3: only the default namespace may
					// be undeclared; readers disagree on what xmlns:p="" means.
					return formatErr("element %s declares the prefix %q with an empty namespace name", qname(t.Name), a.Name.Local)
				}
				if a.Name.Space == "xmlns" {
					declared[a.Name.Local]++
					mine = append(mine, a.Name.Local)
					uris[a.Name.Local] = append(uris[a.Name.Local], a.Value)
				}
			}
			scopes = append(scopes, mine)
			if err := checkPrefix(t.Name, declared, t.Name); err != nil {
				return err
			}
			for i, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					continue
				}
				if err := checkPrefix(a.Name, declared, t.Name); err != nil {
					return err
				}
				// Namespaces in XML 1.0 §6.3: no two attributes with the
				// same local name bound to the same namespace name.
				if a.Name.Space == "" {
					continue
				}
				for _, b := range t.Attr[:i] {
					if b.Name.Space != "" && b.Name.Space != "xmlns" && b.Name.Local == a.Name.Local && nsURI(uris, b.Name.Space) == nsURI(uris, a.Name.Space) {
						return formatErr("element %s has the attributes %s and %s of the same namespace and local name", qname(t.Name), qname(b.Name), qname(a.Name))
					}
				}
			}
		case xml.EndElement:
			depth--
			if n := len(scopes); n > 0 {
				for _, p := range scopes[n-1] {
					declared[p]--
					uris[p] = uris[p][:len(uris[p])-1]
				}
				scopes = scopes[:n-1]
			}
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return formatErr("text outside the root element")
			}
		case xml.Directive:
			return formatErr("DTDs, entity declarations and other directives are not accepted")
		case xml.ProcInst:
			if t.Target == "xml" {
				if !first || !bytes.HasPrefix(data, []byte("<?xml")) {
					return formatErr("the XML declaration is not at the very start of the document")
				}
				if err := checkDeclaration(string(t.Inst)); err != nil {
					return err
				}
			}
		}
		first = false
		if nodes > budget {
			return limitErr("more than %d elements, attributes and text nodes for a document of %d bytes (MaxNodes)", budget, len(data))
		}
	}
	if roots != 1 {
		return formatErr("a document needs exactly one root element, found %d", roots)
	}
	return checkCharRefs(data)
}

// nsURI returns the namespace name prefix p is bound to in scope.
func nsURI(uris map[string][]string, p string) string {
	if p == "xml" {
		return "http://www.w3.org/XML/1998/namespace"
	}
	if u := uris[p]; len(u) > 0 {
		return u[len(u)-1]
	}
	return ""
}

// checkCharRefs refuses character references to anything that is not an
// XML Char (&#xD800; … &#xDFFF; surrogates among them, which encoding/xml
// would read as U+FFFD) in the text and attribute values of a document
// encoding/xml accepted.
func checkCharRefs(data []byte) error {
	var err error
	markupRegions(data, func(start, end int, _ bool) {
		region := data[start:end]
		for err == nil {
			i := bytes.Index(region, []byte("&#"))
			if i < 0 {
				return
			}
			region = region[i:]
			j := bytes.IndexByte(region, ';')
			if j < 0 {
				return // encoding/xml refused it already
			}
			if _, ok := entityValue(string(region[1:j])); !ok {
				err = formatErr("the character reference %q is not an XML character", region[:j+1])
			}
			region = region[j+1:]
		}
	})
	return err
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// checkEncoding refuses byte order marks of encodings other than UTF-8.
func checkEncoding(data []byte) error {
	for _, bom := range []struct {
		mark []byte
		name string
	}{
		{[]byte{0x00, 0x00, 0xFE, 0xFF}, "UTF-32BE"},
		{[]byte{0xFF, 0xFE, 0x00, 0x00}, "UTF-32LE"},
		{[]byte{0xFE, 0xFF}, "UTF-16BE"},
		{[]byte{0xFF, 0xFE}, "UTF-16LE"},
		{[]byte{0x00, 0x3C}, "UTF-16BE"},
		{[]byte{0x3C, 0x00}, "UTF-16LE"},
	} {
		if bytes.HasPrefix(data, bom.mark) {
			return formatErr("the document is encoded in %s: only UTF-8 documents are accepted", bom.name)
		}
	}
	return nil
}

// checkDeclaration accepts an XML declaration whose encoding, if named,
// is UTF-8 (case-insensitive). Aliases such as "UTF8" are not encoding
// names of the XML recommendation and are refused too: a reader that
// does not know them would not read the document as we do.
func checkDeclaration(inst string) error {
	// A pseudo-attribute given twice: readers disagree on which counts.
	seen := map[string]bool{}
	for rest := inst; ; {
		rest = strings.TrimLeft(rest, " \t\r\n")
		eq := strings.IndexByte(rest, '=')
		if eq < 0 {
			break
		}
		name := strings.TrimRight(rest[:eq], " \t\r\n")
		if seen[name] {
			return formatErr("the XML declaration gives %s twice: not well-formed", name)
		}
		seen[name] = true
		rest = strings.TrimLeft(rest[eq+1:], " \t\r\n")
		if rest == "" || rest[0] != '"' && rest[0] != '\'' {
			break
		}
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			break
		}
		rest = rest[end+2:]
	}
	enc, ok := pseudoAttr(inst, "encoding")
	if ok && !strings.EqualFold(enc, "UTF-8") {
		return formatErr("the XML declaration names encoding %q: only UTF-8 documents are accepted (other readers would decode these bytes differently)", enc)
	}
	return nil
}

// pseudoAttr returns a pseudo-attribute of an XML declaration.
func pseudoAttr(inst, name string) (string, bool) {
	for {
		i := strings.Index(inst, name)
		if i < 0 {
			return "", false
		}
		rest := strings.TrimLeft(inst[i+len(name):], " \t\r\n")
		inst = inst[i+len(name):]
		if !strings.HasPrefix(rest, "=") {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			return "", true
		}
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return rest[1:], true
		}
		return rest[1 : 1+end], true
	}
}

// checkPrefix refuses an undeclared namespace prefix (a document that is
// not namespace-well-formed: readers disagree on what it means).
func checkPrefix(n xml.Name, declared map[string]int, el xml.Name) error {
	if n.Space == "" || n.Space == "xml" || declared[n.Space] > 0 {
		return nil
	}
	return formatErr("undeclared namespace prefix %q on element %s", n.Space, qname(el))
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

// normaliseAttrSpace applies the white space part of attribute-value
// normalisation (XML 1.0 §3.3.3) to the raw bytes of a document Scan
// accepted: inside the quoted attribute values of start tags (and nowhere
// else: not in text, comments, processing instructions or CDATA sections)
// a CR LF pair, and each lone CR, LF or tab, becomes one space. encoding/xml
// decodes a literal line feed and the reference &#10; to the same
// character, so this must happen before it sees the value; references are
// left alone and keep their character. data is returned unchanged (not
// copied) when there is nothing to replace. The document must carry no
// DTD (Scan refuses them).
func normaliseAttrSpace(data []byte) []byte {
	var out []byte
	last := 0
	markupRegions(data, func(start, end int, attr bool) {
		if !attr {
			return
		}
		for k := start; k < end; k++ {
			c := data[k]
			if c != '\r' && c != '\n' && c != '\t' {
				continue
			}
			if out == nil {
				out = make([]byte, 0, len(data))
			}
			out = append(out, data[last:k]...)
			out = append(out, ' ')
			if c == '\r' && k+1 < end && data[k+1] == '\n' {
				k++
			}
			last = k + 1
		}
	})
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

// markupRegions calls fn, in document order, with the byte ranges of the
// character data outside markup (attr false) and of the attribute values
// of start tags, without their quotes (attr true), of a document without
// DTD: comments, processing instructions, CDATA sections and end tags are
// skipped. Its result is meaningful only for documents encoding/xml
// accepts.
func markupRegions(data []byte, fn func(start, end int, attr bool)) {
	skipTo := func(i int, end string) int {
		k := bytes.Index(data[i:], []byte(end))
		if k < 0 {
			return len(data)
		}
		return i + k + len(end)
	}
	for i := 0; i < len(data); {
		if data[i] != '<' {
			k := bytes.IndexByte(data[i:], '<')
			if k < 0 {
				k = len(data) - i
			}
			fn(i, i+k, false)
			i += k
			continue
		}
		rest := data[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			i = skipTo(i+4, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			i = skipTo(i+9, "]]>")
		case bytes.HasPrefix(rest, []byte("<?")):
			i = skipTo(i+2, "?>")
		case bytes.HasPrefix(rest, []byte("<!")), bytes.HasPrefix(rest, []byte("</")):
			i = skipTo(i+2, ">")
		default: // a start tag
			j := i + 1
			for j < len(data) && data[j] != '>' {
				q := data[j]
				if q != '"' && q != '\'' {
					j++
					continue
				}
				end := bytes.IndexByte(data[j+1:], q)
				if end < 0 {
					end = len(data) - j - 1
				}
				fn(j+1, j+1+end, true)
				j += end + 2
			}
			i = j + 1
		}
	}
}
