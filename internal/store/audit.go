package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
)

// appendAudit records a mutation in the audit log inside tx. content is the
// state the mutation produced; only a salted commitment to it is kept, so the
// entry itself holds no personal data.
//
// The entry is encoded now, with the actor, request id and time of tx, and
// written when the transaction's work is done: the writer appends the
// entries of every request in its batch at once, in the order the requests
// ran and each request's in the order it asked (appendAuditBatch). The log
// is the same as if each had been written on the spot; nothing reads the
// log back inside a write.
func (tx *Tx) appendAudit(action, objectType, objectID string, content any) error {
	body, err := json.Marshal(content)
	if err != nil {
		return fmt.Errorf("audit: encode content: %w", err)
	}
	tx.audit = append(tx.audit, auditItem{
		At:         tx.now,
		ActorID:    actorOf(tx.ctx).UserID,
		RequestID:  atrium.RequestIDFrom(tx.ctx),
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
		Body:       body,
	})
	return nil
}

// auditItem is one entry waiting for appendAuditBatch: everything but its
// position, salt and hashes.
type auditItem struct {
	At                                               time.Time
	ActorID, RequestID, Action, ObjectType, ObjectID string
	Body                                             []byte
}

// appendAuditBatch appends entries in one go: one update of audit_head
// claims all positions (in PostgreSQL its row lock orders concurrent
// appends until the commit, so this comes last), the chain and the Merkle
// leaves are computed in memory (a leaf reads the inner hashes earlier
// leaves of the same batch made from memory, older ones from the table),
// and entries, salts and tree hashes go in as multi-row inserts.
func (tx *Tx) appendAuditBatch(items []auditItem) error {
	if len(items) == 0 {
		return nil
	}
	n := int64(len(items))
	var size int64
	var prev string
	if err := tx.queryRow(`UPDATE audit_head SET size = size + $1 WHERE id = 1 RETURNING size - $1, last_hash`, n).Scan(&size, &prev); err != nil {
		return fmt.Errorf("audit: claim positions: %w", err)
	}
	entries := make([]audit.Entry, n)
	salts := make([]string, n)
	for i, it := range items {
		salt := audit.NewSalt()
		e := audit.Entry{Seq: size + int64(i), At: it.At, ActorID: it.ActorID, Action: it.Action, ObjectType: it.ObjectType,
			ObjectID: it.ObjectID, RequestID: it.RequestID, Commitment: audit.Commit(salt, it.Body), PrevHash: prev}
		e.Seal()
		prev = e.Hash
		entries[i], salts[i] = e, hex.EncodeToString(salt)
	}
	fresh := map[int64]tlog.Hash{}
	var idxs []int64
	var hashes []tlog.Hash
	stored := tx.hashReader()
	read := tlog.HashReaderFunc(func(want []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(want))
		var missing []int64
		for _, x := range want {
			if _, ok := fresh[x]; !ok {
				missing = append(missing, x)
			}
		}
		old, err := stored(missing)
		if err != nil {
			return nil, err
		}
		for i, x := range want {
			if h, ok := fresh[x]; ok {
				out[i] = h
			} else {
				out[i], old = old[0], old[1:]
			}
		}
		return out, nil
	})
	for _, e := range entries {
		hs, err := tlog.StoredHashes(e.Seq, e.Canonical(), read)
		if err != nil {
			return fmt.Errorf("audit: tree hashes: %w", err)
		}
		base := tlog.StoredHashIndex(0, e.Seq)
		for i, h := range hs {
			fresh[base+int64(i)] = h
			idxs = append(idxs, base+int64(i))
			hashes = append(hashes, h)
		}
	}
	if err := tx.insertRows(`INSERT INTO audit_entries (`+auditCols+`) VALUES `, 10, len(entries), func(i int) []any {
		e := entries[i]
		return []any{e.Seq, formatTime(e.At), e.ActorID, e.Action, e.ObjectType, e.ObjectID, e.RequestID, e.Commitment, e.PrevHash, e.Hash}
	}); err != nil {
		return fmt.Errorf("audit: insert entries: %w", err)
	}
	if err := tx.insertRows(`INSERT INTO audit_salts (seq, salt) VALUES `, 2, len(salts), func(i int) []any {
		return []any{entries[i].Seq, salts[i]}
	}); err != nil {
		return fmt.Errorf("audit: insert salts: %w", err)
	}
	if err := tx.insertRows(`INSERT INTO audit_hashes (idx, hash) VALUES `, 2, len(idxs), func(i int) []any {
		return []any{idxs[i], hex.EncodeToString(hashes[i][:])}
	}); err != nil {
		return fmt.Errorf("audit: insert tree hashes: %w", err)
	}
	if _, err := tx.exec(`UPDATE audit_head SET last_hash = $1 WHERE id = 1`, prev); err != nil {
		return fmt.Errorf("audit: update head: %w", err)
	}
	return nil
}

// hashReader reads stored Merkle hashes through q, all that one call asks
// for with one query.
func hashReader(q querier) tlog.HashReaderFunc {
	return func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		if len(idx) == 0 {
			return out, nil
		}
		at := make(map[int64][]int, len(idx))
		var in strings.Builder
		args := make([]any, len(idx))
		for i, x := range idx {
			at[x] = append(at[x], i)
			if i > 0 {
				in.WriteString(", ")
			}
			fmt.Fprintf(&in, "$%d", i+1)
			args[i] = x
		}
		found := 0
		err := each(q, func(sc scanner) error {
			var x int64
			var s string
			if err := sc.Scan(&x, &s); err != nil {
				return err
			}
			b, err := hex.DecodeString(s)
			if err != nil || len(b) != tlog.HashSize {
				return fmt.Errorf("audit: tree hash %d is corrupt", x)
			}
			is, ok := at[x]
			if !ok {
				return fmt.Errorf("audit: tree hash %d was not asked for", x)
			}
			for _, i := range is {
				copy(out[i][:], b)
			}
			found++
			return nil
		}, `SELECT idx, hash FROM audit_hashes WHERE idx IN (`+in.String()+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("audit: read tree hashes: %w", err)
		}
		if found != len(at) {
			return nil, fmt.Errorf("audit: read tree hashes: %d of %d missing", len(at)-found, len(at))
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
