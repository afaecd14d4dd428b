package store

// The sensitivity of dataset versions: confirmed column classifications,
// legal basis, consent notes and retention. A version's content never
// changes, but what people say about its personal data does, so it is kept
// beside the version with every revision.
//
//	SetSensitivity(ctx, slug string, ref registry.Ref, n int, s registry.Sensitivity) (registry.SensitivityRecord, error)
//	    editor; ref must be a dataset; every classified column must be in
//	    the version's schema (when it has one). Replaces the whole record,
//	    as a new revision, audited as registry.sensitivity.set; setting what
//	    is already there changes nothing and is not audited.
//	GetSensitivity(ctx, slug string, ref registry.Ref, n int) (registry.SensitivityRecord, error)
//	    viewer; the current record (Revision 0 when none was ever set) with
//	    the profile's suggestions for unclassified columns as Proposals.
//	SensitivityHistory(ctx, slug string, ref registry.Ref, n int) ([]registry.SensitivityRecord, error)
//	    viewer; every revision, newest first (at most maxSensitivityHistory).
//	SensitivityAt(ctx, slug string, ref registry.Ref, n int, at time.Time) (registry.SensitivityRecord, error)
//	    viewer; the revision in force at time at; NotFound before the first.
//
// A dataset version registered with DatasetInfo.Sensitivity starts at
// revision 1 with it (see addVersionFacts).

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

// maxSensitivityHistory bounds one answer of SensitivityHistory.
const maxSensitivityHistory = 500

func requireDataset(ref registry.Ref) error {
	if err := ref.Check(); err != nil {
		return err
	}
	if ref.Kind != registry.Dataset {
		return atrium.Errorf(atrium.Invalid, "only dataset versions have a sensitivity record (got a %s)", ref.Kind)
	}
	return nil
}

func scanSensitivity(sc scanner) (registry.SensitivityRecord, error) {
	var r registry.SensitivityRecord
	var s string
	if err := sc.Scan(&r.Version, &s, &r.Revision, &r.ChangedBy, ts{&r.ChangedAt}); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(s), &r.Sensitivity); err != nil {
		return r, fmt.Errorf("stored sensitivity: %w", err)
	}
	return r, nil
}

// sensitivityOf returns version n's current record, Revision 0 if none.
func sensitivityOf(q querier, a registry.Asset, n int) (registry.SensitivityRecord, error) {
	r, err := scanSensitivity(q.queryRow(`SELECT version, sensitivity, revision, changed_by, changed_at FROM registry_sensitivity
		WHERE asset_id = $1 AND version = $2`, a.ID, n))
	if errors.Is(err, sql.ErrNoRows) {
		return registry.SensitivityRecord{Version: n}, nil
	}
	return r, err
}

