package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
)

const tokenCols = `id, user_id, name, prefix, created_at, expires_at, revoked_at, last_used_at, COALESCE(usecase_id, '')`

func scanToken(sc scanner) (identity.Token, error) {
	var t identity.Token
	err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, ts{&t.CreatedAt}, nullTS{&t.ExpiresAt}, nullTS{&t.RevokedAt}, nullTS{&t.LastUsedAt}, &t.UseCaseID)
	return t, err
}

// CreateToken issues an API token for a user. The secret is returned once and
// only its digest is stored. A zero ttl means the token does not expire.
func (db *DB) CreateToken(ctx context.Context, userID, name string, ttl time.Duration) (identity.Token, string, error) {
	return db.createToken(ctx, userID, name, ttl, "")
}

// createToken issues a token, bound to use case usecaseID unless it is "".
func (db *DB) createToken(ctx context.Context, userID, name string, ttl time.Duration, usecaseID string) (identity.Token, string, error) {
	if a := actorOf(ctx); a.UseCaseID != "" && a.UseCaseID != usecaseID {
		// A token bound to a use case must not mint one that is not.
		return identity.Token{}, "", atrium.Errorf(atrium.Forbidden, "a token bound to a use case can only create tokens bound to the same use case")
	}
	name, err := identity.NormalizeTokenName(name)
	if err != nil {
		return identity.Token{}, "", err
	}
	if ttl < 0 || ttl > 10*365*24*time.Hour {
		return identity.Token{}, "", atrium.Errorf(atrium.Invalid, "expiry must be between now and ten years from now")
	}
	secret, digest := identity.NewSecret(identity.TokenPrefix)
	t := identity.Token{ID: atrium.NewID(), UserID: userID, Name: name, Prefix: secret[:len(identity.TokenPrefix)+6], UseCaseID: usecaseID}
	err = db.update(ctx, func(tx *Tx) error {
		t.CreatedAt = tx.now
		if ttl > 0 {
			exp := tx.now.Add(ttl)
			t.ExpiresAt = &exp
		}
		var disabled bool
		if err := tx.queryRow(`SELECT disabled FROM users WHERE id = $1`, userID).Scan(&disabled); err != nil {
			return notFound(err, "no user with id %q", userID)
		}
		if disabled {
			return atrium.Errorf(atrium.Conflict, "the user is disabled and cannot receive tokens")
		}
		if _, err := tx.exec(`INSERT INTO api_tokens (id, user_id, name, prefix, secret_hash, created_at, expires_at, usecase_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			t.ID, t.UserID, t.Name, t.Prefix, digest, formatTime(t.CreatedAt), optTime(t.ExpiresAt), sql.NullString{String: usecaseID, Valid: usecaseID != ""}); err != nil {
			return err
		}
		return tx.appendAudit("token.create", "token", t.ID, t)
	})
	return t, secret, err
}

// ListTokens lists tokens, newest first: a user's own, or everyone's when userID is "".
func (db *DB) ListTokens(ctx context.Context, userID string, p atrium.PageRequest) (atrium.Page[identity.Token], error) {
	var page atrium.Page[identity.Token]
	items, err := collect(db.reader(ctx), func(sc scanner) (identity.Token, error) {
		var t identity.Token
		err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, ts{&t.CreatedAt}, nullTS{&t.ExpiresAt}, nullTS{&t.RevokedAt}, nullTS{&t.LastUsedAt}, &t.UseCaseID, &page.Total)
		return t, err
	}, `SELECT `+tokenCols+`, COUNT(*) OVER() FROM api_tokens WHERE $1 = '' OR user_id = $1
		ORDER BY created_at DESC, id LIMIT $2 OFFSET $3`, userID, p.Size, p.Offset)
	if err != nil {
		return atrium.Page[identity.Token]{Items: []identity.Token{}}, err
	}
	page.Items, page.NextPageToken = items, p.NextToken(page.Total)
	return page, nil
}

// GetToken returns a token's metadata.
func (db *DB) GetToken(ctx context.Context, id string) (identity.Token, error) {
	t, err := scanToken(db.reader(ctx).queryRow(`SELECT `+tokenCols+` FROM api_tokens WHERE id = $1`, id))
	return t, db.classify(notFound(err, "no token with id %q", id))
}

// RevokeToken revokes a token; revoking twice keeps the first time.
func (db *DB) RevokeToken(ctx context.Context, id string) (identity.Token, error) {
	var t identity.Token
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		if t, err = scanToken(tx.queryRow(`SELECT `+tokenCols+` FROM api_tokens WHERE id = $1`, id)); err != nil {
			return notFound(err, "no token with id %q", id)
		}
		if t.RevokedAt != nil {
			return nil
		}
		now := tx.now
		t.RevokedAt = &now
		if _, err := tx.exec(`UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, formatTime(now), id); err != nil {
			return err
		}
		return tx.appendAudit("token.revoke", "token", t.ID, t)
	})
	if err == nil {
		db.tokens.changed()
	}
	return t, err
}

// TokenActor resolves a bearer token to its actor. It records when the token
// was last used at most once a minute, so reads do not become writes.
func (db *DB) TokenActor(ctx context.Context, secret string) (atrium.Actor, error) {
	digest, now := identity.Digest(secret), db.now()
	if a, ok := db.tokens.get(digest, now); ok {
		return a, nil
	}
	bad := atrium.Errorf(atrium.Unauthenticated, "the API token is not valid, has expired or was revoked")
	gen := db.tokens.generation()
	t, err := scanToken(db.reader(ctx).queryRow(`SELECT `+tokenCols+` FROM api_tokens WHERE secret_hash = $1`, digest))
	if errors.Is(err, sql.ErrNoRows) {
		return atrium.Actor{}, bad
	}
	if err != nil {
		return atrium.Actor{}, db.classify(err)
	}
	if !t.Active(now) {
		return atrium.Actor{}, bad
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		// Best effort: a failure to record use must not fail the request.
		db.write.ExecContext(ctx, db.dialect.rebind(`UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`), formatTime(now), t.ID)
	}
	a, err := db.actorFor(ctx, t.UserID, t.ID)
	a.UseCaseID = t.UseCaseID
	if err == nil {
		db.tokens.put(digest, a, gen, now, t.ExpiresAt)
	}
	return a, err
}
