// Package blobs opens the blob store artifacts live in: a local folder by
// default, or an S3, Google Cloud Storage or Azure Blob Storage bucket named
// by URL. Every store is a gocloud.dev/blob Bucket, so the rest of Atrium
// uses one API whatever is behind it.
//
// The cloud drivers are large, so each is compiled in only with its build
// tag (s3, gcs, azure; see drivers_*.go): `go build -tags s3,gcs,azure`.
// A URL whose driver is not in the binary is refused at start-up with a
// sentence saying which tag to build with.
//
// The local store is not gocloud's fileblob: fileblob opens
// filepath.Join(folder, key) with the plain os calls, which follow a
// symlink planted inside the folder to anywhere on the machine. The local
// driver here (local.go) does every file operation through an os.Root
// opened on the folder, so no key and no symlink reaches outside it.
package blobs

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
)

// cloudSchemes name the driver, and its build tag, of each URL scheme.
var cloudSchemes = map[string]struct{ service, tag string }{
	"s3":     {"Amazon S3 (or an S3-compatible store)", "s3"},
	"gs":     {"Google Cloud Storage", "gcs"},
	"azblob": {"Azure Blob Storage", "azure"},
}

// Open opens the blob store loc names: "" or a folder path or a file://
// URL for a local folder (created if missing), or an s3://, gs:// or
// azblob:// bucket URL with the query parameters its driver takes
// (e.g. s3://bucket?region=eu-west-1). A folder path is configuration
// given by the operator, never a value from a request.
func Open(ctx context.Context, loc string) (*blob.Bucket, error) {
	if loc == "" {
		return nil, fmt.Errorf("no artifact store given")
	}
	scheme, _, hasScheme := strings.Cut(loc, "://")
	if !hasScheme {
		return OpenLocal(loc)
	}
	scheme = strings.ToLower(scheme)
	if scheme == "file" {
		u, err := url.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("artifact store %q: %w", loc, err)
		}
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("artifact store %q: a file:// URL names a folder on this machine (file:///path)", loc)
		}
		if u.Path == "" {
			return nil, fmt.Errorf("artifact store %q: give a folder, e.g. file:///var/lib/atrium/artifacts", loc)
		}
		return OpenLocal(filepath.FromSlash(u.Path))
	}
	c, ok := cloudSchemes[scheme]
	if !ok {
		return nil, fmt.Errorf("artifact store %q: unknown scheme %q; use a folder, file://, s3://, gs:// or azblob://", redact(loc), scheme)
	}
	if !blob.DefaultURLMux().ValidBucketScheme(scheme) {
		return nil, fmt.Errorf("artifact store %s://…: this binary was built without the %s driver; build it with `go build -tags %s` (drivers: s3, gcs, azure)", scheme, c.service, c.tag)
	}
	b, err := blob.OpenBucket(ctx, loc)
	if err != nil {
		return nil, fmt.Errorf("artifact store %s: %w", redact(loc), err)
	}
	return b, nil
}

// Drivers lists the cloud schemes this binary can open.
func Drivers() []string {
	var out []string
	for _, s := range []string{"s3", "gs", "azblob"} {
		if blob.DefaultURLMux().ValidBucketScheme(s) {
			out = append(out, s)
		}
	}
	return out
}

// redact drops the query of a bucket URL, which may hold credentials, from
// messages.
func redact(loc string) string {
	if i := strings.IndexByte(loc, '?'); i >= 0 {
		return loc[:i] + "?…"
	}
	return loc
}
