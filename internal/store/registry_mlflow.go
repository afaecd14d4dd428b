package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// MaxModelsScanned bounds how many registered models or versions one MLflow
// search looks at; their tags are JSON, so filters run in Go.
const MaxModelsScanned = 10_000

// AssetChange is one change to an asset: a description, a new name, or a tag
// set (TagValue != nil) or removed.
type AssetChange struct {
	Description *string
	Rename      string
	TagKey      string
	TagValue    *string
}

// touchAsset records that an asset changed now.
func (tx *Tx) touchAsset(id string) error {
	_, err := tx.exec(`UPDATE registry_assets SET updated_at = $1 WHERE id = $2`, formatTime(tx.now), id)
	return err
}

// AssetUpdatedAt returns when an asset last changed (its creation if never).
func (db *DB) AssetUpdatedAt(ctx context.Context, a registry.Asset) (time.Time, error) {
	var t sql.NullString
	if err := db.reader(ctx).queryRow(`SELECT updated_at FROM registry_assets WHERE id = $1`, a.ID).Scan(&t); err != nil {
		return time.Time{}, db.classify(err)
	}
	if !t.Valid {
		return a.CreatedAt, nil
	}
	return time.Parse(timeLayout, t.String)
}

// UpdateAsset applies a change to an asset (editor role), audited.
func (db *DB) UpdateAsset(ctx context.Context, slug string, ref registry.Ref, c AssetChange) (registry.Asset, error) {
	if c.Description != nil {
		d, err := atrium.CheckText("description", *c.Description, registry.MaxDescription, false, true)
		if err != nil {
			return registry.Asset{}, err
		}
		c.Description = &d
	}
	if c.Rename != "" {
		if err := registry.CheckName(c.Rename); err != nil {
			return registry.Asset{}, err
		}
	}
	if c.TagKey != "" && c.TagValue != nil {
		if err := registry.CheckMLflowTag(c.TagKey, *c.TagValue); err != nil {
			return registry.Asset{}, err
		}
	}
	var out registry.Asset
	err := db.writeAsset(ctx, slug, ref, "changing an asset", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		switch {
		case c.Description != nil:
			a.Description = *c.Description
		case c.Rename != "":
			a.Name = c.Rename
		case c.TagKey != "" && c.TagValue != nil:
			if _, ok := a.Tags[c.TagKey]; !ok && len(a.Tags) >= registry.MaxTags {
				return atrium.Errorf(atrium.Invalid, "an asset may have at most %d tags", registry.MaxTags)
			}
			a.Tags[c.TagKey] = *c.TagValue
		case c.TagKey != "":
			if _, ok := a.Tags[c.TagKey]; !ok {
				return atrium.Errorf(atrium.NotFound, "%s %q has no tag %q", a.Kind, a.Name, atrium.Truncate(c.TagKey, 40))
			}
			delete(a.Tags, c.TagKey)
		default:
			return atrium.Errorf(atrium.Invalid, "nothing to change")
		}
		tags, err := json.Marshal(a.Tags)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE registry_assets SET name = $1, description = $2, tags = $3, updated_at = $4 WHERE id = $5`,
			a.Name, a.Description, string(tags), formatTime(tx.now), a.ID); err != nil {
			return tx.uniqueAs(err, "a %s named %q already exists in this use case", a.Kind, a.Name)
		}
		out = a
		return tx.appendAudit("registry.asset.update", "registry_asset", a.ID, a)
	})
	return out, err
}

// DeleteAsset removes an asset with all its versions, aliases and their
// history (owner role: it destroys the record, not only a pointer). The
// audit trail keeps that it happened.
func (db *DB) DeleteAsset(ctx context.Context, slug string, ref registry.Ref) error {
	return db.writeUseCase(ctx, slug, usecase.Owner, "deleting an asset", func(tx *Tx, u usecase.UseCase) error {
		a, err := tx.lockAsset(u, ref)
		if err != nil {
			return err
		}
		// Aliases reference versions; remove them first so the cascade
		// order does not matter.
		if _, err := tx.exec(`DELETE FROM registry_aliases WHERE asset_id = $1`, a.ID); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM registry_assets WHERE id = $1`, a.ID); err != nil {
			return err
		}
		return tx.appendAudit("registry.asset.delete", "registry_asset", a.ID, ref)
	})
}

