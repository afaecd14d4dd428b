package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const decisionCols = `d.id, d.number, d.usecase_id, d.title, d.context, d.options, d.decision, d.rationale, d.consequences, d.status,
	d.decided_by, d.decided_at, d.supersedes, d.links, d.version, d.author_id, COALESCE(p.name, d.author_id), d.created_at, d.updated_at`

const decisionFrom = ` FROM decisions d LEFT JOIN users p ON p.id = d.author_id`

func scanDecision(sc scanner) (decision.Decision, error) {
	var d decision.Decision
	var links string
	if err := sc.Scan(&d.ID, &d.Number, &d.UseCaseID, &d.Title, &d.Context, &d.Options, &d.Decision, &d.Rationale, &d.Consequences, &d.Status,
		&d.DecidedBy, &d.DecidedAt, &d.Supersedes, &links, &d.Version, &d.AuthorID, &d.AuthorName, ts{&d.CreatedAt}, ts{&d.UpdatedAt}); err != nil {
		return d, err
	}
	if err := json.Unmarshal([]byte(links), &d.Links); err != nil {
		return d, fmt.Errorf("decision %d: stored links: %w", d.ID, err)
	}
	if d.Links == nil {
		d.Links = []decision.Link{}
	}
	return d, nil
}

func getDecision(q querier, useCaseID string, number int) (decision.Decision, error) {
	d, err := scanDecision(q.queryRow(`SELECT `+decisionCols+decisionFrom+` WHERE d.usecase_id = $1 AND d.number = $2`, useCaseID, number))
	return d, notFound(err, "decision %d not found", number)
}

// Decisions returns a use case's decision log in number order.
func (db *DB) Decisions(ctx context.Context, slug string) ([]decision.Decision, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	if err != nil {
		return nil, db.classify(err)
	}
	return decisions(r, u)
}

func decisions(q querier, u usecase.UseCase) ([]decision.Decision, error) {
	return collect(q, scanDecision, `SELECT `+decisionCols+decisionFrom+` WHERE d.usecase_id = $1 ORDER BY d.number`, u.ID)
}

// GetDecision returns decision number n of a use case.
func (db *DB) GetDecision(ctx context.Context, slug string, number int) (decision.Decision, error) {
	r := db.reader(ctx)
	u, err := getUseCase(ctx, r, slug)
	if err != nil {
		return decision.Decision{}, db.classify(err)
	}
	d, err := getDecision(r, u.ID, number)
	return d, db.classify(err)
}

// CreateDecision records a decision (editor role) under the next number of
// the use case's log, without gaps also when several are recorded at once.
// The actor is its author. An accepted decision that supersedes another
// marks that one superseded, in the same transaction.
func (db *DB) CreateDecision(ctx context.Context, slug string, d decision.Decision) (decision.Decision, error) {
	if err := d.Normalize(); err != nil {
		return d, err
	}
	links, err := encodeList(d.Links)
	if err != nil {
		return d, err
	}
	a := actorOf(ctx)
	var out decision.Decision
	err = db.writeUseCase(ctx, slug, usecase.Editor, "recording a decision", func(tx *Tx, u usecase.UseCase) error {
		if err := tx.lockUseCase(u); err != nil {
			return err
		}
		var n int
		if err := tx.queryRow(`SELECT COALESCE(MAX(number), 0) + 1 FROM decisions WHERE usecase_id = $1`, u.ID).Scan(&n); err != nil {
			return err
		}
		if err := checkSupersedes(tx, u, d.Supersedes, n); err != nil {
			return err
		}
		var id int64
		if err := tx.queryRow(`INSERT INTO decisions (usecase_id, number, title, context, options, decision, rationale, consequences, status,
				decided_by, decided_at, supersedes, links, version, author_id, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15, $15) RETURNING id`,
			u.ID, n, d.Title, d.Context, d.Options, d.Decision, d.Rationale, d.Consequences, d.Status,
			d.DecidedBy, d.DecidedAt, d.Supersedes, links, a.UserID, formatTime(tx.now)).Scan(&id); err != nil {
			return fmt.Errorf("insert decision: %w", err)
		}
		var err error
		if out, err = getDecision(tx, u.ID, n); err != nil {
			return err
		}
		if err := tx.indexDecision(out); err != nil {
			return err
		}
		if err := tx.appendAudit("decision.create", "decision", strconv.FormatInt(out.ID, 10), out); err != nil {
			return err
		}
		return tx.supersede(u, out)
	})
	return out, err
}

