package archive

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// prefetchBytes is the most of a file a hint asks for: a record's
// signature and content are read whole, but a hint is not worth a large
// read that the worker would not get to soon.
const prefetchBytes = 1 << 20

// prefetcher asks the system to start reading, ahead of the workers, the
// files of the entries a run has queued (the signature file and the
// content candidates beside it), so that on a cold page cache a worker
// finds its record in memory instead of holding a thread while the disk
// answers. It is a hint and nothing more:
//   - it reads no byte into the process;
//   - it opens under the rules of open.go (the folder's os.Root, so no
//     link leads it out of the folder; O_NONBLOCK and O_NOCTTY; then
//     fstat must say "regular file" or nothing more is done);
//   - it ignores every error (the worker meets it and reports it);
//   - it drops a hint rather than wait when it falls behind, and asks for
//     at most prefetchBytes of a file.
//
// Where the system has no such hint (see adviseWillNeed) it is not
// started. PDF files are not hinted (they may be large, and are read in
// parts).
type prefetcher struct {
	names chan hintName
	wg    sync.WaitGroup
}

// newPrefetcher starts workers goroutines taking up to depth hints
// ahead; nil when hints do nothing on this system.
func newPrefetcher(workers, depth int) *prefetcher {
	if !canAdvise {
		return nil
	}
	p := &prefetcher{names: make(chan hintName, depth)}
	for range workers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			var last openFolder
			defer last.close()
			for name := range p.names {
				p.advise(name, &last)
			}
		}()
	}
	return p
}

// hint queues the files of entry e, a local path, unless the queue is
// full.
func (p *prefetcher) hint(e Entry) {
	if p == nil || e.Skip != nil || isPDFName(e.Name) {
		return
	}
	p.offer(hintName{e.Name, e.dirID})
	switch strings.ToLower(filepath.Ext(e.Name)) {
	case ".p7s", ".p7m":
		for _, c := range contentCandidates(e.Name) {
			p.offer(hintName{c, e.dirID})
		}
	}
}

// hintName is a file to hint and, for an entry found by a walk, the
// identity of its folder (see Entry.dirID): a folder replaced since is
// not read from.
type hintName struct {
	name  string
	dirID fs.FileInfo
}

func (p *prefetcher) offer(h hintName) {
	select {
	case p.names <- h:
	default:
	}
}

// advise opens name under the rules of open.go and asks for its first
// prefetchBytes.
func (p *prefetcher) advise(h hintName, last *openFolder) {
	dir := filepath.Dir(h.name)
	if last.root == nil || last.dir != dir {
		last.close()
		root, err := os.OpenRoot(dir)
		if err != nil {
			return
		}
		st, err := root.Stat(".")
		if err != nil {
			root.Close()
			return
		}
		last.dir, last.root, last.st = dir, root, st
	}
	if h.dirID != nil && !os.SameFile(last.st, h.dirID) {
		return
	}
	f, st, err := openRegular(last.root, filepath.Base(h.name))
	if err != nil {
		return
	}
	adviseWillNeed(f, min(st.Size(), prefetchBytes))
	f.Close()
}

// stop ends the workers once the hints queued are handled or dropped.
func (p *prefetcher) stop() {
	if p == nil {
		return
	}
	close(p.names)
	p.wg.Wait()
}
