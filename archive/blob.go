package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"cloud.google.com/go/storage"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	azblobblob "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob://
	_ "gocloud.dev/blob/fileblob"  // file://
	_ "gocloud.dev/blob/gcsblob"   // gs://
	_ "gocloud.dev/blob/s3blob"    // s3://
	"gocloud.dev/gcerrors"
)

// Records in object storage, through gocloud.dev/blob: s3:// (AWS S3 and
// S3-compatible servers: ?endpoint=http://host:port&use_path_style=true),
// gs://, azblob:// and file://. The URL's path is a prefix inside the
// bucket; credentials come from the environment as each provider's SDK
// reads them (AWS_ACCESS_KEY_ID…, GOOGLE_APPLICATION_CREDENTIALS,
// AZURE_STORAGE_ACCOUNT…), never from the URL.
//
// The rules of a folder on disk hold for a "folder" of keys (the part of a
// key before its last /): the content of a detached signature and its
// detached references are looked up beside it, by plain name, in the same
// folder only. A renewed record is written back only if the object is
// still the version that was read (a conditional put: S3 If-Match on the
// ETag, GCS generation match, Azure If-Match): a concurrent writer is
// never overwritten, and the record is then reported as not renewed. A
// store that cannot write conditionally (file://) is not renewed.

// IsBucketURL reports whether name is a bucket URL (scheme://…) rather
// than a path.
func IsBucketURL(name string) bool {
	scheme, _, ok := strings.Cut(name, "://")
	return ok && scheme != "" && !strings.ContainsAny(scheme, `/\.`)
}

// bucketSource is the source of the records in a bucket under a prefix.
type bucketSource struct {
	b        *blob.Bucket
	scheme   string
	prefix   string // "" or ending in "/"
	manifest io.Reader
	// dir is the folder of a file:// URL: its objects are read only when
	// they are regular files reached without symbolic links (as a walk of
	// the folder reads them).
	dir string
	// name is the URL without its query (SourceID).
	name string
}

// id is the SourceID of a bucket source.
func (s *bucketSource) id() string {
	if s.manifest != nil {
		return "bucket " + s.name + " +manifest"
	}
	return "bucket " + s.name
}

// OpenBucket opens the source of the records of a bucket URL: every
// signature object under the URL's path (listed in key order, as the run
// goes), or, with a manifest, the keys it names (relative to that path).
// A manifest key (or a listed key) that could name an object outside the
// prefix — a "..", "." or empty segment, a leading "/", a backslash, a
// control character — is refused: a SKIPPED record, nothing read.
// The function returned closes the bucket.
func OpenBucket(ctx context.Context, rawURL string, manifest io.Reader) (Source, func(), error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, nil, fmt.Errorf("bucket URL: %w", err)
	}
	if u.User != nil {
		return nil, nil, errors.New("bucket URL: credentials do not go in the URL (use the provider's environment variables)")
	}
	prefix := strings.TrimPrefix(u.Path, "/")
	if u.Scheme == "file" {
		prefix = "" // file:///srv/records: the path is the folder
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	open := *u
	if u.Scheme != "file" {
		open.Path = ""
	}
	if q := open.Query(); u.Scheme == "s3" && !q.Has("response_checksum_validation") {
		// Downloads are checked by what matters here, the signatures:
		// a damaged object fails validation and is never renewed. The
		// SDK's own check would log a warning per object on servers
		// that send no checksum.
		q.Set("response_checksum_validation", "when_required")
		open.RawQuery = q.Encode()
	}
	b, err := blob.OpenBucket(ctx, open.String())
	if err != nil {
		return nil, nil, fmt.Errorf("bucket %s: %w", redact(u), err)
	}
	src := &bucketSource{b: b, scheme: u.Scheme, prefix: prefix, manifest: manifest, name: redact(u)}
	if u.Scheme == "file" {
		src.dir = u.Path
	}
	return src, func() { b.Close() }, nil
}

// redact drops the query of a URL for messages (it may hold an endpoint
// and options, never credentials, but keep messages short).
func redact(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	return c.String()
}

func (s *bucketSource) Each(ctx context.Context, yield func(Entry) error) error {
	if s.manifest != nil {
		return eachLine(s.manifest, func(name string) error {
			key := s.prefix + name
			if why := badKey(name); why != "" {
				r := skipped(key, skipf("manifest key %s: refused (it must stay under the bucket URL's prefix)", why))
				return yield(Entry{Name: key, Key: name, Skip: &r})
			}
			return yield(Entry{Name: key, Key: name, Given: true})
		})
	}
	it := s.b.List(&blob.ListOptions{Prefix: s.prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("listing the bucket: %w", err)
		}
		if obj.IsDir || !signatureExt(obj.Key) {
			continue
		}
		rel := strings.TrimPrefix(obj.Key, s.prefix)
		if why := badKey(rel); why != "" {
			r := skipped(obj.Key, skipf("object key %s: not read (a store over a folder could resolve it elsewhere)", why))
			if err := yield(Entry{Name: obj.Key, Key: rel, Skip: &r}); err != nil {
				return err
			}
			continue
		}
		if err := yield(Entry{Name: obj.Key, Key: rel}); err != nil {
			return err
		}
	}
}

