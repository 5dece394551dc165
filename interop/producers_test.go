package interop

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hpki-jp/hpki/internal/peer"
	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/pades"
	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// producerFile returns a committed export of testdata/pdf/producers.
func producerFile(name string) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		return filepath.Join("..", "testdata", "pdf", "producers", name)
	}
}

// scanJPEG renders the Writer export's page to a JPEG at 100 dpi (what a
// scanner hands to its PDF writer).
func scanJPEG(t *testing.T, dir string) string {
	t.Helper()
	pdftoppm := peer.Require(t, "pdftoppm", popplerHint)
	base := filepath.Join(dir, "scan")
	if out, err := exec.Command(pdftoppm, "-r", "100", "-jpeg", "-singlefile", producerFile("writer.pdf")(t, dir), base).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	return base + ".jpg"
}

// produce runs a producer writing out (its last argument) and returns out.
func produce(t *testing.T, out string, name, hint string, args ...string) string {
	t.Helper()
	bin := peer.Require(t, name, hint)
	if msg, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, msg)
	}
	return out
}

// ghostscriptPDFA converts the Writer export to PDF/A-2b with Ghostscript's
// pdfwrite (its PDFA_def.ps with the sRGB profile it ships).
func ghostscriptPDFA(t *testing.T, dir string) string {
	t.Helper()
	gs := peer.Require(t, "gs", "apt-get install ghostscript")
	v, err := exec.Command(gs, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	share := filepath.Join("/usr/share/ghostscript", strings.TrimSpace(string(v)))
	icc := filepath.Join(share, "iccprofiles", "srgb.icc")
	def, err := os.ReadFile(filepath.Join(share, "lib", "PDFA_def.ps"))
	if err != nil {
		t.Fatalf("Ghostscript's PDFA_def.ps: %v", err)
	}
	def = bytes.Replace(def, []byte("(srgb.icc)"), []byte("("+icc+")"), 1)
	defPS := filepath.Join(dir, "PDFA_def.ps")
	os.WriteFile(defPS, def, 0o600)
	out := filepath.Join(dir, "gs-pdfa.pdf")
	produce(t, out, "gs", "apt-get install ghostscript", "-q", "-dPDFA=2", "-dBATCH", "-dNOPAUSE", "-dPDFACompatibilityPolicy=1",
		"-sColorConversionStrategy=RGB", "-sDEVICE=pdfwrite", "--permit-file-read="+icc, "-sOutputFile="+out, defPS, producerFile("writer.pdf")(t, dir))
	if b, _ := os.ReadFile(out); !bytes.Contains(b, []byte("pdfaid:part='2'")) {
		t.Fatal("Ghostscript did not write PDF/A-2 metadata")
	}
	return out
}

// The producers whose files are signed: LibreOffice Writer exports
// (committed: testdata/pdf/producers/make.sh), and at test time
// Ghostscript's PDF/A-2b, img2pdf's and pdf-lib's scans (pdf-lib writes
// object streams and a cross-reference stream), qpdf's linearisation of a
// Writer export.
var producers = []struct {
	name string
	make func(t *testing.T, dir string) string
}{
	{"LibreOffice Writer, Japanese", producerFile("writer.pdf")},
	{"LibreOffice Writer, PDF/A-2b", producerFile("writer-pdfa2b.pdf")},
	{"LibreOffice Writer, encrypted for permissions (RC4 128-bit)", producerFile("writer-permissions.pdf")},
	{"Ghostscript pdfwrite, PDF/A-2b", ghostscriptPDFA},
	{"img2pdf scan", func(t *testing.T, dir string) string {
		out := filepath.Join(dir, "img2pdf.pdf")
		return produce(t, out, "img2pdf", "apt-get install img2pdf", "-o", out, scanJPEG(t, dir))
	}},
	{"pdf-lib scan, object and cross-reference streams", func(t *testing.T, dir string) string {
		peer.RequireFile(t, filepath.Join("node", "node_modules", "pdf-lib", "package.json"), "npm ci in interop/node")
		out := filepath.Join(dir, "pdflib.pdf")
		produce(t, out, "node", "apt-get install nodejs", filepath.Join("node", "scan.mjs"), scanJPEG(t, dir), out)
		if b, _ := os.ReadFile(out); !bytes.Contains(b, []byte("/Type /ObjStm")) || !bytes.Contains(b, []byte("/Type /XRef")) {
			t.Fatal("pdf-lib wrote no object stream or no cross-reference stream")
		}
		return out
	}},
	{"LibreOffice Writer, linearised by qpdf", func(t *testing.T, dir string) string {
		out := filepath.Join(dir, "linear.pdf")
		return produce(t, out, "qpdf", popplerHint, "--linearize", producerFile("writer.pdf")(t, dir), out)
	}},
	{"Ghostscript PDF/A-2b, linearised by qpdf", func(t *testing.T, dir string) string {
		out := filepath.Join(dir, "gs-linear.pdf")
		return produce(t, out, "qpdf", popplerHint, "--linearize", ghostscriptPDFA(t, dir), out)
	}},
}

// Files of real producers are signed at B-T, extended to LT and LTA, and
// verify at each level (per the test HPKI); qpdf finds no new problem,
// pdfsig finds the signature intact, pdftoppm renders the page, after each
// level. The producer's bytes stay as they were, and a changed byte of
// them fails.
func TestRealProducers(t *testing.T) {
	p := testpki.MustLoad(t)
	for _, pr := range producers {
		t.Run(pr.name, func(t *testing.T) {
			dir := t.TempDir()
			src := pr.make(t, dir)
			in, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			known := qpdfWarnings(t, src)
			var out bytes.Buffer
			_, err = pades.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out,
				sign.Credential{Signer: p.Doctor.Key, Certificate: p.Doctor.Cert, Chain: p.Doctor.Chain},
				pades.SignOptions{CAdES: sign.CAdESOptions{Level: sign.LevelT, TSA: testTSA(t, p)}, Visible: &pades.Appearance{Page: 1, X: 350, Y: 40, W: 200, H: 60}})
			if err != nil {
				t.Fatal(err)
			}
			doc := out.Bytes()
			check := func(level string, dts int) {
				t.Helper()
				rep := verifyPDF(t, p, doc)
				if rep.Indication != verify.TotalPassed || rep.Signatures[0].Level != level {
					t.Fatalf("%s: %s/%s %+v", level, rep.Indication, rep.SubIndication, rep.Signatures)
				}
				if !bytes.HasPrefix(doc, in) {
					t.Fatal("the producer's bytes changed")
				}
				name := filepath.Join(dir, strings.TrimPrefix(level, "PAdES-BASELINE-")+".pdf")
				os.WriteFile(name, doc, 0o600)
				peerCheck(t, name, 1, dts, known)
			}
			check("PAdES-BASELINE-T", 0)
			for i, to := range []sign.Level{sign.LevelLT, sign.LevelLTA} {
				var next bytes.Buffer
				if _, err := pades.Extend(context.Background(), bytes.NewReader(doc), int64(len(doc)), &next, pades.ExtendOptions{To: to, TSA: testTSA(t, p), Verify: verifyOptions(t, p)}); err != nil {
					t.Fatalf("extend to %s: %v", to, err)
				}
				doc = next.Bytes()
				check("PAdES-BASELINE-"+string(to), i)
			}
			bad := bytes.Clone(doc)
			bad[len(in)/2] ^= 0x01
			if rep := verifyPDF(t, p, bad); rep.Indication == verify.TotalPassed || rep.Signatures[0].Indication == verify.TotalPassed {
				t.Fatalf("a changed byte of the producer's file passed: %+v", rep.Signatures)
			}
		})
	}
}
