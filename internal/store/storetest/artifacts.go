package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"gocloud.dev/blob"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/artifact/blobs"
	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const testMax = 1 << 10

func newBucket(t *testing.T) *blob.Bucket {
	t.Helper()
	b, err := blobs.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// blobKeys lists every object in the bucket.
func blobKeys(t *testing.T, b *blob.Bucket) []string {
	t.Helper()
	var keys []string
	it := b.List(nil)
	for {
		o, err := it.Next(t.Context())
		if err == io.EOF {
			return keys
		}
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, o.Key)
	}
}

func wantNoBlobs(t *testing.T, b *blob.Bucket, why string) {
	t.Helper()
	if keys := blobKeys(t, b); len(keys) != 0 {
		t.Errorf("%s left blobs %v", why, keys)
	}
}

// failingReader returns some bytes, then an error.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		k := min(len(p), r.n)
		r.n -= k
		return k, nil
	}
	return 0, errors.New("connection reset")
}

// hookReader runs fn when its reader is exhausted.
type hookReader struct {
	r  io.Reader
	fn func()
}

func (h *hookReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if err == io.EOF && h.fn != nil {
		h.fn()
		h.fn = nil
	}
	return n, err
}

func testArtifacts(t *testing.T, open Opener) {
	t.Run("CreateGetListOpenDelete", func(t *testing.T) {
		w := newWorld(t, open)
		b := newBucket(t)
		ctx := t.Context()
		ec, vc := as(ctx, w.editor), as(ctx, w.viewer)
		body := "# Model card\n\nChurn classifier.\n"
		before := auditSize(t, ctx, w.db)
		a, err := w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: " card.md ", ContentType: "text/markdown; charset=utf-8"}, strings.NewReader(body), testMax)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(body))
		if a.Name != "card.md" || a.ContentType != "text/markdown" || a.Size != int64(len(body)) || a.Digest != hex.EncodeToString(sum[:]) ||
			a.CreatedBy != w.editor.ID || a.UseCaseID != w.churn.ID || a.CreatedAt.IsZero() || a.URI != "/api/v1/usecases/churn/artifacts/"+a.ID+"/content" {
			t.Errorf("CreateArtifact = %+v", a)
		}
		wantAuditSize(t, ctx, w.db, before+1)
		if keys := blobKeys(t, b); len(keys) != 1 || keys[0] != artifact.Key(w.churn.ID, a.ID) {
			t.Errorf("blobs = %v, want only %s", keys, artifact.Key(w.churn.ID, a.ID))
		}
		html, err := w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "x.html", ContentType: "text/html"}, strings.NewReader("<script>alert(1)</script>"), testMax)
		if err != nil || html.ContentType != artifact.OctetStream {
			t.Errorf("HTML upload = %+v, %v; want it stored as %s", html, err, artifact.OctetStream)
		}

		got, err := w.db.GetArtifact(vc, "churn", a.ID)
		if err != nil || got.ID != a.ID || got.Digest != a.Digest || got.Key != a.Key || !got.CreatedAt.Equal(a.CreatedAt) || got.Asset != nil {
			t.Errorf("GetArtifact = %+v, %v, want %+v", got, err, a)
		}
		list, err := w.db.ListArtifacts(vc, "churn", artifact.Filter{})
		if err != nil || list.Total != 2 || len(list.Items) != 2 {
			t.Fatalf("ListArtifacts = %+v, %v", list, err)
		}
		page, err := w.db.ListArtifacts(vc, "churn", artifact.Filter{Page: atrium.PageRequest{Size: 1}})
		if err != nil || len(page.Items) != 1 || page.NextPageToken == "" {
			t.Errorf("ListArtifacts(size 1) = %+v, %v", page, err)
		}
		_, rd, err := w.db.OpenArtifact(vc, b, "churn", a.ID)
		if err != nil {
			t.Fatal(err)
		}
		content, _ := io.ReadAll(rd)
		rd.Close()
		if string(content) != body {
			t.Errorf("content = %q, want %q", content, body)
		}

		before = auditSize(t, ctx, w.db)
		wantKind(t, w.db.DeleteArtifact(vc, b, "churn", a.ID), atrium.Forbidden)
		if err := w.db.DeleteArtifact(ec, b, "churn", a.ID); err != nil {
			t.Fatal(err)
		}
		wantAuditSize(t, ctx, w.db, before+1)
		_, err = w.db.GetArtifact(vc, "churn", a.ID)
		wantKind(t, err, atrium.NotFound)
		_, _, err = w.db.OpenArtifact(vc, b, "churn", a.ID)
		wantKind(t, err, atrium.NotFound)
		wantKind(t, w.db.DeleteArtifact(ec, b, "churn", a.ID), atrium.NotFound)
		if ok, _ := b.Exists(ctx, a.Key); ok {
			t.Error("the blob outlived its artifact")
		}
	})

	t.Run("Access", func(t *testing.T) {
		w := newWorld(t, open)
		b := newBucket(t)
		ctx := t.Context()
		a, err := w.db.CreateArtifact(as(ctx, w.editor), b, "churn", artifact.Upload{Name: "r.txt"}, strings.NewReader("report"), testMax)
		if err != nil {
			t.Fatal(err)
		}
		before := auditSize(t, ctx, w.db)
		for _, tc := range []struct {
			who  string
			ctx  context.Context
			want atrium.Kind
		}{{"viewer", as(ctx, w.viewer), atrium.Forbidden}, {"reviewer", as(ctx, w.reviewer), atrium.Forbidden}, {"stranger", as(ctx, w.stranger), atrium.NotFound}} {
			consumed := &hookReader{r: strings.NewReader("x"), fn: func() { t.Errorf("%s: the body was read before the role check", tc.who) }}
			_, err := w.db.CreateArtifact(tc.ctx, b, "churn", artifact.Upload{Name: "x.txt"}, consumed, testMax)
			wantKind(t, err, tc.want)
		}
		_, err = w.db.GetArtifact(as(ctx, w.stranger), "churn", a.ID)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.ListArtifacts(as(ctx, w.stranger), "churn", artifact.Filter{})
		wantKind(t, err, atrium.NotFound)
		_, _, err = w.db.OpenArtifact(as(ctx, w.stranger), b, "churn", a.ID)
		wantKind(t, err, atrium.NotFound)
		wantKind(t, w.db.DeleteArtifact(as(ctx, w.stranger), b, "churn", a.ID), atrium.NotFound)
		// Another use case's id is not found through this one.
		mustUseCase(t, as(ctx, w.owner), w.db, usecase.UseCase{Slug: "fraud", Name: "Fraud", TeamSlug: "alpha"})
		_, err = w.db.GetArtifact(as(ctx, w.owner), "fraud", a.ID)
		wantKind(t, err, atrium.NotFound)
		wantKind(t, w.db.DeleteArtifact(as(ctx, w.owner), b, "fraud", a.ID), atrium.NotFound)
		for _, bad := range []string{"", "../" + a.ID, strings.ToUpper(a.ID), a.ID + "x", "usecases/" + w.churn.ID + "/" + a.ID} {
			_, err = w.db.GetArtifact(as(ctx, w.viewer), "churn", bad)
			wantKind(t, err, atrium.NotFound)
		}
		wantAuditSize(t, ctx, w.db, before+1) // the fraud use case
		if keys := blobKeys(t, b); len(keys) != 1 {
			t.Errorf("refused uploads left blobs: %v", keys)
		}
	})

	t.Run("RefusedUploadsLeaveNothing", func(t *testing.T) {
		w := newWorld(t, open)
		b := newBucket(t)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		before := auditSize(t, ctx, w.db)
		_, err := w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "big.bin"}, bytes.NewReader(make([]byte, testMax+1)), testMax)
		wantKind(t, err, atrium.TooLarge)
		_, err = w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "empty.txt"}, strings.NewReader(""), testMax)
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "cut.txt"}, &failingReader{n: 100}, testMax)
		wantKind(t, err, atrium.Invalid)
		for _, name := range []string{"", "../../etc/passwd", "a/b", "nul\x00.txt", "bell\a", "..", strings.Repeat("n", artifact.MaxNameRunes+1)} {
			_, err = w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: name}, strings.NewReader("x"), testMax)
			wantKind(t, err, atrium.Invalid)
		}
		_, err = w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "x", ContentType: "text/plain\r\nX-Evil: 1"}, strings.NewReader("x"), testMax)
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "x", Asset: &artifact.AssetRef{Kind: registry.Model, Name: "missing", Version: 1}}, strings.NewReader("x"), testMax)
		wantKind(t, err, atrium.Invalid)
		// The use case is archived while the upload streams: the blob is
		// written, the row is refused, and the blob is removed.
		hook := &hookReader{r: strings.NewReader("late"), fn: func() {
			if _, err := w.db.SetArchived(as(ctx, w.owner), "churn", true); err != nil {
				t.Errorf("SetArchived: %v", err)
			}
		}}
		_, err = w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "late.txt"}, hook, testMax)
		wantKind(t, err, atrium.Conflict)
		wantAuditSize(t, ctx, w.db, before+1) // the archive
		wantNoBlobs(t, b, "refused uploads")
		if list, err := w.db.ListArtifacts(as(ctx, w.viewer), "churn", artifact.Filter{}); err != nil || list.Total != 0 {
			t.Errorf("ListArtifacts = %+v, %v, want none", list, err)
		}
		_, err = w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "x.txt"}, strings.NewReader("x"), testMax)
		wantKind(t, err, atrium.Conflict)
		if _, err := w.db.SetArchived(as(ctx, w.owner), "churn", false); err != nil {
			t.Fatal(err)
		}
		exact, err := w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "exact.bin"}, bytes.NewReader(make([]byte, testMax)), testMax)
		if err != nil || exact.Size != testMax {
			t.Errorf("an upload of exactly the cap = %+v, %v", exact, err)
		}
	})

	t.Run("AssetLink", func(t *testing.T) {
		w := newWorld(t, open)
		b := newBucket(t)
		ctx := t.Context()
		ec, vc := as(ctx, w.editor), as(ctx, w.viewer)
		m := mustAsset(t, w, registry.Model, "churn-classifier")
		mustVersion(t, w, m.Ref(), registry.Version{URI: "s3://models/churn/1", Digest: digestOf(1)})
		mustVersion(t, w, m.Ref(), registry.Version{URI: "s3://models/churn/2", Digest: digestOf(2)})
		link := &artifact.AssetRef{Kind: registry.Model, Name: "churn-classifier", Version: 2}
		a, err := w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "card.md", Asset: link}, strings.NewReader("card"), testMax)
		if err != nil || a.Asset == nil || *a.Asset != *link {
			t.Fatalf("CreateArtifact with a link = %+v, %v", a, err)
		}
		if _, err := w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "other.md"}, strings.NewReader("other"), testMax); err != nil {
			t.Fatal(err)
		}
		got, err := w.db.GetArtifact(vc, "churn", a.ID)
		if err != nil || got.Asset == nil || *got.Asset != *link {
			t.Errorf("GetArtifact = %+v, %v", got, err)
		}
		list, err := w.db.ListArtifacts(vc, "churn", artifact.Filter{Asset: link})
		if err != nil || list.Total != 1 || list.Items[0].ID != a.ID {
			t.Errorf("ListArtifacts(linked) = %+v, %v", list, err)
		}
		list, err = w.db.ListArtifacts(vc, "churn", artifact.Filter{Asset: &artifact.AssetRef{Kind: registry.Model, Name: "churn-classifier", Version: 1}})
		if err != nil || list.Total != 0 {
			t.Errorf("ListArtifacts(version 1) = %+v, %v, want none", list, err)
		}
		_, err = w.db.ListArtifacts(vc, "churn", artifact.Filter{Asset: &artifact.AssetRef{Kind: "notebook", Name: "x", Version: 1}})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.CreateArtifact(ec, b, "churn", artifact.Upload{Name: "x", Asset: &artifact.AssetRef{Kind: registry.Model, Name: "churn-classifier", Version: 3}}, strings.NewReader("x"), testMax)
		wantKind(t, err, atrium.Invalid)
	})
}
