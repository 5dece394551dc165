package serve

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	restore := TuneGC()
	if p := debug.SetGCPercent(GCPercent); p != GCPercent {
		t.Errorf("GOGC %d, want %d", p, GCPercent)
	}
	if l := debug.SetMemoryLimit(-1); l != MemoryLimit {
		t.Errorf("memory limit %d, want %d", l, MemoryLimit)
	}
	restore()
	if p := debug.SetGCPercent(-1); p == GCPercent {
		t.Error("GOGC not restored")
	} else {
		debug.SetGCPercent(p)
	}

	// An operator's setting wins.
	t.Setenv("GOGC", "50")
	t.Setenv("GOMEMLIMIT", "100MiB")
	before := debug.SetGCPercent(-1)
	debug.SetGCPercent(before)
	restore = TuneGC()
	defer restore()
	if p := debug.SetGCPercent(-1); p != before {
		t.Errorf("GOGC set in the environment was overridden: %d", p)
	} else {
		debug.SetGCPercent(p)
	}
	if l := debug.SetMemoryLimit(-1); l == MemoryLimit {
		t.Error("GOMEMLIMIT set in the environment was overridden")
	}
}
