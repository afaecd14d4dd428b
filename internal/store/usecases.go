package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// visibleTo is the condition under which the use case aliased "u" can be seen
// by the user bound at $1: they own it, belong to its team, or hold a grant
// directly or through a team. Administrators bypass it.
const visibleTo = `(u.owner_id = $1
	OR u.team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)
	OR u.id IN (SELECT g.usecase_id FROM usecase_grants g WHERE g.user_id = $1
		OR g.team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)))`

const useCaseCols = `u.id, u.slug, u.name, u.summary, u.team_id, t.slug, t.name, u.owner_id, o.name, u.stage, u.archived, u.version, u.created_at, u.updated_at, u.high_risk`

const useCaseFrom = ` FROM usecases u JOIN teams t ON t.id = u.team_id JOIN users o ON o.id = u.owner_id`

func scanUseCase(sc scanner, extra ...any) (usecase.UseCase, error) {
	var u usecase.UseCase
	dest := append([]any{&u.ID, &u.Slug, &u.Name, &u.Summary, &u.TeamID, &u.TeamSlug, &u.TeamName, &u.OwnerID, &u.OwnerName,
		&u.Stage, &u.Archived, &u.Version, ts{&u.CreatedAt}, ts{&u.UpdatedAt}, &u.HighRisk}, extra...)
	err := sc.Scan(dest...)
	return u, err
}

// actorOf returns the acting identity; store calls without one are a bug.
func actorOf(ctx context.Context) atrium.Actor {
	a, ok := atrium.ActorFrom(ctx)
	if !ok {
		return atrium.System
	}
	return a
}

// roleOn computes the actor's effective role on a use case: the strongest of
// administrator (owner), being its owner, belonging to its team (editor), and
// any grant to them or one of their teams. NoRole means the use case must look
// as if it did not exist.
func roleOn(q querier, a atrium.Actor, u usecase.UseCase) (usecase.Role, error) {
	if n := q.store().accessCount; n != nil {
		n.Add(1)
	}
	if a.UseCaseID != "" && a.UseCaseID != u.ID {
		return usecase.NoRole, nil
	}
	if a.Admin || a.IsSystem() || u.OwnerID == a.UserID {
		return usecase.Owner, nil
	}
	// Team membership makes an editor; grants to the user or a team of
	// theirs may give more. One statement answers both.
	granted, err := collect(q, scanOne[usecase.Role], `SELECT CAST($1 AS TEXT) FROM team_members WHERE team_id = $2 AND user_id = $3
		UNION ALL
		SELECT role FROM usecase_grants WHERE usecase_id = $4 AND (user_id = $3
		OR team_id IN (SELECT team_id FROM team_members WHERE user_id = $3))`, string(usecase.Editor), u.TeamID, a.UserID, u.ID)
	role := usecase.NoRole
	for _, r := range granted {
		role = role.Max(r)
	}
	return role, err
}

// getUseCase loads a use case for the actor in ctx, with their role. A use
// case they cannot see is reported exactly like a missing one.
func getUseCase(ctx context.Context, q querier, slug string) (usecase.UseCase, error) {
	u, err := scanUseCase(q.queryRow(`SELECT `+useCaseCols+useCaseFrom+` WHERE u.slug = $1`, slug))
	if err != nil {
		return u, notFound(err, "use case not found")
	}
	if u.Role, err = roleOn(q, actorOf(ctx), u); err != nil {
		return u, err
	}
	if u.Role == usecase.NoRole {
		return usecase.UseCase{}, atrium.Errorf(atrium.NotFound, "use case not found")
	}
	return u, nil
}

// GetUseCase returns a use case the acting user may see, with their role.
func (db *DB) GetUseCase(ctx context.Context, slug string) (usecase.UseCase, error) {
	u, err := getUseCase(ctx, db.reader(ctx), slug)
	return u, db.classify(err)
}

