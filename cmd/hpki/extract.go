package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hpki-jp/hpki/internal/atomicfile"
	"github.com/hpki-jp/hpki/verify"
)

// extractSigned writes, for each signature of rep that is TOTAL_PASSED,
// exactly the octets it was verified over (verify.SignedData: the enveloped
// content of a CAdES signature, the canonical form of each covered XML
// element) into dir, as signature-N-M.bin or .xml. Files are named by
// position only: Ids in a signature are chosen by whoever made it and never
// become file names. Detached files (the caller's own) are not copied,
// except that of a file the transforms select only in part the selected
// part after the transforms (what was verified) is written, never the file.
// Nothing is written for a signature that did not pass; an existing file
// is never replaced, and no file is wider than the signature file sig it
// comes from (permFrom). It returns the names written.
func extractSigned(dir, sig string, rep *verify.Report) ([]string, error) {
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, fmt.Errorf("--extract: %w", err)
	}
	var written []string
	for i, s := range rep.Signatures {
		if s.Indication != verify.TotalPassed || strings.Contains(s.ID, "/") {
			continue // not verified, or a counter-signature (it covers a signature value)
		}
		for j, d := range s.SignedData {
			if !d.Checked || d.Data == nil || (d.Location == "" && d.URI != "" && !d.Partial) {
				continue
			}
			ext := ".bin"
			if d.Location != "" || d.Partial && bytes.HasPrefix(d.Data, []byte("<")) {
				ext = ".xml"
			}
			name := filepath.Join(dir, fmt.Sprintf("signature-%d-%d%s", i+1, j+1, ext))
			if err := atomicfile.WriteFile(name, d.Data, atomicfile.Options{Perm: permFrom(sig)}); err != nil {
				if errors.Is(err, atomicfile.ErrExists) {
					return written, fmt.Errorf("--extract: %s exists: choose an empty folder", name)
				}
				return written, fmt.Errorf("--extract: %w", err)
			}
			written = append(written, name)
		}
	}
	return written, nil
}
