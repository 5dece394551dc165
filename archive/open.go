package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The rules for what the archive walker reads, in one place.
//
// A run reads only regular files, and only inside the folder of the
// signature file that names them (the folder the walk found it in, or the
// folder of a file given by name). Each file is opened through an os.Root
// for that folder (kept open by a worker for the next record in the same
// folder while the directory at that path is the same one), so a symbolic
// link is followed only while it stays in the folder (a link to a file
// beside it, or below it, is fine; a link to /dev/zero, to ../other or to
// an absolute path is refused, whatever the timing), with O_NONBLOCK (opening a FIFO cannot block) and O_NOCTTY;
// after the open, fstat must say "regular file" before a byte is read.
// The walk itself does not follow symbolic links.
//
// Everything met and not read — a FIFO, a device, a socket, a directory
// where a file was expected, a dangling link, a link leaving the folder, a
// file that cannot be opened — becomes a Record of its own with Skipped
// set to the reason. It is reported, never silently ignored, and never
// counted as a signature failure: it is an I/O matter, not a verdict on a
// signature.

// errSkip is wrapped by the errors of openRegular that mean "this entry
// exists but is not read"; the message says why.
var errSkip = errors.New("skipped")

// skipError says why an entry was not read; io marks an I/O problem
// (unreadable, vanished, permission denied) rather than a rule.
type skipError struct {
	reason string
	io     bool
}

func (e *skipError) Error() string { return e.reason }
func (e *skipError) Unwrap() error { return errSkip }

func skipf(format string, args ...any) error {
	return &skipError{reason: fmt.Sprintf(format, args...)}
}

// ioErrf is skipf for an I/O problem: the record gets Status ERROR.
func ioErrf(format string, args ...any) error {
	return &skipError{reason: fmt.Sprintf(format, args...), io: true}
}

// kindOf names a file type for a person.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file (" + m.Type().String() + ")"
}

// openRegular opens name (a plain name or a relative path below root) for
// reading under the rules above, and returns what fstat said of it after
// the open. It returns an error matching fs.ErrNotExist when nothing is
// there, one matching errSkip when something is there that is not read.
// The file is opened first and examined by fstat (two system calls for a
// record's file); lstat is asked only to explain a refusal.
func openRegular(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		lst, lerr := root.Lstat(name)
		switch {
		case errors.Is(lerr, fs.ErrNotExist):
			return nil, nil, lerr
		case lerr != nil:
			return nil, nil, ioErrf("cannot be examined: %v", unwrapPath(lerr))
		case lst.Mode()&fs.ModeSymlink != 0 && errors.Is(err, fs.ErrNotExist):
			return nil, nil, skipf("a dangling symbolic link")
		case lst.Mode()&fs.ModeSymlink != 0 && escapes(root, name):
			return nil, nil, skipf("a symbolic link that leads outside its folder (not followed)")
		}
		return nil, nil, ioErrf("cannot be opened: %v", unwrapPath(err))
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, ioErrf("cannot be examined: %v", unwrapPath(err))
	}
	if !st.Mode().IsRegular() {
		f.Close()
		what := kindOf(st.Mode())
		if lst, err := root.Lstat(name); err == nil && lst.Mode()&fs.ModeSymlink != 0 {
			what = "a symbolic link to " + what
		}
		return nil, nil, skipf("%s, not a regular file", what)
	}
	return f, st, nil
}

// escapes reports whether the symbolic link name below root leads
// outside it (only to word the reason; the refusal is os.Root's): its
// target is absolute or climbs out, or it resolves to a path outside.
func escapes(root *os.Root, name string) bool {
	full := filepath.Join(root.Name(), name)
	if target, err := os.Readlink(full); err == nil {
		if filepath.IsAbs(target) {
			return true
		}
		rel := filepath.Clean(filepath.Join(filepath.Dir(name), target))
		if rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	target, err := filepath.EvalSymlinks(full)
	if err != nil {
		return false
	}
	base, err := filepath.EvalSymlinks(root.Name())
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(base, target)
	return err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// unwrapPath drops the operation and path of a *PathError: the record
// already names the file.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Statuses of records without a verdict.
const (
	StatusError   = "ERROR"
	StatusSkipped = "SKIPPED"
)

// skipped builds the record of an entry that was not read: Status ERROR
// for an I/O problem, SKIPPED otherwise.
func skipped(path string, err error) Record {
	var se *skipError
	if errors.As(err, &se) && se.io {
		return Record{Path: path, Status: StatusError, Error: err.Error()}
	}
	return Record{Path: path, Status: StatusSkipped, Skipped: err.Error()}
}

// ErrJournalBusy is the error of OpenJournal for a journal another run
// holds (see OpenJournal).
var ErrJournalBusy = errors.New("in use by another run (locked): one run per journal at a time")

// OpenJournalFile opens a journal for reading (archive report), as
// OpenJournal opens it for a run: a journal must be a regular file (a
// FIFO, a device or a directory is refused at once, never waited on).
func OpenJournalFile(path string) (*os.File, error) {
	return openJournalFile(path, os.O_RDONLY)
}

// openJournalFile opens the journal at path with flag (O_CREATE: mode
// 0600) without blocking, and refuses anything but a regular file.
func openJournalFile(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|openFlags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s, not a regular file", kindOf(st.Mode()))
	}
	if err == nil {
		err = blockingAgain(f)
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return f, nil
}
