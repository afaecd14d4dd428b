package blobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/driver"
	"gocloud.dev/gcerrors"
)

// OpenLocal opens a folder as a blob store, creating it if missing. Every
// file operation goes through an os.Root on the folder: keys are relative
// paths inside it, and a symlink inside it that points outside is refused
// by the operating system's resolution in os.Root, not by string checks.
func OpenLocal(dir string) (*blob.Bucket, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("artifact store: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("artifact store: %w", err)
	}
	return blob.NewBucket(&localBucket{root: root}), nil
}

// localBucket is a gocloud blob driver on an os.Root.
type localBucket struct{ root *os.Root }

// partPrefix starts the names of files being written; they are renamed to
// their key when complete and never listed.
const partPrefix = ".part-"

var errBadKey = errors.New("not a valid key")

// checkKey accepts slash-separated relative keys without empty, "." or ".."
// elements and without the names of partial files. os.Root would refuse an
// escape anyway; this refuses it earlier and keeps keys portable.
func checkKey(key string) error {
	if !fs.ValidPath(key) || key == "." || strings.ContainsAny(key, "\\\x00") {
		return fmt.Errorf("%w: %q", errBadKey, key)
	}
	for _, el := range strings.Split(key, "/") {
		if strings.HasPrefix(el, partPrefix) {
			return fmt.Errorf("%w: %q", errBadKey, key)
		}
	}
	return nil
}

func (b *localBucket) ErrorCode(err error) gcerrors.ErrorCode {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return gcerrors.NotFound
	case errors.Is(err, errors.ErrUnsupported):
		return gcerrors.Unimplemented
	case errors.Is(err, errBadKey):
		return gcerrors.InvalidArgument
	case errors.Is(err, fs.ErrPermission):
		return gcerrors.PermissionDenied
	case errors.Is(err, context.Canceled):
		return gcerrors.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return gcerrors.DeadlineExceeded
	}
	return gcerrors.Unknown
}

func (b *localBucket) As(any) bool { return false }

func (b *localBucket) ErrorAs(err error, i any) bool { return errors.As(err, i) }

func (b *localBucket) Attributes(ctx context.Context, key string) (*driver.Attributes, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	fi, err := b.root.Stat(key)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w", key, fs.ErrNotExist)
	}
	return &driver.Attributes{ContentType: "application/octet-stream", ModTime: fi.ModTime(), Size: fi.Size()}, nil
}

