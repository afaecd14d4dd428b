package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const versionCols = `v.asset_id, v.number, v.uri, v.digest, v.size, v.description, v.metadata, v.tags, v.details,
	v.status, v.status_reason, v.created_by, v.created_at`

func scanVersion(sc scanner) (registry.Version, error) {
	var v registry.Version
	var metadata, tags, details string
	if err := sc.Scan(&v.AssetID, &v.Number, &v.URI, &v.Digest, &v.Size, &v.Description, &metadata, &tags, &details,
		&v.Status, &v.StatusReason, &v.CreatedBy, ts{&v.CreatedAt}); err != nil {
		return v, err
	}
	v.Metadata = json.RawMessage(metadata)
	if err := json.Unmarshal([]byte(tags), &v.Tags); err != nil {
		return v, fmt.Errorf("version %s/%d: stored tags: %w", v.AssetID, v.Number, err)
	}
	if v.Tags == nil {
		v.Tags = map[string]string{}
	}
	var d registry.Details
	if err := json.Unmarshal([]byte(details), &d); err != nil {
		return v, fmt.Errorf("version %s/%d: stored details: %w", v.AssetID, v.Number, err)
	}
	v.SetDetails(d)
	return v, nil
}

func versionOf(q querier, a registry.Asset, n int) (registry.Version, error) {
	v, err := scanVersion(q.queryRow(`SELECT `+versionCols+` FROM registry_versions v WHERE v.asset_id = $1 AND v.number = $2`, a.ID, n))
	if err != nil {
		return v, notFound(err, "version %d of %s %q not found", n, a.Kind, a.Name)
	}
	return v, nil
}

// CreateVersion adds the next version of an asset (editor role). Numbers
// start at 1 and have no gaps, also when many clients create at once: each
// is computed under the asset's lock. A version never changes afterwards;
// only its status does (SetVersionStatus). Dataset versions a model names
// must exist in the same use case; they, and its run, become lineage edges,
// and a dataset's sensitivity its first revision (addVersionFacts).
func (db *DB) CreateVersion(ctx context.Context, slug string, ref registry.Ref, v registry.Version) (registry.Version, error) {
	if err := ref.Check(); err != nil {
		return registry.Version{}, err
	}
	if err := v.Validate(ref.Kind); err != nil {
		return registry.Version{}, err
	}
	tags, err := json.Marshal(v.Tags)
	if err != nil {
		return registry.Version{}, err
	}
	details, err := json.Marshal(v.Details())
	if err != nil {
		return registry.Version{}, err
	}
	err = db.writeAsset(ctx, slug, ref, "registering a version", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		if err := checkDatasetRefs(tx, u, v.Model); err != nil {
			return err
		}
		// a.Versions is the highest number, read under the asset's lock
		// (lockAsset), so it counts every create committed before ours
		// and every earlier one in this transaction.
		n := a.Versions + 1
		v.AssetID, v.Number, v.CreatedBy, v.CreatedAt = a.ID, n, actorOf(ctx).UserID, tx.now
		if _, err := tx.exec(`INSERT INTO registry_versions (asset_id, number, uri, digest, size, description, metadata, tags, details,
				status, status_reason, status_by, status_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $12, $13)`,
			a.ID, n, v.URI, v.Digest, v.Size, v.Description, string(v.Metadata), string(tags), string(details),
			string(v.Status), v.StatusReason, v.CreatedBy, formatTime(tx.now)); err != nil {
			return fmt.Errorf("insert version: %w", err)
		}
		if err := tx.addVersionFacts(u, a, v); err != nil {
			return err
		}
		return tx.appendAudit("registry.version.create", "registry_asset", a.ID, struct {
			Kind    registry.Kind    `json:"kind"`
			Name    string           `json:"name"`
			Version registry.Version `json:"version"`
		}{a.Kind, a.Name, v})
	})
	if err != nil {
		return registry.Version{}, err
	}
	return v, nil
}

// checkDatasetRefs makes sure every dataset version a model names exists in
// the model's use case.
func checkDatasetRefs(q querier, u usecase.UseCase, m *registry.ModelInfo) error {
	if m == nil {
		return nil
	}
	for _, refs := range [][]registry.VersionRef{m.TrainingData, m.EvaluationData} {
		for _, r := range refs {
			var n int
			err := q.queryRow(`SELECT COUNT(*) FROM registry_versions v JOIN registry_assets a ON a.id = v.asset_id
				WHERE a.usecase_id = $1 AND a.kind = $2 AND a.name = $3 AND v.number = $4`, u.ID, string(registry.Dataset), r.Name, r.Version).Scan(&n)
			if err != nil {
				return err
			}
			if n == 0 {
				return atrium.Errorf(atrium.Invalid, "dataset %q has no version %d in this use case", r.Name, r.Version)
			}
		}
	}
	return nil
}

// GetVersion returns version n of an asset.
func (db *DB) GetVersion(ctx context.Context, slug string, ref registry.Ref, n int) (registry.Version, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.Version{}, err
	}
	a, err := assetOf(r, u, ref)
	if err != nil {
		return registry.Version{}, db.classify(err)
	}
	v, err := db.cachedVersion(r, a, n)
	return v, db.classify(err)
}

// ListVersions returns one page of an asset's versions, newest first.
func (db *DB) ListVersions(ctx context.Context, slug string, ref registry.Ref, p atrium.PageRequest) (atrium.Page[registry.Version], error) {
	out := atrium.Page[registry.Version]{Items: []registry.Version{}}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return out, err
	}
	a, err := assetOf(r, u, ref)
	if err != nil {
		return out, db.classify(err)
	}
	p = pageOf(p)
	out.Total = a.Versions
	items, err := db.cachedVersionPage(r, a, p.Size, p.Offset)
	if err != nil {
		return out, db.classify(err)
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}

// SetVersionStatus changes the status of version n (editor role), with a
// reason, audited. It is the only change a version ever sees.
func (db *DB) SetVersionStatus(ctx context.Context, slug string, ref registry.Ref, n int, s registry.Status, reason string) (registry.Version, error) {
	if err := s.Check(); err != nil {
		return registry.Version{}, err
	}
	reason, err := registry.CheckReason(reason)
	if err != nil {
		return registry.Version{}, err
	}
	var v registry.Version
	err = db.writeAsset(ctx, slug, ref, "changing a version's status", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		if v, err = versionOf(tx, a, n); err != nil {
			return err
		}
		if v.Status == s {
			return atrium.Errorf(atrium.Conflict, "version %d is already %s", n, s)
		}
		from := v.Status
		v.Status, v.StatusReason = s, reason
		if _, err := tx.exec(`UPDATE registry_versions SET status = $1, status_reason = $2, status_by = $3, status_at = $4
			WHERE asset_id = $5 AND number = $6`, string(s), reason, actorOf(ctx).UserID, formatTime(tx.now), a.ID, n); err != nil {
			return err
		}
		return tx.appendAudit("registry.version.status", "registry_asset", a.ID, struct {
			Kind    registry.Kind   `json:"kind"`
			Name    string          `json:"name"`
			Version int             `json:"version"`
			From    registry.Status `json:"from"`
			To      registry.Status `json:"to"`
			Reason  string          `json:"reason"`
		}{a.Kind, a.Name, n, from, s, reason})
	})
	if err != nil {
		return registry.Version{}, err
	}
	return v, nil
}
