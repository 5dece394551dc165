package tsa

import (
	"fmt"
	"sync"
	"testing"
)

// TestNameMemoBounded: the memo gives what compute gives, computes a
// memoised name once, and holds no more than maxMemoNames names nor any
// name longer than maxMemoNameLen.
func TestNameMemoBounded(t *testing.T) {
	var c nameMemo
	calls := 0
	get := func(key []byte) string {
		return c.get(key, func() string { calls++; return fmt.Sprintf("name %x", key) })
	}
	for _, tc := range []struct {
		name      string
		key       []byte
		wantCalls int
	}{
		{"first sight computes", []byte("a"), 1},
		{"second sight is memoised", []byte("a"), 1},
		{"another name computes", []byte("b"), 2},
		{"a long name computes", make([]byte, maxMemoNameLen+1), 3},
		{"a long name is never memoised", make([]byte, maxMemoNameLen+1), 4},
	} {
		if got, want := get(tc.key), fmt.Sprintf("name %x", tc.key); got != want || calls != tc.wantCalls {
			t.Fatalf("%s: %q after %d calls, want %q after %d", tc.name, got, calls, want, tc.wantCalls)
		}
	}
	for i := range 2 * maxMemoNames {
		if got, want := get([]byte{byte(i), byte(i >> 8), 1}), fmt.Sprintf("name %x", []byte{byte(i), byte(i >> 8), 1}); got != want {
			t.Fatalf("%q, want %q", got, want)
		}
	}
	if len(c.m) > maxMemoNames {
		t.Fatalf("%d names memoised, at most %d allowed", len(c.m), maxMemoNames)
	}
}

// TestNameMemoConcurrent: tokens are parsed by many goroutines at once
// (run with -race).
func TestNameMemoConcurrent(t *testing.T) {
	var c nameMemo
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				key := []byte{byte(i % 7), byte(g % 2)}
				if got, want := c.get(key, func() string { return string(key) }), string(key); got != want {
					t.Errorf("%q, want %q", got, want)
					return
				}
			}
		}()
	}
	wg.Wait()
}
