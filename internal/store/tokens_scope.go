package store

import (
	"context"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// CreateScopedToken issues an API token bound to one use case, on which
// the user must be at least a viewer. The token acts there only, with the
// user's role; it is how MLflow clients, whose names are flat, reach one use
// case's experiments and models.
func (db *DB) CreateScopedToken(ctx context.Context, userID, name string, ttl time.Duration, slug string) (identity.Token, string, error) {
	owner, err := db.actorFor(ctx, userID, "")
	if err != nil {
		return identity.Token{}, "", err
	}
	u, err := getUseCase(atrium.WithActor(ctx, owner), db.reader(ctx), slug)
	if err != nil {
		return identity.Token{}, "", db.classify(err)
	}
	if !u.Role.AtLeast(usecase.Viewer) {
		return identity.Token{}, "", atrium.Errorf(atrium.NotFound, "use case not found")
	}
	return db.createToken(ctx, userID, name, ttl, u.ID)
}

// ScopeSlug returns the slug of the use case the actor's token is bound to,
// or "" when it is bound to none.
func (db *DB) ScopeSlug(ctx context.Context) (string, error) {
	a := actorOf(ctx)
	if a.UseCaseID == "" {
		return "", nil
	}
	var slug string
	err := db.reader(ctx).queryRow(`SELECT slug FROM usecases WHERE id = $1`, a.UseCaseID).Scan(&slug)
	return slug, db.classify(notFound(err, "the token's use case no longer exists"))
}
