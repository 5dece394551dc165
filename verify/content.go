package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/hpki-jp/hpki/xmlsig"
)

// The rule, in one place: content the caller gives for a signature is
// never silently ignored. Either the signature covers it (a detached
// reference or the detached CAdES content is checked against it, or it is
// byte for byte the content the signature carries, or the XML document
// itself), or every signature of the report is TOTAL_FAILED/HASH_FAILURE
// and the report says why.

// GivenContent is a file the caller gives as "the signed content"
// (hpki verify --content): Name is its base name, matched against the
// URIs of detached XAdES references; Open returns its bytes from the
// start each time it is called (it is streamed, whatever its size).
type GivenContent struct {
	Name string
	Open func() (io.ReadCloser, error)
}

// VerifyXAdESContent validates the XAdES signatures of document like
// VerifyXAdES, with given as the content the caller says is signed.
// detached (may be nil) resolves other detached references. A detached
// reference whose URI names given.Name, or a reference without URI, is
// checked against given; when no
// reference used it, given must be byte for byte the document itself
// (the enveloped case: the caller passed the signed document) or every
// signature is TOTAL_FAILED/HASH_FAILURE.
func (v *Verifier) VerifyXAdESContent(ctx context.Context, document []byte, given GivenContent, detached xmlsig.Detached) (*Report, error) {
	if given.Open == nil {
		return v.VerifyXAdES(ctx, document, detached)
	}
	used := false
	var open []io.Closer
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	resolver := func(uri string) (io.Reader, error) {
		name := strings.TrimPrefix(uri, "file://")
		// A reference without URI (uri "") asks for the application's
		// data: the given content.
		if uri == "" || filepath.Base(name) == given.Name && given.Name != "" {
			rc, err := given.Open()
			if err != nil {
				return nil, err
			}
			open = append(open, rc)
			used = true
			return rc, nil
		}
		if detached != nil {
			return detached(uri)
		}
		return nil, nil
	}
	rep, err := v.VerifyXAdES(ctx, document, resolver)
	if err != nil || used {
		return rep, err
	}
	same, err := given.Is(document)
	if err != nil {
		return nil, err
	}
	if !same {
		failGivenContent(rep, fmt.Sprintf("the given content (%s) is neither a file a reference of this document names nor the document itself: it is not what the signatures cover", given.Name))
		rep.summarise()
	}
	return rep, nil
}

// Is reports whether the given content is byte for byte data (read
// streamed, at most len(data)+1 bytes of it).
func (g GivenContent) Is(data []byte) (bool, error) {
	rc, err := g.Open()
	if err != nil {
		return false, fmt.Errorf("reading the given content: %w", err)
	}
	defer rc.Close()
	same, err := sameBytes(rc, data)
	if err != nil {
		return false, fmt.Errorf("reading the given content: %w", err)
	}
	return same, nil
}

// sameBytes reports whether r holds exactly want, reading at most
// len(want)+1 bytes of it.
func sameBytes(r io.Reader, want []byte) (bool, error) {
	lr := io.LimitReader(r, int64(len(want))+1)
	buf := make([]byte, 64<<10)
	off := 0
	for {
		n, err := lr.Read(buf)
		if off+n > len(want) || !bytes.Equal(buf[:n], want[off:off+n]) {
			return false, nil
		}
		off += n
		if errors.Is(err, io.EOF) {
			return off == len(want), nil
		}
		if err != nil {
			return false, err
		}
	}
}

// failGivenContent marks every signature of rep TOTAL_FAILED/HASH_FAILURE
// with msg, when msg is not empty: the caller's content is not what they
// cover. The caller re-summarises the report.
func failGivenContent(rep *Report, msg string) {
	if msg == "" {
		return
	}
	for i := range rep.Signatures {
		s := &rep.Signatures[i]
		if strings.Contains(s.ID, "/counter") {
			continue // a counter-signature covers its parent's value, not the content
		}
		s.Indication, s.SubIndication = TotalFailed, HashFailure
		s.Errors = append(s.Errors, msg)
	}
	if len(rep.Errors) == 0 || rep.Errors[len(rep.Errors)-1] != msg {
		rep.Errors = append(rep.Errors, msg)
	}
}
