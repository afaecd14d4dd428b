package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// Registry reads through a UseCaseView: the registry pages show an asset
// with its versions, aliases and their history, and read all of it from one
// snapshot after one access check.

// Assets returns one page of the use case's assets, of one kind if the
// filter names one, by kind and name.
func (v *UseCaseView) Assets(f registry.Filter) (atrium.Page[registry.Asset], error) {
	out := atrium.Page[registry.Asset]{Items: []registry.Asset{}}
	if f.Kind != "" {
		if err := f.Kind.Check(); err != nil {
			return out, err
		}
	}
	p := pageOf(f.Page)
	if err := v.tx.queryRow(`SELECT COUNT(*) FROM registry_assets WHERE usecase_id = $1 AND ($2 = '' OR kind = $2)`, v.uc.ID, string(f.Kind)).Scan(&out.Total); err != nil {
		return out, v.tx.db.classify(err)
	}
	items, err := collect(v.tx, scanAsset, `SELECT `+assetCols+` FROM registry_assets a
		WHERE a.usecase_id = $1 AND ($2 = '' OR a.kind = $2) ORDER BY a.kind, a.name LIMIT $3 OFFSET $4`, v.uc.ID, string(f.Kind), p.Size, p.Offset)
	if err != nil {
		return out, err
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}

// Asset returns one of the use case's assets.
func (v *UseCaseView) Asset(ref registry.Ref) (registry.Asset, error) {
	a, err := assetOf(v.tx, v.uc, ref)
	return a, v.tx.db.classify(err)
}

// Versions returns one page of an asset's versions, newest first.
func (v *UseCaseView) Versions(a registry.Asset, p atrium.PageRequest) (atrium.Page[registry.Version], error) {
	p = pageOf(p)
	out := atrium.Page[registry.Version]{Items: []registry.Version{}, Total: a.Versions}
	items, err := collect(v.tx, scanVersion, `SELECT `+versionCols+` FROM registry_versions v WHERE v.asset_id = $1
		ORDER BY v.number DESC LIMIT $2 OFFSET $3`, a.ID, p.Size, p.Offset)
	if err != nil {
		return out, err
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}

// Version returns version n of an asset.
func (v *UseCaseView) Version(a registry.Asset, n int) (registry.Version, error) {
	ver, err := versionOf(v.tx, a, n)
	return ver, v.tx.db.classify(err)
}

// Aliases lists an asset's current aliases by name.
func (v *UseCaseView) Aliases(a registry.Asset) ([]registry.Alias, error) {
	return collect(v.tx, scanAlias, `SELECT alias, version, moved_by, moved_at, reason FROM registry_aliases WHERE asset_id = $1 ORDER BY alias`, a.ID)
}

// AliasMoves returns one page of an asset's alias moves, oldest first, of
// one alias or (alias "") of all: the order a timeline is read in.
func (v *UseCaseView) AliasMoves(a registry.Asset, alias string, p atrium.PageRequest) (atrium.Page[registry.AliasMove], error) {
	out := atrium.Page[registry.AliasMove]{Items: []registry.AliasMove{}}
	p = pageOf(p)
	if err := v.tx.queryRow(`SELECT COUNT(*) FROM registry_alias_history WHERE asset_id = $1 AND ($2 = '' OR alias = $2)`, a.ID, alias).Scan(&out.Total); err != nil {
		return out, v.tx.db.classify(err)
	}
	items, err := collect(v.tx, scanAliasMove, `SELECT alias, from_version, to_version, moved_by, moved_at, reason FROM registry_alias_history
		WHERE asset_id = $1 AND ($2 = '' OR alias = $2) ORDER BY moved_at, id LIMIT $3 OFFSET $4`, a.ID, alias, p.Size, p.Offset)
	if err != nil {
		return out, err
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}

func scanAliasMove(sc scanner) (registry.AliasMove, error) {
	var m registry.AliasMove
	var from, to sql.NullInt64
	err := sc.Scan(&m.Alias, &from, &to, &m.MovedBy, ts{&m.MovedAt}, &m.Reason)
	m.From, m.To = int(from.Int64), int(to.Int64)
	return m, err
}

// AliasAsOf answers how an alias stood at time at: the version it pointed
// at, and who moved it there, when and why. An alias that did not point at
// a version then is NotFound.
func (v *UseCaseView) AliasAsOf(a registry.Asset, alias string, at time.Time) (registry.Alias, error) {
	if err := registry.CheckAlias(alias); err != nil {
		return registry.Alias{}, err
	}
	m, err := scanAliasMove(v.tx.queryRow(`SELECT alias, from_version, to_version, moved_by, moved_at, reason FROM registry_alias_history
		WHERE asset_id = $1 AND alias = $2 AND moved_at <= $3 ORDER BY moved_at DESC, id DESC LIMIT 1`, a.ID, alias, formatTime(at)))
	if errors.Is(err, sql.ErrNoRows) || err == nil && m.To == 0 {
		return registry.Alias{}, atrium.Errorf(atrium.NotFound, "alias %q of %s %q did not point at a version at %s", alias, a.Kind, a.Name, at.UTC().Format(time.RFC3339))
	}
	if err != nil {
		return registry.Alias{}, v.tx.db.classify(err)
	}
	return registry.Alias{Name: m.Alias, Version: m.To, MovedBy: m.MovedBy, MovedAt: m.MovedAt, Reason: m.Reason}, nil
}

// AssetOverview is what a list of assets shows beside each one: its newest
// version and its current aliases.
type AssetOverview struct {
	Latest  map[string]registry.Version // by asset id; absent for an asset without versions
	Aliases map[string][]registry.Alias // by asset id, by alias name
}

// Overview reads the newest version and the aliases of each of assets in
// two queries, however many there are.
func (v *UseCaseView) Overview(assets []registry.Asset) (AssetOverview, error) {
	out := AssetOverview{Latest: map[string]registry.Version{}, Aliases: map[string][]registry.Alias{}}
	if len(assets) == 0 {
		return out, nil
	}
	ids := make([]any, len(assets))
	for i, a := range assets {
		ids[i] = a.ID
	}
	in := bindList(1, len(ids))
	latest, err := collect(v.tx, scanVersion, `SELECT `+versionCols+` FROM registry_versions v WHERE v.asset_id IN (`+in+`)
		AND v.number = (SELECT MAX(m.number) FROM registry_versions m WHERE m.asset_id = v.asset_id)`, ids...)
	if err != nil {
		return out, err
	}
	for _, ver := range latest {
		out.Latest[ver.AssetID] = ver
	}
	err = each(v.tx, func(sc scanner) error {
		var id string
		var al registry.Alias
		if err := sc.Scan(&id, &al.Name, &al.Version, &al.MovedBy, ts{&al.MovedAt}, &al.Reason); err != nil {
			return err
		}
		out.Aliases[id] = append(out.Aliases[id], al)
		return nil
	}, `SELECT asset_id, alias, version, moved_by, moved_at, reason FROM registry_aliases WHERE asset_id IN (`+in+`) ORDER BY asset_id, alias`, ids...)
	return out, err
}

// UserNames returns the display names of the users with the given ids, for
// the people a page names as creators or movers. Ids without a user (the
// system actor) are left out.
func (v *UseCaseView) UserNames(ids []string) (map[string]string, error) {
	out := map[string]string{}
	seen := map[string]bool{}
	var args []any
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	if len(args) == 0 {
		return out, nil
	}
	err := each(v.tx, func(sc scanner) error {
		var id, name string
		if err := sc.Scan(&id, &name); err != nil {
			return err
		}
		out[id] = name
		return nil
	}, `SELECT id, name FROM users WHERE id IN (`+bindList(1, len(args))+`)`, args...)
	return out, err
}

// bindList is "$from, $from+1, …": the parameters of an IN list of n values.
func bindList(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// AliasAsOf is UseCaseView.AliasAsOf for a single read.
func (db *DB) AliasAsOf(ctx context.Context, slug string, ref registry.Ref, alias string, at time.Time) (registry.Alias, error) {
	v, err := db.UseCase(ctx, slug)
	if err != nil {
		return registry.Alias{}, err
	}
	defer v.Close()
	a, err := v.Asset(ref)
	if err != nil {
		return registry.Alias{}, err
	}
	return v.AliasAsOf(a, alias, at)
}
