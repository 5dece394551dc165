package archive

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hpki-jp/hpki/internal/atomicfile"
)

// folder is where the files of one record live: the signature file, its
// detached content and its detached references, all by plain name inside
// one folder (a directory on disk, a prefix in a bucket). open returns an
// error matching fs.ErrNotExist when nothing is there and a skip error
// (open.go) when something is there that is not read.
type folder interface {
	// open opens name (a plain name in the folder) for reading.
	open(name string) (io.ReadCloser, error)
	// replace writes data as name in place of the version that was read
	// (old: its bytes), never half-written, never over a version written
	// by someone else since (when the store can tell).
	replace(name string, old, data []byte, force bool) error
	// join returns the full name of name in the folder.
	join(name string) string
	close()
}

// localFolder is a directory on disk, read under the rules of open.go.
// It remembers the size and modification time of each file it opened, for
// replace.
type localFolder struct {
	root *os.Root
	dir  string
	// shared is set when root belongs to the worker (see folderIn):
	// close leaves it open.
	shared bool
	mu     sync.Mutex
	opened map[string]fileState
}

// fileState is what was seen of a file when it was opened.
type fileState struct {
	size  int64
	mtime time.Time
}

// ErrChangedWhileRenewing is returned when a record on disk is no longer
// the version that was read when its renewal is about to replace it.
var ErrChangedWhileRenewing = errors.New("changed while renewing (a concurrent writer): left as it is")

func openLocalFolder(dir string) (*localFolder, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, ioErrf("its folder cannot be opened: %v", unwrapPath(err))
	}
	return &localFolder{root: root, dir: dir}, nil
}

func (l *localFolder) open(name string) (io.ReadCloser, error) {
	f, st, err := openRegular(l.root, name)
	if err != nil {
		return nil, err
	}
	l.remember(name, st)
	return &openedFile{File: f, size: st.Size()}, nil
}

// openedFile is a file a folder opened, with its size when it was opened
// (readAll reads it in one go without asking again).
type openedFile struct {
	*os.File
	size int64
}

// openSize returns the size of the file when it was opened.
func (f *openedFile) openSize() int64 { return f.size }

// remember notes the size and modification time of name, as fstat said
// when it was opened.
func (l *localFolder) remember(name string, st fs.FileInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.opened == nil {
		l.opened = map[string]fileState{}
	}
	l.opened[name] = fileState{size: st.Size(), mtime: st.ModTime()}
}

// replace writes through the folder's own handle (l.root), never by path:
// the renewal lands in the folder that was read even when its path is
// meanwhile made to lead elsewhere (a folder renamed, a symbolic link put
// in its place).
func (l *localFolder) replace(name string, old, data []byte, force bool) error {
	sum := sha256.Sum256(old)
	return atomicfile.WriteFileIn(l.root, name, data, atomicfile.Options{Overwrite: true, ReplaceReadOnly: force,
		BeforeReplace: func() error { return l.unchanged(name, sum) }})
}

// unchanged checks, just before a renewal replaces name, that the file is
// still the version that was read: same size and modification time as
// when it was opened, and same SHA-256 (sum) now, read again. What is
// left is the window between this check and the rename (a writer storing
// a new version in that instant is overwritten): a local file system has
// no conditional rename.
func (l *localFolder) unchanged(name string, sum [32]byte) error {
	l.mu.Lock()
	was, ok := l.opened[name]
	l.mu.Unlock()
	if !ok {
		return errors.New("the version read is unknown")
	}
	f, st, err := openRegular(l.root, name)
	if err != nil {
		return ErrChangedWhileRenewing
	}
	defer f.Close()
	if st.Size() != was.size || !st.ModTime().Equal(was.mtime) {
		return ErrChangedWhileRenewing
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil || !bytes.Equal(h.Sum(nil), sum[:]) {
		return ErrChangedWhileRenewing
	}
	return nil
}

func (l *localFolder) join(name string) string { return filepath.Join(l.dir, name) }
func (l *localFolder) close() {
	if !l.shared {
		l.root.Close()
	}
}

// readAll reads a signature file of at most MaxSignatureFile bytes from
// f; a larger one is an error, never a prefix.
func readAll(f folder, name string) ([]byte, error) {
	rc, err := f.open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ioErrf("no longer exists")
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var data []byte
	if f, ok := rc.(interface{ openSize() int64 }); ok && f.openSize() < MaxSignatureFile {
		// One read for a file whose size is known (it may still grow or
		// shrink: the limit and EOF decide).
		data = make([]byte, 0, f.openSize()+1)
	} else if st, ok := rc.(interface{ Stat() (fs.FileInfo, error) }); ok {
		// One read for a file whose size is known (it may still grow or
		// shrink: the limit and EOF decide).
		if fi, err := st.Stat(); err == nil && fi.Size() < MaxSignatureFile {
			data = make([]byte, 0, fi.Size()+1)
		}
	}
	data, err = readAllInto(data, io.LimitReader(rc, MaxSignatureFile+1))
	if err != nil {
		return nil, ioErrf("cannot be read: %v", unwrapPath(err))
	}
	if len(data) > MaxSignatureFile {
		return nil, skipf("larger than %d bytes: not read as a signature file", MaxSignatureFile)
	}
	return data, nil
}

// readAllInto is io.ReadAll appending to buf.
func readAllInto(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
