//go:build unix

package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// keepOwnerAndMode gives the new file the permission bits, owner and
// group of the file it replaces. Set-id and sticky bits are not carried
// over.
func keepOwnerAndMode(f *os.File, old fs.FileInfo) error {
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		cur, err := f.Stat()
		if err != nil {
			return err
		}
		if cst, ok := cur.Sys().(*syscall.Stat_t); ok && (cst.Uid != st.Uid || cst.Gid != st.Gid) {
			if err := f.Chown(int(st.Uid), int(st.Gid)); err != nil {
				return fmt.Errorf("cannot keep the owner and group of the replaced file (%d:%d): %w", st.Uid, st.Gid, err)
			}
		}
	}
	return f.Chmod(old.Mode().Perm())
}
