package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/atrium-mlops/atrium/internal/atrium"
)

// Backup writes a consistent snapshot of an SQLite database to path with
// VACUUM INTO, which reads inside one transaction while writers carry on. The
// file must not exist yet. It holds password, session and token hashes, so no
// one but its owner can read it at any moment, whatever the umask. PostgreSQL
// databases are backed up with pg_dump.
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	if db.dialect.name != "sqlite" {
		return atrium.Errorf(atrium.Invalid, "atrium backup works on SQLite; back up PostgreSQL with pg_dump (see docs/operations.md)")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	// Claiming the name with O_EXCL makes "must not exist" hold even against
	// a second backup started at the same moment; the claim is empty and 0600
	// until the snapshot replaces it.
	claim, err := os.OpenFile(abs, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return atrium.Errorf(atrium.Conflict, "%s already exists; choose a new file name", path)
	}
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	claim.Close()
	defer func() {
		if err != nil {
			os.Remove(abs)
		}
	}()
	// SQLite creates the snapshot file itself, 0666 less the umask, and may
	// put a journal beside it. Inside a folder of our own, which MkdirTemp
	// makes 0700, neither is reachable by anyone else whatever its mode, and
	// the snapshot leaves it only once it is 0600 and complete.
	dir, err := os.MkdirTemp(filepath.Dir(abs), "."+filepath.Base(abs)+".tmp-")
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "snapshot.db")
	if _, err := db.read.ExecContext(ctx, `VACUUM INTO ?`, tmp); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := syncPrivate(tmp); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	syncDir(filepath.Dir(abs))
	return nil
}

// syncPrivate makes the file at path 0600 and durable.
func syncPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Chmod(0o600)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// syncDir makes a rename into dir durable. Some platforms cannot sync a
// folder; the file itself is already synced, so that is not worth failing
// a backup for.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
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
