package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// policyOf reads a use case's privacy policy: the stored one, or the
// default (version 0) when it has never been set.
func policyOf(q querier, useCaseID string) (telemetry.Policy, error) {
	var p telemetry.Policy
	var drop, hash string
	err := q.queryRow(`SELECT drop_fields, hash_fields, mask_text, retention_days, version, updated_by, updated_at
		FROM telemetry_policies WHERE usecase_id = $1`, useCaseID).
		Scan(&drop, &hash, &p.MaskText, &p.RetentionDays, &p.Version, &p.UpdatedBy, ts{&p.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return telemetry.DefaultPolicy(), nil
	}
	if err != nil {
		return p, err
	}
	if err := errors.Join(json.Unmarshal([]byte(drop), &p.Drop), json.Unmarshal([]byte(hash), &p.Hash)); err != nil {
		return p, fmt.Errorf("use case %s: stored privacy policy: %w", useCaseID, err)
	}
	return p, nil
}

// TelemetryPolicy returns a use case's privacy policy for ingestion (viewer
// role).
func (db *DB) TelemetryPolicy(ctx context.Context, slug string) (telemetry.Policy, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return telemetry.Policy{}, err
	}
	p, err := policyOf(r, u.ID)
	return p, db.classify(err)
}

// SetTelemetryPolicy replaces a use case's privacy policy (owner role).
// p.Version must be the version being replaced (0 for the default), so that
// two owners editing at once do not overwrite each other; a high-risk use
// case cannot go below the retention floor. Drop, hash and masking apply to
// events accepted from now on; a new retention period to every payload
// (the next sweep walks all of the use case's predictions once).
func (db *DB) SetTelemetryPolicy(ctx context.Context, slug string, p telemetry.Policy) (telemetry.Policy, error) {
	err := db.writeUseCase(ctx, slug, usecase.Owner, "changing the privacy policy", func(tx *Tx, u usecase.UseCase) error {
		if err := lockUseCase(tx, u.ID); err != nil {
			return err
		}
		// The risk flag as locked: SetHighRisk cannot change it under us.
		if err := tx.queryRow(`SELECT high_risk FROM usecases WHERE id = $1`, u.ID).Scan(&u.HighRisk); err != nil {
			return err
		}
		cur, err := policyOf(tx, u.ID)
		if err != nil {
			return err
		}
		if p.Version != cur.Version {
			return atrium.Errorf(atrium.Conflict, "the privacy policy was changed by someone else (version %d, you edited version %d); reload and try again", cur.Version, p.Version)
		}
		if err := p.Validate(u.HighRisk); err != nil {
			return err
		}
		if p.Drop == nil {
			p.Drop = []string{}
		}
		if p.Hash == nil {
			p.Hash = []string{}
		}
		drop, err := json.Marshal(p.Drop)
		if err != nil {
			return err
		}
		hash, err := json.Marshal(p.Hash)
		if err != nil {
			return err
		}
		p.Version, p.UpdatedAt, p.UpdatedBy = cur.Version+1, tx.now, actorOf(ctx).UserID
		if _, err := tx.exec(`INSERT INTO telemetry_policies (usecase_id, drop_fields, hash_fields, mask_text, retention_days, version, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (usecase_id) DO UPDATE SET drop_fields = excluded.drop_fields, hash_fields = excluded.hash_fields,
				mask_text = excluded.mask_text, retention_days = excluded.retention_days, version = excluded.version,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at,
				payload_floor = CASE WHEN telemetry_policies.retention_days = excluded.retention_days THEN telemetry_policies.payload_floor END`,
			u.ID, string(drop), string(hash), p.MaskText, p.RetentionDays, p.Version, p.UpdatedBy, formatTime(tx.now)); err != nil {
			return err
		}
		return tx.appendAudit("telemetry.policy.update", "usecase", u.ID, p)
	})
	db.telemetry.policies.changed()
	if err != nil {
		return telemetry.Policy{}, err
	}
	return p, nil
}

// lockUseCase takes the use case's row lock on PostgreSQL (SQLite's single
// writer needs none), so that its policy and risk flag change one at a time.
func lockUseCase(tx *Tx, id string) error {
	if tx.db.dialect.name != "postgres" {
		return nil
	}
	var got string
	return tx.queryRow(`SELECT id FROM usecases WHERE id = $1 FOR UPDATE`, id).Scan(&got)
}

// SetHighRisk marks a use case as a high-risk AI system or not (owner
// role). Marking it is refused while its payload retention is shorter than
// the floor such systems must keep. Setting what is already set changes
// nothing.
func (db *DB) SetHighRisk(ctx context.Context, slug string, high bool) (usecase.UseCase, error) {
	var out usecase.UseCase
	err := db.writeUseCase(ctx, slug, usecase.Owner, "changing the risk classification", func(tx *Tx, u usecase.UseCase) error {
		if err := lockUseCase(tx, u.ID); err != nil {
			return err
		}
		cur, err := getUseCase(ctx, tx, slug)
		if err != nil {
			return err
		}
		out = cur
		if cur.HighRisk == high {
			return nil
		}
		if high {
			p, err := policyOf(tx, u.ID)
			if err != nil {
				return err
			}
			if p.RetentionDays > 0 && p.RetentionDays < telemetry.HighRiskRetentionDays {
				return atrium.Errorf(atrium.Conflict, "the privacy policy keeps prediction payloads %d days; a high-risk system must keep its logs at least %d days (EU AI Act), so lengthen the retention first",
					p.RetentionDays, telemetry.HighRiskRetentionDays)
			}
		}
		out.HighRisk, out.Version, out.UpdatedAt = high, cur.Version+1, tx.now
		if _, err := tx.exec(`UPDATE usecases SET high_risk = $1, version = $2, updated_at = $3 WHERE id = $4`,
			high, out.Version, formatTime(tx.now), u.ID); err != nil {
			return err
		}
		return tx.appendAudit("usecase.risk", "usecase", u.ID, out)
	})
	db.telemetry.policies.changed()
	if err != nil {
		return usecase.UseCase{}, err
	}
	return out, nil
}

// PolicyFor returns a use case's privacy policy and whether it is high-risk,
// for ingestion (no actor). Answers are reused for up to tokenCacheTTL; a
// change made through this process is seen at once.
func (db *DB) PolicyFor(ctx context.Context, useCaseID string) (telemetry.Policy, bool, error) {
	now := db.now()
	if e, ok := db.telemetry.policies.get(useCaseID, now); ok {
		return e.policy, e.highRisk, nil
	}
	gen := db.telemetry.policies.generation()
	r := db.reader(ctx)
	var e policyEntry
	if err := r.queryRow(`SELECT high_risk FROM usecases WHERE id = $1`, useCaseID).Scan(&e.highRisk); err != nil {
		return telemetry.Policy{}, false, db.classify(notFound(err, "no use case with id %q", atrium.Truncate(useCaseID, 40)))
	}
	p, err := policyOf(r, useCaseID)
	if err != nil {
		return telemetry.Policy{}, false, db.classify(err)
	}
	e.policy = p
	db.telemetry.policies.put(useCaseID, e, gen, now, nil)
	return p, e.highRisk, nil
}
