package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

func scanAlias(sc scanner) (registry.Alias, error) {
	var al registry.Alias
	err := sc.Scan(&al.Name, &al.Version, &al.MovedBy, ts{&al.MovedAt}, &al.Reason)
	return al, err
}

func aliasOf(q querier, a registry.Asset, name string) (registry.Alias, error) {
	al, err := scanAlias(q.queryRow(`SELECT alias, version, moved_by, moved_at, reason FROM registry_aliases WHERE asset_id = $1 AND alias = $2`, a.ID, name))
	if err != nil {
		return al, notFound(err, "%s %q has no alias %q", a.Kind, a.Name, name)
	}
	return al, nil
}

// SetAlias points an alias of an asset at version n (editor role), creating
// it or moving it, with a reason; every move is kept in the alias's history.
// An archived version cannot be given an alias. Pointing an alias where it
// already points changes nothing.
func (db *DB) SetAlias(ctx context.Context, slug string, ref registry.Ref, alias string, n int, reason string) (registry.Alias, error) {
	if err := registry.CheckAlias(alias); err != nil {
		return registry.Alias{}, err
	}
	reason, err := registry.CheckReason(reason)
	if err != nil {
		return registry.Alias{}, err
	}
	var out registry.Alias
	err = db.writeAsset(ctx, slug, ref, "moving an alias", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		v, err := versionOf(tx, a, n)
		if err != nil {
			return err
		}
		if v.Status == registry.Archived {
			return atrium.Errorf(atrium.Conflict, "version %d is archived; an alias cannot point at it", n)
		}
		cur, err := aliasOf(tx, a, alias)
		from := 0
		switch {
		case err == nil && cur.Version == n:
			out = cur
			return nil
		case err == nil:
			from = cur.Version
		case atrium.KindOf(err) != atrium.NotFound:
			return err
		}
		out = registry.Alias{Name: alias, Version: n, MovedBy: actorOf(ctx).UserID, MovedAt: tx.now, Reason: reason}
		if _, err := tx.exec(`INSERT INTO registry_aliases (asset_id, alias, version, moved_by, moved_at, reason) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (asset_id, alias) DO UPDATE SET version = excluded.version, moved_by = excluded.moved_by, moved_at = excluded.moved_at, reason = excluded.reason`,
			a.ID, alias, n, out.MovedBy, formatTime(tx.now), reason); err != nil {
			return err
		}
		return tx.moveAlias(a, registry.AliasMove{Alias: alias, From: from, To: n, MovedBy: out.MovedBy, MovedAt: tx.now, Reason: reason})
	})
	if err != nil {
		return registry.Alias{}, err
	}
	return out, nil
}

// DeleteAlias removes an alias of an asset (editor role), with a reason,
// kept in its history.
func (db *DB) DeleteAlias(ctx context.Context, slug string, ref registry.Ref, alias, reason string) error {
	if err := registry.CheckAlias(alias); err != nil {
		return err
	}
	reason, err := registry.CheckReason(reason)
	if err != nil {
		return err
	}
	return db.writeAsset(ctx, slug, ref, "deleting an alias", func(tx *Tx, u usecase.UseCase, a registry.Asset) error {
		cur, err := aliasOf(tx, a, alias)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM registry_aliases WHERE asset_id = $1 AND alias = $2`, a.ID, alias); err != nil {
			return err
		}
		return tx.moveAlias(a, registry.AliasMove{Alias: alias, From: cur.Version, MovedBy: actorOf(ctx).UserID, MovedAt: tx.now, Reason: reason})
	})
}

// moveAlias appends an alias move to its history and to the audit log.
func (tx *Tx) moveAlias(a registry.Asset, m registry.AliasMove) error {
	if _, err := tx.exec(`INSERT INTO registry_alias_history (asset_id, alias, from_version, to_version, moved_by, moved_at, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.ID, m.Alias, nullInt(m.From), nullInt(m.To), m.MovedBy, formatTime(m.MovedAt), m.Reason); err != nil {
		return err
	}
	return tx.appendAudit("registry.alias.move", "registry_asset", a.ID, struct {
		Kind registry.Kind      `json:"kind"`
		Name string             `json:"name"`
		Move registry.AliasMove `json:"move"`
	}{a.Kind, a.Name, m})
}

// nullInt stores 0 as NULL.
func nullInt(n int) sql.NullInt64 { return sql.NullInt64{Int64: int64(n), Valid: n != 0} }

// Aliases lists an asset's current aliases by name.
func (db *DB) Aliases(ctx context.Context, slug string, ref registry.Ref) ([]registry.Alias, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return nil, err
	}
	a, err := assetOf(r, u, ref)
	if err != nil {
		return nil, db.classify(err)
	}
	out, err := collect(r, scanAlias, `SELECT alias, version, moved_by, moved_at, reason FROM registry_aliases WHERE asset_id = $1 ORDER BY alias`, a.ID)
	return out, db.classify(err)
}

// AliasHistory returns one page of an asset's alias moves, newest first, of
// one alias or (alias "") of all.
func (db *DB) AliasHistory(ctx context.Context, slug string, ref registry.Ref, alias string, p atrium.PageRequest) (atrium.Page[registry.AliasMove], error) {
	out := atrium.Page[registry.AliasMove]{Items: []registry.AliasMove{}}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return out, err
	}
	a, err := assetOf(r, u, ref)
	if err != nil {
		return out, db.classify(err)
	}
	p = pageOf(p)
	if err := r.queryRow(`SELECT COUNT(*) FROM registry_alias_history WHERE asset_id = $1 AND ($2 = '' OR alias = $2)`, a.ID, alias).Scan(&out.Total); err != nil {
		return out, db.classify(err)
	}
	items, err := collect(r, func(sc scanner) (registry.AliasMove, error) {
		var m registry.AliasMove
		var from, to sql.NullInt64
		err := sc.Scan(&m.Alias, &from, &to, &m.MovedBy, ts{&m.MovedAt}, &m.Reason)
		m.From, m.To = int(from.Int64), int(to.Int64)
		return m, err
	}, `SELECT alias, from_version, to_version, moved_by, moved_at, reason FROM registry_alias_history
		WHERE asset_id = $1 AND ($2 = '' OR alias = $2) ORDER BY moved_at DESC, id DESC LIMIT $3 OFFSET $4`, a.ID, alias, p.Size, p.Offset)
	if err != nil {
		return out, db.classify(err)
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}

// AliasAt answers which version an alias pointed at, at time at: the last
// move at or before it. An alias that did not exist then is NotFound.
func (db *DB) AliasAt(ctx context.Context, slug string, ref registry.Ref, alias string, at time.Time) (registry.Version, error) {
	if err := registry.CheckAlias(alias); err != nil {
		return registry.Version{}, err
	}
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return registry.Version{}, err
	}
	a, err := assetOf(r, u, ref)
	if err != nil {
		return registry.Version{}, db.classify(err)
	}
	var to sql.NullInt64
	err = r.queryRow(`SELECT to_version FROM registry_alias_history WHERE asset_id = $1 AND alias = $2 AND moved_at <= $3
		ORDER BY moved_at DESC, id DESC LIMIT 1`, a.ID, alias, formatTime(at)).Scan(&to)
	if errors.Is(err, sql.ErrNoRows) || err == nil && !to.Valid {
		return registry.Version{}, atrium.Errorf(atrium.NotFound, "alias %q of %s %q did not point at a version at %s", alias, a.Kind, a.Name, at.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return registry.Version{}, db.classify(err)
	}
	v, err := versionOf(r, a, int(to.Int64))
	return v, db.classify(err)
}
