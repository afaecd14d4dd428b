package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// pageOf bounds a page request to the sizes every list allows.
func pageOf(p atrium.PageRequest) atrium.PageRequest {
	if p.Size <= 0 || p.Size > atrium.MaxPageSize {
		p.Size = atrium.DefaultPageSize
	}
	if p.Offset < 0 {
		p.Offset = 0
	}
	return p
}

// readUseCase resolves a use case the actor may see, for a read.
func (db *DB) readUseCase(ctx context.Context, slug string) (reader, usecase.UseCase, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	return r, u, db.classify(err)
}

// assetCols ends with the number of versions, which is the highest version
// number: numbers start at 1 without gaps and a version is never deleted
// on its own. MAX reads one index entry where COUNT would read them all.
const assetCols = `a.id, a.usecase_id, a.kind, a.name, a.description, a.tags, a.created_by, a.created_at,
	COALESCE((SELECT MAX(v.number) FROM registry_versions v WHERE v.asset_id = a.id), 0)`

func scanAsset(sc scanner) (registry.Asset, error) {
	var a registry.Asset
	var tags string
	if err := sc.Scan(&a.ID, &a.UseCaseID, &a.Kind, &a.Name, &a.Description, &tags, &a.CreatedBy, ts{&a.CreatedAt}, &a.Versions); err != nil {
		return a, err
	}
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return a, fmt.Errorf("asset %s: stored tags: %w", a.ID, err)
	}
	if a.Tags == nil {
		a.Tags = map[string]string{}
	}
	return a, nil
}

// assetOf loads an asset of use case u by kind and name.
func assetOf(q querier, u usecase.UseCase, ref registry.Ref) (registry.Asset, error) {
	if err := ref.Check(); err != nil {
		return registry.Asset{}, err
	}
	a, err := scanAsset(q.queryRow(`SELECT `+assetCols+` FROM registry_assets a WHERE a.usecase_id = $1 AND a.kind = $2 AND a.name = $3`,
		u.ID, string(ref.Kind), ref.Name))
	if err != nil {
		return a, notFound(err, "%s %q not found", ref.Kind, ref.Name)
	}
	return a, nil
}

// lockAsset loads an asset of u for a change. In PostgreSQL it takes the
// asset row's lock, so that writers to one asset queue there and a version
// number computed after it sees every earlier commit; in SQLite the
// transaction began IMMEDIATE and already holds the only write lock.
func (tx *Tx) lockAsset(u usecase.UseCase, ref registry.Ref) (registry.Asset, error) {
	if err := ref.Check(); err != nil {
		return registry.Asset{}, err
	}
	if tx.db.dialect.name == "sqlite" {
		return assetOf(tx, u, ref)
	}
	// Locked first and read after: the count of versions in the same
	// statement would come from the snapshot taken before the lock wait.
	q := `SELECT id FROM registry_assets WHERE usecase_id = $1 AND kind = $2 AND name = $3 FOR UPDATE`
	var id string
	if err := tx.queryRow(q, u.ID, string(ref.Kind), ref.Name).Scan(&id); err != nil {
		return registry.Asset{}, notFound(err, "%s %q not found", ref.Kind, ref.Name)
	}
	return assetOf(tx, u, ref)
}

// writeAsset is writeUseCase for a change to one asset, locked.
func (db *DB) writeAsset(ctx context.Context, slug string, ref registry.Ref, what string, fn func(tx *Tx, u usecase.UseCase, a registry.Asset) error) error {
	return db.writeUseCase(ctx, slug, usecase.Editor, what, func(tx *Tx, u usecase.UseCase) error {
		a, err := tx.lockAsset(u, ref)
		if err != nil {
			return err
		}
		return fn(tx, u, a)
	})
}

// CreateAsset registers a dataset, model or prompt in a use case (editor
// role). Its name must be new among the use case's assets of its kind.
func (db *DB) CreateAsset(ctx context.Context, slug string, a registry.Asset) (registry.Asset, error) {
	if err := a.Validate(); err != nil {
		return registry.Asset{}, err
	}
	tags, err := json.Marshal(a.Tags)
	if err != nil {
		return registry.Asset{}, err
	}
	err = db.writeUseCase(ctx, slug, usecase.Editor, "registering an asset", func(tx *Tx, u usecase.UseCase) error {
		a.ID, a.UseCaseID, a.CreatedBy, a.CreatedAt, a.Versions = atrium.NewID(), u.ID, actorOf(ctx).UserID, tx.now, 0
		_, err := tx.exec(`INSERT INTO registry_assets (id, usecase_id, kind, name, description, tags, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, u.ID, string(a.Kind), a.Name, a.Description, string(tags), a.CreatedBy, formatTime(tx.now))
		if err != nil {
			return tx.uniqueAs(err, "a %s named %q already exists in this use case", a.Kind, a.Name)
		}
		return tx.appendAudit("registry.asset.create", "registry_asset", a.ID, a)
	})
	if err != nil {
		return registry.Asset{}, err
	}
	return a, nil
}

// GetAsset returns an asset of a use case the actor may see.
func (db *DB) GetAsset(ctx context.Context, slug string, ref registry.Ref) (registry.Asset, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.Asset{}, err
	}
	a, err := assetOf(r, u, ref)
	return a, db.classify(err)
}

// ListAssets returns one page of a use case's assets, of one kind if the
// filter names one, by kind and name.
func (db *DB) ListAssets(ctx context.Context, slug string, f registry.Filter) (atrium.Page[registry.Asset], error) {
	out := atrium.Page[registry.Asset]{Items: []registry.Asset{}}
	if f.Kind != "" {
		if err := f.Kind.Check(); err != nil {
			return out, err
		}
	}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return out, err
	}
	p := pageOf(f.Page)
	if err := r.queryRow(`SELECT COUNT(*) FROM registry_assets WHERE usecase_id = $1 AND ($2 = '' OR kind = $2)`, u.ID, string(f.Kind)).Scan(&out.Total); err != nil {
		return out, db.classify(err)
	}
	items, err := collect(r, scanAsset, `SELECT `+assetCols+` FROM registry_assets a
		WHERE a.usecase_id = $1 AND ($2 = '' OR a.kind = $2) ORDER BY a.kind, a.name LIMIT $3 OFFSET $4`, u.ID, string(f.Kind), p.Size, p.Offset)
	if err != nil {
		return out, db.classify(err)
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}
