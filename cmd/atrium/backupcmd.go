package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/atrium-mlops/atrium/internal/store"
)

func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, fs := newFlags("backup", getenv, stderr, false)
	out := fs.String("out", "", "file to write the snapshot to; must not exist (required)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out is required")
	}
	if store.IsPostgres(c.DB) {
		return fmt.Errorf("back up PostgreSQL with pg_dump; see docs/operations.md")
	}
	db, err := store.OpenNoMigrate(c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Backup(ctx, *out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup written to %s\n", *out)
	return nil
}

// runRestore replaces the SQLite database with a snapshot after checking that
// the snapshot is a sound Atrium database. It refuses while a server has the
// database open: the server would go on acknowledging writes into a file no
// longer in place, and they would be gone at its next start.
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, fs := newFlags("restore", getenv, stderr, false)
	from := fs.String("from", "", "snapshot file made by atrium backup (required)")
	force := fs.Bool("force", false, "replace an existing database")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return fmt.Errorf("--from is required")
	}
	if store.IsPostgres(c.DB) {
		return fmt.Errorf("restore PostgreSQL with pg_restore or psql; see docs/operations.md")
	}
	// Held until the new file is in place, so a server cannot start on the
	// old one half-way through either.
	lock, err := store.LockExclusive(c.DB)
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("a server is using %s; stop it before restoring", c.DB)
	}
	if err != nil {
		return err
	}
	defer lock.Release()
	if _, err := os.Stat(c.DB); err == nil && !*force {
		return fmt.Errorf("%s exists; stop the server and pass --force to replace it", c.DB)
	}
	snap, err := store.OpenNoMigrate(*from)
	if err != nil {
		return err
	}
	err = snap.Check(ctx)
	snap.Close()
	if err != nil {
		return fmt.Errorf("%s is not a sound Atrium database: %w", *from, err)
	}
	tmp := c.DB + ".restoring"
	// A copy left by an interrupted restore may have any mode, and whoever
	// opened it then could read through that descriptor later; start afresh.
	if err := os.Remove(tmp); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := copyFile(*from, tmp); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(c.DB + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	if err := os.Rename(tmp, c.DB); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s; run \"atrium audit verify\" to check it\n", c.DB, *from)
	return nil
}

// copyFile copies src to a new file dst, durably (written, synced, then
// closed). dst is created 0600 — O_EXCL, so never an older file with a wider
// mode — because the files copied are databases and keys.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
