//go:build !unix

package archive

import "os"

// openFlags: no FIFOs to fear outside Unix; fstat still runs after open.
const openFlags = 0

// lockJournal does nothing outside Unix: two runs given the same journal
// at once are not prevented there (documented on OpenJournal).
func lockJournal(*os.File) error { return nil }

// blockingAgain has nothing to undo outside Unix.
func blockingAgain(*os.File) error { return nil }
