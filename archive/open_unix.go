//go:build unix

package archive

import (
	"errors"
	"os"
	"syscall"
)

// openFlags: opening a FIFO must not block, and a terminal must not
// become the controlling one.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY

// lockJournal takes an exclusive advisory lock (flock) on a journal, held
// until the file is closed; it fails at once (ErrJournalBusy) when
// another process, or another Journal of this one, holds it.
func lockJournal(f *os.File) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := c.Control(func(fd uintptr) {
		for {
			lerr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
			if lerr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	if errors.Is(lerr, syscall.EWOULDBLOCK) {
		return ErrJournalBusy
	}
	return lerr
}

// blockingAgain clears O_NONBLOCK on a file opened with openFlags and
// found to be a regular file.
func blockingAgain(f *os.File) error {
	c, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := c.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
