//go:build unix

package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// TestBackupNeverReadableByOthers watches the backup's folder while a backup
// of a few dozen megabytes is written, under the common umask 022, and
// fails if any file in it is ever readable or writable by group or others.
func TestBackupNeverReadableByOthers(t *testing.T) {
	// With umask 077 a file SQLite creates would be private anyway and this
	// test could not fail; 022 is what most servers run with.
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	ctx := t.Context()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "atrium.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	// Enough pages that the copy lasts long enough to be watched.
	for _, q := range []string{
		`CREATE TABLE filler (b BLOB)`,
		`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 16) INSERT INTO filler SELECT randomblob(1048576) FROM n`,
	} {
		if _, err := db.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	out := t.TempDir()
	path := filepath.Join(out, "backup.db")
	done := make(chan struct{})
	var wg sync.WaitGroup
	var seen int         // looks that found the backup file before Backup returned
	var exposed []string // every file seen with group or other bits
	wg.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			entries, _ := os.ReadDir(out)
			for _, e := range entries {
				info, err := e.Info()
				if err != nil {
					continue // renamed or removed since ReadDir
				}
				if e.Name() == "backup.db" {
					seen++
				}
				if info.Mode().Perm()&0o077 != 0 {
					exposed = append(exposed, fmt.Sprintf("%s %v", e.Name(), info.Mode()))
				}
			}
		}
	})
	err = db.Backup(ctx, path)
	close(done)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup: %v", err)
	}
	if len(exposed) > 0 {
		t.Errorf("while the backup was written, others could read: %v (in %d looks)", exposed[0], len(exposed))
	}
	if seen == 0 {
		t.Fatalf("never saw %s while the backup ran, so its mode went unchecked", path)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("backup mode=%v, want 0600", got)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("backup folder holds %d entries, want only the backup (no temporary files left)", len(entries))
	}
	t.Logf("looked at the backup %d times while it was written", seen)
}

// TestBackupFailureLeavesNothing checks that a failed backup removes its
// claim on the name and its temporary folder.
func TestBackupFailureLeavesNothing(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "atrium.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	out := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := db.Backup(ctx, filepath.Join(out, "backup.db")); err == nil {
		t.Fatal("Backup with a cancelled context succeeded, want an error")
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("after a failed backup the folder holds %v, want nothing", entries)
	}
}
