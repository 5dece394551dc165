package archive

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hpki-jp/hpki/tsa"
)

// meddlingTSA stores a new version of a record (once) while the archive
// timestamp of its renewal is being requested: a concurrent writer.
type meddlingTSA struct {
	*tsa.Client
	once  sync.Once
	path  string
	write []byte
}

func (m *meddlingTSA) meddle() {
	m.once.Do(func() {
		// A new file renamed over the record (as most writers do):
		// what the run opened stays readable.
		if err := os.WriteFile(m.path+".new", m.write, 0o644); err != nil {
			panic(err)
		}
		if err := os.Rename(m.path+".new", m.path); err != nil {
			panic(err)
		}
	})
}

func (m *meddlingTSA) TimestampData(ctx context.Context, data []byte) (*tsa.Token, error) {
	m.meddle()
	return m.Client.TimestampData(ctx, data)
}

func (m *meddlingTSA) Timestamp(ctx context.Context, digest []byte) (*tsa.Token, error) {
	m.meddle()
	return m.Client.Timestamp(ctx, digest)
}

// A local record written by someone else while it is renewed is left as
// they wrote it: the renewal is refused ("changed while renewing"), for
// CAdES and PDF records alike.
func TestLocalRenewDoesNotOverwriteAConcurrentWriter(t *testing.T) {
	for _, kind := range []string{"cades", "pdf"} {
		t.Run(kind, func(t *testing.T) {
			f := newFixture(t)
			var rec string
			if kind == "pdf" {
				rec = f.write(t, "l.signed.pdf", f.signedPDF(t))
			} else {
				doc := []byte("letter")
				f.write(t, "l.txt", doc)
				rec = f.write(t, "l.txt.p7s", f.cades(t, f.p.Doctor, doc))
			}
			newer := []byte("NEW VERSION")
			m := &meddlingTSA{Client: f.tsa, path: rec, write: newer}
			recs, sum := collect(t, paths(t, f.dir), Options{Verify: f.opts, Renew: &RenewOptions{TSA: m, Within: time.Hour}})
			got, _ := os.ReadFile(rec)
			if string(got) != string(newer) {
				t.Fatalf("the concurrent writer's version was overwritten: %+v", recs)
			}
			if sum.Renewed != 0 || sum.Refused != 1 || !strings.Contains(recs[0].Error, "changed while renewing") {
				t.Fatalf("%+v %+v", sum, recs)
			}
		})
	}
}
