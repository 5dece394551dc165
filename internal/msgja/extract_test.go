package msgja

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// reportPackages are the packages whose messages a user of the hpki
// command can read: those that reach the errors and warnings of a
// verification report (go list -deps ./verify, plus pades, which builds
// the reports of PDF files), every file of the command (its help texts,
// i18n_ja*.go, aside), and the packages of go list -deps ./cmd/hpki whose
// errors it prints (archive, auth, serve, pkcs11, keyfile, docformat and
// the internal ones).
var reportPackages = []string{
	"verify", "xmlsig", "pades", "trust", "revocation", "internal/cms", "tsa", "hcrole",
	"sign", "extend", "certinfo", "cmd/hpki",
	"archive", "auth", "serve", "pkcs11", "keyfile", "internal/keyfile", "docformat",
	"internal/atomicfile", "internal/secret", "internal/textsafe",
}

// sourceMessage is one message format found in the source.
type sourceMessage struct {
	format string
	pos    string
}

// sourceMessages collects the message formats of the report packages:
// the string-literal formats of fmt.Errorf, fmt.Sprintf and errors.New,
// the format or msg argument of a package's own helpers (a function or
// closure with a "format string", "msg string" or "what string"
// parameter), the strings
// appended to report error and warning lists, and the what of a PDF
// change. A concatenation of literals and values ("a "+x+" b") counts as
// a format with %s for each value (%v for x.Error()).
func sourceMessages(t testing.TB) []sourceMessage {
	t.Helper()
	var out []sourceMessage
	for _, pkg := range reportPackages {
		dir := filepath.Join("..", "..", filepath.FromSlash(pkg))
		fset := token.NewFileSet()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var files []*ast.File
		for _, e := range entries {
			n := e.Name()
			if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, "render") || strings.HasPrefix(n, "i18n_ja") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		helpers := messageHelpers(files)
		add := func(e ast.Expr) {
			if f, ok := formatOf(e); ok {
				out = append(out, sourceMessage{format: f, pos: fset.Position(e.Pos()).String()})
			}
		}
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					switch name := calleeName(n.Fun); {
					case name == "fmt.Errorf" || name == "fmt.Sprintf" || name == "errors.New":
						if len(n.Args) > 0 {
							if s, ok := stringLit(n.Args[0]); ok {
								out = append(out, sourceMessage{format: s, pos: fset.Position(n.Pos()).String()})
							}
						}
					case name == "append" && len(n.Args) > 1 && isMessageList(n.Args[0]):
						for _, a := range n.Args[1:] {
							add(a)
						}
					default:
						if h, ok := helpers[name]; ok && h.index < len(n.Args) {
							if s, lit := stringLit(n.Args[h.index]); lit && h.format {
								out = append(out, sourceMessage{format: s, pos: fset.Position(n.Pos()).String()})
							} else {
								add(n.Args[h.index])
							}
						}
					}
				case *ast.ReturnStmt:
					// A sentence returned as a string: a reason that a
					// caller puts into a message.
					for _, r := range n.Results {
						if f, ok := formatOf(r); ok && strings.Contains(f, " ") {
							out = append(out, sourceMessage{format: f, pos: fset.Position(r.Pos()).String()})
						}
					}
				case *ast.AssignStmt:
					// what := "…", why = "…": a part a message inserts;
					// msg += "…": a part appended to a message (a format
					// "%s…").
					for j, l := range n.Lhs {
						var name string
						switch l := l.(type) {
						case *ast.Ident:
							name = l.Name
						case *ast.SelectorExpr:
							name = l.Sel.Name
						}
						if j >= len(n.Rhs) || !messageVars[name] {
							continue
						}
						if n.Tok != token.ADD_ASSIGN {
							add(n.Rhs[j])
							continue
						}
						f, ok := formatOf(n.Rhs[j])
						if c, isCall := n.Rhs[j].(*ast.CallExpr); isCall && calleeName(c.Fun) == "fmt.Sprintf" && len(c.Args) > 0 {
							f, ok = stringLit(c.Args[0])
						}
						if ok {
							out = append(out, sourceMessage{format: "%s" + f, pos: fset.Position(n.Pos()).String()})
						}
					}
				case *ast.CompositeLit:
					switch t := n.Type.(type) {
					case *ast.MapType:
						// map[Reason]string{NoEKU: "TSA certificate lacks …"}:
						// the texts of an error type.
						if v, ok := t.Value.(*ast.Ident); ok && v.Name == "string" {
							for _, el := range n.Elts {
								if kv, ok := el.(*ast.KeyValueExpr); ok {
									if f, ok := formatOf(kv.Value); ok && strings.Contains(f, " ") {
										out = append(out, sourceMessage{format: f, pos: fset.Position(kv.Value.Pos()).String()})
									}
								}
							}
						}
					case *ast.Ident:
						// &problem{ind, sub, "…"}: a report problem.
						if t.Name == "problem" {
							for _, el := range n.Elts {
								add(el)
							}
						}
					}
				case *ast.KeyValueExpr:
					if k, ok := n.Key.(*ast.Ident); ok && k.Name == "what" {
						add(n.Value)
					}
				}
				return true
			})
		}
	}
	return out
}

