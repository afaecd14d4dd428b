package audit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Head is what the checkpointer needs from the log's storage.
type Head interface {
	AuditTreeHead(ctx context.Context) (int64, tlog.Hash, error)
	LastCheckpointSize(ctx context.Context) (int64, error)
	SaveCheckpoint(ctx context.Context, size int64, note string) error
}

// Checkpointer signs the log's head: after every Every new entries, at least
// every Interval while entries arrive, and once more when Run stops. Each
// checkpoint goes into the database and, so that it survives someone cutting
// the database's tail, into File as well.
type Checkpointer struct {
	Head     Head
	Signer   note.Signer
	Origin   string
	File     string
	Every    int64
	Interval time.Duration
	Log      *slog.Logger
}

// Checkpoint signs the current head if it grew since the last checkpoint and
// reports the size it signed (0 when there was nothing new).
func (c *Checkpointer) Checkpoint(ctx context.Context) (int64, error) {
	size, root, err := c.Head.AuditTreeHead(ctx)
	if err != nil {
		return 0, fmt.Errorf("read audit head: %w", err)
	}
	last, err := c.Head.LastCheckpointSize(ctx)
	if err != nil {
		return 0, fmt.Errorf("read last checkpoint: %w", err)
	}
	if size <= last {
		return 0, nil
	}
	signed, err := SignCheckpoint(c.Signer, c.Origin, size, root)
	if err != nil {
		return 0, err
	}
	// The file first: if the database write then fails, the outside copy is
	// still a true statement about the log.
	if err := AppendCheckpointFile(c.File, signed); err != nil {
		return 0, err
	}
	if err := c.Head.SaveCheckpoint(ctx, size, signed); err != nil {
		return 0, err
	}
	return size, nil
}

// Run checkpoints until ctx ends, then signs a final checkpoint.
func (c *Checkpointer) Run(ctx context.Context) {
	poll := time.NewTicker(time.Second)
	defer poll.Stop()
	lastSigned := time.Now()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if _, err := c.Checkpoint(final); err != nil {
				c.Log.Error("final audit checkpoint failed", "err", err)
			}
			cancel()
			return
		case <-poll.C:
		}
		size, _, err := c.Head.AuditTreeHead(ctx)
		if err != nil {
			continue
		}
		last, err := c.Head.LastCheckpointSize(ctx)
		if err != nil || size <= last {
			continue
		}
		if size-last >= c.Every || time.Since(lastSigned) >= c.Interval {
			if n, err := c.Checkpoint(ctx); err != nil {
				c.Log.Error("audit checkpoint failed", "err", err)
			} else if n > 0 {
				lastSigned = time.Now()
				c.Log.Debug("audit checkpoint signed", "size", n)
			}
		}
	}
}