// writeSensitivity stores revision rev+1 of version n's sensitivity.
func (tx *Tx) writeSensitivity(a registry.Asset, n, rev int, s registry.Sensitivity) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	by, at := actorOf(tx.ctx).UserID, formatTime(tx.now)
	if rev == 0 {
		_, err = tx.exec(`INSERT INTO registry_sensitivity (asset_id, version, sensitivity, revision, changed_by, changed_at) VALUES ($1, $2, $3, 1, $4, $5)`,
			a.ID, n, string(b), by, at)
	} else {
		_, err = tx.exec(`UPDATE registry_sensitivity SET sensitivity = $1, revision = $2, changed_by = $3, changed_at = $4
			WHERE asset_id = $5 AND version = $6 AND revision = $7`, string(b), rev+1, by, at, a.ID, n, rev)
	}
	if err != nil {
		return err
	}
	_, err = tx.exec(`INSERT INTO registry_sensitivity_history (asset_id, version, revision, sensitivity, changed_by, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, n, rev+1, string(b), by, at)
	return err
}

// SetSensitivity replaces the sensitivity of dataset version n (editor).
func (db *DB) SetSensitivity(ctx context.Context, slug string, ref registry.Ref, n int, s registry.Sensitivity) (registry.SensitivityRecord, error) {
	if err := requireDataset(ref); err != nil {
		return registry.SensitivityRecord{}, err
	}
	var out registry.SensitivityRecord
	var profile *registry.Profile
	err := db.writeAsset(ctx, slug, ref, "changing a dataset's sensitivity", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		v, err := versionOf(tx, a, n)
		if err != nil {
			return err
		}
		var schema []registry.Column
		if v.Dataset != nil {
			schema, profile = v.Dataset.Schema, v.Dataset.Profile
		}
		if err := s.Check(schema); err != nil {
			return err
		}
		cur, err := sensitivityOf(tx, a, n)
		if err != nil {
			return err
		}
		if cur.Revision > 0 && cur.Sensitivity.Equal(s) {
			out = cur
			return nil
		}
		if err := tx.writeSensitivity(a, n, cur.Revision, s); err != nil {
			return err
		}
		out = registry.SensitivityRecord{Version: n, Sensitivity: s, Revision: cur.Revision + 1, ChangedBy: actorOf(ctx).UserID, ChangedAt: tx.now}
		return tx.appendAudit("registry.sensitivity.set", "registry_asset", a.ID, struct {
			Kind        registry.Kind        `json:"kind"`
			Name        string               `json:"name"`
			Version     int                  `json:"version"`
			Revision    int                  `json:"revision"`
			Sensitivity registry.Sensitivity `json:"sensitivity"`
		}{a.Kind, a.Name, n, out.Revision, s})
	})
	if err != nil {
		return registry.SensitivityRecord{}, err
	}
	out.Proposals = registry.Proposals(profile, out.Sensitivity)
	return out, nil
}

// readDatasetVersion resolves dataset version n of a use case for a read.
func (db *DB) readDatasetVersion(ctx context.Context, slug string, ref registry.Ref, n int) (reader, registry.Asset, registry.Version, error) {
	if err := requireDataset(ref); err != nil {
		return reader{}, registry.Asset{}, registry.Version{}, err
	}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return r, registry.Asset{}, registry.Version{}, err
	}
	a, err := assetOf(r, u, ref)
	if err != nil {
		return r, a, registry.Version{}, db.classify(err)
	}
	v, err := versionOf(r, a, n)
	return r, a, v, db.classify(err)
}

// GetSensitivity returns the current sensitivity of dataset version n.
func (db *DB) GetSensitivity(ctx context.Context, slug string, ref registry.Ref, n int) (registry.SensitivityRecord, error) {
	r, a, v, err := db.readDatasetVersion(ctx, slug, ref, n)
	if err != nil {
		return registry.SensitivityRecord{}, err
	}
	rec, err := sensitivityOf(r, a, n)
	if err != nil {
		return rec, db.classify(err)
	}
	if v.Dataset != nil {
		rec.Proposals = registry.Proposals(v.Dataset.Profile, rec.Sensitivity)
	}
	return rec, nil
}

const sensitivityHistoryCols = `version, sensitivity, revision, changed_by, changed_at`

// SensitivityHistory returns every revision of dataset version n's
// sensitivity, newest first.
func (db *DB) SensitivityHistory(ctx context.Context, slug string, ref registry.Ref, n int) ([]registry.SensitivityRecord, error) {
	r, a, _, err := db.readDatasetVersion(ctx, slug, ref, n)
	if err != nil {
		return nil, err
	}
	out, err := collect(r, scanSensitivity, `SELECT `+sensitivityHistoryCols+` FROM registry_sensitivity_history
		WHERE asset_id = $1 AND version = $2 ORDER BY revision DESC LIMIT $3`, a.ID, n, maxSensitivityHistory)
	return out, db.classify(err)
}

// SensitivityAt returns the revision of dataset version n's sensitivity in
// force at time at: the last one changed at or before it.
func (db *DB) SensitivityAt(ctx context.Context, slug string, ref registry.Ref, n int, at time.Time) (registry.SensitivityRecord, error) {
	r, a, _, err := db.readDatasetVersion(ctx, slug, ref, n)
	if err != nil {
		return registry.SensitivityRecord{}, err
	}
	rec, err := scanSensitivity(r.queryRow(`SELECT `+sensitivityHistoryCols+` FROM registry_sensitivity_history
		WHERE asset_id = $1 AND version = $2 AND changed_at <= $3 ORDER BY revision DESC LIMIT 1`, a.ID, n, formatTime(at)))
	if errors.Is(err, sql.ErrNoRows) {
		return rec, atrium.Errorf(atrium.NotFound, "version %d of dataset %q had no sensitivity record at %s", n, a.Name, at.UTC().Format(time.RFC3339))
	}
	return rec, db.classify(err)
}
