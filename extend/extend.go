// Package extend raises signatures to the long-term levels: B-LT (every
// certificate and revocation value needed to validate the signer and each
// TSA is embedded) and B-LTA (an archive timestamp over the signature, its
// content and that validation data), and renews B-LTA signatures with a
// further archive timestamp before the last one's TSA certificate expires
// or its algorithms weaken.
//
// Security contract: a signature is extended only if it validates now
// (TOTAL_PASSED under the given verify.Options); the originally signed
// bytes (content, signed attributes or properties, signature values) are
// never changed, only validation data and timestamps are added; and the
// extended signature is validated again before it is returned.
package extend

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// Options control an extension.
type Options struct {
	// To is sign.LevelLT or sign.LevelLTA (which also renews).
	To sign.Level
	// TSA gives the archive timestamps (LTA) and a signature timestamp for
	// a B-B signature that has none.
	TSA sign.Timestamper
	// Hash is the hash of CAdES archive timestamps and their
	// ats-hash-index-v3 (default SHA-256; the TSA must use the same). A
	// renewal made because SHA-256 weakens uses SHA-384 or SHA-512.
	Hash crypto.Hash
	// Verify configures the validation that must pass before extending
	// and that collects the validation data (trust, revocation sources,
	// clock).
	Verify verify.Options
	// Content, for XAdES, is the file the caller says the signatures
	// cover (hpki extend --content). It is never ignored: a detached
	// reference naming it is checked against it, otherwise it must be byte
	// for byte the document itself, or the signature is not valid
	// (HASH_FAILURE) and is not extended (verify.VerifyXAdESContent).
	// CAdES takes its content as an argument instead.
	Content verify.GivenContent
}

// Result is an extended signature.
type Result struct {
	// Signature is the extended signature (CAdES DER or the XML document).
	Signature []byte
	// Level is the level the extended signature validates at.
	Level string
	// Report is the validation of the extended signature.
	Report *verify.Report
}

// ErrNotValid is wrapped when the signature is not valid now and so is not
// extended.
var ErrNotValid = errors.New("refusing to extend")

func (o *Options) check() error {
	switch o.To {
	case sign.LevelLT:
	case sign.LevelLTA:
		if o.TSA == nil {
			return errors.New("extending to LTA needs a TSA")
		}
		switch o.Hash {
		case 0:
			o.Hash = crypto.SHA256
		case crypto.SHA256, crypto.SHA384, crypto.SHA512:
		default:
			return fmt.Errorf("archive timestamps use SHA-256, SHA-384 or SHA-512, not %v", o.Hash)
		}
	default:
		return fmt.Errorf("cannot extend to level %q: LT or LTA", o.To)
	}
	return nil
}

// An Extender extends many signatures under one set of Options. Its two
// verifiers (the one that must pass a signature before it is extended,
// and the one that checks the result from what it embeds alone) keep
// their caches from one signature to the next: parsed certificates,
// checked paths and revocation data, keyed by the hash of their bytes and
// bounded by Options.Verify.CacheBytes each, as in one verify.Verifier
// used for many documents. No verdict on a signature is cached: each
// signature is validated in full, before and after, exactly as by the
// functions CAdES and XAdES. An archive renewing many records uses one
// Extender for the run. It is safe for concurrent use.
type Extender struct {
	opts          Options
	before, after *verify.Verifier
}

// NewExtender checks opts (as CAdES and XAdES do) and returns an Extender
// for them.
func NewExtender(opts Options) (*Extender, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	return &Extender{opts: opts, before: verify.New(opts.Verify), after: verify.New(selfContained(opts.Verify))}, nil
}

// selfContained returns the options that validate the extended signature
// from what it embeds alone: nothing given, nothing fetched.
func selfContained(o verify.Options) verify.Options {
	o.CRLs, o.OCSPResponses, o.Offline, o.Fetcher = nil, nil, true, nil
	return o
}

// mustPass returns an ErrNotValid error unless the report passed.
func mustPass(rep *verify.Report, what string) error {
	if rep.Indication == verify.TotalPassed {
		return nil
	}
	var reasons []string
	reasons = append(reasons, rep.Errors...)
	for _, s := range rep.Signatures {
		reasons = append(reasons, s.Errors...)
	}
	ind := string(rep.Indication)
	if rep.SubIndication != "" {
		ind += "/" + string(rep.SubIndication)
	}
	seen := map[string]bool{}
	var once []string
	for _, r := range reasons {
		if !seen[r] {
			seen[r] = true
			once = append(once, r)
		}
	}
	return fmt.Errorf("%w: %s is not valid now (%s): %s", ErrNotValid, what, ind, strings.Join(once, "; "))
}

// rewind returns a reader positioned at the start of content (nil stays nil).
func rewind(content io.ReadSeeker) (io.Reader, error) {
	if content == nil {
		return nil, nil
	}
	if _, err := content.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewinding the content: %w", err)
	}
	return content, nil
}

// result checks that every signature of rep reached the level asked for.
func result(out []byte, rep *verify.Report, to sign.Level) (*Result, error) {
	level := rep.Level()
	if verify.LevelRank(level) < verify.LevelRank("-"+string(to)) {
		return nil, fmt.Errorf("%w: the extended signature only reaches %s (a certificate's revocation data could not be embedded?)", ErrNotValid, level)
	}
	return &Result{Signature: out, Level: level, Report: rep}, nil
}
