package extend

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/hpki-jp/hpki/sign"
	"github.com/hpki-jp/hpki/verify"
)

// One Extender used for many signatures, from several goroutines, gives
// each the result the function CAdES gives it alone: every signature is
// extended to LTA and validates; a signature over other content, or a
// changed byte, is refused by the same Extender after it has extended
// good ones (what its verifiers cache never stands for a signature's own
// checks).
func TestExtenderManySignatures(t *testing.T) {
	opts, p := committedOptions(t, sign.LevelLTA)
	e, err := NewExtender(opts)
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	contents := make([][]byte, n)
	sigs := make([][]byte, n)
	for i := range n {
		contents[i] = fmt.Appendf(nil, "referral letter %d", i)
		sigs[i] = signB(t, p.Doctor, contents[i])
	}
	results := make([]*Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i], errs[i] = e.CAdES(context.Background(), sigs[i], bytes.NewReader(contents[i]))
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("signature %d: %v", i, errs[i])
		}
		if results[i].Level != "CAdES-BASELINE-LTA" || results[i].Report.Indication != verify.TotalPassed {
			t.Fatalf("signature %d: %s %s", i, results[i].Level, results[i].Report.Indication)
		}
		alone, err := CAdES(context.Background(), sigs[i], bytes.NewReader(contents[i]), opts)
		if err != nil || alone.Level != results[i].Level {
			t.Fatalf("signature %d alone: %v", i, err)
		}
	}
	tests := []struct {
		name    string
		sig     []byte
		content []byte
	}{
		{"other content", sigs[0], contents[1]},
		{"changed signature byte", func() []byte {
			b := bytes.Clone(sigs[2])
			b[len(b)-10] ^= 1
			return b
		}(), contents[2]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.CAdES(context.Background(), tc.sig, bytes.NewReader(tc.content)); err == nil {
				t.Fatal("extended")
			}
		})
	}
}

// NewExtender checks its options as CAdES does.
func TestNewExtenderChecksOptions(t *testing.T) {
	opts, _ := committedOptions(t, sign.LevelLTA)
	opts.TSA = nil
	if _, err := NewExtender(opts); err == nil {
		t.Fatal("LTA without a TSA accepted")
	}
}
