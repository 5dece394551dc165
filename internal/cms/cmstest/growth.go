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
// costs about 16 times as much and a quadratic one 256 times. Allocation is
// deterministic: MaxGrowth (64) leaves room for constant overheads. Time is
// not, on a loaded 2-core machine: the fastest of Reps runs is taken and
// MaxTimeGrowth (128) still tells quadratic from linear. Times below
// TimeFloor are raised to it before the ratio is taken, so that
// microsecond noise cannot fail a test; a ratio above the limit is measured
// again, up to Rounds times, before it fails.
const (
	MaxGrowth     = 64
	MaxTimeGrowth = 128
	TimeFloor     = 5 * time.Millisecond
	Reps          = 5
	Rounds        = 4
)

// AssertLinear builds the input at scales 1, 4 and 16 with build, runs run
// on each (the fastest of Reps runs) and fails t unless the 16x input costs
// less than MaxTimeGrowth times the 1x input in time and MaxGrowth times in
// allocated bytes, and unless every run allocated at most 16·N + 64 MB for
// an input of N bytes. It logs the figures.
func AssertLinear(t testing.TB, name string, build func(scale int) []byte, run func(in []byte)) {
	t.Helper()
	assertGrowth(t, name, func(scale int) (int, func()) {
		in := build(scale)
		return len(in), func() { run(in) }
	})
}

// AssertLinearRuns is AssertLinear for checkers whose input is not one byte
// slice: prepare(scale) returns the run at that scale (its set-up is not
// measured). The 16·N + 64 MB bound is not checked.
func AssertLinearRuns(t testing.TB, name string, prepare func(scale int) func()) {
	t.Helper()
	assertGrowth(t, name, func(scale int) (int, func()) { return -1, prepare(scale) })
}

// assertGrowth is the one implementation of the growth checks; size is -1
// when the input size is unknown.
func assertGrowth(t testing.TB, name string, prepare func(scale int) (size int, run func())) {
	t.Helper()
	var costs [3]Cost
	var runs [3]func()
	for i, scale := range []int{1, 4, 16} {
		size, run := prepare(scale)
		runs[i] = run
		costs[i] = Measure(Reps, run)
		t.Logf("%s %2dx: %8d bytes in, %v, %d KB allocated", name, scale, size, costs[i].Time.Round(time.Microsecond), costs[i].Bytes>>10)
		if limit := 16*uint64(size) + 64<<20; size >= 0 && costs[i].Bytes > limit {
			t.Errorf("%s %dx: %d bytes allocated for %d bytes of input, above 16·N + 64 MB", name, scale, costs[i].Bytes, size)
		}
	}
	t1, t16 := max(costs[0].Time, TimeFloor), max(costs[2].Time, TimeFloor)
	// Wall time is disturbed by whatever else the machine runs: before a
	// time ratio fails the test, both ends are measured again (up to
	// Rounds times, keeping the fastest), so that only a ratio seen in
	// every round fails. Allocation needs no second look.
	for round := 1; round < Rounds && t16 > MaxTimeGrowth*t1; round++ {
		t1 = min(t1, max(Measure(Reps, runs[0]).Time, TimeFloor))
		t16 = min(t16, max(Measure(Reps, runs[2]).Time, TimeFloor))
		t.Logf("%s: time measured again (round %d): 1x %v, 16x %v", name, round+1, t1, t16)
	}
	if t16 > MaxTimeGrowth*t1 {
		t.Errorf("%s: time grows %.0fx for 16x input (%v → %v): worse than linear", name, float64(t16)/float64(t1), costs[0].Time, costs[2].Time)
	}
	b1, b16 := max(costs[0].Bytes, 1<<20), max(costs[2].Bytes, 1<<20)
	if b16 > MaxGrowth*b1 {
		t.Errorf("%s: allocation grows %.0fx for 16x input (%d → %d bytes): worse than linear", name, float64(b16)/float64(b1), costs[0].Bytes, costs[2].Bytes)
	}
}
