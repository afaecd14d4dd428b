package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// readOnly are the options of a read transaction that sees one snapshot of
// the database from its first query to its last, whatever commits meanwhile.
func (db *DB) readOnly() *sql.TxOptions {
	switch db.dialect.name {
	case "postgres":
		// READ COMMITTED, PostgreSQL's default, takes a fresh snapshot for
		// every statement; REPEATABLE READ keeps the first one.
		return &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	default:
		// A read-only SQLite transaction is deferred: in WAL mode its first
		// read fixes the snapshot, and writers carry on beside it. (The
		// driver refuses an explicit REPEATABLE READ.)
		return &sql.TxOptions{ReadOnly: true}
	}
}

// view runs fn in a read-only transaction on one snapshot (see readOnly).
func (db *DB) view(ctx context.Context, fn func(tx *Tx) error) error {
	sqltx, err := db.read.BeginTx(ctx, db.readOnly())
	if err != nil {
		return db.classify(err)
	}
	// Nothing is written, so there is nothing to commit.
	defer sqltx.Rollback()
	return db.classify(fn(&Tx{tx: sqltx, db: db, ctx: ctx}))
}

// UseCaseView is one use case as the acting user sees it, read from one
// snapshot. The use case and the actor's role on it are resolved once, when
// the view is opened; every read that follows reuses them without checking
// access again, so a page that shows many things about a use case makes one
// access check and sees them all as of one moment.
//
// A view holds a read transaction, and with it a connection, until Close:
// open it for one request, read what the page needs, close it before
// rendering. It serves one goroutine. Changes go through the DB's own
// methods, which check access for themselves.
type UseCaseView struct {
	tx    *Tx
	uc    usecase.UseCase
	actor atrium.Actor
	// refs counts the opener and everyone UseCase handed this view to
	// through the context; the last Close ends the transaction.
	refs int
	// Records that several evidence panels ask for are read once.
	stakeholders []people.Stakeholder
	decisions    []decision.Decision
	objectives   map[string][]canvas.Objective
	registry     *RegistryOverview
}

type viewKey struct{}

// WithView returns ctx carrying v, so that code that is handed only a
// context — an evidence provider — reads from the same snapshot: DB.UseCase
// called with it for v's use case returns v instead of opening another view.
func WithView(ctx context.Context, v *UseCaseView) context.Context {
	return context.WithValue(ctx, viewKey{}, v)
}

// UseCase opens a view of the use case named by slug for the actor in ctx.
// A use case they cannot see is NotFound, exactly like a missing one. If ctx
// carries an open view of that use case for the same actor (WithView), that
// view is returned, and closing it leaves it open for whoever opened it.
func (db *DB) UseCase(ctx context.Context, slug string) (*UseCaseView, error) {
	a := actorOf(ctx)
	if v, ok := ctx.Value(viewKey{}).(*UseCaseView); ok && v.refs > 0 && v.tx.db == db && v.uc.Slug == slug && v.actor == a {
		v.refs++
		return v, nil
	}
	sqltx, err := db.read.BeginTx(ctx, db.readOnly())
	if err != nil {
		return nil, db.classify(err)
	}
	tx := &Tx{tx: sqltx, db: db, ctx: ctx}
	u, err := getUseCase(ctx, tx, slug)
	if err != nil {
		sqltx.Rollback()
		return nil, db.classify(err)
	}
	return &UseCaseView{tx: tx, uc: u, actor: a, refs: 1, objectives: map[string][]canvas.Objective{}}, nil
}

// Close ends the view's transaction once everyone who was handed the view
// has closed it. Closing a closed view does nothing.
func (v *UseCaseView) Close() error {
	if v.refs == 0 {
		return nil
	}
	if v.refs--; v.refs > 0 {
		return nil
	}
	// Nothing was written, so there is nothing to commit.
	if err := v.tx.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return v.tx.db.classify(err)
	}
	return nil
}

// UseCase returns the use case with the actor's role on it.
func (v *UseCaseView) UseCase() usecase.UseCase { return v.uc }

// Transitions returns the stage history, oldest first.
func (v *UseCaseView) Transitions() ([]usecase.Transition, error) { return transitions(v.tx, v.uc) }

// Grants lists who holds a role on the use case, each marked Visible when
// the actor may see who holds it.
func (v *UseCaseView) Grants() ([]usecase.Grant, error) { return grants(v.tx, v.actor, v.uc) }

// Canvases returns the use case's canvases, oldest first, with their
// sections and the number of published iterations.
func (v *UseCaseView) Canvases() ([]canvas.Canvas, error) { return listCanvases(v.tx, v.uc) }

// Canvas returns one of the use case's canvases with every saved section;
// a canvas of another use case is NotFound.
func (v *UseCaseView) Canvas(id string) (canvas.Canvas, error) {
	c, err := getCanvas(v.tx, v.uc, id)
	return c, v.tx.db.classify(err)
}

// Iterations lists a canvas's published iterations, newest first, without
// their snapshots.
func (v *UseCaseView) Iterations(canvasID string) ([]canvas.Iteration, error) {
	c, err := canvasOf(v.tx, v.uc, canvasID)
	if err != nil {
		return nil, v.tx.db.classify(err)
	}
	return iterations(v.tx, c)
}

// Objectives lists a canvas's measurable objectives, by section and then
// in the order they were added.
func (v *UseCaseView) Objectives(canvasID string) ([]canvas.Objective, error) {
	if list, ok := v.objectives[canvasID]; ok {
		return slices.Clone(list), nil
	}
	c, err := canvasOf(v.tx, v.uc, canvasID)
	if err != nil {
		return nil, v.tx.db.classify(err)
	}
	list, err := objectives(v.tx, c)
	if err != nil {
		return nil, err
	}
	v.objectives[canvasID] = list
	return slices.Clone(list), nil
}

// Comments returns one page of a section's discussion, oldest first.
func (v *UseCaseView) Comments(canvasID, sectionID string, p atrium.PageRequest) (atrium.Page[canvas.Comment], error) {
	c, err := canvasOf(v.tx, v.uc, canvasID)
	if err != nil {
		return atrium.Page[canvas.Comment]{Items: []canvas.Comment{}}, v.tx.db.classify(err)
	}
	return comments(v.tx, c, sectionID, p)
}

// Stakeholders returns the stakeholder register in the order the entries
// were added.
func (v *UseCaseView) Stakeholders() ([]people.Stakeholder, error) {
	if v.stakeholders == nil {
		list, err := stakeholders(v.tx, v.uc)
		if err != nil {
			return nil, err
		}
		v.stakeholders = list
	}
	return slices.Clone(v.stakeholders), nil
}

// Decisions returns the decision log in number order.
func (v *UseCaseView) Decisions() ([]decision.Decision, error) {
	if v.decisions == nil {
		list, err := decisions(v.tx, v.uc)
		if err != nil {
			return nil, err
		}
		v.decisions = list
	}
	return slices.Clone(v.decisions), nil
}

// Audit returns a page of the use case's own audit entries, newest first.
func (v *UseCaseView) Audit(p atrium.PageRequest) (atrium.Page[AuditRecord], error) {
	return auditEntries(v.tx, audit.Filter{ObjectType: "usecase", ObjectID: v.uc.ID, Page: p})
}
