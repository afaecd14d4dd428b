package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/store/storetest"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// open opens url and closes the database when the test ends.
func open(t *testing.T, url string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func sqliteURL(t *testing.T) string { return filepath.Join(t.TempDir(), "atrium.db") }

// dialects lists the databases to test against: SQLite always, PostgreSQL
// when pgtest can reach one.
var dialects = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", sqliteURL},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

func TestStore(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			if d.name == "postgres" {
				pgtest.BaseURL(t) // skip (or, in CI, fail) once rather than per subtest
			}
			storetest.Run(t, func(t *testing.T) *store.DB { return open(t, d.url(t)) })
		})
	}
}

// TestReopen opens the same database twice: the second Open finds every
// migration applied and changes nothing.
func TestReopen(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			url := d.url(t)
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatalf("first Open: %v", err)
			}
			u, err := db.CreateUser(ctx, identity.User{Email: "ada@example.org"}, "")
			if err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			first, _ := db.Migrations(ctx)
			if err := db.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			again := open(t, url)
			second, err := again.Migrations(ctx)
			if err != nil {
				t.Fatalf("Migrations: %v", err)
			}
			if !slices.Equal(first, second) {
				t.Errorf("Migrations after reopening=%v, want %v", second, first)
			}
			if _, err := again.GetUser(ctx, u.ID); err != nil {
				t.Errorf("GetUser after reopening: %v", err)
			}
			if n, _ := again.AuditHeadSize(ctx); n != 1 {
				t.Errorf("audit size after reopening=%d, want 1", n)
			}
		})
	}
}

// TestConcurrentOpen opens one database from several places at once, as a
// server and a CLI command do on SQLite, or replicas of a deployment starting
// on a fresh PostgreSQL database; all must come up.
func TestConcurrentOpen(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			// Several rounds, since a race may not show in every one.
			for round := range 8 {
				url := d.url(t)
				if d.name == "sqlite" {
					open(t, url).Close()
				}
				const n = 4
				errs := make([]error, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() {
						db, err := store.Open(t.Context(), url)
						if err == nil {
							db.Close()
						}
						errs[i] = err
					})
				}
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Fatalf("round %d: Open #%d of %d at once: %v", round, i, n, err)
					}
				}
				ms, err := open(t, url).Migrations(t.Context())
				if err != nil {
					t.Fatalf("Migrations: %v", err)
				}
				for _, m := range ms {
					if !m.Applied {
						t.Errorf("migration %s not applied", m.Version)
					}
				}
			}
		})
	}
}

func TestBackup(t *testing.T) {
	ctx := t.Context()
	db := open(t, sqliteURL(t))
	admin, err := db.CreateUser(ctx, identity.User{Email: "admin@example.org", Admin: true}, "")
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "alpha", Name: "Alpha"}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	actx := atrium.WithActor(ctx, atrium.Actor{UserID: admin.ID, Admin: true})
	create := func(i int) error {
		_, err := db.CreateUseCase(actx, usecase.UseCase{Slug: fmt.Sprintf("uc-%04d", i), Name: "Use case", TeamSlug: "alpha"})
		return err
	}
	for i := range 20 {
		if err := create(i); err != nil {
			t.Fatalf("CreateUseCase: %v", err)
		}
	}

	// Keep writing while the backup runs.
	stop := make(chan struct{})
	written := make(chan int)
	var writeErr error
	go func() {
		i := 20
		defer func() { written <- i }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if writeErr = create(i); writeErr != nil {
				return
			}
			i++
		}
	}()
	path := filepath.Join(t.TempDir(), "backup.db")
	err = db.Backup(ctx, path)
	close(stop)
	total := <-written
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if writeErr != nil {
		t.Fatalf("CreateUseCase during the backup: %v", writeErr)
	}

	snap := open(t, path)
	if err := snap.Check(ctx); err != nil {
		t.Errorf("Check on the backup: %v", err)
	}
	var entries []audit.Entry
	if err := snap.AllAuditEntries(ctx, func(e audit.Entry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatalf("AllAuditEntries: %v", err)
	}
	head, err := snap.AuditHeadSize(ctx)
	if err != nil {
		t.Fatalf("AuditHeadSize: %v", err)
	}
	if _, err := audit.Verify(entries, nil, nil, "", head); err != nil {
		t.Errorf("the backup's audit log does not verify: %v", err)
	}
	page, err := snap.ListUseCases(ctx, usecase.Filter{IncludeArchived: true, Page: atrium.PageRequest{Size: atrium.MaxPageSize}})
	if err != nil {
		t.Fatalf("ListUseCases in the backup: %v", err)
	}
	if page.Total < 20 || page.Total > total {
		t.Errorf("the backup holds %d use cases, want between 20 and %d", page.Total, total)
	}
	if want := int64(2 + page.Total); head != want {
		t.Errorf("the backup's audit log has %d entries for %d use cases, want %d: entries and data must be from one moment", head, page.Total, want)
	}
	for _, u := range page.Items {
		src, err := db.GetUseCase(ctx, u.Slug)
		if err != nil || src.ID != u.ID {
			t.Errorf("use case %s in the backup: in the source %+v, %v; want the same id", u.Slug, src.ID, err)
		}
	}
	t.Logf("backup taken while writing: %d of %d use cases", page.Total, total)

	err = db.Backup(ctx, path)
	if atrium.KindOf(err) != atrium.Conflict {
		t.Errorf("Backup over an existing file: %v, want Conflict", err)
	}
}

func TestBackupPostgres(t *testing.T) {
	db := open(t, pgtest.URL(t))
	err := db.Backup(t.Context(), filepath.Join(t.TempDir(), "backup.db"))
	if atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("Backup on PostgreSQL: %v, want Invalid", err)
	}
}

func TestOpenNoMigrate(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()

	missing := filepath.Join(dir, "missing.db")
	if db, err := store.OpenNoMigrate(missing); err == nil {
		db.Close()
		t.Error("OpenNoMigrate on a missing file succeeded, want an error")
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenNoMigrate left a file at the missing path (stat: %v)", err)
	}

	foreign := filepath.Join(dir, "foreign.db")
	raw, err := sql.Open("sqlite3", foreign)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	if _, err := raw.ExecContext(ctx, `CREATE TABLE notes (body TEXT)`); err != nil {
		t.Fatalf("create a foreign table: %v", err)
	}
	raw.Close()
	db, err := store.OpenNoMigrate(foreign)
	if err != nil {
		t.Fatalf("OpenNoMigrate on an SQLite file: %v", err)
	}
	defer db.Close()
	if err := db.Check(ctx); err == nil {
		t.Error("Check on a database without Atrium's schema passed, want an error")
	}

	good := sqliteURL(t)
	open(t, good).Close()
	db, err = store.OpenNoMigrate(good)
	if err != nil {
		t.Fatalf("OpenNoMigrate: %v", err)
	}
	defer db.Close()
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check on an Atrium database: %v", err)
	}
}
