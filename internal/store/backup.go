package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Backup writes a consistent snapshot of an SQLite database to path with
// VACUUM INTO, which reads inside one transaction while writers carry on. The
// file must not exist yet. PostgreSQL databases are backed up with pg_dump.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect.name != "sqlite" {
		return atrium.Errorf(atrium.Invalid, "atrium backup works on SQLite; back up PostgreSQL with pg_dump (see docs/operations.md)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err == nil {
		return atrium.Errorf(atrium.Conflict, "%s already exists; choose a new file name", path)
	}
	if _, err := db.read.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return os.Chmod(abs, 0o600)
}

// Check runs SQLite's integrity check and confirms the schema is Atrium's,
// so a restore never puts a damaged or foreign file in place.
func (db *DB) Check(ctx context.Context) error {
	if db.dialect.name == "sqlite" {
		var res string
		if err := db.read.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
			return err
		}
		if res != "ok" {
			return fmt.Errorf("integrity check: %s", res)
		}
	}
	var n int
	if err := db.reader(ctx).queryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		return fmt.Errorf("no Atrium schema: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("no Atrium migrations recorded")
	}
	return nil
}
