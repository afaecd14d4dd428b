package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// These tests drive the group-commit writer (writer.go) on both dialects:
// requests that fail inside a shared transaction, panics, cancellation, a
// failed COMMIT and shutdown. Several hold the writer with a request that
// waits on a channel, so that what queues behind it is known to form the
// next batch; nothing here depends on how fast anything runs.

// writerWorld is a fresh database with an editor, a use case "uc" with a
// model "m", and a scratch table probe(id) whose rows tests insert.
type writerWorld struct {
	db  *DB
	url string
	ctx context.Context // acting as the editor
}

func openWriterWorlds(t *testing.T, fn func(t *testing.T, w writerWorld)) {
	t.Helper()
	urls := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "atrium.db") },
		"postgres": func(t *testing.T) string { return pgtest.URL(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			url := urls[name](t)
			db, err := Open(t.Context(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			ctx := benchMember(t, db)
			if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "uc", Name: "Writer", TeamSlug: "bench"}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateAsset(ctx, "uc", registry.Asset{Kind: registry.Model, Name: "m"}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.write.Exec(`CREATE TABLE probe (id TEXT PRIMARY KEY)`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.write.Exec(`INSERT INTO probe (id) VALUES ('taken')`); err != nil {
				t.Fatal(err)
			}
			fn(t, writerWorld{db: db, url: url, ctx: ctx})
		})
	}
}

// insertProbe is a request that inserts probe row id and audits it, then
// fails with fail if that is set (after its writes, which must then vanish).
func (w writerWorld) insertProbe(ctx context.Context, id string, fail error) error {
	return w.db.update(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`INSERT INTO probe (id) VALUES ($1)`, id); err != nil {
			return tx.uniqueAs(err, "probe %s exists", id)
		}
		if err := tx.appendAudit("probe.insert", "probe", id, map[string]string{"id": id}); err != nil {
			return err
		}
		return fail
	})
}

