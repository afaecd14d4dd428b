package store

import (
	"context"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// Grants lists who holds a role on a use case.
func (db *DB) Grants(ctx context.Context, slug string) ([]usecase.Grant, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	if err != nil {
		return nil, db.classify(err)
	}
	rows, err := r.query(`SELECT g.id, COALESCE(g.user_id, ''), COALESCE(p.email, ''), COALESCE(p.name, ''),
			COALESCE(g.team_id, ''), COALESCE(t.slug, ''), COALESCE(t.name, ''), g.role
		FROM usecase_grants g LEFT JOIN users p ON p.id = g.user_id LEFT JOIN teams t ON t.id = g.team_id
		WHERE g.usecase_id = $1 ORDER BY g.id`, u.ID)
	if err != nil {
		return nil, db.classify(err)
	}
	defer rows.Close()
	out := []usecase.Grant{}
	for rows.Next() {
		var g usecase.Grant
		if err := rows.Scan(&g.ID, &g.UserID, &g.UserEmail, &g.UserName, &g.TeamID, &g.TeamSlug, &g.TeamName, &g.Role); err != nil {
			return nil, err
		}
		g.UseCaseID = u.ID
		out = append(out, g)
	}
	return out, rows.Err()
}

// PutGrant gives a user (by id or e-mail) or a team (by slug) a role on a
// use case, or changes the role they already have. It needs the owner role.
func (db *DB) PutGrant(ctx context.Context, slug string, g usecase.Grant) (usecase.Grant, error) {
	if !g.Role.Valid() {
		return g, atrium.Errorf(atrium.Invalid, "role %q is not one of viewer, reviewer, editor, owner", g.Role)
	}
	if n := btoi(g.UserID != "") + btoi(g.UserEmail != "") + btoi(g.TeamSlug != ""); n != 1 {
		return g, atrium.Errorf(atrium.Invalid, "give exactly one of user_id, email or team")
	}
	err := db.update(ctx, func(tx *Tx) error {
		u, err := getUseCase(ctx, tx, slug)
		if err != nil {
			return err
		}
		if err := u.Role.Require(usecase.Owner, "changing who has access"); err != nil {
			return err
		}
		var principal string
		var userID, teamID any
		if g.UserEmail != "" {
			u, err := getUserByEmail(tx, g.UserEmail)
			if atrium.KindOf(err) == atrium.NotFound {
				return atrium.Errorf(atrium.Invalid, "nobody with the e-mail address %s has an account; an administrator can add them", g.UserEmail)
			}
			if err != nil {
				return err
			}
			g.UserID, g.UserEmail = u.ID, u.Email
		}
		if g.UserID != "" {
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE id = $1`, g.UserID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return atrium.Errorf(atrium.Invalid, "no user with id %q", g.UserID)
			}
			principal, userID = "user:"+g.UserID, g.UserID
		} else {
			t, err := getTeam(tx, g.TeamSlug)
			if err != nil {
				return atrium.Errorf(atrium.Invalid, "team %q does not exist", g.TeamSlug)
			}
			g.TeamID, principal, teamID = t.ID, "team:"+t.ID, t.ID
		}
		g.UseCaseID = u.ID
		if err := tx.queryRow(`INSERT INTO usecase_grants (usecase_id, principal, user_id, team_id, role) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (usecase_id, principal) DO UPDATE SET role = excluded.role RETURNING id`,
			u.ID, principal, userID, teamID, g.Role).Scan(&g.ID); err != nil {
			return err
		}
		return tx.appendAudit("usecase.grant.put", "usecase", u.ID, g)
	})
	return g, err
}

// DeleteGrant removes a grant from a use case (owner role).
func (db *DB) DeleteGrant(ctx context.Context, slug string, id int64) error {
	return db.update(ctx, func(tx *Tx) error {
		u, err := getUseCase(ctx, tx, slug)
		if err != nil {
			return err
		}
		if err := u.Role.Require(usecase.Owner, "changing who has access"); err != nil {
			return err
		}
		res, err := tx.exec(`DELETE FROM usecase_grants WHERE id = $1 AND usecase_id = $2`, id, u.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return atrium.Errorf(atrium.NotFound, "no grant %d on use case %q", id, slug)
		}
		return tx.appendAudit("usecase.grant.delete", "usecase", u.ID, map[string]int64{"grant_id": id})
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
