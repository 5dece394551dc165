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
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	return writeIn(pathDir(dir), base, name, write, o)
}

// WriteFileIn is WriteFile for name, a plain file name, inside the
// directory root: every step (the check of the target, the temporary
// file, the rename) goes through root, so the file lands in that very
// directory even when its path is meanwhile made to lead elsewhere (a
// parent renamed, a symbolic link put in its place).
func WriteFileIn(root *os.Root, name string, data []byte, o Options) error {
	return WriteFromIn(root, name, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, o)
}

// WriteFromIn is WriteFileIn for output made as a stream (see WriteFrom).
func WriteFromIn(root *os.Root, name string, write func(io.Writer) error, o Options) error {
	if name == "" || filepath.Base(name) != name || name == "." || name == ".." {
		return fmt.Errorf("writing %q: not a plain file name", name)
	}
	return writeIn(rootDir{root}, name, filepath.Join(root.Name(), name), write, o)
}

// dirOps are the operations of a write on one directory, by plain names.
type dirOps interface {
	lstat(name string) (fs.FileInfo, error)
	createExcl(name string, perm fs.FileMode) (*os.File, error)
	remove(name string) error
	rename(oldname, newname string) error
	link(oldname, newname string) error
	open(name string) (*os.File, error)
}

// pathDir is a directory named by its path.
type pathDir string

func (d pathDir) join(name string) string { return filepath.Join(string(d), name) }
func (d pathDir) lstat(name string) (fs.FileInfo, error) {
	return os.Lstat(d.join(name))
}
func (d pathDir) createExcl(name string, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(d.join(name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
}
func (d pathDir) remove(name string) error { return os.Remove(d.join(name)) }
func (d pathDir) rename(oldname, newname string) error {
	return os.Rename(d.join(oldname), d.join(newname))
}
func (d pathDir) link(oldname, newname string) error {
	return os.Link(d.join(oldname), d.join(newname))
}
func (d pathDir) open(name string) (*os.File, error) { return os.Open(d.join(name)) }

// rootDir is a directory held open (os.Root).
type rootDir struct{ r *os.Root }

func (d rootDir) lstat(name string) (fs.FileInfo, error) { return d.r.Lstat(name) }
func (d rootDir) createExcl(name string, perm fs.FileMode) (*os.File, error) {
	return d.r.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
}
func (d rootDir) remove(name string) error             { return d.r.Remove(name) }
func (d rootDir) rename(oldname, newname string) error { return d.r.Rename(oldname, newname) }
func (d rootDir) link(oldname, newname string) error   { return d.r.Link(oldname, newname) }
func (d rootDir) open(name string) (*os.File, error)   { return d.r.Open(name) }

// writeIn writes base in dir under the rules of o; name is how errors
// call it.
func writeIn(dir dirOps, base, name string, write func(io.Writer) error, o Options) error {
	perm := o.Perm
	if perm == 0 {
		perm = 0o666
	}
	old, err := dir.lstat(base)
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
	f, tmp, err := createTemp(dir, base, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	defer dir.remove(tmp) // after a rename or link this is a no-op or drops the extra name
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
		err = dir.rename(tmp, base)
	} else {
		err = dir.link(tmp, base)
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", name, ErrExists)
		}
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if d, err := dir.open("."); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// createTemp creates a new file beside the target with the given mode
// (the kernel applies the umask), unlike os.CreateTemp's fixed 0600. It
// returns the file and its plain name in dir.
func createTemp(dir dirOps, base string, perm fs.FileMode) (*os.File, string, error) {
	for range 16 {
		var rnd [6]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return nil, "", err
		}
		tmp := "." + base + ".tmp-" + hex.EncodeToString(rnd[:])
		f, err := dir.createExcl(tmp, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, tmp, err
	}
	return nil, "", errors.New("cannot create a temporary file")
}
