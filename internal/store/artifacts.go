package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// Artifacts keep their bytes in a blob store and their description here.
// The order of writes keeps the two in step: an upload is written to a
// temporary key (hashed and measured while it streams, cut off past the
// cap), copied to its key, and only then is the row inserted; if the insert
// fails the blob is removed. A delete removes the row first and the blob
// after the commit. So a row never points at a missing blob; a crash can at
// worst leave a blob without a row, which nobody can reach.

const artifactCols = `a.id, a.usecase_id, a.name, a.content_type, a.size, a.sha256, a.blob_key, ra.kind, ra.name, a.asset_version,
	a.created_by, a.created_at, u.slug`

const artifactFrom = ` FROM artifacts a JOIN usecases u ON u.id = a.usecase_id LEFT JOIN registry_assets ra ON ra.id = a.asset_id`

func scanArtifact(sc scanner) (artifact.Artifact, error) {
	var a artifact.Artifact
	var kind, name sql.NullString
	var version sql.NullInt64
	var slug string
	if err := sc.Scan(&a.ID, &a.UseCaseID, &a.Name, &a.ContentType, &a.Size, &a.Digest, &a.Key, &kind, &name, &version,
		&a.CreatedBy, ts{&a.CreatedAt}, &slug); err != nil {
		return a, err
	}
	if kind.Valid && version.Valid {
		a.Asset = &artifact.AssetRef{Kind: registry.Kind(kind.String), Name: name.String, Version: int(version.Int64)}
	}
	a.URI = artifact.URI(slug, a.ID)
	return a, nil
}

// blobError is a failure of the blob store, reported without its details
// (which may name buckets or paths) and logged by the web layer as a 503.
func blobError(err error, doing string) error {
	var ae *atrium.Error
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return atrium.Wrap(atrium.Unavailable, err, "the request was cancelled or timed out")
	}
	return atrium.Wrap(atrium.Unavailable, err, "the artifact store failed while "+doing)
}