// ListPaged lists the regular files under the prefix in key order. Symlinks
// are not listed; partial files are not either.
func (b *localBucket) ListPaged(ctx context.Context, opts *driver.ListOptions) (*driver.ListPage, error) {
	var objs []*driver.ListObject
	seenDir := map[string]bool{}
	err := fs.WalkDir(b.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), partPrefix) {
			return nil
		}
		if !strings.HasPrefix(p, opts.Prefix) {
			return nil
		}
		if opts.Delimiter != "" {
			rest := p[len(opts.Prefix):]
			if i := strings.Index(rest, opts.Delimiter); i >= 0 {
				dir := opts.Prefix + rest[:i+len(opts.Delimiter)]
				if !seenDir[dir] {
					seenDir[dir] = true
					objs = append(objs, &driver.ListObject{Key: dir, IsDir: true})
				}
				return nil
			}
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		objs = append(objs, &driver.ListObject{Key: p, ModTime: fi.ModTime(), Size: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(objs, func(a, b *driver.ListObject) int { return strings.Compare(a.Key, b.Key) })
	if len(opts.PageToken) > 0 {
		after := string(opts.PageToken)
		i, _ := slices.BinarySearchFunc(objs, after, func(o *driver.ListObject, k string) int { return strings.Compare(o.Key, k) })
		for i < len(objs) && objs[i].Key <= after {
			i++
		}
		objs = objs[i:]
	}
	page := &driver.ListPage{Objects: objs}
	size := opts.PageSize
	if size <= 0 {
		size = 1000
	}
	if len(objs) > size {
		page.Objects = objs[:size]
		page.NextPageToken = []byte(objs[size-1].Key)
	}
	return page, nil
}

func (b *localBucket) NewRangeReader(ctx context.Context, key string, offset, length int64, opts *driver.ReaderOptions) (driver.Reader, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	f, err := b.root.Open(key)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w", key, fs.ErrNotExist)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
	}
	var r io.Reader = f
	if length >= 0 {
		r = io.LimitReader(f, length)
	}
	return &localReader{r: r, f: f, attrs: driver.ReaderAttributes{ContentType: "application/octet-stream", ModTime: fi.ModTime(), Size: fi.Size()}}, nil
}

type localReader struct {
	r     io.Reader
	f     *os.File
	attrs driver.ReaderAttributes
}

func (r *localReader) Read(p []byte) (int, error)           { return r.r.Read(p) }
func (r *localReader) Close() error                         { return r.f.Close() }
func (r *localReader) Attributes() *driver.ReaderAttributes { return &r.attrs }
func (r *localReader) As(any) bool                          { return false }

// NewTypedWriter writes to a partial file beside the key and renames it to
// the key on Close, so a reader sees the whole object or none. A write
// whose context ends before Close is dropped.
func (b *localBucket) NewTypedWriter(ctx context.Context, key, contentType string, opts *driver.WriterOptions) (driver.Writer, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	part, err := b.partFor(key)
	if err != nil {
		return nil, err
	}
	f, err := b.root.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, err
	}
	return &localWriter{ctx: ctx, root: b.root, f: f, part: part, key: key}, nil
}

// partFor makes the folder of key and returns a fresh name beside it for a
// partial file.
func (b *localBucket) partFor(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	dir := path.Dir(key)
	if dir != "." {
		if err := b.root.MkdirAll(dir, 0o750); err != nil {
			return "", err
		}
	}
	var rnd [8]byte
	rand.Read(rnd[:])
	return path.Join(dir, partPrefix+hex.EncodeToString(rnd[:])), nil
}

type localWriter struct {
	ctx       context.Context
	root      *os.Root
	f         *os.File
	part, key string
}

func (w *localWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.f.Write(p)
}

func (w *localWriter) Close() error {
	err := w.ctx.Err()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.root.Rename(w.part, w.key)
	}
	if err != nil {
		w.root.Remove(w.part)
	}
	return err
}

// Copy links the source's file under the destination's key when the file
// system allows it (its bytes were synced when the source was written), and
// copies the bytes otherwise.
func (b *localBucket) Copy(ctx context.Context, dstKey, srcKey string, opts *driver.CopyOptions) error {
	if err := checkKey(srcKey); err != nil {
		return err
	}
	part, err := b.partFor(dstKey)
	if err != nil {
		return err
	}
	if fi, err := b.root.Lstat(srcKey); err == nil && fi.Mode().IsRegular() && b.root.Link(srcKey, part) == nil {
		if err := b.root.Rename(part, dstKey); err != nil {
			b.root.Remove(part)
			return err
		}
		return nil
	}
	r, err := b.NewRangeReader(ctx, srcKey, 0, -1, nil)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := b.NewTypedWriter(ctx, dstKey, "", nil)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		lw := w.(*localWriter)
		lw.f.Close()
		b.root.Remove(lw.part)
		return err
	}
	return w.Close()
}

func (b *localBucket) Delete(ctx context.Context, key string, opts *driver.DeleteOptions) error {
	if err := checkKey(key); err != nil {
		return err
	}
	fi, err := b.root.Lstat(key)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: %w", key, fs.ErrNotExist)
	}
	return b.root.Remove(key)
}

func (b *localBucket) SignedURL(ctx context.Context, key string, opts *driver.SignedURLOptions) (string, error) {
	return "", errors.ErrUnsupported
}

func (b *localBucket) Close() error { return b.root.Close() }