// CreateUseCase adds a use case owned by the actor (unless OwnerID is set)
// for a team given by slug in u.TeamSlug. Only members of that team (or
// administrators) may create use cases for it.
func (db *DB) CreateUseCase(ctx context.Context, u usecase.UseCase) (usecase.UseCase, error) {
	a := actorOf(ctx)
	u.ID, u.Version, u.Archived = atrium.NewID(), 1, false
	if u.OwnerID == "" {
		u.OwnerID = a.UserID
	}
	err := db.update(ctx, func(tx *Tx) error {
		t, err := getTeam(tx, u.TeamSlug)
		if err != nil {
			return atrium.Errorf(atrium.Invalid, "team %q does not exist", u.TeamSlug)
		}
		if err := requireTeamMember(tx, a, t.ID, "you can only create use cases for a team you belong to"); err != nil {
			return err
		}
		// Validated only now, so that someone who may not create a use case
		// for the team hears that rather than what was wrong with the form.
		if err := u.Normalize(); err != nil {
			return err
		}
		u.TeamID, u.CreatedAt, u.UpdatedAt = t.ID, tx.now, tx.now
		_, err = tx.exec(`INSERT INTO usecases (id, slug, name, summary, team_id, owner_id, stage, archived, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, 1, $8, $8)`,
			u.ID, u.Slug, u.Name, u.Summary, u.TeamID, u.OwnerID, u.Stage, formatTime(tx.now))
		if err != nil {
			if err := tx.uniqueAs(err, "a use case with slug %q already exists", u.Slug); atrium.KindOf(err) == atrium.Conflict {
				return err
			}
			return fmt.Errorf("insert use case: %w", err)
		}
		if err := tx.appendAudit("usecase.create", "usecase", u.ID, u); err != nil {
			return err
		}
		u, err = getUseCase(ctx, tx, u.Slug)
		return err
	})
	return u, err
}

// requireTeamMember refuses, as Forbidden with msg, an actor who is neither
// an administrator nor a member of the team: the rule for where a use case
// may be placed, on creation and when moved.
func requireTeamMember(tx *Tx, a atrium.Actor, teamID, msg string) error {
	if a.Admin || a.IsSystem() {
		return nil
	}
	var n int
	if err := tx.queryRow(`SELECT COUNT(*) FROM team_members WHERE team_id = $1 AND user_id = $2`, teamID, a.UserID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return atrium.Errorf(atrium.Forbidden, "%s", msg)
	}
	return nil
}

