//go:build !unix

package atomicfile

import (
	"io/fs"
	"os"
)

// keepOwnerAndMode gives the new file the permission bits of the file it
// replaces.
func keepOwnerAndMode(f *os.File, old fs.FileInfo) error {
	return f.Chmod(old.Mode().Perm())
}
