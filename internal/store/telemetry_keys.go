package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// maxKeyName bounds an ingestion key's or a feedback link's name.
const maxKeyName = 100

const ingestKeyCols = `id, usecase_id, name, prefix, model, created_by, created_at, revoked_at, last_used_at`

func scanIngestKey(sc scanner) (telemetry.IngestKey, error) {
	var k telemetry.IngestKey
	err := sc.Scan(&k.ID, &k.UseCaseID, &k.Name, &k.Prefix, &k.Model, &k.CreatedBy, ts{&k.CreatedAt}, nullTS{&k.RevokedAt}, nullTS{&k.LastUsed})
	return k, err
}

// CreateIngestKey issues an ingestion key for a use case (owner role). model,
// optional, is the model events that name none are about: "name" or
// "name@alias", a model of the use case. The secret is returned once; only
// its SHA-256 is kept.
func (db *DB) CreateIngestKey(ctx context.Context, slug, name, model string) (telemetry.IngestKey, string, error) {
	name, err := atrium.CheckText("name", name, maxKeyName, true, false)
	if err != nil {
		return telemetry.IngestKey{}, "", err
	}
	model = strings.TrimSpace(model)
	modelName, alias, hasAlias := strings.Cut(model, "@")
	if model != "" {
		if err := registry.CheckName(modelName); err != nil {
			return telemetry.IngestKey{}, "", atrium.Errorf(atrium.Invalid, "model: %s", atrium.MessageOf(err))
		}
		if hasAlias {
			if err := registry.CheckAlias(alias); err != nil {
				return telemetry.IngestKey{}, "", atrium.Errorf(atrium.Invalid, "model: %s", atrium.MessageOf(err))
			}
		}
	}
	secret := newTelemetrySecret(ingestKeyPrefix)
	k := telemetry.IngestKey{ID: atrium.NewID(), Name: name, Prefix: secret[:secretShown], Model: model, CreatedBy: actorOf(ctx).UserID}
	err = db.writeUseCase(ctx, slug, usecase.Owner, "creating an ingestion key", func(tx *Tx, u usecase.UseCase) error {
		if model != "" {
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM registry_assets WHERE usecase_id = $1 AND kind = $2 AND name = $3`,
				u.ID, string(registry.Model), modelName).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return atrium.Errorf(atrium.Invalid, "this use case has no model %q; register it first or leave the model empty", modelName)
			}
		}
		k.UseCaseID, k.CreatedAt = u.ID, tx.now
		if _, err := tx.exec(`INSERT INTO ingest_keys (id, usecase_id, name, prefix, secret_hash, model, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			k.ID, u.ID, k.Name, k.Prefix, identity.Digest(secret), k.Model, k.CreatedBy, formatTime(tx.now)); err != nil {
			return err
		}
		return tx.appendAudit("ingest_key.create", "usecase", u.ID, k)
	})
	if err != nil {
		return telemetry.IngestKey{}, "", err
	}
	return k, secret, nil
}

// ListIngestKeys lists a use case's ingestion keys, newest first, revoked
// ones included (editor role).
func (db *DB) ListIngestKeys(ctx context.Context, slug string) ([]telemetry.IngestKey, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return nil, err
	}
	if err := u.Role.Require(usecase.Editor, "listing ingestion keys"); err != nil {
		return nil, err
	}
	keys, err := collect(r, scanIngestKey, `SELECT `+ingestKeyCols+` FROM ingest_keys WHERE usecase_id = $1 ORDER BY created_at DESC, id`, u.ID)
	return keys, db.classify(err)
}

// RevokeIngestKey revokes a key (owner role); it stops working at once in
// this process and within tokenCacheTTL in others. Revoking twice keeps the
// first time.
func (db *DB) RevokeIngestKey(ctx context.Context, slug, id string) (telemetry.IngestKey, error) {
	var k telemetry.IngestKey
	err := db.writeUseCase(ctx, slug, usecase.Owner, "revoking an ingestion key", func(tx *Tx, u usecase.UseCase) error {
		var err error
		k, err = scanIngestKey(tx.queryRow(`SELECT `+ingestKeyCols+` FROM ingest_keys WHERE id = $1 AND usecase_id = $2`, id, u.ID))
		if err != nil {
			return notFound(err, "no ingestion key %q in this use case", atrium.Truncate(id, 40))
		}
		if k.RevokedAt != nil {
			return nil
		}
		now := tx.now
		k.RevokedAt = &now
		if _, err := tx.exec(`UPDATE ingest_keys SET revoked_at = $1 WHERE id = $2`, formatTime(now), id); err != nil {
			return err
		}
		return tx.appendAudit("ingest_key.revoke", "usecase", u.ID, k)
	})
	db.telemetry.keys.changed()
	return k, err
}

// IngestKeyScope resolves an ingestion key's secret, for ingestion (no
// actor): Unauthenticated when the key is unknown or revoked, or its use
// case archived. Answers are reused for up to tokenCacheTTL. It records
// when the key was last used at most once a minute.
func (db *DB) IngestKeyScope(ctx context.Context, secret string) (telemetry.KeyScope, error) {
	digest, now := identity.Digest(secret), db.now()
	if s, ok := db.telemetry.keys.get(digest, now); ok {
		return s, nil
	}
	bad := atrium.Errorf(atrium.Unauthenticated, "the ingestion key is not valid or was revoked")
	if !strings.HasPrefix(secret, ingestKeyPrefix) {
		return telemetry.KeyScope{}, bad
	}
	gen := db.telemetry.keys.generation()
	var s telemetry.KeyScope
	var revoked, used *time.Time
	var archived bool
	err := db.reader(ctx).queryRow(`SELECT k.id, k.usecase_id, u.slug, k.model, k.revoked_at, k.last_used_at, u.archived
		FROM ingest_keys k JOIN usecases u ON u.id = k.usecase_id WHERE k.secret_hash = $1`, digest).
		Scan(&s.KeyID, &s.UseCaseID, &s.Slug, &s.Model, nullTS{&revoked}, nullTS{&used}, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return telemetry.KeyScope{}, bad
	}
	if err != nil {
		return telemetry.KeyScope{}, db.classify(err)
	}
	if revoked != nil || archived {
		return telemetry.KeyScope{}, bad
	}
	if used == nil || now.Sub(*used) > time.Minute {
		// Best effort, as for API tokens: failing to record use must not
		// fail ingestion.
		db.write.ExecContext(ctx, db.dialect.rebind(`UPDATE ingest_keys SET last_used_at = $1 WHERE id = $2`), formatTime(now), s.KeyID)
	}
	db.telemetry.keys.put(digest, s, gen, now, nil)
	return s, nil
}
