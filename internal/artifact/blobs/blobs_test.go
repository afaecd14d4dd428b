package blobs

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

func openTemp(t *testing.T) (*blob.Bucket, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "blobs")
	b, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, dir
}

func TestLocalRoundTrip(t *testing.T) {
	b, dir := openTemp(t)
	ctx := t.Context()
	if err := b.WriteAll(ctx, "usecases/u1/a1", []byte("hello"), &blob.WriterOptions{ContentType: "text/plain"}); err != nil {
		t.Fatal(err)
	}
	got, err := b.ReadAll(ctx, "usecases/u1/a1")
	if err != nil || string(got) != "hello" {
		t.Fatalf("ReadAll = %q, %v", got, err)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, "usecases", "u1", "a1")); err != nil || string(raw) != "hello" {
		t.Fatalf("file on disk = %q, %v", raw, err)
	}
	a, err := b.Attributes(ctx, "usecases/u1/a1")
	if err != nil || a.Size != 5 {
		t.Fatalf("Attributes = %+v, %v", a, err)
	}
	r, err := b.NewRangeReader(ctx, "usecases/u1/a1", 1, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(r)
	r.Close()
	if string(part) != "ell" {
		t.Fatalf("range = %q", part)
	}
	if err := b.Copy(ctx, "usecases/u1/a2", "usecases/u1/a1", nil); err != nil {
		t.Fatal(err)
	}
	// A copy outlives its source and replaces what was at its key.
	b.WriteAll(ctx, "uploads/t", []byte("fresh"), nil)
	b.WriteAll(ctx, "usecases/u2/a4", []byte("stale"), nil)
	if err := b.Copy(ctx, "usecases/u2/a4", "uploads/t", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "uploads/t"); err != nil {
		t.Fatal(err)
	}
	if got, err := b.ReadAll(ctx, "usecases/u2/a4"); err != nil || string(got) != "fresh" {
		t.Fatalf("copy after its source was deleted = %q, %v", got, err)
	}
	b.WriteAll(ctx, "usecases/u2/a3", []byte("x"), nil)
	var keys []string
	it := b.List(&blob.ListOptions{Prefix: "usecases/u1/"})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
	if strings.Join(keys, ",") != "usecases/u1/a1,usecases/u1/a2" {
		t.Fatalf("List = %v", keys)
	}
	if err := b.Delete(ctx, "usecases/u1/a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ReadAll(ctx, "usecases/u1/a1"); gcerrors.Code(err) != gcerrors.NotFound {
		t.Fatalf("read after delete: %v, want NotFound", err)
	}
	if err := b.Delete(ctx, "usecases/u1/a1"); gcerrors.Code(err) != gcerrors.NotFound {
		t.Fatalf("second delete: %v, want NotFound", err)
	}
}

// A write whose context ends before Close leaves nothing behind: no object
// and no partial file.
func TestLocalAbortedWrite(t *testing.T) {
	b, dir := openTemp(t)
	ctx, cancel := context.WithCancel(t.Context())
	w, err := b.NewWriter(ctx, "uploads/x", &blob.WriterOptions{ContentType: "text/plain"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := w.Close(); err == nil {
		t.Fatal("Close after cancel succeeded")
	}
	if ok, _ := b.Exists(t.Context(), "uploads/x"); ok {
		t.Fatal("aborted write left an object")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "uploads"))
	if len(entries) != 0 {
		t.Fatalf("aborted write left files: %v", entries)
	}
}

// A symlink planted in the blob root — to a file or a folder outside it —
// is refused for reading, writing and deleting.
func TestLocalRefusesSymlinkOutOfRoot(t *testing.T) {
	b, dir := openTemp(t)
	ctx := t.Context()
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret")
	if err := os.WriteFile(secret, []byte("do not serve"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "usecases", "u1"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "usecases", "u1", "a1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "usecases", "evil")); err != nil {
		t.Fatal(err)
	}
	if got, err := b.ReadAll(ctx, "usecases/u1/a1"); err == nil {
		t.Fatalf("read through a file symlink out of the root: %q", got)
	}
	if got, err := b.ReadAll(ctx, "usecases/evil/secret"); err == nil {
		t.Fatalf("read through a folder symlink out of the root: %q", got)
	}
	if _, err := b.Attributes(ctx, "usecases/evil/secret"); err == nil {
		t.Fatal("Attributes through a folder symlink out of the root succeeded")
	}
	if err := b.WriteAll(ctx, "usecases/evil/planted", []byte("x"), nil); err == nil {
		t.Fatal("write through a folder symlink out of the root succeeded")
	}
	if _, err := os.Stat(filepath.Join(outside, "planted")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a file appeared outside the root: %v", err)
	}
	if err := b.Delete(ctx, "usecases/evil/secret"); err == nil {
		t.Fatal("delete through a folder symlink out of the root succeeded")
	}
	if err := b.Delete(ctx, "usecases/u1/a1"); err == nil {
		t.Fatal("delete of a symlink succeeded")
	}
	if err := b.Copy(ctx, "usecases/u1/copied", "usecases/u1/a1", nil); err == nil {
		t.Fatal("copy from a symlink out of the root succeeded")
	}
	if err := b.Copy(ctx, "usecases/u1/copied", "usecases/evil/secret", nil); err == nil {
		t.Fatal("copy through a folder symlink out of the root succeeded")
	}
	if raw, err := os.ReadFile(secret); err != nil || string(raw) != "do not serve" {
		t.Fatalf("the outside file changed: %q, %v", raw, err)
	}
	it := b.List(&blob.ListOptions{})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		t.Errorf("List shows %q, a symlink", o.Key)
	}
}

func TestLocalRefusesBadKeys(t *testing.T) {
	b, _ := openTemp(t)
	ctx := t.Context()
	for _, key := range []string{"../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a\\b", "a\x00b", ".", "a/.part-123"} {
		if err := b.WriteAll(ctx, key, []byte("x"), nil); err == nil {
			t.Errorf("WriteAll(%q) succeeded", key)
		}
		if _, err := b.ReadAll(ctx, key); err == nil {
			t.Errorf("ReadAll(%q) succeeded", key)
		}
	}
}

func TestOpenSchemes(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	b, err := Open(ctx, "file://"+filepath.ToSlash(dir)+"/store")
	if err != nil {
		t.Fatalf("file URL: %v", err)
	}
	b.Close()
	if _, err := os.Stat(filepath.Join(dir, "store")); err != nil {
		t.Fatalf("file URL did not create the folder: %v", err)
	}
	if _, err := Open(ctx, "file://example.org/x"); err == nil {
		t.Error("file URL with a remote host accepted")
	}
	if _, err := Open(ctx, "ftp://host/x"); err == nil || !strings.Contains(err.Error(), "unknown scheme") {
		t.Errorf("ftp: %v, want an unknown scheme error", err)
	}
	for scheme, tag := range map[string]string{"s3": "s3", "gs": "gcs", "azblob": "azure"} {
		_, err := Open(ctx, scheme+"://bucket?secret=hush")
		if blob.DefaultURLMux().ValidBucketScheme(scheme) {
			continue // built with the driver; opening needs credentials
		}
		if err == nil || !strings.Contains(err.Error(), "-tags "+tag) || strings.Contains(err.Error(), "hush") {
			t.Errorf("%s without its driver: %v, want a hint to build with -tags %s and no query", scheme, err, tag)
		}
	}
}
