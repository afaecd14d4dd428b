package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
)

// appendAudit records a mutation in the audit log inside tx. content is the
// state the mutation produced; only a salted commitment to it is kept, so the
// entry itself holds no personal data.
func (tx *Tx) appendAudit(action, objectType, objectID string, content any) error {
	actor, ok := atrium.ActorFrom(tx.ctx)
	if !ok {
		actor = atrium.System
	}
	body, err := json.Marshal(content)
	if err != nil {
		return fmt.Errorf("audit: encode content: %w", err)
	}
	// Claiming the next position updates the single head row; in PostgreSQL
	// that row lock orders concurrent appends, in SQLite the writer lock does.
	var size int64
	var prev string
	if err := tx.queryRow(`UPDATE audit_head SET size = size + 1 WHERE id = 1 RETURNING size - 1, last_hash`).Scan(&size, &prev); err != nil {
		return fmt.Errorf("audit: claim position: %w", err)
	}
	salt := audit.NewSalt()
	e := audit.Entry{
		Seq:        size,
		At:         tx.now,
		ActorID:    actor.UserID,
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
		RequestID:  atrium.RequestIDFrom(tx.ctx),
		Commitment: audit.Commit(salt, body),
		PrevHash:   prev,
	}
	e.Seal()
	if _, err := tx.exec(`INSERT INTO audit_entries (seq, at, actor_id, action, object_type, object_id, request_id, commitment, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.Seq, formatTime(e.At), e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.RequestID, e.Commitment, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit: insert entry: %w", err)
	}
	if _, err := tx.exec(`INSERT INTO audit_salts (seq, salt) VALUES ($1, $2)`, e.Seq, hex.EncodeToString(salt)); err != nil {
		return fmt.Errorf("audit: insert salt: %w", err)
	}
	hashes, err := tlog.StoredHashes(e.Seq, e.Canonical(), tx.hashReader())
	if err != nil {
		return fmt.Errorf("audit: tree hashes: %w", err)
	}
	base := tlog.StoredHashIndex(0, e.Seq)
	for i, h := range hashes {
		if _, err := tx.exec(`INSERT INTO audit_hashes (idx, hash) VALUES ($1, $2)`, base+int64(i), hex.EncodeToString(h[:])); err != nil {
			return fmt.Errorf("audit: insert tree hash: %w", err)
		}
	}
	_, err = tx.exec(`UPDATE audit_head SET last_hash = $1 WHERE id = 1`, e.Hash)
	return err
}

// hashReader reads stored Merkle hashes through q.
func hashReader(q querier) tlog.HashReaderFunc {
	return func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			var s string
			if err := q.queryRow(`SELECT hash FROM audit_hashes WHERE idx = $1`, x).Scan(&s); err != nil {
				return nil, fmt.Errorf("audit: read tree hash %d: %w", x, err)
			}
			b, err := hex.DecodeString(s)
			if err != nil || len(b) != tlog.HashSize {
				return nil, fmt.Errorf("audit: tree hash %d is corrupt", x)
			}
			copy(out[i][:], b)
		}
		return out, nil
	}
}

func (tx *Tx) hashReader() tlog.HashReaderFunc { return hashReader(tx) }

// AuditTreeHead returns the current log size and Merkle root.
func (db *DB) AuditTreeHead(ctx context.Context) (int64, tlog.Hash, error) {
	r := db.reader(ctx)
	var size int64
	if err := r.queryRow(`SELECT size FROM audit_head WHERE id = 1`).Scan(&size); err != nil {
		return 0, tlog.Hash{}, db.classify(err)
	}
	if size == 0 {
		return 0, tlog.Hash{}, nil
	}
	root, err := tlog.TreeHash(size, hashReader(r))
	return size, root, err
}

// LastCheckpointSize returns the size of the newest stored checkpoint, or 0.
func (db *DB) LastCheckpointSize(ctx context.Context) (int64, error) {
	var n int64
	err := db.reader(ctx).queryRow(`SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints`).Scan(&n)
	return n, db.classify(err)
}

// SaveCheckpoint stores a signed checkpoint note for the given size. Saving the
// same size twice keeps the first.
func (db *DB) SaveCheckpoint(ctx context.Context, size int64, note string) error {
	return db.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(`INSERT INTO audit_checkpoints (size, note, created_at) VALUES ($1, $2, $3) ON CONFLICT (size) DO NOTHING`,
			size, note, formatTime(tx.now))
		return err
	})
}

// Checkpoints returns every stored signed checkpoint, oldest first.
func (db *DB) Checkpoints(ctx context.Context) ([]string, error) {
	out, err := checkpoints(db.reader(ctx))
	return out, db.classify(err)
}

func checkpoints(q querier) ([]string, error) {
	return collect(q, scanOne[string], `SELECT note FROM audit_checkpoints ORDER BY size`)
}

// AuditHeadSize returns the size counter the log keeps beside its entries.
func (db *DB) AuditHeadSize(ctx context.Context) (int64, error) {
	n, err := auditHeadSize(db.reader(ctx))
	return n, db.classify(err)
}

func auditHeadSize(q querier) (int64, error) {
	var n int64
	err := q.queryRow(`SELECT size FROM audit_head WHERE id = 1`).Scan(&n)
	return n, err
}

const auditCols = `seq, at, actor_id, action, object_type, object_id, request_id, commitment, prev_hash, hash`

func scanEntry(sc scanner) (audit.Entry, error) {
	var e audit.Entry
	err := sc.Scan(&e.Seq, ts{&e.At}, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID, &e.RequestID, &e.Commitment, &e.PrevHash, &e.Hash)
	return e, err
}

// AllAuditEntries streams the whole log in position order to fn, for the
// verifier.
func (db *DB) AllAuditEntries(ctx context.Context, fn func(audit.Entry) error) error {
	return db.classify(allAuditEntries(db.reader(ctx), fn))
}

func allAuditEntries(q querier, fn func(audit.Entry) error) error {
	return each(q, func(sc scanner) error {
		e, err := scanEntry(sc)
		if err != nil {
			return err
		}
		return fn(e)
	}, `SELECT `+auditCols+` FROM audit_entries ORDER BY seq`)
}

// AuditSnapshot is the audit log as one moment saw it: entries, stored
// checkpoints and the head counter, all from the same committed state.
type AuditSnapshot struct {
	Entries     []audit.Entry
	Checkpoints []string
	HeadSize    int64
}

// ReadAuditSnapshot reads the whole audit log inside one read transaction, so
// that appends committed meanwhile are either wholly in the snapshot or wholly
// absent. Reading the parts one after another instead lets the head counter
// run ahead of the entries read before it, which looks exactly like a cut-off
// tail.
func (db *DB) ReadAuditSnapshot(ctx context.Context) (AuditSnapshot, error) {
	var snap AuditSnapshot
	err := db.view(ctx, func(tx *Tx) error {
		var err error
		if snap.HeadSize, err = auditHeadSize(tx); err != nil {
			return fmt.Errorf("audit: read head: %w", err)
		}
		if err := allAuditEntries(tx, func(e audit.Entry) error {
			snap.Entries = append(snap.Entries, e)
			return nil
		}); err != nil {
			return fmt.Errorf("audit: read entries: %w", err)
		}
		if snap.Checkpoints, err = checkpoints(tx); err != nil {
			return fmt.Errorf("audit: read checkpoints: %w", err)
		}
		return nil
	})
	return snap, err
}

// AuditRecord is an entry as shown to people, with the actor's name.
type AuditRecord struct {
	audit.Entry
	ActorName string `json:"actor_name"`
}

// AuditEntries lists entries newest first.
func (db *DB) AuditEntries(ctx context.Context, f audit.Filter) (atrium.Page[AuditRecord], error) {
	return auditEntries(db.reader(ctx), f)
}

func auditEntries(q querier, f audit.Filter) (atrium.Page[AuditRecord], error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.ObjectType != "" {
		add("a.object_type = $%d", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("a.object_id = $%d", f.ObjectID)
	}
	if f.ActorID != "" {
		add("a.actor_id = $%d", f.ActorID)
	}
	if !f.Since.IsZero() {
		add("a.at >= $%d", formatTime(f.Since))
	}
	if !f.Until.IsZero() {
		add("a.at < $%d", formatTime(f.Until))
	}
	query := `SELECT a.seq, a.at, a.actor_id, a.action, a.object_type, a.object_id, a.request_id, a.commitment, a.prev_hash, a.hash,
		COALESCE(u.name, a.actor_id), COUNT(*) OVER()
		FROM audit_entries a LEFT JOIN users u ON u.id = a.actor_id`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, f.Page.Size, f.Page.Offset)
	query += fmt.Sprintf(" ORDER BY a.seq DESC LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	var page atrium.Page[AuditRecord]
	items, err := collect(q, func(sc scanner) (AuditRecord, error) {
		var r AuditRecord
		e := &r.Entry
		err := sc.Scan(&e.Seq, ts{&e.At}, &e.ActorID, &e.Action, &e.ObjectType, &e.ObjectID, &e.RequestID, &e.Commitment, &e.PrevHash, &e.Hash, &r.ActorName, &page.Total)
		return r, err
	}, query, args...)
	if err != nil {
		return atrium.Page[AuditRecord]{Items: []AuditRecord{}}, err
	}
	page.Items, page.NextPageToken = items, f.Page.NextToken(page.Total)
	return page, nil
}