// stateOf loads the MLflow state of version n, the defaults when MLflow never
// touched it.
func stateOf(q querier, a registry.Asset, v registry.Version) (registry.VersionState, error) {
	st := registry.VersionState{Stage: registry.StageNone, Description: v.Description, Tags: v.Tags, UpdatedAt: v.CreatedAt}
	if v.Model != nil {
		st.RunID = v.Model.RunID
	}
	var tags, updated string
	err := q.queryRow(`SELECT stage, description, tags, run_id, model_id, deleted, updated_at FROM registry_version_state WHERE asset_id = $1 AND number = $2`,
		a.ID, v.Number).Scan(&st.Stage, &st.Description, &tags, &st.RunID, &st.ModelID, &st.Deleted, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Tags = map[string]string{}
	if err := json.Unmarshal([]byte(tags), &st.Tags); err != nil {
		return st, fmt.Errorf("version state %s/%d: %w", a.ID, v.Number, err)
	}
	st.UpdatedAt, err = time.Parse(timeLayout, updated)
	return st, err
}

// saveState writes the MLflow state of version n.
func (tx *Tx) saveState(a registry.Asset, n int, st registry.VersionState) error {
	tags, err := json.Marshal(st.Tags)
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO registry_version_state (asset_id, number, stage, description, tags, run_id, model_id, deleted, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (asset_id, number) DO UPDATE SET stage = excluded.stage, description = excluded.description, tags = excluded.tags,
			run_id = excluded.run_id, model_id = excluded.model_id, deleted = excluded.deleted, updated_at = excluded.updated_at`,
		a.ID, n, string(st.Stage), st.Description, string(tags), st.RunID, st.ModelID, st.Deleted, formatTime(st.UpdatedAt))
	return err
}

// modelVersion assembles version n as MLflow sees it.
func modelVersion(q querier, a registry.Asset, n int) (registry.ModelVersion, error) {
	v, err := versionOf(q, a, n)
	if err != nil {
		return registry.ModelVersion{}, err
	}
	st, err := stateOf(q, a, v)
	if err != nil {
		return registry.ModelVersion{}, err
	}
	if st.Deleted {
		return registry.ModelVersion{}, atrium.Errorf(atrium.NotFound, "version %d of %s %q not found", n, a.Kind, a.Name)
	}
	aliases, err := collect(q, scanOne[string], `SELECT alias FROM registry_aliases WHERE asset_id = $1 AND version = $2 ORDER BY alias`, a.ID, n)
	if err != nil {
		return registry.ModelVersion{}, err
	}
	return registry.ModelVersion{Asset: a, Version: v, State: st, Aliases: aliases}, nil
}

// NewModelVersion is a model version registered through MLflow: where the
// model is, its SHA-256 if the client gave one (Atrium never reads the
// bytes), the run and logged model it came from, description and tags.
type NewModelVersion struct {
	Source      string
	Digest      string
	RunID       string
	ModelID     string
	Description string
	Tags        map[string]string
}

// CreateModelVersion registers the next version of a model through MLflow
// (editor role): numbered under the asset's lock like CreateVersion, with
// its MLflow state beside it, audited.
func (db *DB) CreateModelVersion(ctx context.Context, slug, name string, in NewModelVersion) (registry.ModelVersion, error) {
	ref := registry.Ref{Kind: registry.Model, Name: name}
	uri, err := registry.CanonicalURI(in.Source)
	if err != nil {
		return registry.ModelVersion{}, err
	}
	if in.Digest != "" {
		if in.Digest, err = registry.CheckDigest(in.Digest); err != nil {
			return registry.ModelVersion{}, err
		}
	}
	if in.Description, err = atrium.CheckText("description", in.Description, registry.MaxDescription, false, true); err != nil {
		return registry.ModelVersion{}, err
	}
	if in.Tags == nil {
		in.Tags = map[string]string{}
	}
	if len(in.Tags) > registry.MaxTags {
		return registry.ModelVersion{}, atrium.Errorf(atrium.Invalid, "a model version may have at most %d tags", registry.MaxTags)
	}
	for k, v := range in.Tags {
		if err := registry.CheckMLflowTag(k, v); err != nil {
			return registry.ModelVersion{}, err
		}
	}
	if in.RunID != "" {
		if err := registry.CheckRunID(in.RunID); err != nil {
			return registry.ModelVersion{}, err
		}
	}
	details, err := json.Marshal(registry.Details{Model: &registry.ModelInfo{RunID: in.RunID}})
	if err != nil {
		return registry.ModelVersion{}, err
	}
	var out registry.ModelVersion
	err = db.writeAsset(ctx, slug, ref, "registering a version", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		if in.RunID != "" {
			if _, err := runOf(tx, u, in.RunID); err != nil {
				return atrium.Errorf(atrium.Invalid, "run %q is not a run of this use case", in.RunID)
			}
		}
		var n int
		if err := tx.queryRow(`SELECT COALESCE(MAX(number), 0) + 1 FROM registry_versions WHERE asset_id = $1`, a.ID).Scan(&n); err != nil {
			return err
		}
		by := actorOf(ctx).UserID
		if _, err := tx.exec(`INSERT INTO registry_versions (asset_id, number, uri, digest, size, description, metadata, tags, details,
				status, status_reason, status_by, status_at, created_by, created_at)
			VALUES ($1, $2, $3, $4, 0, $5, '{}', '{}', $6, $7, '', $8, $9, $8, $9)`,
			a.ID, n, uri, in.Digest, in.Description, string(details), string(registry.Ready), by, formatTime(tx.now)); err != nil {
			return fmt.Errorf("insert version: %w", err)
		}
		st := registry.VersionState{Stage: registry.StageNone, Description: in.Description, Tags: in.Tags, RunID: in.RunID, ModelID: in.ModelID, UpdatedAt: tx.now}
		if err := tx.saveState(a, n, st); err != nil {
			return err
		}
		if err := tx.touchAsset(a.ID); err != nil {
			return err
		}
		v := registry.Version{AssetID: a.ID, Number: n, URI: uri, Digest: in.Digest, Description: in.Description, Metadata: json.RawMessage("{}"),
			Tags: map[string]string{}, CreatedBy: by, CreatedAt: tx.now, Status: registry.Ready, Model: &registry.ModelInfo{RunID: in.RunID}}
		a.Versions++
		out = registry.ModelVersion{Asset: a, Version: v, State: st, Aliases: []string{}}
		return tx.appendAudit("registry.version.create", "registry_asset", a.ID, struct {
			Kind    registry.Kind         `json:"kind"`
			Name    string                `json:"name"`
			Version registry.Version      `json:"version"`
			State   registry.VersionState `json:"state"`
		}{a.Kind, a.Name, v, st})
	})
	return out, err
}

// GetModelVersion returns version n of a model as MLflow sees it; a version
// MLflow deleted is NotFound.
func (db *DB) GetModelVersion(ctx context.Context, slug, name string, n int) (registry.ModelVersion, error) {
	q, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.ModelVersion{}, err
	}
	a, err := assetOf(q, u, registry.Ref{Kind: registry.Model, Name: name})
	if err != nil {
		return registry.ModelVersion{}, db.classify(err)
	}
	mv, err := modelVersion(q, a, n)
	return mv, db.classify(err)
}

// ModelVersions returns every version of a model MLflow has not deleted, or
// of every model of the use case when name is "", newest first.
func (db *DB) ModelVersions(ctx context.Context, slug, name string) ([]registry.ModelVersion, error) {
	q, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return nil, err
	}
	var assets []registry.Asset
	if name != "" {
		a, err := assetOf(q, u, registry.Ref{Kind: registry.Model, Name: name})
		if err != nil {
			return nil, db.classify(err)
		}
		assets = []registry.Asset{a}
	} else if assets, err = modelAssets(q, u); err != nil {
		return nil, db.classify(err)
	}
	var out []registry.ModelVersion
	for _, a := range assets {
		nums, err := collect(q, scanOne[int], `SELECT v.number FROM registry_versions v LEFT JOIN registry_version_state s ON s.asset_id = v.asset_id AND s.number = v.number
			WHERE v.asset_id = $1 AND (s.deleted IS NULL OR s.deleted = $2) ORDER BY v.number DESC LIMIT $3`, a.ID, false, MaxModelsScanned)
		if err != nil {
			return nil, db.classify(err)
		}
		for _, n := range nums {
			mv, err := modelVersion(q, a, n)
			if err != nil {
				return nil, db.classify(err)
			}
			out = append(out, mv)
			if len(out) >= MaxModelsScanned {
				return out, nil
			}
		}
	}
	return out, nil
}

// modelAssets lists a use case's models by name, at most MaxModelsScanned.
func modelAssets(q querier, u usecase.UseCase) ([]registry.Asset, error) {
	return collect(q, scanAsset, `SELECT `+assetCols+` FROM registry_assets a WHERE a.usecase_id = $1 AND a.kind = $2 ORDER BY a.name LIMIT $3`,
		u.ID, string(registry.Model), MaxModelsScanned)
}

// Models returns a use case's models, with when each last changed.
func (db *DB) Models(ctx context.Context, slug string) ([]registry.Asset, map[string]time.Time, error) {
	q, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return nil, nil, err
	}
	assets, err := modelAssets(q, u)
	if err != nil {
		return nil, nil, db.classify(err)
	}
	updated := map[string]time.Time{}
	err = each(q, func(sc scanner) error {
		var id string
		var t time.Time
		if err := sc.Scan(&id, ts{&t}); err != nil {
			return err
		}
		updated[id] = t
		return nil
	}, `SELECT id, COALESCE(updated_at, created_at) FROM registry_assets WHERE usecase_id = $1 AND kind = $2`, u.ID, string(registry.Model))
	return assets, updated, db.classify(err)
}

// VersionChange is one MLflow change to a model version: a description, a
// tag set (TagValue != nil) or removed, or a stage.
type VersionChange struct {
	Description *string
	TagKey      string
	TagValue    *string
	Stage       registry.Stage
	// ArchiveOthers moves every other version in Stage to Archived.
	ArchiveOthers bool
}

// UpdateModelVersion changes the MLflow state of version n (editor role),
// audited. A stage of Staging or Production also points the alias
// "staging" or "production" at the version; Archived archives it.
func (db *DB) UpdateModelVersion(ctx context.Context, slug, name string, n int, c VersionChange) (registry.ModelVersion, error) {
	if c.Description != nil {
		d, err := atrium.CheckText("description", *c.Description, registry.MaxDescription, false, true)
		if err != nil {
			return registry.ModelVersion{}, err
		}
		c.Description = &d
	}
	if c.TagKey != "" && c.TagValue != nil {
		if err := registry.CheckMLflowTag(c.TagKey, *c.TagValue); err != nil {
			return registry.ModelVersion{}, err
		}
	}
	var out registry.ModelVersion
	ref := registry.Ref{Kind: registry.Model, Name: name}
	err := db.writeAsset(ctx, slug, ref, "changing a model version", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		mv, err := modelVersion(tx, a, n)
		if err != nil {
			return err
		}
		st := mv.State
		switch {
		case c.Description != nil:
			st.Description = *c.Description
		case c.TagKey != "" && c.TagValue != nil:
			if _, ok := st.Tags[c.TagKey]; !ok && len(st.Tags) >= registry.MaxTags {
				return atrium.Errorf(atrium.Invalid, "a model version may have at most %d tags", registry.MaxTags)
			}
			st.Tags[c.TagKey] = *c.TagValue
		case c.TagKey != "":
			if _, ok := st.Tags[c.TagKey]; !ok {
				return atrium.Errorf(atrium.NotFound, "version %d of %q has no tag %q", n, name, atrium.Truncate(c.TagKey, 40))
			}
			delete(st.Tags, c.TagKey)
		case c.Stage != "":
			if err := tx.stage(ctx, a, mv, c.Stage, c.ArchiveOthers); err != nil {
				return err
			}
			st.Stage = c.Stage
		default:
			return atrium.Errorf(atrium.Invalid, "nothing to change")
		}
		st.UpdatedAt = tx.now
		if err := tx.saveState(a, n, st); err != nil {
			return err
		}
		if err := tx.touchAsset(a.ID); err != nil {
			return err
		}
		if out, err = modelVersion(tx, a, n); err != nil {
			return err
		}
		return tx.appendAudit("registry.version.state", "registry_asset", a.ID, struct {
			Name    string                `json:"name"`
			Version int                   `json:"version"`
			State   registry.VersionState `json:"state"`
		}{a.Name, n, st})
	})
	return out, err
}

// stage carries out a stage transition on Atrium's own records: the alias
// named after the stage, the version's status for Archived, and the other
// versions in the stage when archiveOthers is set.
func (tx *Tx) stage(ctx context.Context, a registry.Asset, mv registry.ModelVersion, s registry.Stage, archiveOthers bool) error {
	reason := "MLflow stage transition to " + string(s)
	by := actorOf(ctx).UserID
	switch s {
	case registry.StageStaging, registry.StageProduction:
		if mv.Version.Status == registry.Archived {
			if err := tx.setStatus(a, mv.Version.Number, registry.Ready, reason); err != nil {
				return err
			}
		}
		if err := tx.pointAlias(a, lowerStage(s), mv.Version.Number, by, reason); err != nil {
			return err
		}
	case registry.StageArchived:
		if err := tx.dropAliasesOf(a, mv.Version.Number, by, reason); err != nil {
			return err
		}
		if mv.Version.Status != registry.Archived {
			if err := tx.setStatus(a, mv.Version.Number, registry.Archived, reason); err != nil {
				return err
			}
		}
	case registry.StageNone:
		for _, al := range []string{"staging", "production"} {
			if err := tx.dropAlias(a, al, mv.Version.Number, by, reason); err != nil {
				return err
			}
		}
	}
	if !archiveOthers || s == registry.StageArchived || s == registry.StageNone {
		return nil
	}
	others, err := collect(tx, scanOne[int], `SELECT number FROM registry_version_state WHERE asset_id = $1 AND stage = $2 AND number <> $3 AND deleted = $4`,
		a.ID, string(s), mv.Version.Number, false)
	if err != nil {
		return err
	}
	for _, n := range others {
		o, err := modelVersion(tx, a, n)
		if err != nil {
			return err
		}
		if err := tx.stage(ctx, a, o, registry.StageArchived, false); err != nil {
			return err
		}
		o.State.Stage, o.State.UpdatedAt = registry.StageArchived, tx.now
		if err := tx.saveState(a, n, o.State); err != nil {
			return err
		}
	}
	return nil
}

func lowerStage(s registry.Stage) string {
	if s == registry.StageProduction {
		return "production"
	}
	return "staging"
}

// setStatus changes a version's status inside tx, audited.
func (tx *Tx) setStatus(a registry.Asset, n int, s registry.Status, reason string) error {
	if _, err := tx.exec(`UPDATE registry_versions SET status = $1, status_reason = $2, status_by = $3, status_at = $4 WHERE asset_id = $5 AND number = $6`,
		string(s), reason, actorOf(tx.ctx).UserID, formatTime(tx.now), a.ID, n); err != nil {
		return err
	}
	return tx.appendAudit("registry.version.status", "registry_asset", a.ID, map[string]any{"name": a.Name, "version": n, "to": s, "reason": reason})
}

// pointAlias points alias at version n inside tx, with its history.
func (tx *Tx) pointAlias(a registry.Asset, alias string, n int, by, reason string) error {
	cur, err := aliasOf(tx, a, alias)
	from := 0
	switch {
	case err == nil && cur.Version == n:
		return nil
	case err == nil:
		from = cur.Version
	case atrium.KindOf(err) != atrium.NotFound:
		return err
	}
	if _, err := tx.exec(`INSERT INTO registry_aliases (asset_id, alias, version, moved_by, moved_at, reason) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (asset_id, alias) DO UPDATE SET version = excluded.version, moved_by = excluded.moved_by, moved_at = excluded.moved_at, reason = excluded.reason`,
		a.ID, alias, n, by, formatTime(tx.now), reason); err != nil {
		return err
	}
	return tx.moveAlias(a, registry.AliasMove{Alias: alias, From: from, To: n, MovedBy: by, MovedAt: tx.now, Reason: reason})
}

// dropAlias deletes alias if it points at version n.
func (tx *Tx) dropAlias(a registry.Asset, alias string, n int, by, reason string) error {
	cur, err := aliasOf(tx, a, alias)
	if atrium.KindOf(err) == atrium.NotFound || err == nil && cur.Version != n {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.exec(`DELETE FROM registry_aliases WHERE asset_id = $1 AND alias = $2`, a.ID, alias); err != nil {
		return err
	}
	return tx.moveAlias(a, registry.AliasMove{Alias: alias, From: n, MovedBy: by, MovedAt: tx.now, Reason: reason})
}

// dropAliasesOf deletes every alias pointing at version n.
func (tx *Tx) dropAliasesOf(a registry.Asset, n int, by, reason string) error {
	names, err := collect(tx, scanOne[string], `SELECT alias FROM registry_aliases WHERE asset_id = $1 AND version = $2`, a.ID, n)
	if err != nil {
		return err
	}
	for _, al := range names {
		if err := tx.dropAlias(a, al, n, by, reason); err != nil {
			return err
		}
	}
	return nil
}

// DeleteModelVersion is MLflow's delete of version n (editor role). Atrium
// keeps every version it registered: this one is archived, its aliases
// removed (in their history), and it disappears from MLflow's view. Its
// number is never given to another version.
func (db *DB) DeleteModelVersion(ctx context.Context, slug, name string, n int) error {
	ref := registry.Ref{Kind: registry.Model, Name: name}
	return db.writeAsset(ctx, slug, ref, "deleting a model version", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		mv, err := modelVersion(tx, a, n)
		if err != nil {
			return err
		}
		reason := "deleted through the MLflow API"
		by := actorOf(ctx).UserID
		if err := tx.dropAliasesOf(a, n, by, reason); err != nil {
			return err
		}
		if mv.Version.Status != registry.Archived {
			if err := tx.setStatus(a, n, registry.Archived, reason); err != nil {
				return err
			}
		}
		mv.State.Deleted, mv.State.UpdatedAt = true, tx.now
		if err := tx.saveState(a, n, mv.State); err != nil {
			return err
		}
		if err := tx.touchAsset(a.ID); err != nil {
			return err
		}
		return tx.appendAudit("registry.version.delete", "registry_asset", a.ID, map[string]any{"name": a.Name, "version": n})
	})
}