// CreateArtifact stores body, at most max bytes, as an artifact of a use
// case (editor role). The actor's role is checked before a byte is read.
func (db *DB) CreateArtifact(ctx context.Context, bucket *blob.Bucket, slug string, up artifact.Upload, body io.Reader, max int64) (artifact.Artifact, error) {
	up, err := up.Normalize()
	if err != nil {
		return artifact.Artifact{}, err
	}
	if err := artifact.CheckMaxBytes(max); err != nil {
		return artifact.Artifact{}, atrium.Wrap(atrium.Internal, err, "")
	}
	_, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return artifact.Artifact{}, err
	}
	if err := u.Role.Require(usecase.Editor, "uploading an artifact"); err != nil {
		return artifact.Artifact{}, err
	}
	if u.Archived {
		return artifact.Artifact{}, atrium.Errorf(atrium.Conflict, "use case %q is archived; restore it before editing", slug)
	}
	if up.Asset != nil {
		// Checked here so that a wrong link costs no upload; checked again
		// in the transaction.
		if _, err := db.GetVersion(ctx, slug, registry.Ref{Kind: up.Asset.Kind, Name: up.Asset.Name}, up.Asset.Version); err != nil {
			return artifact.Artifact{}, linkError(err, up.Asset)
		}
	}
	a := artifact.Artifact{ID: atrium.NewID(), UseCaseID: u.ID, Name: up.Name, ContentType: up.ContentType, Asset: up.Asset,
		CreatedBy: actorOf(ctx).UserID}
	a.Key, a.URI = artifact.Key(u.ID, a.ID), artifact.URI(u.Slug, a.ID)
	tmp := artifact.UploadKey(a.ID)
	cleanup := context.WithoutCancel(ctx)
	if a.Size, a.Digest, err = putCapped(ctx, bucket, tmp, a.ContentType, body, max); err != nil {
		return artifact.Artifact{}, err
	}
	err = bucket.Copy(ctx, a.Key, tmp, nil)
	bucket.Delete(cleanup, tmp)
	if err != nil {
		bucket.Delete(cleanup, a.Key)
		return artifact.Artifact{}, blobError(err, "storing the upload")
	}
	err = db.writeUseCase(ctx, slug, usecase.Editor, "uploading an artifact", func(tx *Tx, now usecase.UseCase) error {
		if now.ID != u.ID {
			return atrium.Errorf(atrium.Conflict, "use case %q changed during the upload; upload again", slug)
		}
		var assetID any
		var version any
		if a.Asset != nil {
			asset, err := assetOf(tx, now, registry.Ref{Kind: a.Asset.Kind, Name: a.Asset.Name})
			if err == nil {
				_, err = versionOf(tx, asset, a.Asset.Version)
			}
			if err != nil {
				return linkError(err, a.Asset)
			}
			assetID, version = asset.ID, a.Asset.Version
		}
		a.CreatedAt = tx.now
		if _, err := tx.exec(`INSERT INTO artifacts (id, usecase_id, name, content_type, size, sha256, blob_key, asset_id, asset_version, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			a.ID, a.UseCaseID, a.Name, a.ContentType, a.Size, a.Digest, a.Key, assetID, version, a.CreatedBy, formatTime(tx.now)); err != nil {
			return err
		}
		return tx.appendAudit("artifact.create", "artifact", a.ID, a)
	})
	if err != nil {
		bucket.Delete(cleanup, a.Key)
		return artifact.Artifact{}, err
	}
	return a, nil
}

// linkError words a missing registry version as a fault of the request.
func linkError(err error, ref *artifact.AssetRef) error {
	if atrium.KindOf(err) == atrium.NotFound {
		return atrium.Errorf(atrium.Invalid, "the use case has no version %d of %s %q to link the artifact to", ref.Version, ref.Kind, ref.Name)
	}
	return err
}

// putCapped writes r to key, hashing it, and refuses it once it passes max
// bytes: the write is then cancelled, so no object is left at key.
func putCapped(ctx context.Context, bucket *blob.Bucket, key, contentType string, r io.Reader, max int64) (int64, string, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := bucket.NewWriter(wctx, key, &blob.WriterOptions{ContentType: contentType, DisableContentTypeDetection: true,
		ContentDisposition: "attachment"})
	if err != nil {
		return 0, "", blobError(err, "starting the upload")
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), &readErr{io.LimitReader(r, max+1)})
	switch {
	case err == nil && n > max:
		err = artifact.TooLarge(max)
	case err == nil && n == 0:
		err = atrium.Errorf(atrium.Invalid, "the body is empty; send the file's bytes")
	}
	if err != nil {
		cancel()
		w.Close()
		bucket.Delete(context.WithoutCancel(ctx), key)
		var be bodyError
		if errors.As(err, &be) {
			return 0, "", be.err
		}
		return 0, "", blobError(err, "writing the upload")
	}
	if err := w.Close(); err != nil {
		bucket.Delete(context.WithoutCancel(ctx), key)
		return 0, "", blobError(err, "writing the upload")
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// readErr marks errors of the request body, to tell them from the store's.
type readErr struct{ r io.Reader }

type bodyError struct{ err error }

func (e bodyError) Error() string { return e.err.Error() }

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		var ae *atrium.Error
		if !errors.As(err, &ae) {
			err = atrium.Wrap(atrium.Invalid, err, "could not read the request body")
		}
		return n, bodyError{err}
	}
	return n, err
}

// GetArtifact returns an artifact's description (viewer role).
func (db *DB) GetArtifact(ctx context.Context, slug, id string) (artifact.Artifact, error) {
	if err := artifact.CheckID(id); err != nil {
		return artifact.Artifact{}, err
	}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return artifact.Artifact{}, err
	}
	return artifactOf(r, u, id)
}

func artifactOf(q querier, u usecase.UseCase, id string) (artifact.Artifact, error) {
	a, err := scanArtifact(q.queryRow(`SELECT `+artifactCols+artifactFrom+` WHERE a.usecase_id = $1 AND a.id = $2`, u.ID, id))
	if err != nil {
		return a, q.store().classify(notFound(err, "artifact not found"))
	}
	return a, nil
}

// OpenArtifact returns an artifact's description and a reader of its bytes
// (viewer role); the caller closes the reader.
func (db *DB) OpenArtifact(ctx context.Context, bucket *blob.Bucket, slug, id string) (artifact.Artifact, *blob.Reader, error) {
	a, err := db.GetArtifact(ctx, slug, id)
	if err != nil {
		return a, nil, err
	}
	rd, err := bucket.NewReader(ctx, a.Key, nil)
	if err != nil {
		if gcerrors.Code(err) == gcerrors.NotFound {
			return a, nil, atrium.Wrap(atrium.Internal, err, "artifact "+a.ID+" has no blob")
		}
		return a, nil, blobError(err, "opening the artifact")
	}
	if rd.Size() != a.Size {
		rd.Close()
		return a, nil, atrium.Errorf(atrium.Internal, "artifact %s: the blob holds %d bytes, the row says %d", a.ID, rd.Size(), a.Size)
	}
	return a, rd, nil
}

// ListArtifacts returns one page of a use case's artifacts, newest first
// (viewer role); only those documenting f.Asset when it is set.
func (db *DB) ListArtifacts(ctx context.Context, slug string, f artifact.Filter) (atrium.Page[artifact.Artifact], error) {
	out := atrium.Page[artifact.Artifact]{Items: []artifact.Artifact{}}
	if f.Asset != nil {
		if err := f.Asset.Check(); err != nil {
			return out, err
		}
	}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return out, err
	}
	var kind, name string
	var version int
	if f.Asset != nil {
		kind, name, version = string(f.Asset.Kind), f.Asset.Name, f.Asset.Version
	}
	const where = ` WHERE a.usecase_id = $1 AND ($2 = '' OR (ra.kind = $2 AND ra.name = $3 AND a.asset_version = $4))`
	if err := r.queryRow(`SELECT COUNT(*)`+artifactFrom+where, u.ID, kind, name, version).Scan(&out.Total); err != nil {
		return out, db.classify(err)
	}
	p := pageOf(f.Page)
	items, err := collect(r, scanArtifact, `SELECT `+artifactCols+artifactFrom+where+` ORDER BY a.created_at DESC, a.id LIMIT $5 OFFSET $6`,
		u.ID, kind, name, version, p.Size, p.Offset)
	if err != nil {
		return out, db.classify(err)
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}

// DeleteArtifact removes an artifact (editor role): its row, audited, then
// its blob. A blob the store fails to remove is left without a row, where
// nothing can reach it.
func (db *DB) DeleteArtifact(ctx context.Context, bucket *blob.Bucket, slug, id string) error {
	if err := artifact.CheckID(id); err != nil {
		return err
	}
	var key string
	err := db.writeUseCase(ctx, slug, usecase.Editor, "deleting an artifact", func(tx *Tx, u usecase.UseCase) error {
		a, err := artifactOf(tx, u, id)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM artifacts WHERE id = $1`, a.ID); err != nil {
			return err
		}
		key = a.Key
		return tx.appendAudit("artifact.delete", "artifact", a.ID, a)
	})
	if err != nil {
		return err
	}
	bucket.Delete(context.WithoutCancel(ctx), key)
	return nil
}