// messageVars are the names of the variables that hold a message or a
// part of one.
var messageVars = map[string]bool{"msg": true, "what": true, "why": true, "entry": true, "problem": true}

// helper is the message parameter of a function: its index, and whether
// it is a format (else a plain message).
type helper struct {
	index  int
	format bool
}

// messageHelpers maps the name of each function or closure of files with
// a "format string", "msg string" or "what string" parameter to that parameter's index.
func messageHelpers(files []*ast.File) map[string]helper {
	h := map[string]helper{}
	index := func(ft *ast.FuncType) (helper, bool) {
		i := 0
		for _, p := range ft.Params.List {
			for _, n := range p.Names {
				if id, ok := p.Type.(*ast.Ident); ok && id.Name == "string" && (n.Name == "format" || n.Name == "msg" || n.Name == "what") {
					return helper{i, n.Name == "format"}, true
				}
				i++
			}
			if len(p.Names) == 0 {
				i++
			}
		}
		return helper{}, false
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if i, ok := index(n.Type); ok && n.Recv == nil {
					h[n.Name.Name] = i
				} else if ok {
					h["."+n.Name.Name] = i
				}
			case *ast.AssignStmt:
				for j, r := range n.Rhs {
					if fl, ok := r.(*ast.FuncLit); ok && j < len(n.Lhs) {
						if id, ok := n.Lhs[j].(*ast.Ident); ok {
							if i, ok := index(fl.Type); ok {
								h[id.Name] = i
							}
						}
					}
				}
			}
			return true
		})
	}
	return h
}

// calleeName is "pkg.Func" for a selector on an identifier, ".Method" for
// a method call on anything else, or the identifier.
func calleeName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		if id, ok := e.X.(*ast.Ident); ok && (id.Name == "fmt" || id.Name == "errors") {
			return id.Name + "." + e.Sel.Name
		}
		return "." + e.Sel.Name
	}
	return ""
}

// isMessageList tells whether e names a list of report messages.
func isMessageList(e ast.Expr) bool {
	var name string
	switch e := e.(type) {
	case *ast.Ident:
		name = e.Name
	case *ast.SelectorExpr:
		name = e.Sel.Name
	}
	switch strings.ToLower(name) {
	case "errors", "warnings", "problems":
		return true
	}
	return false
}

func stringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

// formatOf turns a string literal or a concatenation holding at least one
// literal into a format.
func formatOf(e ast.Expr) (string, bool) {
	if s, ok := stringLit(e); ok {
		return strings.ReplaceAll(s, "%", "%%"), true
	}
	var parts []ast.Expr
	var flatten func(ast.Expr)
	flatten = func(e ast.Expr) {
		if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.ADD {
			flatten(b.X)
			flatten(b.Y)
			return
		}
		parts = append(parts, e)
	}
	flatten(e)
	if len(parts) < 2 {
		return "", false
	}
	var b strings.Builder
	lit := false
	for _, p := range parts {
		if s, ok := stringLit(p); ok {
			b.WriteString(strings.ReplaceAll(s, "%", "%%"))
			lit = true
			continue
		}
		if c, ok := p.(*ast.CallExpr); ok && calleeName(c.Fun) == ".Error" && len(c.Args) == 0 {
			b.WriteString("%v")
			continue
		}
		b.WriteString("%s")
	}
	return b.String(), lit
}

