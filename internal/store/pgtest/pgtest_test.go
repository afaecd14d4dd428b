package pgtest_test

import (
	"context"
	"database/sql"
	"net/url"
	"runtime"
	"testing"

	"github.com/atrium-mlops/atrium/internal/store/pgtest"
)

// fakeTB records how BaseURL ends a test instead of ending this one.
type fakeTB struct {
	testing.TB
	skipped, failed bool
}

func (f *fakeTB) Skipf(string, ...any)  { f.skipped = true; runtime.Goexit() }
func (f *fakeTB) Fatalf(string, ...any) { f.failed = true; runtime.Goexit() }

func TestBaseURLWithoutServer(t *testing.T) {
	tests := []struct {
		ci                  string
		wantSkip, wantFatal bool
	}{
		{"", true, false},
		{"false", true, false},
		{"true", false, true},
	}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv(pgtest.EnvURL, "")
			t.Setenv("CI", tt.ci)
			f := &fakeTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				pgtest.BaseURL(f)
			}()
			<-done
			if f.skipped != tt.wantSkip || f.failed != tt.wantFatal {
				t.Errorf("skipped=%v failed=%v, want %v %v", f.skipped, f.failed, tt.wantSkip, tt.wantFatal)
			}
		})
	}
}

func TestURL(t *testing.T) {
	base := pgtest.BaseURL(t)
	var schema string
	t.Run("inner", func(t *testing.T) {
		u, err := url.Parse(pgtest.URL(t))
		if err != nil {
			t.Fatalf("URL: %v", err)
		}
		schema = u.Query().Get("search_path")
		db := sqlOpen(t, u.String())
		var current string
		if err := db.QueryRowContext(t.Context(), `SELECT current_schema()`).Scan(&current); err != nil || current != schema {
			t.Fatalf("current_schema()=%q, %v; want %q", current, err, schema)
		}
		if _, err := db.ExecContext(t.Context(), `CREATE TABLE t (x INT)`); err != nil {
			t.Fatalf("CREATE TABLE in the schema: %v", err)
		}
	})
	var n int
	if err := sqlOpen(t, base).QueryRowContext(t.Context(), `SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1`, schema).Scan(&n); err != nil || n != 0 {
		t.Errorf("schema %q still exists after the test (%d, %v), want it dropped", schema, n, err)
	}
}

func sqlOpen(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(context.Background()); err != nil {
		t.Fatalf("ping: %v", err)
	}
	return db
}
