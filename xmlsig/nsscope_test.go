package xmlsig

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
)

// nsScope answers as a plain map with an undo log does, before and after
// it outgrows its small array, through nested marks and restores.
func TestNSScopeMatchesMap(t *testing.T) {
	for _, prefixes := range []int{3, nsSmall, nsSmall + 1, 40} {
		t.Run(fmt.Sprint(prefixes), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(prefixes)))
			var s nsScope
			want := map[string]string{}
			type frame struct {
				mark int
				snap map[string]string
			}
			var stack []frame
			for step := 0; step < 5000; step++ {
				switch r := rng.IntN(10); {
				case r < 5:
					p, uri := fmt.Sprint("p", rng.IntN(prefixes)), fmt.Sprint("urn:", rng.IntN(5))
					if rng.IntN(4) == 0 {
						p = ""
					}
					s.set(p, uri)
					want[p] = uri
				case r < 7:
					stack = append(stack, frame{s.mark(), maps.Clone(want)})
				case len(stack) > 0:
					f := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					s.restore(f.mark)
					want = f.snap
				}
				for i := -1; i < prefixes+1; i++ {
					p := fmt.Sprint("p", i)
					if i < 0 {
						p = ""
					}
					got, ok := s.get(p)
					w, wok := want[p]
					if got != w || ok != wok {
						t.Fatalf("step %d: get(%q) = %q %v, want %q %v", step, p, got, ok, w, wok)
					}
				}
				got := slices.Sorted(slices.Values(s.appendPrefixes(nil)))
				if w := slices.Sorted(maps.Keys(want)); !slices.Equal(got, w) {
					t.Fatalf("step %d: prefixes %q, want %q", step, got, w)
				}
			}
		})
	}
}