// notMessages are formats of the report packages that build names or
// descriptions, never an error or warning text: they need no Japanese.
var notMessages = map[string]string{
	"%s %d element(s): %s":            "xmlsig: part of the Covers description (msgja.Covers translates it)",
	"and %d more":                     "xmlsig: part of the Covers description (msgja.Covers translates it)",
	"signature-%d-%d%s":               "cmd/hpki: the name of an extracted file",
	"signature-%d.pdf":                "cmd/hpki: the name of an extracted file",
	"ECDSA %s":                        "certinfo: a key description",
	"HPKI 署名用証明書":                     "certinfo: the kind of a certificate, already Japanese",
	"HPKI 認証用証明書":                     "certinfo: the kind of a certificate, already Japanese",
	"HPKI 証明書ではない":                    "certinfo: the kind of a certificate, already Japanese",
	"HPKI signing certificate":        "certinfo: the English of a label that has its own Japanese",
	"HPKI authentication certificate": "certinfo: the English of a label that has its own Japanese",
	"S%d":                             "verify: the Id of the n-th CAdES signature",
	"%s/counter%d":                    "verify: the Id of a counter-signature",
	"DT%d":                            "pades: the Id of a document timestamp",
	"Signature%d":                     "pades: the name of a new signature field",
	"covering whole":                  "xmlsig: part of the Covers description, not a message",
	"the file":                        "xmlsig: part of the Covers description, not a message",
	"the data":                        "xmlsig: part of the Covers description, not a message",
	"eku(%d)":                         "certinfo: an unnamed extended key usage",
	"RSA %d":                          "certinfo: a key description",
	"%s — %s, scheme %s":              "certinfo: a role description",
	"HPKI 以外":                         "cmd/hpki: the Japanese of a certificate kind (card list), already Japanese",
	"%s — %s、スキーム %s":                 "certinfo: the Japanese of a role description, already Japanese",
	"PAdES":                           "cmd/hpki: a format name, an identifier",
	"XAdES":                           "cmd/hpki: a format name, an identifier",
	"CAdES":                           "cmd/hpki: a format name, an identifier",
	"paths %s":                        "archive: a SourceID (an identifier written in a journal)",
	"files sha256:%x":                 "archive: a SourceID (an identifier written in a journal)",
	"bucket %s":                       "archive: a SourceID (an identifier written in a journal)",
	"bucket %s +manifest":             "archive: a SourceID (an identifier written in a journal)",
}

// structural tells whether format has no words of its own ("%w: %v",
// "[%d %d %d %d]"): its parts are translated on their own.
func structural(format string) bool {
	rest := format
	for _, v := range verbs(format) {
		rest = strings.Replace(rest, format[v.start:v.end], " ", 1)
	}
	run := 0
	for _, r := range rest {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			run++
			if run >= 2 {
				return false
			}
		} else {
			run = 0
		}
	}
	return true
}

// TestCatalogueComplete fails naming every message format of the report
// packages without a Japanese entry.
func TestCatalogueComplete(t *testing.T) {
	missing := map[string]string{}
	for _, m := range sourceMessages(t) {
		if m.format == "" || structural(m.format) || notMessages[m.format] != "" {
			continue
		}
		if _, ok := catalogue[m.format]; !ok {
			missing[m.format] = m.pos
		}
	}
	var list []string
	for f, pos := range missing {
		list = append(list, pos+": "+strconv.Quote(f))
	}
	sort.Strings(list)
	for _, l := range list {
		t.Errorf("no Japanese for %s", l)
	}
	if len(list) > 0 {
		t.Logf("%d messages without Japanese: add them to internal/msgja/catalogue_*.go", len(list))
	}
}

// TestCatalogueNotStale fails on package catalogue entries whose English
// format no longer appears in the source.
func TestCatalogueNotStale(t *testing.T) {
	inSource := map[string]bool{}
	for _, m := range sourceMessages(t) {
		inSource[m.format] = true
	}
	for name, part := range packageCatalogues {
		for en := range part {
			if !inSource[en] {
				t.Errorf("%s: %q is not a message of the source any more", name, en)
			}
		}
	}
	for f := range notMessages {
		if !inSource[f] {
			t.Errorf("notMessages: %q is not in the source any more", f)
		}
	}
}

// packageCatalogues are the catalogues checked against the source; the
// standard library errors and the words are not.
var packageCatalogues = map[string]map[string]string{
	"verify": verifyJa, "xmlsig": xmlsigJa, "pades": padesJa, "trust": trustJa,
	"revocation": revocationJa, "internal/cms": cmsJa, "tsa": tsaJa, "hcrole": hcroleJa,
	"sign": signJa, "extend": extendJa, "certinfo": certinfoJa, "cmd/hpki": cliJa,
	"cmd/hpki (other commands)": cmdJa, "archive": archiveJa, "auth": authJa, "serve": serveJa,
	"pkcs11, keyfile, internal/secret, internal/atomicfile": keysJa,
}

func TestDumpSourceMessages(t *testing.T) {
	if os.Getenv("MSGJA_DUMP") == "" {
		t.Skip("set MSGJA_DUMP=1 to list the messages")
	}
	seen := map[string]bool{}
	var list []string
	for _, m := range sourceMessages(t) {
		if !seen[m.format] {
			seen[m.format] = true
			list = append(list, m.format+"\t"+m.pos)
		}
	}
	sort.Strings(list)
	for _, l := range list {
		t.Log(l)
	}
}

// TestComposedEntries: each composed entry extends a format of the
// source.
func TestComposedEntries(t *testing.T) {
	var formats []string
	for _, m := range sourceMessages(t) {
		formats = append(formats, m.format)
	}
	for en := range composedJa {
		ok := false
		for _, f := range formats {
			if f != en && strings.HasPrefix(en, f) && !structural(f) {
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("composed %q extends no message format of the source", en)
		}
	}
}
