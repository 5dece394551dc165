//go:build !unix

package loadtest

import "time"

// cpuTime is unknown here: Result.CPU stays zero.
func cpuTime() time.Duration { return 0 }
