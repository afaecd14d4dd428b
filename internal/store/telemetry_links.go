package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// LinkScope is what a feedback link's secret resolves to.
type LinkScope struct {
	LinkID, UseCaseID, Slug, UseCaseName string
	Origins                              []string
}

// Limits on feedback links.
const (
	maxLinkOrigins = 10
	maxLinkTTL     = 10 * 365 * 24 * time.Hour
)

const feedbackLinkCols = `id, usecase_id, name, origins, created_by, created_at, expires_at, revoked_at`

func scanFeedbackLink(sc scanner) (telemetry.FeedbackLink, error) {
	var l telemetry.FeedbackLink
	var origins string
	if err := sc.Scan(&l.ID, &l.UseCaseID, &l.Name, &origins, &l.CreatedBy, ts{&l.CreatedAt}, nullTS{&l.ExpiresAt}, nullTS{&l.RevokedAt}); err != nil {
		return l, err
	}
	if err := json.Unmarshal([]byte(origins), &l.Origins); err != nil {
		return l, fmt.Errorf("feedback link %s: stored origins: %w", l.ID, err)
	}
	return l, nil
}

// checkOrigins normalises web origins ("https://app.example.com[:port]"):
// http or https, a host, nothing after it.
func checkOrigins(origins []string) ([]string, error) {
	if len(origins) > maxLinkOrigins {
		return nil, atrium.Errorf(atrium.Invalid, "a feedback link allows at most %d origins (got %d)", maxLinkOrigins, len(origins))
	}
	out := []string{}
	for _, o := range origins {
		o = strings.TrimSpace(o)
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" || strings.ContainsAny(u.Host, " *") {
			return nil, atrium.Errorf(atrium.Invalid, "origin %q is not a web origin such as https://app.example.com", atrium.Truncate(o, 80))
		}
		n := u.Scheme + "://" + strings.ToLower(u.Host)
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// CreateFeedbackLink makes a public feedback address for a use case (owner
// role), usable from the given web origins' pages too. A zero ttl means it
// does not expire. The secret is returned once (and in the link's URL, the
// path "/f/<secret>"); only its SHA-256 is kept.
func (db *DB) CreateFeedbackLink(ctx context.Context, slug, name string, origins []string, ttl time.Duration) (telemetry.FeedbackLink, string, error) {
	name, err := atrium.CheckText("name", name, maxKeyName, true, false)
	if err != nil {
		return telemetry.FeedbackLink{}, "", err
	}
	if origins, err = checkOrigins(origins); err != nil {
		return telemetry.FeedbackLink{}, "", err
	}
	if ttl < 0 || ttl > maxLinkTTL {
		return telemetry.FeedbackLink{}, "", atrium.Errorf(atrium.Invalid, "expiry must be between now and ten years from now")
	}
	stored, err := json.Marshal(origins)
	if err != nil {
		return telemetry.FeedbackLink{}, "", err
	}
	secret := newTelemetrySecret(feedbackLinkPrefix)
	l := telemetry.FeedbackLink{ID: atrium.NewID(), Name: name, Origins: origins, CreatedBy: actorOf(ctx).UserID, URL: "/f/" + secret}
	err = db.writeUseCase(ctx, slug, usecase.Owner, "creating a feedback link", func(tx *Tx, u usecase.UseCase) error {
		l.UseCaseID, l.CreatedAt = u.ID, tx.now
		if ttl > 0 {
			exp := tx.now.Add(ttl)
			l.ExpiresAt = &exp
		}
		if _, err := tx.exec(`INSERT INTO feedback_links (id, usecase_id, name, origins, prefix, secret_hash, created_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			l.ID, u.ID, l.Name, string(stored), secret[:secretShown], identity.Digest(secret), l.CreatedBy, formatTime(tx.now), optTime(l.ExpiresAt)); err != nil {
			return err
		}
		audited := l
		audited.URL = ""
		return tx.appendAudit("feedback_link.create", "usecase", u.ID, audited)
	})
	if err != nil {
		return telemetry.FeedbackLink{}, "", err
	}
	return l, secret, nil
}

// ListFeedbackLinks lists a use case's feedback links, newest first
// (editor role).
func (db *DB) ListFeedbackLinks(ctx context.Context, slug string) ([]telemetry.FeedbackLink, error) {
	r, u, err := db.readUseCaseIn(ctx, slug)
	if err != nil {
		return nil, err
	}
	if err := u.Role.Require(usecase.Editor, "listing feedback links"); err != nil {
		return nil, err
	}
	links, err := collect(r, scanFeedbackLink, `SELECT `+feedbackLinkCols+` FROM feedback_links WHERE usecase_id = $1 ORDER BY created_at DESC, id`, u.ID)
	return links, db.classify(err)
}

// RevokeFeedbackLink revokes a link (owner role); revoking twice keeps the
// first time.
func (db *DB) RevokeFeedbackLink(ctx context.Context, slug, id string) (telemetry.FeedbackLink, error) {
	var l telemetry.FeedbackLink
	err := db.writeUseCase(ctx, slug, usecase.Owner, "revoking a feedback link", func(tx *Tx, u usecase.UseCase) error {
		var err error
		l, err = scanFeedbackLink(tx.queryRow(`SELECT `+feedbackLinkCols+` FROM feedback_links WHERE id = $1 AND usecase_id = $2`, id, u.ID))
		if err != nil {
			return notFound(err, "no feedback link %q in this use case", atrium.Truncate(id, 40))
		}
		if l.RevokedAt != nil {
			return nil
		}
		now := tx.now
		l.RevokedAt = &now
		if _, err := tx.exec(`UPDATE feedback_links SET revoked_at = $1 WHERE id = $2`, formatTime(now), id); err != nil {
			return err
		}
		return tx.appendAudit("feedback_link.revoke", "usecase", u.ID, l)
	})
	db.telemetry.links.changed()
	return l, err
}

// FeedbackLinkScope resolves a feedback link's secret (no actor):
// Unauthenticated when it is unknown, revoked or expired, or its use case
// archived. Answers are reused for up to tokenCacheTTL, never past expiry.
func (db *DB) FeedbackLinkScope(ctx context.Context, secret string) (LinkScope, error) {
	digest, now := identity.Digest(secret), db.now()
	if s, ok := db.telemetry.links.get(digest, now); ok {
		return s, nil
	}
	bad := atrium.Errorf(atrium.Unauthenticated, "this feedback link is not valid, has expired or was withdrawn")
	if !strings.HasPrefix(secret, feedbackLinkPrefix) {
		return LinkScope{}, bad
	}
	gen := db.telemetry.links.generation()
	var s LinkScope
	var origins string
	var expires, revoked *time.Time
	var archived bool
	err := db.reader(ctx).queryRow(`SELECT l.id, l.usecase_id, u.slug, u.name, l.origins, l.expires_at, l.revoked_at, u.archived
		FROM feedback_links l JOIN usecases u ON u.id = l.usecase_id WHERE l.secret_hash = $1`, digest).
		Scan(&s.LinkID, &s.UseCaseID, &s.Slug, &s.UseCaseName, &origins, nullTS{&expires}, nullTS{&revoked}, &archived)
	if errors.Is(err, sql.ErrNoRows) {
		return LinkScope{}, bad
	}
	if err != nil {
		return LinkScope{}, db.classify(err)
	}
	if revoked != nil || archived || (expires != nil && !now.Before(*expires)) {
		return LinkScope{}, bad
	}
	if err := json.Unmarshal([]byte(origins), &s.Origins); err != nil {
		return LinkScope{}, fmt.Errorf("feedback link %s: stored origins: %w", s.LinkID, err)
	}
	db.telemetry.links.put(digest, s, gen, now, expires)
	return s, nil
}
