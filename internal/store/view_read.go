package store

import (
	"context"

	"github.com/atrium-mlops/atrium/internal/usecase"
)

// readUseCaseIn is readUseCase for reads that a page or an evidence panel
// makes while it holds a view of the use case in ctx (WithView): they read
// from that view's snapshot and reuse its access check, so a poster whose
// sections show feedback numbers still checks access once.
func (db *DB) readUseCaseIn(ctx context.Context, slug string) (querier, usecase.UseCase, error) {
	if v, ok := ctx.Value(viewKey{}).(*UseCaseView); ok && v.refs > 0 && v.tx.db == db && v.uc.Slug == slug && v.actor == actorOf(ctx) {
		return v.tx, v.uc, nil
	}
	return db.readUseCase(ctx, slug)
}