// UpdateDecision replaces the record of decision d.Number (or, if that is
// 0, of the decision with id d.ID) (editor role);
// its number, author and creation time stay. d.Version must be the version
// the change was made from, or the update is refused as a Conflict.
func (db *DB) UpdateDecision(ctx context.Context, slug string, d decision.Decision) (decision.Decision, error) {
	if err := d.Normalize(); err != nil {
		return d, err
	}
	links, err := encodeList(d.Links)
	if err != nil {
		return d, err
	}
	var out decision.Decision
	err = db.writeUseCase(ctx, slug, usecase.Editor, "changing a decision", func(tx *Tx, u usecase.UseCase) error {
		if d.Number == 0 && d.ID != 0 {
			// Callers that know the record by its id rather than its number.
			if err := tx.queryRow(`SELECT number FROM decisions WHERE id = $1 AND usecase_id = $2`, d.ID, u.ID).Scan(&d.Number); err != nil {
				return notFound(err, "decision not found")
			}
		}
		cur, err := getDecision(tx, u.ID, d.Number)
		if err != nil {
			return err
		}
		if d.Version != cur.Version {
			return atrium.Errorf(atrium.Conflict, "decision %d was changed by someone else (now version %d, you edited version %d); reload and try again", cur.Number, cur.Version, d.Version)
		}
		if err := checkSupersedes(tx, u, d.Supersedes, cur.Number); err != nil {
			return err
		}
		// The version condition also catches a change committed after the read (PostgreSQL).
		res, err := tx.exec(`UPDATE decisions SET title = $1, context = $2, options = $3, decision = $4, rationale = $5, consequences = $6,
				status = $7, decided_by = $8, decided_at = $9, supersedes = $10, links = $11, version = version + 1, updated_at = $12
			WHERE id = $13 AND version = $14`,
			d.Title, d.Context, d.Options, d.Decision, d.Rationale, d.Consequences, d.Status, d.DecidedBy, d.DecidedAt, d.Supersedes, links,
			formatTime(tx.now), cur.ID, cur.Version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return atrium.Errorf(atrium.Conflict, "decision %d was changed by someone else at the same time; reload and try again", cur.Number)
		}
		if out, err = getDecision(tx, u.ID, cur.Number); err != nil {
			return err
		}
		if err := tx.indexDecision(out); err != nil {
			return err
		}
		if err := tx.appendAudit("decision.update", "decision", strconv.FormatInt(out.ID, 10), out); err != nil {
			return err
		}
		return tx.supersede(u, out)
	})
	return out, err
}

// checkSupersedes refuses a superseded number that is not another decision
// of the same use case; self is the number of the decision being written.
func checkSupersedes(q querier, u usecase.UseCase, n, self int) error {
	if n == 0 {
		return nil
	}
	if n == self {
		return atrium.Errorf(atrium.Invalid, "a decision cannot supersede itself")
	}
	var count int
	if err := q.queryRow(`SELECT COUNT(*) FROM decisions WHERE usecase_id = $1 AND number = $2`, u.ID, n).Scan(&count); err != nil {
		return err
	}
	if count == 0 {
		return atrium.Errorf(atrium.Invalid, "decision %d, which this one supersedes, does not exist in use case %q", n, u.Slug)
	}
	return nil
}

// supersede marks the decision d replaces as superseded once d is accepted,
// with its own audit entry.
func (tx *Tx) supersede(u usecase.UseCase, d decision.Decision) error {
	if d.Status != decision.Accepted || d.Supersedes == 0 {
		return nil
	}
	res, err := tx.exec(`UPDATE decisions SET status = $1, version = version + 1, updated_at = $2 WHERE usecase_id = $3 AND number = $4 AND status <> $1`,
		decision.Superseded, formatTime(tx.now), u.ID, d.Supersedes)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // already superseded: nothing changed, nothing to record
	}
	old, err := getDecision(tx, u.ID, d.Supersedes)
	if err != nil {
		return err
	}
	return tx.appendAudit("decision.supersede", "decision", strconv.FormatInt(old.ID, 10), old)
}

// indexDecision puts a decision's text into the search index.
func (tx *Tx) indexDecision(d decision.Decision) error {
	var body []string
	for _, s := range []string{d.Context, d.Options, d.Decision, d.Rationale, d.Consequences, d.DecidedBy} {
		if s != "" {
			body = append(body, s)
		}
	}
	return tx.putSearchDoc(searchDoc{
		kind: "decision", ref: strconv.FormatInt(d.ID, 10), useCaseID: d.UseCaseID,
		decision: d.Number, title: d.Title, body: strings.Join(body, "\n\n"),
	})
}