func (w writerWorld) probes(t *testing.T) map[string]bool {
	t.Helper()
	ids, err := collect(w.db.reader(context.Background()), scanOne[string], `SELECT id FROM probe`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// hold occupies the writer with a request that runs until release is
// called, and returns once it runs; release returns that request's error.
func (w writerWorld) hold(t *testing.T) (release func() error) {
	t.Helper()
	running, proceed, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- w.db.update(w.ctx, func(tx *Tx) error {
			close(running)
			<-proceed
			return nil
		})
	}()
	<-running
	return func() error {
		close(proceed)
		return <-done
	}
}

// waitQueued waits until n requests wait in the writer's queue. The
// deadline only stops a broken writer from hanging the test.
func waitQueued(t *testing.T, db *DB, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(db.writer.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", len(db.writer.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestWriterManyWritersSomeFail(t *testing.T) {
	openWriterWorlds(t, func(t *testing.T, w writerWorld) {
		before := len(verifyAudit(t, w.db))
		const clients, each = 24, 12
		invalid := atrium.Errorf(atrium.Invalid, "the request is not valid")
		type outcome struct {
			kind int
			id   string
			err  error
		}
		results := make([][]outcome, clients)
		var wg sync.WaitGroup
		for c := range clients {
			wg.Go(func() {
				for i := range each {
					id := fmt.Sprintf("c%02d-%02d", c, i)
					kind := (c + i) % 5
					var err error
					switch kind {
					case 0: // a version: succeeds
						_, err = w.db.CreateVersion(w.ctx, "uc", registry.Ref{Kind: registry.Model, Name: "m"}, registry.Version{URI: "s3://m/" + id, Digest: digestOf(id)})
					case 1: // an asset whose name is taken: a unique violation the store reports
						_, err = w.db.CreateAsset(w.ctx, "uc", registry.Asset{Kind: registry.Model, Name: "m"})
					case 2: // writes, then fails validation: its writes must vanish
						err = w.insertProbe(w.ctx, id, invalid)
					case 3: // writes one row, then hits the primary key
						err = w.db.update(w.ctx, func(tx *Tx) error {
							if _, err := tx.exec(`INSERT INTO probe (id) VALUES ($1)`, id); err != nil {
								return err
							}
							_, err := tx.exec(`INSERT INTO probe (id) VALUES ('taken')`)
							return err
						})
					case 4: // a probe row: succeeds
						err = w.insertProbe(w.ctx, id, nil)
					}
					results[c] = append(results[c], outcome{kind, id, err})
				}
			})
		}
		wg.Wait()
		probes := w.probes(t)
		versions, succeeded := 0, 0
		for _, rs := range results {
			for _, r := range rs {
				switch r.kind {
				case 0, 4:
					if r.err != nil {
						t.Errorf("%s (kind %d): %v", r.id, r.kind, r.err)
					}
					succeeded++
					if r.kind == 0 {
						versions++
					} else if !probes[r.id] {
						t.Errorf("probe %s was acknowledged but is not stored", r.id)
					}
				case 1:
					if atrium.KindOf(r.err) != atrium.Conflict {
						t.Errorf("%s: duplicate asset: %v, want a conflict", r.id, r.err)
					}
				case 2:
					if !errors.Is(r.err, invalid) {
						t.Errorf("%s: %v, want the request's own error", r.id, r.err)
					}
				case 3:
					if atrium.KindOf(r.err) != atrium.Conflict {
						t.Errorf("%s: primary key: %v, want a conflict", r.id, r.err)
					}
				}
				if (r.kind == 2 || r.kind == 3) && probes[r.id] {
					t.Errorf("%s failed but its row is stored", r.id)
				}
			}
		}
		page, err := w.db.ListVersions(w.ctx, "uc", registry.Ref{Kind: registry.Model, Name: "m"}, atrium.PageRequest{Size: atrium.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != versions {
			t.Errorf("versions=%d, want %d", page.Total, versions)
		}
		seen := map[int]bool{}
		for _, v := range page.Items {
			seen[v.Number] = true
		}
		for n := 1; n <= versions; n++ {
			if !seen[n] {
				t.Errorf("version %d missing: numbers must be gap-free", n)
			}
		}
		if got := len(verifyAudit(t, w.db)) - before; got != succeeded {
			t.Errorf("audit entries added=%d, want one per successful request, %d", got, succeeded)
		}
	})
}

// TestWriterOneBatch queues requests behind a held writer, so that they
// share one transaction, and checks each outcome and the audit log's order.
func TestWriterOneBatch(t *testing.T) {
	openWriterWorlds(t, func(t *testing.T, w writerWorld) {
		release := w.hold(t)
		before := w.db.WriterStats()
		const n = 12
		errs := make([]chan error, n)
		for i := range errs {
			errs[i] = make(chan error, 1)
			id := fmt.Sprintf("b%02d", i)
			var fail error
			if i%3 == 1 {
				fail = atrium.Errorf(atrium.Invalid, "request %d is refused", i)
			}
			ctx := atrium.WithRequestID(w.ctx, "req-"+id)
			go func() { errs[i] <- w.insertProbe(ctx, id, fail) }()
			waitQueued(t, w.db, i+1) // one at a time, so the queue's order is known
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range errs {
			err := <-errs[i]
			if i%3 == 1 {
				if atrium.KindOf(err) != atrium.Invalid {
					t.Errorf("request %d: %v, want its own validation error", i, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("request %d: %v", i, err)
			}
			want = append(want, fmt.Sprintf("b%02d", i))
		}
		after := w.db.WriterStats()
		// The held request's batch, then the n queued behind it.
		if after.Batches-before.Batches != 2 || after.Requests-before.Requests != n+1 {
			t.Errorf("writer ran %d batches of %d requests, want the %d queued requests in one batch after the held one",
				after.Batches-before.Batches, after.Requests-before.Requests, n)
		}
		entries := verifyAudit(t, w.db)
		got := entries[len(entries)-len(want):]
		salts := auditSalts(t, w.db)
		for i, e := range got {
			if e.ObjectID != want[i] || e.Action != "probe.insert" || e.RequestID != "req-"+want[i] || e.ActorID != actorOf(w.ctx).UserID {
				t.Errorf("entry %d = %s %s %s by %s, want probe.insert %s req-%s in the order the requests ran",
					e.Seq, e.Action, e.ObjectID, e.RequestID, e.ActorID, want[i], want[i])
			}
			body, _ := json.Marshal(map[string]string{"id": want[i]})
			if e.Commitment != audit.Commit(salts[e.Seq], body) {
				t.Errorf("entry %d does not commit to its request's content", e.Seq)
			}
			if i > 0 && e.At.Before(got[i-1].At) {
				t.Errorf("entry %d at %v is before the request that ran earlier (%v)", e.Seq, e.At, got[i-1].At)
			}
		}
	})
}

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func auditSalts(t *testing.T, db *DB) map[int64][]byte {
	t.Helper()
	out := map[int64][]byte{}
	err := each(db.reader(context.Background()), func(sc scanner) error {
		var seq int64
		var s string
		if err := sc.Scan(&seq, &s); err != nil {
			return err
		}
		b, err := hex.DecodeString(s)
		out[seq] = b
		return err
	}, `SELECT seq, salt FROM audit_salts`)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestWriterPanic: a function that panics fails alone, its caller sees the
// panic, the writer carries on.
func TestWriterPanic(t *testing.T) {
	openWriterWorlds(t, func(t *testing.T, w writerWorld) {
		release := w.hold(t)
		ok1, bad, ok2 := make(chan error, 1), make(chan any, 1), make(chan error, 1)
		go func() { ok1 <- w.insertProbe(w.ctx, "before", nil) }()
		waitQueued(t, w.db, 1)
		go func() {
			defer func() { bad <- recover() }()
			w.db.update(w.ctx, func(tx *Tx) error {
				if _, err := tx.exec(`INSERT INTO probe (id) VALUES ('panicked')`); err != nil {
					return err
				}
				panic("the function broke")
			})
		}()
		waitQueued(t, w.db, 2)
		go func() { ok2 <- w.insertProbe(w.ctx, "after", nil) }()
		waitQueued(t, w.db, 3)
		if err := release(); err != nil {
			t.Fatal(err)
		}
		if err := <-ok1; err != nil {
			t.Errorf("request before the panic: %v", err)
		}
		if err := <-ok2; err != nil {
			t.Errorf("request after the panic: %v", err)
		}
		p, isPanic := (<-bad).(*WriterPanic)
		if !isPanic || p.Value != "the function broke" || len(p.Stack) == 0 {
			t.Errorf("caller of the panicking function recovered %#v, want a *WriterPanic with its value and stack", p)
		}
		probes := w.probes(t)
		if !probes["before"] || !probes["after"] || probes["panicked"] {
			t.Errorf("probes = %v, want before and after, not panicked", probes)
		}
		if err := w.insertProbe(w.ctx, "later", nil); err != nil {
			t.Errorf("the writer stopped after a panic: %v", err)
		}
		verifyAudit(t, w.db)
	})
}

// TestWriterCancel: a request cancelled while it waits in the queue never
// runs and its caller returns at once; one cancelled after it started is
// carried through, and its caller hears the real outcome.
func TestWriterCancel(t *testing.T) {
	openWriterWorlds(t, func(t *testing.T, w writerWorld) {
		release := w.hold(t)
		ctx, cancel := context.WithCancel(w.ctx)
		ran := make(chan struct{}, 1)
		cancelled := make(chan error, 1)
		go func() {
			cancelled <- w.db.update(ctx, func(tx *Tx) error {
				ran <- struct{}{}
				_, err := tx.exec(`INSERT INTO probe (id) VALUES ('cancelled')`)
				return err
			})
		}()
		waitQueued(t, w.db, 1)
		after := make(chan error, 1)
		go func() { after <- w.insertProbe(w.ctx, "behind", nil) }()
		waitQueued(t, w.db, 2)
		cancel()
		// The caller returns while the writer is still held.
		if err := <-cancelled; atrium.KindOf(err) != atrium.Unavailable || !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled request: %v, want Unavailable wrapping context.Canceled", err)
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		if err := <-after; err != nil {
			t.Errorf("request behind the cancelled one: %v", err)
		}
		select {
		case <-ran:
			t.Error("a request withdrawn from the queue ran")
		default:
		}

		// Cancelled while running: the write commits and update says so.
		started, proceed := make(chan struct{}), make(chan struct{})
		ctx2, cancel2 := context.WithCancel(w.ctx)
		done := make(chan error, 1)
		go func() {
			done <- w.db.update(ctx2, func(tx *Tx) error {
				close(started)
				<-proceed
				_, err := tx.exec(`INSERT INTO probe (id) VALUES ('started')`)
				return err
			})
		}()
		<-started
		cancel2()
		close(proceed)
		if err := <-done; err != nil {
			t.Errorf("request cancelled after it started: %v, want its real outcome (committed)", err)
		}
		probes := w.probes(t)
		if probes["cancelled"] || !probes["behind"] || !probes["started"] {
			t.Errorf("probes = %v, want behind and started, not cancelled", probes)
		}
		if _, err := w.db.CreateVersion(w.ctx, "uc", registry.Ref{Kind: registry.Model, Name: "m"}, registry.Version{URI: "s3://m/1", Digest: digestOf("1")}); err != nil {
			t.Errorf("write after the cancellations: %v", err)
		}
		// An already-cancelled context is refused before it queues.
		if err := w.insertProbe(ctx, "never", nil); atrium.KindOf(err) != atrium.Unavailable {
			t.Errorf("update with a cancelled context: %v, want Unavailable", err)
		}
		verifyAudit(t, w.db)
	})
}

// TestWriterFailedCommit: a deferred foreign key fails only at COMMIT, which
// fails every request of the batch, and nothing of the batch is stored.
func TestWriterFailedCommit(t *testing.T) {
	openWriterWorlds(t, func(t *testing.T, w writerWorld) {
		for _, q := range []string{
			`CREATE TABLE probe_parent (id TEXT PRIMARY KEY)`,
			`CREATE TABLE probe_child (parent TEXT REFERENCES probe_parent (id) DEFERRABLE INITIALLY DEFERRED)`,
		} {
			if _, err := w.db.write.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		before := len(verifyAudit(t, w.db))
		release := w.hold(t)
		good := make(chan error, 2)
		go func() { good <- w.insertProbe(w.ctx, "good1", nil) }()
		waitQueued(t, w.db, 1)
		orphan := make(chan error, 1)
		go func() {
			orphan <- w.db.update(w.ctx, func(tx *Tx) error {
				_, err := tx.exec(`INSERT INTO probe_child (parent) VALUES ('nobody')`)
				return err
			})
		}()
		waitQueued(t, w.db, 2)
		go func() { good <- w.insertProbe(w.ctx, "good2", nil) }()
		waitQueued(t, w.db, 3)
		if err := release(); err != nil {
			t.Fatal(err)
		}
		for _, ch := range []chan error{good, orphan, good} {
			if err := <-ch; err == nil {
				t.Error("a request of a batch whose COMMIT failed succeeded")
			}
		}
		if probes := w.probes(t); probes["good1"] || probes["good2"] {
			t.Errorf("probes = %v: a failed commit stored rows", probes)
		}
		if got := len(verifyAudit(t, w.db)); got != before {
			t.Errorf("audit entries=%d after a failed commit, want %d", got, before)
		}
		if err := w.insertProbe(w.ctx, "next", nil); err != nil {
			t.Errorf("the writer after a failed commit: %v", err)
		}
	})
}

// TestWriterCloseDrains: Close lets every queued request commit and refuses
// the ones that come after.
func TestWriterCloseDrains(t *testing.T) {
	openWriterWorlds(t, func(t *testing.T, w writerWorld) {
		release := w.hold(t)
		const n = 8
		errs := make(chan error, n)
		for i := range n {
			go func() { errs <- w.insertProbe(w.ctx, fmt.Sprintf("q%d", i), nil) }()
		}
		waitQueued(t, w.db, n)
		closed := make(chan error, 1)
		go func() { closed <- w.db.Close() }()
		// Close has begun once the queue refuses new work.
		deadline := time.Now().Add(30 * time.Second)
		for {
			w.db.writer.mu.RLock()
			c := w.db.writer.closed
			w.db.writer.mu.RUnlock()
			if c {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("Close did not close the queue")
			}
			time.Sleep(time.Millisecond)
		}
		if err := w.insertProbe(w.ctx, "too-late", nil); atrium.KindOf(err) != atrium.Unavailable {
			t.Errorf("write after Close: %v, want Unavailable", err)
		}
		if err := release(); err != nil {
			t.Fatal(err)
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("queued request during Close: %v", err)
			}
		}
		if err := <-closed; err != nil {
			t.Fatalf("Close: %v", err)
		}
		db, err := Open(context.Background(), w.url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		w.db = db
		probes := w.probes(t)
		for i := range n {
			if !probes[fmt.Sprintf("q%d", i)] {
				t.Errorf("queued request q%d was acknowledged but not stored", i)
			}
		}
		if probes["too-late"] {
			t.Error("a write refused after Close was stored")
		}
		verifyAudit(t, db)
	})
}

// TestWriterFullQueue: when the queue is full a write is refused at once,
// Unavailable, and the queued ones still commit.
func TestWriterFullQueue(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "atrium.db"), func(db *DB) { db.queued = 2 })
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := writerWorld{db: db, ctx: benchMember(t, db)}
	if _, err := db.write.Exec(`CREATE TABLE probe (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	release := w.hold(t)
	errs := make(chan error, 2)
	for i := range 2 {
		go func() { errs <- w.insertProbe(w.ctx, fmt.Sprintf("q%d", i), nil) }()
		waitQueued(t, db, i+1)
	}
	if err := w.insertProbe(w.ctx, "refused", nil); atrium.KindOf(err) != atrium.Unavailable {
		t.Errorf("write into a full queue: %v, want Unavailable", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("queued write: %v", err)
		}
	}
	if p := w.probes(t); len(p) != 2 || p["refused"] {
		t.Errorf("probes = %v, want the two queued", p)
	}
	verifyAudit(t, db)
}