// ListUseCases returns the page of use cases the actor may see.
func (db *DB) ListUseCases(ctx context.Context, f usecase.Filter) (atrium.Page[usecase.UseCase], error) {
	a := actorOf(ctx)
	args := []any{a.UserID}
	where := []string{"($1 = '' OR " + visibleTo + ")"}
	if a.Admin || a.IsSystem() {
		args[0] = ""
	}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if a.UseCaseID != "" {
		add("u.id = $%d", a.UseCaseID)
	}
	if f.Stage != "" {
		add("u.stage = $%d", f.Stage)
	}
	if f.Team != "" {
		add("t.slug = $%d", f.Team)
	}
	if f.Query != "" {
		add("LOWER(u.name) LIKE $%d ESCAPE '\\'", "%"+escapeLike(strings.ToLower(f.Query))+"%")
	}
	if !f.IncludeArchived {
		where = append(where, "u.archived = FALSE")
	}
	args = append(args, f.Page.Size, f.Page.Offset)
	q := `SELECT ` + useCaseCols + `, COUNT(*) OVER()` + useCaseFrom + ` WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY u.name, u.slug LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
	var page atrium.Page[usecase.UseCase]
	items, err := collect(db.reader(ctx), func(sc scanner) (usecase.UseCase, error) { return scanUseCase(sc, &page.Total) }, q, args...)
	if err != nil {
		return atrium.Page[usecase.UseCase]{Items: []usecase.UseCase{}}, err
	}
	page.Items, page.NextPageToken = items, f.Page.NextToken(page.Total)
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// mutateUseCase loads a use case for the actor inside a transaction, checks
// their role and the expected version, lets fn change it, saves the editable
// columns, bumps the version and appends the audit entry.
func (db *DB) mutateUseCase(ctx context.Context, slug string, min usecase.Role, version int64, action string, fn func(tx *Tx, u *usecase.UseCase) error) (usecase.UseCase, error) {
	var u usecase.UseCase
	err := db.update(ctx, func(tx *Tx) error {
		var err error
		if u, err = getUseCase(ctx, tx, slug); err != nil {
			return err
		}
		if err := u.Role.Require(min, "this change"); err != nil {
			return err
		}
		if version != 0 && version != u.Version {
			return atrium.Errorf(atrium.Conflict, "use case %q was changed by someone else (version %d, you edited version %d); reload and try again", slug, u.Version, version)
		}
		if err := fn(tx, &u); err != nil {
			return err
		}
		read := u.Version
		u.Version++
		u.UpdatedAt = tx.now
		// The version condition catches a concurrent change that committed
		// after getUseCase read the row (PostgreSQL; SQLite's single writer
		// cannot interleave).
		res, err := tx.exec(`UPDATE usecases SET name = $1, summary = $2, team_id = $3, owner_id = $4, stage = $5, archived = $6, version = $7, updated_at = $8 WHERE id = $9 AND version = $10`,
			u.Name, u.Summary, u.TeamID, u.OwnerID, u.Stage, u.Archived, u.Version, formatTime(u.UpdatedAt), u.ID, read)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return atrium.Errorf(atrium.Conflict, "use case %q was changed by someone else at the same time; reload and try again", slug)
		}
		if err := tx.appendAudit(action, "usecase", u.ID, u); err != nil {
			return err
		}
		// Read back without the visibility check: an actor who just gave the
		// use case away still sees the result, with the role they now have.
		if u, err = scanUseCase(tx.queryRow(`SELECT `+useCaseCols+useCaseFrom+` WHERE u.id = $1`, u.ID)); err != nil {
			return err
		}
		u.Role, err = roleOn(tx, actorOf(ctx), u)
		return err
	})
	return u, err
}

// UpdateUseCase edits name, summary, owning team or owner. Editors may change
// the text; moving a use case to another team or owner needs the owner role.
func (db *DB) UpdateUseCase(ctx context.Context, slug string, p usecase.Patch) (usecase.UseCase, error) {
	min := usecase.Editor
	if p.Team != nil || p.OwnerID != nil {
		min = usecase.Owner
	}
	return db.mutateUseCase(ctx, slug, min, p.Version, "usecase.update", func(tx *Tx, u *usecase.UseCase) error {
		if u.Archived {
			return atrium.Errorf(atrium.Conflict, "use case %q is archived; restore it before editing", slug)
		}
		// The team first: moving is refused to a non-member before the
		// rest of the patch is validated, as on creation.
		if p.Team != nil {
			t, err := getTeam(tx, *p.Team)
			if err != nil {
				return atrium.Errorf(atrium.Invalid, "team %q does not exist", *p.Team)
			}
			// The rule CreateUseCase applies: otherwise an owner could place a
			// use case where they could not have created it.
			if err := requireTeamMember(tx, actorOf(ctx), t.ID, "you can only move a use case to a team you belong to"); err != nil {
				return err
			}
			u.TeamID, u.TeamSlug, u.TeamName = t.ID, t.Slug, t.Name
		}
		if err := p.Apply(u); err != nil {
			return err
		}
		if p.OwnerID != nil {
			var disabled bool
			if err := tx.queryRow(`SELECT disabled FROM users WHERE id = $1`, *p.OwnerID).Scan(&disabled); err != nil || disabled {
				return atrium.Errorf(atrium.Invalid, "owner %q is not an active user", *p.OwnerID)
			}
			u.OwnerID = *p.OwnerID
		}
		return nil
	})
}

// SetArchived archives or restores a use case (owner role).
func (db *DB) SetArchived(ctx context.Context, slug string, archived bool) (usecase.UseCase, error) {
	action := "usecase.archive"
	if !archived {
		action = "usecase.restore"
	}
	u, err := db.mutateUseCase(ctx, slug, usecase.Owner, 0, action, func(_ *Tx, u *usecase.UseCase) error {
		if u.Archived == archived {
			return atrium.Errorf(atrium.Conflict, "use case %q is already %s", slug, map[bool]string{true: "archived", false: "active"}[archived])
		}
		u.Archived = archived
		return nil
	})
	// Ingestion keys and feedback links of an archived use case stop
	// working at once.
	db.telemetry.keys.changed()
	db.telemetry.links.changed()
	return u, err
}

// Transition moves a use case to another stage (editor role), after the
// gate agrees, and records the move in the stage history.
func (db *DB) Transition(ctx context.Context, slug string, to usecase.Stage, note string, gate usecase.Gate) (usecase.UseCase, error) {
	a := actorOf(ctx)
	return db.mutateUseCase(ctx, slug, usecase.Editor, 0, "usecase.transition", func(tx *Tx, u *usecase.UseCase) error {
		note, err := usecase.CheckTransition(*u, to, note, gate)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`INSERT INTO usecase_transitions (usecase_id, from_stage, to_stage, note, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6)`,
			u.ID, u.Stage, to, note, a.UserID, formatTime(tx.now)); err != nil {
			return err
		}
		u.Stage = to
		return nil
	})
}

// Transitions returns the stage history of a use case, oldest first.
func (db *DB) Transitions(ctx context.Context, slug string) ([]usecase.Transition, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	if err != nil {
		return nil, db.classify(err)
	}
	return transitions(r, u)
}

func transitions(q querier, u usecase.UseCase) ([]usecase.Transition, error) {
	return collect(q, func(sc scanner) (usecase.Transition, error) {
		var h usecase.Transition
		err := sc.Scan(&h.ID, &h.From, &h.To, &h.Note, &h.ActorID, &h.ActorName, ts{&h.At})
		return h, err
	}, `SELECT h.id, h.from_stage, h.to_stage, h.note, h.actor_id, COALESCE(p.name, h.actor_id), h.at
		FROM usecase_transitions h LEFT JOIN users p ON p.id = h.actor_id WHERE h.usecase_id = $1 ORDER BY h.id`, u.ID)
}
