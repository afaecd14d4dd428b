package main

import (
	"context"
	"fmt"
	"io"

	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/store"
)

// runAuditVerify recomputes the whole audit trail — chain, Merkle tree and
// every signed checkpoint in the database and in the checkpoint file — and
// fails naming the first bad entry.
func runAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, fs := newFlags("audit verify", getenv, stderr, false)
	pub := fs.String("public-key", "", "verifier key file; default <audit-key>.pub")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *pub == "" {
		*pub = c.AuditKey + ".pub"
	}
	v, err := audit.LoadVerifier(*pub)
	if err != nil {
		return err
	}
	db, err := store.OpenNoMigrate(c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	var entries []audit.Entry
	if err := db.AllAuditEntries(ctx, func(e audit.Entry) error {
		entries = append(entries, e)
		return nil
	}); err != nil {
		return fmt.Errorf("read audit entries: %w", err)
	}
	checkpoints, err := db.Checkpoints(ctx)
	if err != nil {
		return fmt.Errorf("read checkpoints: %w", err)
	}
	outside, err := audit.ReadCheckpointFile(c.checkpointFile())
	if err != nil {
		return err
	}
	head, err := db.AuditHeadSize(ctx)
	if err != nil {
		return err
	}
	rep, err := audit.Verify(entries, append(checkpoints, outside...), v, auditOrigin, head)
	if err != nil {
		return fmt.Errorf("audit trail FAILED verification: %w", err)
	}
	fmt.Fprintf(stdout, "audit trail OK: %d entries, %d signed checkpoints checked (%d in the database, %d in %s), root %s\n",
		rep.Entries, rep.Checkpoints, len(checkpoints), len(outside), c.checkpointFile(), rep.Root)
	return nil
}
