package main

import (
	"context"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/note"

	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/store"
)

// runAuditVerify recomputes the whole audit trail — chain, Merkle tree and
// every signed checkpoint in the database and in the checkpoint file — and
// fails naming the first bad entry. It may run while the server writes.
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
	res, err := verifyAudit(ctx, db, v, c.checkpointFile())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "audit trail OK: %d entries, %d signed checkpoints checked (%d in the database, %d in %s), root %s\n",
		res.Entries, res.Checkpoints, res.InDB, res.InFile, c.checkpointFile(), res.Root)
	return nil
}

// verifyResult is a passed verification and where its checkpoints came from.
type verifyResult struct {
	audit.Report
	InDB, InFile int
}

// verifyAudit checks the log in db against its own checkpoints and those in
// the checkpoint file, correctly even while a server appends entries and
// signs checkpoints.
//
// The entries, the database's checkpoints and the head counter come from one
// read snapshot, so they agree with each other. The checkpoint file is read
// first, before that snapshot begins, and that order is what keeps a live
// verification from crying wolf without letting a truncation through: the
// server signs a checkpoint only over a head already committed, and appends
// it to the file after signing, so every checkpoint in the file we read was
// committed before the snapshot started and the snapshot must hold all of
// its entries. A file checkpoint larger than the snapshot therefore cannot
// be a checkpoint the snapshot merely predates; it means entries it signed
// have since disappeared, and Verify reports the truncation. (Read the other
// way round, a checkpoint signed between the two reads would look exactly
// like one.)
func verifyAudit(ctx context.Context, db *store.DB, v note.Verifier, checkpointFile string) (verifyResult, error) {
	outside, err := audit.ReadCheckpointFile(checkpointFile)
	if err != nil {
		return verifyResult{}, err
	}
	snap, err := db.ReadAuditSnapshot(ctx)
	if err != nil {
		return verifyResult{}, fmt.Errorf("read audit log: %w", err)
	}
	rep, err := audit.Verify(snap.Entries, append(snap.Checkpoints, outside...), v, auditOrigin, snap.HeadSize)
	if err != nil {
		return verifyResult{}, fmt.Errorf("audit trail FAILED verification: %w", err)
	}
	return verifyResult{Report: rep, InDB: len(snap.Checkpoints), InFile: len(outside)}, nil
}
