//go:build unix

package archive

import "syscall"

// openFlags: opening a FIFO must not block, and a terminal must not
// become the controlling one.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY
