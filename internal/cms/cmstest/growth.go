package cmstest

import (
	"runtime"
	"testing"
	"time"
)

// Cost is what one run of a checker took: wall time and bytes allocated
// (runtime.MemStats.TotalAlloc, so garbage counts too).
type Cost struct {
	Time  time.Duration
	Bytes uint64
}

// Measure runs f reps times and returns the smallest time and the smallest
// allocation seen (the least disturbed run on a loaded machine).
func Measure(reps int, f func()) Cost {
	var best Cost
	for i := 0; i < reps; i++ {
		runtime.GC()
		var a, b runtime.MemStats
		runtime.ReadMemStats(&a)
		start := time.Now()
		f()
		el := time.Since(start)
		runtime.ReadMemStats(&b)
		c := Cost{el, b.TotalAlloc - a.TotalAlloc}
		if i == 0 || c.Time < best.Time {
			best.Time = c.Time
		}
		if i == 0 || c.Bytes < best.Bytes {
			best.Bytes = c.Bytes
		}
	}
	return best
}

// Growth limits for AssertLinear: at 16 times the input, a linear checker
// costs about 16 times as much and a quadratic one 256 times; 64 leaves a
// margin for a loaded 2-core machine. Times below TimeFloor are raised to
// it before the ratio is taken, so that microsecond noise cannot fail a
// test.
const (
	MaxGrowth = 64
	TimeFloor = 5 * time.Millisecond
)

// AssertLinear builds the input at scales 1, 4 and 16 with build, runs run
// on each (best of three) and fails t unless the 16x input costs less than
// MaxGrowth times the 1x input in time and in allocated bytes, and unless
// every run allocated at most 16·N + 64 MB for an input of N bytes. It logs
// the figures.
func AssertLinear(t testing.TB, name string, build func(scale int) []byte, run func(in []byte)) {
	t.Helper()
	var costs [3]Cost
	var sizes [3]int
	for i, scale := range []int{1, 4, 16} {
		in := build(scale)
		sizes[i] = len(in)
		costs[i] = Measure(3, func() { run(in) })
		t.Logf("%s %2dx: %8d bytes in, %v, %d KB allocated", name, scale, len(in), costs[i].Time.Round(time.Microsecond), costs[i].Bytes>>10)
		if limit := 16*uint64(len(in)) + 64<<20; costs[i].Bytes > limit {
			t.Errorf("%s %dx: %d bytes allocated for %d bytes of input, above 16·N + 64 MB", name, scale, costs[i].Bytes, len(in))
		}
	}
	t1, t16 := max(costs[0].Time, TimeFloor), max(costs[2].Time, TimeFloor)
	if t16 > MaxGrowth*t1 {
		t.Errorf("%s: time grows %.0fx for 16x input (%v → %v): worse than linear", name, float64(t16)/float64(t1), costs[0].Time, costs[2].Time)
	}
	b1, b16 := max(costs[0].Bytes, 1<<20), max(costs[2].Bytes, 1<<20)
	if b16 > MaxGrowth*b1 {
		t.Errorf("%s: allocation grows %.0fx for 16x input (%d → %d bytes): worse than linear", name, float64(b16)/float64(b1), costs[0].Bytes, costs[2].Bytes)
	}
}
