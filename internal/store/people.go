package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const stakeholderCols = `id, usecase_id, kind, name, role, contact, concerns, before_text, during_text, after_text, notes, subjects, version, created_at, updated_at`

func scanStakeholder(sc scanner) (people.Stakeholder, error) {
	var s people.Stakeholder
	var subjects string
	if err := sc.Scan(&s.ID, &s.UseCaseID, &s.Kind, &s.Name, &s.Role, &s.Contact, &s.Concerns, &s.Before, &s.During, &s.After, &s.Notes,
		&subjects, &s.Version, ts{&s.CreatedAt}, ts{&s.UpdatedAt}); err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(subjects), &s.Subjects); err != nil {
		return s, fmt.Errorf("stakeholder %d: stored subjects: %w", s.ID, err)
	}
	if s.Subjects == nil {
		s.Subjects = []string{}
	}
	return s, nil
}

func getStakeholder(q querier, useCaseID string, id int64) (people.Stakeholder, error) {
	s, err := scanStakeholder(q.queryRow(`SELECT `+stakeholderCols+` FROM stakeholders WHERE id = $1 AND usecase_id = $2`, id, useCaseID))
	return s, notFound(err, "stakeholder %d not found", id)
}

func encodeList[T any](v []T) (string, error) {
	if v == nil {
		v = []T{}
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// normalizeStakeholder validates an entry in place and encodes its subjects.
func normalizeStakeholder(s *people.Stakeholder) (string, error) {
	if err := s.Normalize(); err != nil {
		return "", err
	}
	return encodeList(s.Subjects)
}

// Stakeholders returns a use case's stakeholder register in the order the
// entries were added.
func (db *DB) Stakeholders(ctx context.Context, slug string) ([]people.Stakeholder, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	if err != nil {
		return nil, db.classify(err)
	}
	return stakeholders(r, u)
}

func stakeholders(q querier, u usecase.UseCase) ([]people.Stakeholder, error) {
	return collect(q, scanStakeholder, `SELECT `+stakeholderCols+` FROM stakeholders WHERE usecase_id = $1 ORDER BY id`, u.ID)
}

// CreateStakeholder adds an entry to a use case's stakeholder register
// (editor role).
func (db *DB) CreateStakeholder(ctx context.Context, slug string, s people.Stakeholder) (people.Stakeholder, error) {
	var out people.Stakeholder
	err := db.writeUseCase(ctx, slug, usecase.Editor, "adding a stakeholder", func(tx *Tx, u usecase.UseCase) error {
		// Validated once the role is known to allow the change, so that
		// whoever may not make it hears that first.
		subjects, err := normalizeStakeholder(&s)
		if err != nil {
			return err
		}
		var id int64
		if err := tx.queryRow(`INSERT INTO stakeholders (usecase_id, kind, name, role, contact, concerns, before_text, during_text, after_text, notes, subjects, version, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING id`,
			u.ID, s.Kind, s.Name, s.Role, s.Contact, s.Concerns, s.Before, s.During, s.After, s.Notes, subjects, formatTime(tx.now)).Scan(&id); err != nil {
			return fmt.Errorf("insert stakeholder: %w", err)
		}
		if out, err = getStakeholder(tx, u.ID, id); err != nil {
			return err
		}
		return tx.appendAudit("stakeholder.create", "stakeholder", strconv.FormatInt(id, 10), out)
	})
	return out, err
}

// UpdateStakeholder replaces register entry s.ID (editor role). s.Version
// must be the version the change was made from; otherwise someone else
// changed the entry in between and the update is refused as a Conflict.
func (db *DB) UpdateStakeholder(ctx context.Context, slug string, s people.Stakeholder) (people.Stakeholder, error) {
	var out people.Stakeholder
	err := db.writeUseCase(ctx, slug, usecase.Editor, "changing a stakeholder", func(tx *Tx, u usecase.UseCase) error {
		subjects, err := normalizeStakeholder(&s)
		if err != nil {
			return err
		}
		cur, err := getStakeholder(tx, u.ID, s.ID)
		if err != nil {
			return err
		}
		if s.Version != cur.Version {
			return atrium.Errorf(atrium.Conflict, "stakeholder %q was changed by someone else (now version %d, you edited version %d); reload and try again", cur.Name, cur.Version, s.Version)
		}
		// The version condition also catches a change committed after the read (PostgreSQL).
		res, err := tx.exec(`UPDATE stakeholders SET kind = $1, name = $2, role = $3, contact = $4, concerns = $5, before_text = $6, during_text = $7,
			after_text = $8, notes = $9, subjects = $10, version = version + 1, updated_at = $11 WHERE id = $12 AND version = $13`,
			s.Kind, s.Name, s.Role, s.Contact, s.Concerns, s.Before, s.During, s.After, s.Notes, subjects, formatTime(tx.now), cur.ID, cur.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return atrium.Errorf(atrium.Conflict, "stakeholder %q was changed by someone else at the same time; reload and try again", cur.Name)
		}
		if out, err = getStakeholder(tx, u.ID, cur.ID); err != nil {
			return err
		}
		return tx.appendAudit("stakeholder.update", "stakeholder", strconv.FormatInt(cur.ID, 10), out)
	})
	return out, err
}

// DeleteStakeholder removes an entry from a use case's register (editor role).
func (db *DB) DeleteStakeholder(ctx context.Context, slug string, id int64) error {
	return db.writeUseCase(ctx, slug, usecase.Editor, "removing a stakeholder", func(tx *Tx, u usecase.UseCase) error {
		res, err := tx.exec(`DELETE FROM stakeholders WHERE id = $1 AND usecase_id = $2`, id, u.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return atrium.Errorf(atrium.NotFound, "stakeholder %d not found", id)
		}
		return tx.appendAudit("stakeholder.delete", "stakeholder", strconv.FormatInt(id, 10), map[string]any{"usecase_id": u.ID, "id": id, "deleted": true})
	})
}
