// Package atomicfile writes files so that readers see either the old file
// or the complete new one, never a partial write: the data goes to a
// temporary file in the same directory, is synced, and is then renamed (or,
// when overwriting is not allowed, hard-linked) into place.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned when the target exists and overwriting is not allowed.
var ErrExists = errors.New("file exists (use --force to overwrite)")

// Write stores data in name with permissions perm. With overwrite false,
// an existing name is left untouched and ErrExists returned, even when
// another process creates it concurrently.
func Write(name string, data []byte, perm fs.FileMode, overwrite bool) error {
	if !overwrite {
		if _, err := os.Lstat(name); err == nil {
			return fmt.Errorf("%s: %w", name, ErrExists)
		}
	}
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a rename or link this is a no-op or drops the extra name
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if overwrite {
		err = os.Rename(tmp, name)
	} else {
		err = os.Link(tmp, name)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", name, ErrExists)
		}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
