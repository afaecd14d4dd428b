package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// FeedbackFilter selects a use case's feedback; zero fields select all.
type FeedbackFilter struct {
	Kind     telemetry.FeedbackKind
	Status   telemetry.FeedbackStatus
	Version  int    // model version of the prediction it is about
	Assignee string // user id
	// Said keeps only feedback with words in it: corrections, bug
	// reports, comments, and thumbs or ratings that came with a text —
	// what a person has to read, as against plain thumbs and ratings,
	// which count in the figures but ask nothing of the team.
	Said bool
}

// FeedbackChange is a triage step on one feedback item; nil fields stay.
// LinkDecision and UnlinkDecision name a decision of the use case's log by
// its number ("3").
type FeedbackChange struct {
	Status                       *telemetry.FeedbackStatus
	AssigneeID                   *string
	Note                         *string
	LinkDecision, UnlinkDecision string
}

// saidSQL is FeedbackFilter.Said as a condition on the feedback table's
// columns, named with prefix.
func saidSQL(prefix string) string {
	return "(" + prefix + "kind NOT IN ('thumbs', 'rating') OR " + prefix + "text <> '')"
}

// FeedbackSummary counts a use case's feedback since a time.
type FeedbackSummary struct {
	Since    time.Time                          `json:"since"`
	Total    int64                              `json:"total"`
	ByKind   map[telemetry.FeedbackKind]int64   `json:"by_kind"`
	ByStatus map[telemetry.FeedbackStatus]int64 `json:"by_status"`
	// ToTriage counts new feedback with words in it (FeedbackFilter.Said):
	// what waits for someone to read it.
	ToTriage int64 `json:"to_triage"`
	// OpenBugs counts bug reports still new or triaged.
	OpenBugs int64 `json:"open_bugs"`
	// Rated counts thumbs and ratings; PositiveShare is the share of them
	// that were thumbs up or ratings of 4 or 5 (0 when Rated is 0).
	Rated         int64   `json:"rated"`
	PositiveShare float64 `json:"positive_share"`
}

// feedbackCols reads a feedback item with its author's and assignee's
// names and the numbers of the decisions it is linked to.
func (db *DB) feedbackCols() string {
	agg := `group_concat(d.decision_number, ',')`
	if db.dialect.name == "postgres" {
		agg = `string_agg(CAST(d.decision_number AS TEXT), ',')`
	}
	return `f.id, f.prediction_id, f.kind, f.value, f.text, f.contact, f.ts, f.author_id, COALESCE(au.name, ''), f.link_id, f.key_id,
	f.status, f.assignee_id, COALESCE(asg.name, ''), f.note, f.model_version, f.updated_at,
	COALESCE((SELECT ` + agg + ` FROM feedback_decisions d WHERE d.usecase_id = f.usecase_id AND d.feedback_id = f.id), '')`
}

const feedbackFrom = ` FROM feedback f LEFT JOIN users au ON au.id = f.author_id LEFT JOIN users asg ON asg.id = f.assignee_id`

func scanFeedback(sc scanner, extra ...any) (telemetry.Feedback, error) {
	var f telemetry.Feedback
	var decisions string
	dest := append([]any{&f.ID, &f.PredictionID, &f.Kind, &f.Value, &f.Text, &f.Contact, ts{&f.Time}, &f.AuthorID, &f.AuthorName, &f.LinkID, &f.KeyID,
		&f.Status, &f.AssigneeID, &f.AssigneeName, &f.Note, &f.ModelVersion, ts{&f.UpdatedAt}, &decisions}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return f, err
	}
	if decisions != "" {
		ids := strings.Split(decisions, ",")
		slices.SortFunc(ids, func(a, b string) int {
			x, _ := strconv.Atoi(a)
			y, _ := strconv.Atoi(b)
			return x - y
		})
		f.DecisionIDs = ids
	}
	return f, nil
}

func (db *DB) feedbackOf(q querier, useCaseID, id string) (telemetry.Feedback, error) {
	f, err := scanFeedback(q.queryRow(`SELECT `+db.feedbackCols()+feedbackFrom+` WHERE f.usecase_id = $1 AND f.id = $2`, useCaseID, id))
	return f, notFound(err, "no feedback %q in this use case", atrium.Truncate(id, 40))
}

