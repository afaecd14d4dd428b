package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// localRegistry is registryClient on the database itself: every call goes
// through the store as the named user, so roles are checked and every change
// is audited exactly as through the server, with a request id that marks the
// command.
type localRegistry struct {
	db    *store.DB
	actor atrium.Actor
	reqID string
}

// openLocalRegistry opens the configured database and resolves the user the
// commands act as. It does not create a database that is not there: a typo
// in --data should not register assets in a fresh, empty one.
func openLocalRegistry(ctx context.Context, c *Config, email string) (*localRegistry, error) {
	if email == "" {
		return nil, fmt.Errorf("say who acts: --as EMAIL on the database, or --server URL with a token")
	}
	if !store.IsPostgres(c.DB) {
		if _, err := os.Stat(c.DB); err != nil {
			return nil, fmt.Errorf("no database at %s: pass --data (or --db) of an Atrium installation, or --server URL", c.DB)
		}
	}
	db, sys, err := openDB(ctx, c)
	if err != nil {
		return nil, err
	}
	u, err := db.GetUserByEmail(sys, email)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("--as %s: %w", email, err)
	}
	if u.Disabled {
		db.Close()
		return nil, fmt.Errorf("--as %s: the user is disabled", u.Email)
	}
	b := make([]byte, 8)
	rand.Read(b)
	return &localRegistry{db: db, actor: atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin}, reqID: "cli-" + hex.EncodeToString(b)}, nil
}

func (l *localRegistry) as(ctx context.Context) context.Context {
	return atrium.WithRequestID(atrium.WithActor(ctx, l.actor), l.reqID)
}

func (l *localRegistry) Close() error { return l.db.Close() }

func (l *localRegistry) GetAsset(ctx context.Context, slug string, ref registry.Ref) (registry.Asset, error) {
	return l.db.GetAsset(l.as(ctx), slug, ref)
}

func (l *localRegistry) CreateAsset(ctx context.Context, slug string, a registry.Asset) (registry.Asset, error) {
	return l.db.CreateAsset(l.as(ctx), slug, a)
}

func (l *localRegistry) CreateVersion(ctx context.Context, slug string, ref registry.Ref, v registry.Version) (registry.Version, error) {
	return l.db.CreateVersion(l.as(ctx), slug, ref, v)
}

func (l *localRegistry) GetVersion(ctx context.Context, slug string, ref registry.Ref, n int) (registry.Version, error) {
	return l.db.GetVersion(l.as(ctx), slug, ref, n)
}

func (l *localRegistry) LatestVersion(ctx context.Context, slug string, ref registry.Ref) (registry.Version, error) {
	page, err := l.db.ListVersions(l.as(ctx), slug, ref, atrium.PageRequest{Size: 1})
	if err != nil {
		return registry.Version{}, err
	}
	if len(page.Items) == 0 {
		return registry.Version{}, atrium.Errorf(atrium.NotFound, "%s %q has no versions yet", ref.Kind, ref.Name)
	}
	return page.Items[0], nil
}

func (l *localRegistry) Aliases(ctx context.Context, slug string, ref registry.Ref) ([]registry.Alias, error) {
	return l.db.Aliases(l.as(ctx), slug, ref)
}

func (l *localRegistry) SetAlias(ctx context.Context, slug string, ref registry.Ref, alias string, n int, reason string) (registry.Alias, error) {
	return l.db.SetAlias(l.as(ctx), slug, ref, alias, n, reason)
}

func (l *localRegistry) AliasHistory(ctx context.Context, slug string, ref registry.Ref, alias string) ([]registry.AliasMove, error) {
	if err := registry.CheckAlias(alias); err != nil {
		return nil, err
	}
	var all []registry.AliasMove
	p := atrium.PageRequest{Size: atrium.MaxPageSize}
	for range maxHistoryPages {
		page, err := l.db.AliasHistory(l.as(ctx), slug, ref, alias, p)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextPageToken == "" {
			slices.Reverse(all) // the store lists newest first
			return all, nil
		}
		p.Offset += len(page.Items)
	}
	return nil, atrium.Errorf(atrium.TooLarge, "the history of alias %q has more than %d pages", alias, maxHistoryPages)
}

// AliasAt asks the store which version the alias pointed at, then takes who
// moved it there, when and why from the alias's history.
func (l *localRegistry) AliasAt(ctx context.Context, slug string, ref registry.Ref, alias string, at time.Time) (registry.Alias, error) {
	v, err := l.db.AliasAt(l.as(ctx), slug, ref, alias, at)
	if err != nil {
		return registry.Alias{}, err
	}
	moves, err := l.AliasHistory(ctx, slug, ref, alias)
	if err != nil {
		return registry.Alias{}, err
	}
	for i := len(moves) - 1; i >= 0; i-- {
		if m := moves[i]; !m.MovedAt.After(at) && m.To == v.Number {
			return registry.Alias{Name: alias, Version: v.Number, MovedBy: m.MovedBy, MovedAt: m.MovedAt, Reason: m.Reason}, nil
		}
	}
	return registry.Alias{Name: alias, Version: v.Number}, nil
}

func (l *localRegistry) Render(ctx context.Context, slug, name string, n int, alias string, vars map[string]string) (int, string, error) {
	v, err := resolveVersion(ctx, l, slug, registry.Ref{Kind: registry.Prompt, Name: name}, n, alias)
	if err != nil {
		return 0, "", err
	}
	if v.Prompt == nil {
		return 0, "", atrium.Errorf(atrium.Internal, "prompt %q version %d has no template", name, v.Number)
	}
	text, err := v.Prompt.Render(vars)
	return v.Number, text, err
}

// resolveVersion finds version n of an asset, or the one alias points at,
// or (both zero) the newest.
func resolveVersion(ctx context.Context, c registryClient, slug string, ref registry.Ref, n int, alias string) (registry.Version, error) {
	switch {
	case n > 0:
		return c.GetVersion(ctx, slug, ref, n)
	case alias != "":
		if err := registry.CheckAlias(alias); err != nil {
			return registry.Version{}, err
		}
		as, err := c.Aliases(ctx, slug, ref)
		if err != nil {
			return registry.Version{}, err
		}
		for _, a := range as {
			if a.Name == alias {
				return c.GetVersion(ctx, slug, ref, a.Version)
			}
		}
		return registry.Version{}, atrium.Errorf(atrium.NotFound, "%s %q has no alias %q", ref.Kind, ref.Name, alias)
	}
	return c.LatestVersion(ctx, slug, ref)
}