func (s *bucketSource) count(ctx context.Context, sh Shard) (int64, error) {
	var n int64
	err := s.Each(ctx, func(e Entry) error {
		if sh.Has(e.Key) {
			n++
		}
		return nil
	})
	return n, err
}

func (s *bucketSource) folder(ctx context.Context, name string) (folder, error) {
	dir := path.Dir(name)
	if dir == "." {
		dir = ""
	} else {
		dir += "/"
	}
	return &bucketFolder{ctx: ctx, src: s, dir: dir, versions: map[string]version{}}, nil
}

// bucketFolder is the keys of a bucket that share a folder.
type bucketFolder struct {
	ctx      context.Context
	src      *bucketSource
	dir      string
	mu       sync.Mutex
	versions map[string]version
}

// version identifies what was read of an object, for a conditional put.
type version struct {
	etag       string
	generation int64
}

func (f *bucketFolder) join(name string) string { return f.dir + name }
func (f *bucketFolder) close()                  {}

func (f *bucketFolder) open(name string) (io.ReadCloser, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return nil, fs.ErrNotExist
	}
	key := f.join(name)
	if f.src.dir != "" {
		if err := noLinks(f.src.dir, key); err != nil {
			return nil, err
		}
	}
	// The version first: if the object changes between this and the
	// read, a conditional put against this version fails (safe).
	attrs, err := f.src.b.Attributes(f.ctx, key)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, fs.ErrNotExist
		}
		return nil, ioErrf("cannot be examined: %v", err)
	}
	v := version{etag: attrs.ETag}
	var ga storage.ObjectAttrs
	if attrs.As(&ga) {
		v.generation = ga.Generation
	}
	r, err := f.src.b.NewReader(f.ctx, key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return nil, ioErrf("no longer exists")
		}
		return nil, ioErrf("cannot be opened: %v", err)
	}
	f.mu.Lock()
	f.versions[name] = v
	f.mu.Unlock()
	return r, nil
}

// ErrNoConditionalWrite is returned when renewing a record in a store
// that cannot write an object only if it is still the version read.
var ErrNoConditionalWrite = errors.New("this store cannot write conditionally: a concurrent writer could be overwritten, the record is left as it is")

func (f *bucketFolder) replace(name string, _, data []byte, _ bool) error {
	f.mu.Lock()
	v, ok := f.versions[name]
	f.mu.Unlock()
	if !ok {
		return errors.New("the version read is unknown")
	}
	applied := false
	opts := &blob.WriterOptions{
		ContentType: "application/octet-stream",
		BeforeWrite: func(as func(any) bool) error {
			var s3in *transfermanager.UploadObjectInput
			if v.etag != "" && as(&s3in) {
				etag := v.etag
				s3in.IfMatch = &etag
				applied = true
				return nil
			}
			var gobj **storage.ObjectHandle
			if v.generation != 0 && as(&gobj) {
				*gobj = (*gobj).If(storage.Conditions{GenerationMatch: v.generation})
				applied = true
				return nil
			}
			var az *azblob.UploadStreamOptions
			if v.etag != "" && as(&az) {
				etag := azcore.ETag(v.etag)
				az.AccessConditions = &azblobblob.AccessConditions{ModifiedAccessConditions: &azblobblob.ModifiedAccessConditions{IfMatch: &etag}}
				applied = true
				return nil
			}
			return ErrNoConditionalWrite
		},
	}
	err := f.src.b.WriteAll(f.ctx, f.join(name), data, opts)
	if err != nil {
		if errors.Is(err, ErrNoConditionalWrite) {
			return ErrNoConditionalWrite
		}
		if gcerrors.Code(err) == gcerrors.FailedPrecondition {
			return fmt.Errorf("the object changed since it was read (a concurrent writer): left as it is: %w", err)
		}
		return err
	}
	if !applied {
		return ErrNoConditionalWrite
	}
	return nil
}

// badKey says why a key relative to the bucket URL's prefix (a manifest
// line, a listed key) is refused, or "" when it is taken: it must be
// "/"-separated names, none empty, "." or "..", with no leading "/", no
// backslash and no control character, so that it names an object under
// the prefix in every store (a gateway over a folder resolves "..").
func badKey(key string) string {
	switch {
	case key == "":
		return "is empty"
	case strings.HasPrefix(key, "/"):
		return "starts with /"
	case strings.Contains(key, `\`):
		return "holds a backslash"
	}
	for _, c := range key {
		if c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) {
			return "holds a control character"
		}
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return "has an empty segment"
		case ".", "..":
			return "has a \"" + seg + "\" segment"
		}
	}
	return ""
}

// noLinks refuses the object key of a file:// folder dir unless every
// element of its path is reached without a symbolic link and the last is
// a regular file: the store itself would follow links out of the folder.
func noLinks(dir, key string) error {
	p := dir
	for _, el := range strings.Split(key, "/") {
		p = filepath.Join(p, el)
		st, err := os.Lstat(p)
		if err != nil {
			return fs.ErrNotExist
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			return skipf("a symbolic link (the walk does not follow links)")
		}
	}
	if st, err := os.Lstat(p); err != nil || !st.Mode().IsRegular() {
		return skipf("not a regular file")
	}
	return nil
}
