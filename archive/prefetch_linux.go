package archive

import (
	"os"

	"golang.org/x/sys/unix"
)

// canAdvise: Linux starts the read of a range on POSIX_FADV_WILLNEED
// without waiting for it.
const canAdvise = true

// adviseWillNeed asks for the first n bytes of f to be read into the page
// cache; errors are ignored (a hint).
func adviseWillNeed(f *os.File, n int64) {
	if sc, err := f.SyscallConn(); err == nil {
		_ = sc.Control(func(fd uintptr) { _ = unix.Fadvise(int(fd), 0, n, unix.FADV_WILLNEED) })
	}
}