// ListFeedback returns one page of a use case's feedback, newest first
// (viewer role).
func (db *DB) ListFeedback(ctx context.Context, slug string, f FeedbackFilter, p atrium.PageRequest) (atrium.Page[telemetry.Feedback], error) {
	out := atrium.Page[telemetry.Feedback]{Items: []telemetry.Feedback{}}
	r, u, err := db.readUseCaseIn(ctx, slug)
	if err != nil {
		return out, err
	}
	p = pageOf(p)
	args := []any{u.ID}
	where := []string{"f.usecase_id = $1"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Kind != "" {
		add("f.kind = $%d", string(f.Kind))
	}
	if f.Status != "" {
		add("f.status = $%d", string(f.Status))
	}
	if f.Version != 0 {
		add("f.model_version = $%d", f.Version)
	}
	if f.Assignee != "" {
		add("f.assignee_id = $%d", f.Assignee)
	}
	if f.Said {
		where = append(where, saidSQL("f."))
	}
	args = append(args, p.Size, p.Offset)
	items, err := collect(r, func(sc scanner) (telemetry.Feedback, error) { return scanFeedback(sc, &out.Total) },
		`SELECT `+db.feedbackCols()+`, COUNT(*) OVER()`+feedbackFrom+` WHERE `+strings.Join(where, " AND ")+
			fmt.Sprintf(` ORDER BY f.ts DESC, f.id DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return out, db.classify(err)
	}
	out.Items, out.NextPageToken = items, p.NextToken(out.Total)
	return out, nil
}

// GetFeedback returns one feedback item (viewer role).
func (db *DB) GetFeedback(ctx context.Context, slug, id string) (telemetry.Feedback, error) {
	r, u, err := db.readUseCase(ctx, slug)
	if err != nil {
		return telemetry.Feedback{}, err
	}
	f, err := db.feedbackOf(r, u.ID, id)
	return f, db.classify(err)
}

// UpdateFeedback takes a triage step on a feedback item (editor role):
// its status, who looks after it, the note its author sees, and the
// decisions it led to. Audited.
func (db *DB) UpdateFeedback(ctx context.Context, slug, id string, c FeedbackChange) (telemetry.Feedback, error) {
	if c.Status == nil && c.AssigneeID == nil && c.Note == nil && c.LinkDecision == "" && c.UnlinkDecision == "" {
		return telemetry.Feedback{}, atrium.Errorf(atrium.Invalid, "the change is empty: give a status, an assignee, a note or a decision")
	}
	if c.Status != nil && !slices.Contains(telemetry.FeedbackStatuses, *c.Status) {
		return telemetry.Feedback{}, atrium.Errorf(atrium.Invalid, "status must be new, triaged, actioned or dismissed (got %q)", atrium.Truncate(string(*c.Status), 40))
	}
	var note string
	if c.Note != nil {
		var err error
		if note, err = atrium.CheckText("note", *c.Note, telemetry.MaxText, false, true); err != nil {
			return telemetry.Feedback{}, err
		}
	}
	number := func(what, s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return 0, atrium.Errorf(atrium.Invalid, "%s must be a decision number (got %q)", what, atrium.Truncate(s, 20))
		}
		return n, nil
	}
	link, unlink := 0, 0
	var err error
	if c.LinkDecision != "" {
		if link, err = number("link_decision", c.LinkDecision); err != nil {
			return telemetry.Feedback{}, err
		}
	}
	if c.UnlinkDecision != "" {
		if unlink, err = number("unlink_decision", c.UnlinkDecision); err != nil {
			return telemetry.Feedback{}, err
		}
	}
	var f telemetry.Feedback
	err = db.writeUseCase(ctx, slug, usecase.Editor, "triaging feedback", func(tx *Tx, u usecase.UseCase) error {
		var err error
		if f, err = db.feedbackOf(tx, u.ID, id); err != nil {
			return err
		}
		if c.Status != nil {
			f.Status = *c.Status
		}
		if c.AssigneeID != nil {
			if *c.AssigneeID != "" {
				if err := checkAssignee(tx, u, *c.AssigneeID); err != nil {
					return err
				}
			}
			f.AssigneeID = *c.AssigneeID
		}
		if c.Note != nil {
			f.Note = note
		}
		f.UpdatedAt = tx.now
		if _, err := tx.exec(`UPDATE feedback SET status = $1, assignee_id = $2, note = $3, updated_at = $4 WHERE usecase_id = $5 AND id = $6`,
			string(f.Status), f.AssigneeID, f.Note, formatTime(tx.now), u.ID, id); err != nil {
			return err
		}
		if link != 0 {
			if _, err := getDecision(tx, u.ID, link); err != nil {
				return err
			}
			if _, err := tx.exec(`INSERT INTO feedback_decisions (usecase_id, feedback_id, decision_number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				u.ID, id, link); err != nil {
				return err
			}
		}
		if unlink != 0 {
			if _, err := tx.exec(`DELETE FROM feedback_decisions WHERE usecase_id = $1 AND feedback_id = $2 AND decision_number = $3`, u.ID, id, unlink); err != nil {
				return err
			}
		}
		if f, err = db.feedbackOf(tx, u.ID, id); err != nil {
			return err
		}
		return tx.appendAudit("feedback.update", "usecase", u.ID, struct {
			Feedback telemetry.Feedback `json:"feedback"`
			Link     int                `json:"link_decision,omitempty"`
			Unlink   int                `json:"unlink_decision,omitempty"`
		}{f, link, unlink})
	})
	if err != nil {
		return telemetry.Feedback{}, err
	}
	return f, nil
}

