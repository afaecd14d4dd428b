package store

import (
	"database/sql"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// TestDroppedConnectionIsUnavailable ends a read transaction's PostgreSQL
// backend from another connection, as a failover or an operator would,
// while its rows are still coming in. The read fails as Unavailable (a 503),
// and so does the transaction's next statement, which hears of the loss
// only as a bad connection.
func TestDroppedConnectionIsUnavailable(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	killer, err := sql.Open("pgx", pgtest.BaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close()
	var during, after error
	err = db.view(ctx, func(tx *Tx) error {
		var pid int
		if err := tx.queryRow(`SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			return err
		}
		read := 0
		// Far more rows than the socket buffers hold, so most are still
		// on the server when its backend goes.
		_, during = collect(tx, func(sc scanner) (int, error) {
			var n int
			err := sc.Scan(&n)
			if read++; read == 1 {
				if _, err := killer.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
					t.Fatalf("pg_terminate_backend: %v", err)
				}
			}
			return n, err
		}, `SELECT g FROM generate_series(1, 2000000) g`)
		_, after = stakeholders(tx, usecase.UseCase{ID: "nothing"})
		return nil
	})
	if err != nil {
		t.Fatalf("view: %v", err)
	}
	if got := atrium.KindOf(during); got != atrium.Unavailable {
		t.Errorf("rows cut off: kind=%q (err=%v), want %q", got, during, atrium.Unavailable)
	}
	if got := atrium.KindOf(after); got != atrium.Unavailable {
		t.Errorf("next read in the transaction: kind=%q (err=%v), want %q", got, after, atrium.Unavailable)
	}
	// The pool drops the dead connection; the next request is served.
	if _, err := db.CountUsers(ctx); err != nil {
		t.Errorf("CountUsers after the drop: %v", err)
	}

	// A page's view loses its connection between two reads.
	sys := atrium.WithActor(ctx, atrium.System)
	ada, err := db.CreateUser(sys, identity.User{Email: "ada@example.org", Name: "Ada"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTeam(sys, identity.Team{Slug: "lending", Name: "Lending"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTeamMember(sys, "lending", ada.ID); err != nil {
		t.Fatal(err)
	}
	actx := atrium.WithActor(ctx, atrium.Actor{UserID: ada.ID})
	if _, err := db.CreateUseCase(actx, usecase.UseCase{Slug: "risks", Name: "Risks", TeamSlug: "lending"}); err != nil {
		t.Fatal(err)
	}
	v, err := db.UseCase(actx, "risks")
	if err != nil {
		t.Fatalf("UseCase: %v", err)
	}
	defer v.Close()
	var pid int
	if err := v.tx.queryRow(`SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := killer.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatalf("pg_terminate_backend: %v", err)
	}
	for name, read := range map[string]func() error{
		"Grants":   func() error { _, err := v.Grants(); return err },
		"Canvases": func() error { _, err := v.Canvases(); return err },
	} {
		if err := read(); atrium.KindOf(err) != atrium.Unavailable {
			t.Errorf("%s after the drop: kind=%q (err=%v), want %q", name, atrium.KindOf(err), err, atrium.Unavailable)
		}
	}
}
