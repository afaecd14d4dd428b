package store

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
)

func TestRebindSQLite(t *testing.T) {
	tests := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`WHERE id = $1`, `WHERE id = ?1`},
		{`VALUES ($1, $2, $10, $11)`, `VALUES (?1, ?2, ?10, ?11)`},
		{`WHERE b = $2 AND a = $1`, `WHERE b = ?2 AND a = ?1`}, // order kept by number
		{`WHERE a = $1 OR b = $1`, `WHERE a = ?1 OR b = ?1`},
		{`SELECT '$1', $1`, `SELECT '$1', ?1`},
		{`SELECT 'it''s $1', $2`, `SELECT 'it''s $1', ?2`},
		{`LIKE $3 ESCAPE '\'`, `LIKE ?3 ESCAPE '\'`},
		{`SELECT $ || $x`, `SELECT $ || $x`},
		{`SELECT $1$`, `SELECT ?1$`},
	}
	for _, tt := range tests {
		if got := rebindSQLite(tt.in); got != tt.want {
			t.Errorf("rebindSQLite(%q)=%q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMigrationFoldersMatch checks that both dialects have the same
// migrations, so neither database can fall behind the other.
func TestMigrationFoldersMatch(t *testing.T) {
	names := func(dir string) []string {
		entries, err := fs.ReadDir(migrations, "migrations/"+dir)
		if err != nil {
			t.Fatalf("read migrations/%s: %v", dir, err)
		}
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	lite, pg := names("sqlite"), names("postgres")
	if len(lite) == 0 {
		t.Fatal("no SQLite migrations embedded")
	}
	if !slices.Equal(lite, pg) {
		t.Errorf("migrations/sqlite=%q, migrations/postgres=%q, want the same file names", lite, pg)
	}
}

// TestSecretsNotStored reads the tables behind tokens and sessions directly:
// they hold only digests, never a secret a database reader could replay.
func TestSecretsNotStored(t *testing.T) {
	urls := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "atrium.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			db, err := Open(ctx, urls[name](t))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			t.Cleanup(func() { db.Close() })
			u, err := db.CreateUser(ctx, identity.User{Email: "ada@example.org"}, "")
			if err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			_, token, err := db.CreateToken(ctx, u.ID, "ci", 0)
			if err != nil {
				t.Fatalf("CreateToken: %v", err)
			}
			session, err := db.CreateSession(ctx, u.ID, time.Hour)
			if err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
			for table, secret := range map[string]string{"api_tokens": token, "sessions": session} {
				rows, err := db.read.QueryContext(ctx, `SELECT * FROM `+table)
				if err != nil {
					t.Fatalf("read %s: %v", table, err)
				}
				cols, _ := rows.Columns()
				found := 0
				for rows.Next() {
					vals := make([]sql.NullString, len(cols))
					dest := make([]any, len(cols))
					for i := range vals {
						dest[i] = &vals[i]
					}
					if err := rows.Scan(dest...); err != nil {
						t.Fatalf("scan %s: %v", table, err)
					}
					for i, v := range vals {
						if strings.Contains(v.String, secret) || strings.Contains(v.String, secret[len(secret)-20:]) {
							t.Errorf("%s.%s holds the secret", table, cols[i])
						}
						if v.String == identity.Digest(secret) {
							found++
						}
					}
				}
				rows.Close()
				if found != 1 {
					t.Errorf("%s holds the secret's digest %d times, want once", table, found)
				}
			}
		})
	}
}
