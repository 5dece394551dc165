// Package cputime reads the CPU time the process has used, for benchmarks
// that report CPU time per operation: on a machine shared with other work
// that figure holds where wall-clock time per operation does not.
package cputime

import (
	"syscall"
	"time"
)

// Process returns the process's user+system CPU time (all threads, the
// garbage collector's included), or 0 when the system does not say.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
