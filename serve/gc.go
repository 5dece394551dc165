package serve

import (
	"os"
	"runtime/debug"
)

// Garbage collector settings of hpki serve. A verification allocates
// several times the size of its request (the body, the decoded signature
// and content, the report) and keeps almost none of it, while the live
// heap is small (the Verifier's caches, bounded by
// verify.Options.CacheBytes, 256 MiB by default), so with the runtime's
// default GOGC=100 the collector runs every few dozen requests. GCPercent
// lets the heap grow to five times what is live between collections (about
// 15% less CPU per request measured on the 50 KB letter benchmark);
// MemoryLimit makes the collector run sooner whenever the whole heap
// nears 1 GiB, so a full cache cannot take the process to five times its
// size.
const (
	GCPercent   = 400
	MemoryLimit = 1 << 30
)

// TuneGC applies GCPercent, unless the environment sets GOGC, and
// MemoryLimit, unless it sets GOMEMLIMIT (an operator's setting wins). It
// returns a function that restores the previous settings.
func TuneGC() (restore func()) {
	pct, limit := -2, int64(-1)
	if os.Getenv("GOGC") == "" {
		pct = debug.SetGCPercent(GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		limit = debug.SetMemoryLimit(MemoryLimit)
	}
	return func() {
		if pct != -2 {
			debug.SetGCPercent(pct)
		}
		if limit >= 0 {
			debug.SetMemoryLimit(limit)
		}
	}
}
