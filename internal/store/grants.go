package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// ErrNoGrantee is the cause of the Invalid error PutGrant returns when no
// user has the given id or e-mail address, or no team the given slug. The
// web layer answers it exactly like a grant to someone the grantor may not
// see, so that granting cannot be used to find out who has an account.
var ErrNoGrantee = errors.New("no such user or team")

// grantCols reads a grant with who holds it and whether the user bound at
// $2 may see them: it is their own grant, or they share a team with the
// grantee, or (for a team grant) they belong to the team.
const grantCols = `g.id, COALESCE(g.user_id, ''), COALESCE(p.email, ''), COALESCE(p.name, ''),
	COALESCE(g.team_id, ''), COALESCE(t.slug, ''), COALESCE(t.name, ''), g.role,
	CASE
		WHEN g.user_id = $2 THEN TRUE
		WHEN g.user_id IS NOT NULL AND EXISTS (SELECT 1 FROM team_members mine JOIN team_members theirs ON theirs.team_id = mine.team_id
			WHERE mine.user_id = $2 AND theirs.user_id = g.user_id) THEN TRUE
		WHEN g.team_id IS NOT NULL AND EXISTS (SELECT 1 FROM team_members mine WHERE mine.team_id = g.team_id AND mine.user_id = $2) THEN TRUE
		ELSE FALSE
	END`

const grantFrom = ` FROM usecase_grants g LEFT JOIN users p ON p.id = g.user_id LEFT JOIN teams t ON t.id = g.team_id`

func scanGrant(sc scanner, a atrium.Actor) (usecase.Grant, error) {
	var g usecase.Grant
	err := sc.Scan(&g.ID, &g.UserID, &g.UserEmail, &g.UserName, &g.TeamID, &g.TeamSlug, &g.TeamName, &g.Role, &g.Visible)
	// Administrators may see everyone; so may Atrium itself.
	g.Visible = g.Visible || a.Admin || a.IsSystem()
	return g, err
}

// Grants lists who holds a role on a use case, each marked Visible when the
// acting user may see who holds it.
func (db *DB) Grants(ctx context.Context, slug string) ([]usecase.Grant, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	if err != nil {
		return nil, db.classify(err)
	}
	return grants(r, actorOf(ctx), u)
}

func grants(q querier, a atrium.Actor, u usecase.UseCase) ([]usecase.Grant, error) {
	return collect(q, func(sc scanner) (usecase.Grant, error) {
		g, err := scanGrant(sc, a)
		g.UseCaseID = u.ID
		return g, err
	}, `SELECT `+grantCols+grantFrom+` WHERE g.usecase_id = $1 ORDER BY g.id`, u.ID, a.UserID)
}

// PutGrant gives a user (by id or e-mail) or a team (by slug) a role on a
// use case, or changes the role they already have. It needs the owner role,
// checked before anything else about the request. The grant comes back as
// Grants would list it, Visible included; a grantee that does not exist is
// an Invalid error whose cause is ErrNoGrantee.
func (db *DB) PutGrant(ctx context.Context, slug string, g usecase.Grant) (usecase.Grant, error) {
	a := actorOf(ctx)
	err := db.update(ctx, func(tx *Tx) error {
		u, err := getUseCase(ctx, tx, slug)
		if err != nil {
			return err
		}
		// Authorised before the request is validated, so that someone who may
		// not change access hears that, not what was wrong with the request.
		if err := u.Role.Require(usecase.Owner, "changing who has access"); err != nil {
			return err
		}
		if !g.Role.Valid() {
			return atrium.Errorf(atrium.Invalid, "role %q is not one of viewer, reviewer, editor, owner", g.Role)
		}
		if n := btoi(g.UserID != "") + btoi(g.UserEmail != "") + btoi(g.TeamSlug != ""); n != 1 {
			return atrium.Errorf(atrium.Invalid, "give exactly one of user_id, email or team")
		}
		// Checked by shape, not by lookup, so a malformed id is refused the
		// same whether or not anyone has it.
		if g.UserID != "" && !isID(g.UserID) {
			return atrium.Errorf(atrium.Invalid, "user_id is not a user id: ids are 32 hexadecimal characters")
		}
		var principal string
		var userID, teamID any
		if g.UserEmail != "" {
			if g.UserEmail, err = identity.NormalizeEmail(g.UserEmail); err != nil {
				return err
			}
			p, err := getUserByEmail(tx, g.UserEmail)
			if atrium.KindOf(err) == atrium.NotFound {
				return noGrantee("nobody with the e-mail address %s has an account; an administrator can add them", g.UserEmail)
			}
			if err != nil {
				return err
			}
			g.UserID = p.ID
		}
		if g.UserID != "" {
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM users WHERE id = $1`, g.UserID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return noGrantee("no user with id %q", g.UserID)
			}
			principal, userID = "user:"+g.UserID, g.UserID
		} else {
			t, err := getTeam(tx, g.TeamSlug)
			if atrium.KindOf(err) == atrium.NotFound {
				return noGrantee("team %q does not exist", g.TeamSlug)
			}
			if err != nil {
				return err
			}
			principal, teamID = "team:"+t.ID, t.ID
		}
		var id int64
		if err := tx.queryRow(`INSERT INTO usecase_grants (usecase_id, principal, user_id, team_id, role) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (usecase_id, principal) DO UPDATE SET role = excluded.role RETURNING id`,
			u.ID, principal, userID, teamID, g.Role).Scan(&id); err != nil {
			return err
		}
		if g, err = scanGrant(tx.queryRow(`SELECT `+grantCols+grantFrom+` WHERE g.id = $1`, id, a.UserID), a); err != nil {
			return err
		}
		g.UseCaseID = u.ID
		// Ids, address and slug, not names: use-case viewers read this entry.
		return tx.appendAudit("usecase.grant.put", "usecase", u.ID, usecase.Grant{ID: g.ID, UserID: g.UserID, UserEmail: g.UserEmail,
			TeamID: g.TeamID, TeamSlug: g.TeamSlug, Role: g.Role})
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

// noGrantee is the Invalid error for a grantee that does not exist.
func noGrantee(format string, args ...any) error {
	return &atrium.Error{Kind: atrium.Invalid, Msg: fmt.Sprintf(format, args...), Err: ErrNoGrantee}
}

// isID reports whether s has the shape of an id from atrium.NewID.
func isID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
