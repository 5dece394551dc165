//go:build !linux

package archive

import "os"

// canAdvise: no read-ahead hint is used on this system.
const canAdvise = false

func adviseWillNeed(*os.File, int64) {}
