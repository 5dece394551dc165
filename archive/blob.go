package archive

import (
	"context"
	"errors"
	"io"
	"strings"
)

// IsBucketURL reports whether name is a bucket URL (scheme://…) rather
// than a path.
func IsBucketURL(name string) bool {
	scheme, _, ok := strings.Cut(name, "://")
	return ok && scheme != "" && !strings.ContainsAny(scheme, `/\.`)
}

// OpenBucket opens the source of the records in a bucket.
func OpenBucket(ctx context.Context, url string, manifest io.Reader) (Source, func(), error) {
	return nil, nil, errors.New("bucket URLs are not supported yet")
}
