package store

import (
	"context"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
)

// CreateTeam adds a team.
func (db *DB) CreateTeam(ctx context.Context, t identity.Team) (identity.Team, error) {
	if err := identity.NormalizeTeam(&t); err != nil {
		return t, err
	}
	t.ID, t.Members = atrium.NewID(), nil
	err := db.update(ctx, func(tx *Tx) error {
		t.CreatedAt = tx.now
		_, err := tx.exec(`INSERT INTO teams (id, slug, name, created_at) VALUES ($1, $2, $3, $4)`, t.ID, t.Slug, t.Name, formatTime(t.CreatedAt))
		if err != nil {
			return tx.uniqueAs(err, "a team with slug %q already exists", t.Slug)
		}
		return tx.appendAudit("team.create", "team", t.ID, t)
	})
	return t, err
}

func getTeam(q querier, slug string) (identity.Team, error) {
	var t identity.Team
	err := q.queryRow(`SELECT id, slug, name, created_at FROM teams WHERE slug = $1`, slug).Scan(&t.ID, &t.Slug, &t.Name, ts{&t.CreatedAt})
	return t, notFound(err, "no team %q", slug)
}

// GetTeam returns a team with its members.
func (db *DB) GetTeam(ctx context.Context, slug string) (identity.Team, error) {
	r := db.reader(ctx)
	t, err := getTeam(r, slug)
	if err != nil {
		return t, db.classify(err)
	}
	t.Members, err = collect(r, scanUser, `SELECT `+prefixed("u.", userCols)+` FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY u.name`, t.ID)
	return t, err
}

// ListTeams returns a page of teams ordered by name. When memberOf is set,
// only that user's teams are listed.
func (db *DB) ListTeams(ctx context.Context, memberOf string, p atrium.PageRequest) (atrium.Page[identity.Team], error) {
	var page atrium.Page[identity.Team]
	items, err := collect(db.reader(ctx), func(sc scanner) (identity.Team, error) {
		var t identity.Team
		err := sc.Scan(&t.ID, &t.Slug, &t.Name, ts{&t.CreatedAt}, &page.Total)
		return t, err
	}, `SELECT id, slug, name, created_at, COUNT(*) OVER() FROM teams
		WHERE $1 = '' OR id IN (SELECT team_id FROM team_members WHERE user_id = $1)
		ORDER BY name, slug LIMIT $2 OFFSET $3`, memberOf, p.Size, p.Offset)
	if err != nil {
		return atrium.Page[identity.Team]{Items: []identity.Team{}}, err
	}
	page.Items, page.NextPageToken = items, p.NextToken(page.Total)
	return page, nil
}

// AddTeamMember puts a user in a team; adding an existing member is a no-op.
func (db *DB) AddTeamMember(ctx context.Context, teamSlug, userID string) error {
	return db.update(ctx, func(tx *Tx) error {
		t, err := getTeam(tx, teamSlug)
		if err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE id = $1`, userID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return atrium.Errorf(atrium.Invalid, "no user with id %q", userID)
		}
		res, err := tx.exec(`INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, t.ID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return tx.appendAudit("team.member.add", "team", t.ID, map[string]string{"user_id": userID})
	})
}

// RemoveTeamMember takes a user out of a team.
func (db *DB) RemoveTeamMember(ctx context.Context, teamSlug, userID string) error {
	return db.update(ctx, func(tx *Tx) error {
		t, err := getTeam(tx, teamSlug)
		if err != nil {
			return err
		}
		res, err := tx.exec(`DELETE FROM team_members WHERE team_id = $1 AND user_id = $2`, t.ID, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return atrium.Errorf(atrium.NotFound, "user %q is not a member of team %q", userID, teamSlug)
		}
		return tx.appendAudit("team.member.remove", "team", t.ID, map[string]string{"user_id": userID})
	})
}

// IsTeamMember reports whether the user belongs to the team (by id).
func (db *DB) IsTeamMember(ctx context.Context, teamID, userID string) (bool, error) {
	var n int
	err := db.reader(ctx).queryRow(`SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, userID).Scan(&n)
	return n > 0, db.classify(err)
}

// prefixed qualifies each column of a comma-separated list with a table alias.
func prefixed(alias, cols string) string {
	return alias + strings.ReplaceAll(cols, ", ", ", "+alias)
}