// checkAssignee refuses to assign feedback to someone who is not an active
// user able to see the use case.
func checkAssignee(tx *Tx, u usecase.UseCase, userID string) error {
	var disabled bool
	var email, name string
	var admin bool
	err := tx.queryRow(`SELECT email, name, admin, disabled FROM users WHERE id = $1`, userID).Scan(&email, &name, &admin, &disabled)
	if errors.Is(err, sql.ErrNoRows) || disabled {
		return atrium.Errorf(atrium.Invalid, "assignee %q is not an active user", atrium.Truncate(userID, 40))
	}
	if err != nil {
		return err
	}
	role, err := roleOn(tx, atrium.Actor{UserID: userID, Email: email, Name: name, Admin: admin}, u)
	if err != nil {
		return err
	}
	if role == usecase.NoRole {
		return atrium.Errorf(atrium.Invalid, "%s cannot see this use case, so feedback cannot be assigned to them", name)
	}
	return nil
}

// FeedbackByReceipt finds feedback by its author's receipt secret, for the
// public status page (no actor): what was said, its status and the team's
// note, with the use case's name. Who left it, who looks after it and the
// contact address are left out.
func (db *DB) FeedbackByReceipt(ctx context.Context, receipt string) (telemetry.Feedback, string, error) {
	var name string
	f, err := scanFeedback(db.reader(ctx).queryRow(`SELECT `+db.feedbackCols()+`, u.name`+feedbackFrom+` JOIN usecases u ON u.id = f.usecase_id
		WHERE f.receipt_hash = $1`, identity.Digest(receipt)), &name)
	if err != nil {
		return telemetry.Feedback{}, "", db.classify(notFound(err, "no feedback has this receipt"))
	}
	f.Contact, f.AuthorID, f.AuthorName, f.AssigneeID, f.AssigneeName, f.KeyID, f.LinkID, f.DecisionIDs = "", "", "", "", "", "", "", nil
	return f, name, nil
}

// FeedbackSummary counts a use case's feedback received since a time, by
// kind and status (viewer role).
func (db *DB) FeedbackSummary(ctx context.Context, slug string, since time.Time) (FeedbackSummary, error) {
	s := FeedbackSummary{Since: since, ByKind: map[telemetry.FeedbackKind]int64{}, ByStatus: map[telemetry.FeedbackStatus]int64{}}
	r, u, err := db.readUseCaseIn(ctx, slug)
	if err != nil {
		return s, err
	}
	var positive int64
	err = each(r, func(sc scanner) error {
		var kind telemetry.FeedbackKind
		var status telemetry.FeedbackStatus
		var value string
		var said bool
		var n int64
		if err := sc.Scan(&kind, &status, &value, &said, &n); err != nil {
			return err
		}
		if said && status == telemetry.New {
			s.ToTriage += n
		}
		s.Total += n
		s.ByKind[kind] += n
		s.ByStatus[status] += n
		if kind == telemetry.Bug && (status == telemetry.New || status == telemetry.Triaged) {
			s.OpenBugs += n
		}
		if kind == telemetry.Thumbs || kind == telemetry.Rating {
			s.Rated += n
			if value == "up" || value == "4" || value == "5" {
				positive += n
			}
		}
		return nil
	}, `SELECT kind, status, CASE WHEN kind IN ('thumbs', 'rating') THEN value ELSE '' END, `+saidSQL("")+`, COUNT(*) FROM feedback
		WHERE usecase_id = $1 AND ts >= $2 GROUP BY kind, status, CASE WHEN kind IN ('thumbs', 'rating') THEN value ELSE '' END, `+saidSQL(""),
		u.ID, formatTime(since))
	if err != nil {
		return s, db.classify(err)
	}
	if s.Rated > 0 {
		s.PositiveShare = float64(positive) / float64(s.Rated)
	}
	return s, nil
}

// PredictionForLink returns what a feedback form shows of a prediction
// reached through a feedback link, and its model's name. A prediction of
// another use case is reported exactly like a missing one.
func (db *DB) PredictionForLink(ctx context.Context, s LinkScope, predictionID string) (telemetry.PredictionSummary, string, error) {
	var sum telemetry.PredictionSummary
	var id, model string
	err := scanSummary(db.reader(ctx).queryRow(`SELECT `+summaryCols+`, COALESCE(a.name, '') FROM predictions p LEFT JOIN registry_assets a ON a.id = p.asset_id
		WHERE p.usecase_id = $1 AND p.id = $2`, s.UseCaseID, predictionID), &id, &sum, &model)
	if err != nil {
		return sum, "", db.classify(notFound(err, "no prediction %q here", atrium.Truncate(predictionID, 40)))
	}
	return sum, model, nil
}
