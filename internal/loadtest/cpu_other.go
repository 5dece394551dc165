//go:build !unix

package loadtest

import "time"

// CPUTime is unknown here (zero): Result.CPU stays zero.
func CPUTime() time.Duration { return 0 }
