package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/internal/testpki"
	"github.com/hpki-jp/hpki/sign"
)

func reportJSON(t testing.TB, r *Report) string {
	t.Helper()
	j, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

// VerifyXAdES reuses the memory of each document's tree once it is done
// with it (xmlsig.ParseSurveyed): verifications of different documents
// on many goroutines at once give, each, the report of the document alone.
func TestXAdESConcurrentDocumentsKeepTheirVerdicts(t *testing.T) {
	p := testpki.MustLoad(t)
	valid := benchPrescription(t)
	tampered := bytes.Replace(valid, []byte("<Days>28</Days>"), []byte("<Days>29</Days>"), 1)
	other := signXML(t, p.Doctor, cdaDocument(64<<10), sign.XAdESOptions{})
	docs := [][]byte{valid, tampered, other}
	o := opts(t)
	now := time.Now()
	o.Now = func() time.Time { return now }
	v := New(o)
	want := make([]string, len(docs))
	for i, d := range docs {
		r, err := v.VerifyXAdES(context.Background(), d, nil)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = reportJSON(t, r)
	}
	if want[0] == want[1] {
		t.Fatal("the tampered document has the report of the valid one")
	}
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 15; n++ {
				i := (g + n) % len(docs)
				r, err := v.VerifyXAdES(context.Background(), docs[i], nil)
				if err != nil {
					t.Error(err)
					return
				}
				if got := reportJSON(t, r); got != want[i] {
					t.Errorf("document %d: report\n%s\nwant\n%s", i, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
}
