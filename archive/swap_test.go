package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// swapSource walks like Paths, then calls swap once the walk has handed
// out every entry and before any is handed to a worker: the moment a
// subfolder can be replaced between the walk and the worker.
type swapSource struct {
	pathsSource
	swap func()
}

func (s swapSource) Each(ctx context.Context, yield func(Entry) error) error {
	var es []Entry
	if err := walkEach(ctx, s.paths, func(e Entry) error { es = append(es, e); return nil }); err != nil {
		return err
	}
	s.swap()
	for _, e := range es {
		if err := yield(e); err != nil {
			return err
		}
	}
	return nil
}

// A subfolder of the root replaced by a link (to a folder outside the
// root, or to another folder inside it) after the walk found its records
// and before the workers open it: the records are ERROR ("replaced during
// the run"), and nothing the link leads to is read or renewed.
func TestRenewRefusesSubfolderSwappedAfterWalk(t *testing.T) {
	for _, target := range []string{"outside", "inside"} {
		t.Run(target, func(t *testing.T) {
			f := newFixture(t)
			doc := []byte("letter")
			sig := f.cades(t, f.p.Doctor, doc)
			f.write(t, "sub/l.txt", doc)
			f.write(t, "sub/l.txt.p7s", sig)
			var dest string
			if target == "outside" {
				dest = t.TempDir()
			} else {
				dest = filepath.Join(f.dir, "z-other")
			}
			os.MkdirAll(dest, 0o755)
			os.WriteFile(filepath.Join(dest, "l.txt"), doc, 0o644)
			victim := filepath.Join(dest, "l.txt.p7s")
			os.WriteFile(victim, sig, 0o644)
			sub := filepath.Join(f.dir, "sub")
			src := swapSource{pathsSource: pathsSource{paths: []string{f.dir}}, swap: func() {
				if err := os.Rename(sub, filepath.Join(t.TempDir(), "moved")); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(dest, sub); err != nil {
					t.Fatal(err)
				}
			}}
			recs, sum := collect(t, src, Options{Verify: f.opts, Renew: &RenewOptions{TSA: f.tsa, Within: 100 * 365 * 24 * time.Hour}})
			var subRec *Record
			for i, r := range recs {
				if strings.HasPrefix(r.Path, sub+string(filepath.Separator)) {
					subRec = &recs[i]
				}
			}
			if subRec == nil || subRec.Status != StatusError || !strings.Contains(subRec.Error, "replaced during the run") {
				t.Fatalf("record of the swapped folder: %+v (all %+v)", subRec, recs)
			}
			wantRenewed := 0
			if target == "inside" {
				wantRenewed = 1 // z-other/l.txt.p7s, walked as itself
			}
			if sum.Renewed != wantRenewed {
				t.Fatalf("renewed %d, want %d: %+v", sum.Renewed, wantRenewed, recs)
			}
			if got, _ := os.ReadFile(victim); target == "outside" && !bytes.Equal(got, sig) {
				t.Fatal("a record outside the root was rewritten")
			}
		})
	}
}

// The walk refuses a subfolder replaced between its lstat and its open.
func TestWalkRefusesSubfolderSwappedDuringWalk(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "x.p7s"), []byte("x"), 0o644)
	os.MkdirAll(filepath.Join(dir, "a"), 0o755)
	os.MkdirAll(filepath.Join(dir, "b"), 0o755)
	os.WriteFile(filepath.Join(dir, "b", "y.p7s"), []byte("y"), 0o644)
	walkHook = func(path string) {
		if filepath.Base(path) == "a" {
			b := filepath.Join(dir, "b")
			os.Rename(b, filepath.Join(t.TempDir(), "moved"))
			os.Symlink(outside, b)
		}
	}
	defer func() { walkHook = nil }()
	var es []Entry
	if err := walkEach(context.Background(), []string{dir}, func(e Entry) error { es = append(es, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Skip == nil || es[0].Skip.Status != StatusError || !strings.Contains(es[0].Skip.Error, "replaced") {
		t.Fatalf("%+v", es)
	}
}

// A walk deeper than maxWalkDepth stops there with one ERROR record.
func TestWalkDepthBounded(t *testing.T) {
	dir := t.TempDir()
	p := dir
	for range maxWalkDepth + 2 {
		p = filepath.Join(p, "d")
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Skip("the system refuses so deep a path:", err)
	}
	var es []Entry
	if err := walkEach(context.Background(), []string{dir}, func(e Entry) error { es = append(es, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Skip == nil || !strings.Contains(es[0].Skip.Error, "folders deep") {
		t.Fatalf("%+v", es)
	}
}
