package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

//go:embed migrations
var migrations embed.FS

// migrateLockID names the PostgreSQL advisory lock that Migrate holds.
const migrateLockID = 0x617472_69756d // "atrium"

// Migration is one schema change, as listed by Migrations.
type Migration struct {
	Version string
	Applied bool
}

func (db *DB) migrationFiles() ([]string, error) {
	names, err := fs.Glob(migrations, "migrations/"+db.dialect.name+"/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// Migrate applies every migration not yet recorded in schema_migrations, each
// in its own transaction, in file-name order. It is safe to run concurrently
// from several processes: the bookkeeping table's primary key lets only one
// record a version, and the loser's transaction rolls back.
func (db *DB) Migrate(ctx context.Context) error {
	if db.dialect.name == "postgres" {
		// Replicas starting together would each create the same tables and
		// all but one fail on the catalog's unique index; a session-level
		// advisory lock queues them, and the later ones find nothing to do.
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockID); err != nil {
			return fmt.Errorf("migrate: take lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockID)
	}
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	files, err := db.migrationFiles()
	if err != nil {
		return err
	}
	for _, f := range files {
		version := strings.TrimSuffix(f[strings.LastIndexByte(f, '/')+1:], ".sql")
		body, err := migrations.ReadFile(f)
		if err != nil {
			return err
		}
		err = db.update(ctx, func(tx *Tx) error {
			var n int
			if err := tx.queryRow(`SELECT COUNT(*) FROM schema_migrations WHERE version = $1`, version).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("migration %s: %w", version, err)
			}
			_, err := tx.exec(`INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, version, formatTime(tx.now))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// Migrations lists the known migrations and whether each has been applied.
func (db *DB) Migrations(ctx context.Context) ([]Migration, error) {
	files, err := db.migrationFiles()
	if err != nil {
		return nil, err
	}
	applied := map[string]bool{}
	// A database without the table has no migration applied; one that
	// cannot be reached says so.
	versions, err := collect(db.reader(ctx), scanOne[string], `SELECT version FROM schema_migrations`)
	if atrium.KindOf(err) == atrium.Unavailable {
		return nil, err
	}
	for _, v := range versions {
		applied[v] = true
	}
	var out []Migration
	for _, f := range files {
		v := strings.TrimSuffix(f[strings.LastIndexByte(f, '/')+1:], ".sql")
		out = append(out, Migration{Version: v, Applied: applied[v]})
	}
	return out, nil
}
