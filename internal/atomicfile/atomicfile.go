// Package atomicfile writes files so that readers see either the old file
// or the complete new one, never a partial write: the data goes to a
// temporary file in the same directory, is synced, and is then renamed (or,
// when overwriting is not allowed, hard-linked) into place.
//
// Security contract on permissions: a write never widens who may read a
// file. A replaced file keeps its permission bits, owner and group (when
// they cannot be kept the write fails and the old file stays); a new file
// gets the mode asked for minus the process umask (0666 &^ umask for
// hpki's outputs), as with any program that creates files. A file whose
// permission bits allow nobody to write it (0444, 0400 …) is replaced only
// when the caller says so (ReplaceReadOnly, the CLI's --force). Only
// regular files are replaced: a symbolic link, a FIFO or a directory at the
// target name is refused.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned when the target exists and overwriting is not allowed.
var ErrExists = errors.New("file exists (use --force to overwrite)")

// ErrReadOnly is returned when the target is read-only (no write
// permission bit) and ReplaceReadOnly is not set.
var ErrReadOnly = errors.New("file is read-only (use --force to replace it anyway)")

// ErrNotRegular is returned when the target exists and is not a regular
// file (a symbolic link, a directory, a FIFO …).
var ErrNotRegular = errors.New("not a regular file: refusing to replace it")

// Options say how WriteFile treats the target.
type Options struct {
	// Perm is the mode of a new file before the umask (0 means 0666).
	// A replaced file keeps its own mode instead.
	Perm fs.FileMode
	// Overwrite allows replacing an existing file; without it an existing
	// name is left untouched and ErrExists returned, even when another
	// process creates it concurrently.
	Overwrite bool
	// ReplaceReadOnly allows replacing a file with no write permission bit.
	ReplaceReadOnly bool
	// BeforeReplace, when set, is called after the new content is
	// written and synced, just before it replaces name; an error leaves
	// name untouched (nothing is left behind) and is returned. Callers
	// use it to check that name is still the version they read (a
	// window remains between the check and the rename).
	BeforeReplace func() error
}

// Write stores data in name: a new file gets perm minus the umask, a
// replaced one keeps its mode, owner and group. With overwrite false, an
// existing name is left untouched and ErrExists returned, even when
// another process creates it concurrently. A read-only file is never
// replaced by Write (see WriteFile).
func Write(name string, data []byte, perm fs.FileMode, overwrite bool) error {
	return WriteFile(name, data, Options{Perm: perm, Overwrite: overwrite})
}

// WriteFile stores data in name atomically under the rules of o and of the
// package documentation.
func WriteFile(name string, data []byte, o Options) error {
	return WriteFrom(name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, o)
}

// WriteFrom is WriteFile for output made as a stream: write writes the
// content (it is never held in memory here). When write fails, nothing is
// left behind and the target is untouched.
func WriteFrom(name string, write func(io.Writer) error, o Options) error {
	perm := o.Perm
	if perm == 0 {
		perm = 0o666
	}
	old, err := os.Lstat(name)
	switch {
	case err == nil && !o.Overwrite:
		return fmt.Errorf("%s: %w", name, ErrExists)
	case err == nil && !old.Mode().IsRegular():
		return fmt.Errorf("%s: %w", name, ErrNotRegular)
	case err == nil && old.Mode().Perm()&0o222 == 0 && !o.ReplaceReadOnly:
		return fmt.Errorf("%s: %w", name, ErrReadOnly)
	case err == nil:
		// Until its mode is set, the temporary file is private.
		perm = 0o600
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("writing %s: %w", name, err)
	default:
		old = nil
	}
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	f, tmp, err := createTemp(dir, base, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	defer os.Remove(tmp) // after a rename or link this is a no-op or drops the extra name
	err = write(f)
	if err == nil && old != nil {
		err = keepOwnerAndMode(f, old)
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
	if o.BeforeReplace != nil {
		if err := o.BeforeReplace(); err != nil {
			return err
		}
	}
	if o.Overwrite {
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

// createTemp creates a new file beside the target with the given mode
// (the kernel applies the umask), unlike os.CreateTemp's fixed 0600.
func createTemp(dir, base string, perm fs.FileMode) (*os.File, string, error) {
	for range 16 {
		var rnd [6]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return nil, "", err
		}
		tmp := filepath.Join(dir, "."+base+".tmp-"+hex.EncodeToString(rnd[:]))
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, tmp, err
	}
	return nil, "", errors.New("cannot create a temporary file")
}
