package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/atrium-mlops/atrium/internal/store"
)

// pseudonymKeyBytes is the size of the key that turns subjects and hashed
// fields into pseudonyms (HMAC-SHA256).
const pseudonymKeyBytes = 32

// loadOrCreatePseudonymKey reads the pseudonymisation key, creating it
// (32 random bytes, mode 0600) when the file does not exist. Losing it
// means the same subject gets another pseudonym from then on, so it is
// backed up with the audit key; it is never printed or logged.
func loadOrCreatePseudonymKey(path string) ([]byte, error) {
	key, err := readPseudonymKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("pseudonymisation key: %w", err)
	}
	key = make([]byte, pseudonymKeyBytes)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return readPseudonymKey(path) // another process made it first: use theirs
	}
	if err != nil {
		return nil, fmt.Errorf("pseudonymisation key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("pseudonymisation key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("pseudonymisation key %s: %w", path, err)
	}
	return key, f.Close()
}

// readPseudonymKey reads an existing key file and checks it.
func readPseudonymKey(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("pseudonymisation key %s is not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("pseudonymisation key %s can be read by others (mode %04o); chmod 600 it", path, st.Mode().Perm())
	}
	key, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pseudonymisation key: %w", err)
	}
	if len(key) != pseudonymKeyBytes {
		return nil, fmt.Errorf("pseudonymisation key %s holds %d bytes, want %d: restore it from the backup it was kept in", path, len(key), pseudonymKeyBytes)
	}
	return key, nil
}

// retention is what the retention loop needs of the store.
type retention interface {
	MaintainPartitions(ctx context.Context, now time.Time) error
	SweepPayloads(ctx context.Context, now time.Time) (store.SweepResult, error)
}

// runRetention keeps the payload partitions ahead of time and deletes
// payloads past their use case's retention: once at start, then every
// interval, until ctx ends. It logs counts only.
func runRetention(ctx context.Context, db retention, every time.Duration, now func() time.Time, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		retentionPass(ctx, db, now(), log)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// retentionPass is one run of the retention loop.
func retentionPass(ctx context.Context, db retention, now time.Time, log *slog.Logger) {
	if err := db.MaintainPartitions(ctx, now); err != nil && ctx.Err() == nil {
		log.Error("retention: maintain partitions", "err", err)
	}
	res, err := db.SweepPayloads(ctx, now)
	if err != nil {
		if ctx.Err() == nil {
			log.Error("retention: sweep payloads", "err", err)
		}
		return
	}
	log.Info("retention: swept payloads", sweepAttrs(res)...)
}

// sweepAttrs are the counts of a sweep, for the log.
func sweepAttrs(r store.SweepResult) []any {
	return []any{"usecases", r.UseCases, "payloads", r.Payloads, "partitions", len(r.Partitions)}
}
