package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "github.com/ncruces/go-sqlite3/driver"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
)

// seededData runs a server that makes a few dozen audited changes, signs
// checkpoints along the way and at shutdown, and returns its data folder.
func seededData(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	srv := startServer(t, data, "--checkpoint-every", "4")
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", "admin@atrium.localhost", "--name", "seed"))
	for _, name := range []string{"Fraud alerts", "Demand forecast", "Invoice matching"} {
		if code := call(t, "POST", srv.URL+"/api/v1/usecases", token, map[string]string{"name": name, "team": "default"}, nil); code != 201 {
			t.Fatalf("create %s = %d", name, code)
		}
	}
	for _, to := range []string{"data", "modelling", "deployment"} {
		call(t, "POST", srv.URL+"/api/v1/usecases/fraud-alerts/transitions", token, map[string]string{"to": to}, nil)
	}
	srv.Stop(t)
	mustCLI(t, "audit", "verify", "--data", data)
	return data
}

// copyData clones a data folder so each tampering starts from a sound log.
func copyData(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		return copyFile(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func execSQL(t *testing.T, data string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, "atrium.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAuditVerifyCatchesTampering(t *testing.T) {
	sound := seededData(t)
	var size int
	execCount := func(data string) int {
		db, _ := sql.Open("sqlite3", "file:"+filepath.Join(data, "atrium.db"))
		defer db.Close()
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM audit_entries`).Scan(&n)
		return n
	}
	size = execCount(sound)
	if size < 10 {
		t.Fatalf("seeded log has %d entries, want at least 10", size)
	}
	swap := `UPDATE audit_entries SET action = CASE seq WHEN 4 THEN (SELECT action FROM audit_entries WHERE seq = 5) ELSE (SELECT action FROM audit_entries WHERE seq = 4) END,
		object_id = CASE seq WHEN 4 THEN (SELECT object_id FROM audit_entries WHERE seq = 5) ELSE (SELECT object_id FROM audit_entries WHERE seq = 4) END,
		hash = CASE seq WHEN 4 THEN (SELECT hash FROM audit_entries WHERE seq = 5) ELSE (SELECT hash FROM audit_entries WHERE seq = 4) END,
		prev_hash = CASE seq WHEN 4 THEN (SELECT prev_hash FROM audit_entries WHERE seq = 5) ELSE (SELECT prev_hash FROM audit_entries WHERE seq = 4) END,
		at = CASE seq WHEN 4 THEN (SELECT at FROM audit_entries WHERE seq = 5) ELSE (SELECT at FROM audit_entries WHERE seq = 4) END
		WHERE seq IN (4, 5)`
	for _, tc := range []struct {
		name  string
		stmts []string
		want  string
	}{
		{"update an entry", []string{`UPDATE audit_entries SET action = 'usecase.archive' WHERE seq = 6`}, "entry 6"},
		{"delete one in the middle", []string{`DELETE FROM audit_entries WHERE seq = 5`, `UPDATE audit_head SET size = size - 1`}, "entry 5"},
		{"delete the tail after a signed checkpoint", []string{
			`DELETE FROM audit_entries WHERE seq >= 8`,
			`DELETE FROM audit_checkpoints`,
			`UPDATE audit_head SET size = 8, last_hash = (SELECT hash FROM audit_entries WHERE seq = 7)`}, "truncated"},
		{"reorder two entries", []string{swap}, "entry 4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := copyData(t, sound)
			execSQL(t, data, tc.stmts...)
			out, err := cli(t, "audit", "verify", "--data", data)
			if err == nil {
				t.Fatalf("audit verify passed after tampering: %s", out)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("audit verify error = %v, want it to name %q", err, tc.want)
			}
		})
	}
}

// TestAuditVerifyDuringWrites verifies the log over and over while writers
// append to it and a checkpointer signs checkpoints into the database and the
// checkpoint file, as a running server does. Every verification must pass;
// then a real truncation must still fail.
func TestAuditVerifyDuringWrites(t *testing.T) {
	for _, d := range []struct {
		name, driver string
		url          func(t *testing.T) string
	}{
		{"sqlite", "sqlite3", func(t *testing.T) string { return filepath.Join(t.TempDir(), "atrium.db") }},
		{"postgres", "pgx", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(d.name, func(t *testing.T) {
			url := d.url(t)
			ctx := atrium.WithActor(t.Context(), atrium.System)
			dir := t.TempDir()
			signer, verifier, err := audit.LoadOrCreateKey(filepath.Join(dir, "signing.key"), auditOrigin)
			if err != nil {
				t.Fatalf("LoadOrCreateKey: %v", err)
			}
			cpFile := filepath.Join(dir, "checkpoints")
			server, err := store.Open(ctx, url)
			if err != nil {
				t.Fatalf("store.Open: %v", err)
			}
			t.Cleanup(func() { server.Close() })
			// The verifier has a handle of its own, as the CLI does.
			cli, err := store.OpenNoMigrate(url)
			if err != nil {
				t.Fatalf("store.OpenNoMigrate: %v", err)
			}
			t.Cleanup(func() { cli.Close() })

			const runs, writesPerRun = 100, 3
			stop := make(chan struct{})
			// Writers spend tokens the loop below hands out before each run,
			// so writes overlap every run while the log (and the checkpoints
			// each run re-verifies) stays small enough to check 100 times fast.
			tokens := make(chan struct{}, runs*writesPerRun)
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for w := range 3 {
				wg.Go(func() {
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						case <-tokens:
						}
						if _, err := server.CreateTeam(ctx, identity.Team{Slug: fmt.Sprintf("t%d-%d", w, i), Name: "Team"}); err != nil {
							errs[w] = err
							return
						}
					}
				})
			}
			cp := &audit.Checkpointer{Head: server, Signer: signer, Origin: auditOrigin, File: cpFile, Every: 1}
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					case <-time.After(200 * time.Microsecond):
					}
					if _, err := cp.Checkpoint(ctx); err != nil {
						errs[3] = err
						return
					}
				}
			})
			stopped := false
			halt := func() {
				if !stopped {
					stopped = true
					close(stop)
					wg.Wait()
				}
			}
			t.Cleanup(halt)

			var last int64
			overlapped := 0 // runs during which a write committed
			for i := range runs {
				for range writesPerRun {
					tokens <- struct{}{}
				}
				// Each run starts on a log that moved since the last one, so
				// no two runs check the same state.
				for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
					if n, _ := server.AuditHeadSize(ctx); n > last {
						break
					}
					if time.Now().After(deadline) {
						halt()
						t.Fatalf("run %d: the log stayed at %d entries for 10s: %v", i+1, last, errs)
					}
				}
				before, _ := server.AuditHeadSize(ctx)
				res, err := verifyAudit(ctx, cli, verifier, cpFile)
				if err != nil {
					halt()
					t.Fatalf("run %d of %d while writing: %v", i+1, runs, err)
				}
				if after, _ := server.AuditHeadSize(ctx); after > before {
					overlapped++
				}
				last = res.Entries
			}
			halt()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("writer %d: %v", i, err)
				}
			}
			// Runs that no write overlapped would prove nothing.
			if overlapped < runs/10 {
				t.Fatalf("writes overlapped only %d of %d runs, want at least %d", overlapped, runs, runs/10)
			}
			// Sign the head, unless the checkpointer already did.
			if _, err := cp.Checkpoint(ctx); err != nil {
				t.Fatalf("final checkpoint: %v", err)
			}
			final, err := server.AuditHeadSize(ctx)
			if err != nil {
				t.Fatalf("AuditHeadSize: %v", err)
			}
			t.Logf("%d runs, %d overlapped by writes, %d entries at the end", runs, overlapped, final)

			// Cutting the tail and the database's checkpoints still shows,
			// against the checkpoint file.
			raw, err := sql.Open(d.driver, url)
			if err != nil {
				t.Fatalf("sql.Open: %v", err)
			}
			defer raw.Close()
			keep := final / 2
			for _, q := range []string{
				fmt.Sprintf(`DELETE FROM audit_entries WHERE seq >= %d`, keep),
				`DELETE FROM audit_checkpoints`,
				fmt.Sprintf(`UPDATE audit_head SET size = %d, last_hash = (SELECT hash FROM audit_entries WHERE seq = %d)`, keep, keep-1),
			} {
				if _, err := raw.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := verifyAudit(ctx, cli, verifier, cpFile); err == nil || !strings.Contains(err.Error(), "truncated") {
				t.Fatalf("verify after cutting the log to %d of %d entries: %v, want truncation reported", keep, final, err)
			}
		})
	}
}

func TestBackupDuringWritesRestoresAndVerifies(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data, "--checkpoint-every", "50")
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", "admin@atrium.localhost", "--name", "load"))
	ctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	var created atomic.Int64
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		for i := 0; ctx.Err() == nil && i < 2000; i++ {
			name := fmt.Sprintf("Load %d", i)
			if call(t, "POST", srv.URL+"/api/v1/usecases", token, map[string]string{"name": name, "team": "default", "slug": fmt.Sprintf("load-%d", i)}, nil) == 201 {
				created.Add(1)
			}
		}
	}()
	for created.Load() < 20 {
		time.Sleep(10 * time.Millisecond)
		if ctx.Err() != nil {
			t.Fatal("writer made too little progress")
		}
	}
	snap := filepath.Join(t.TempDir(), "snap.db")
	mustCLI(t, "backup", "--data", data, "--out", snap)
	if _, err := cli(t, "backup", "--data", data, "--out", snap); err == nil {
		t.Fatal("backup over an existing file succeeded, want a refusal")
	}
	stop()
	<-writer
	// One change after the snapshot, so the live log outgrows it for sure.
	if code := call(t, "POST", srv.URL+"/api/v1/usecases", token, map[string]string{"name": "After the snapshot", "team": "default"}, nil); code != 201 {
		t.Fatalf("create after snapshot = %d", code)
	}
	srv.Stop(t)

	restored := t.TempDir()
	// The signing key travels with the data folder (or is mounted from elsewhere).
	os.MkdirAll(filepath.Join(restored, "audit"), 0o700)
	for _, f := range []string{"signing.key", "signing.key.pub"} {
		if err := copyFile(filepath.Join(data, "audit", f), filepath.Join(restored, "audit", f)); err != nil {
			t.Fatal(err)
		}
	}
	mustCLI(t, "restore", "--data", restored, "--from", snap)
	if _, err := cli(t, "restore", "--data", restored, "--from", snap); err == nil {
		t.Fatal("restore over an existing database without --force succeeded")
	}
	// The snapshot is a prefix of the live log: every entry in it is equal to
	// the live one, and its chain verifies against its own head.
	live, back := auditHashes(t, data), auditHashes(t, restored)
	if len(back) == 0 || len(back) > len(live) {
		t.Fatalf("snapshot has %d entries, live %d", len(back), len(live))
	}
	for i := range back {
		if back[i] != live[i] {
			t.Fatalf("entry %d differs between snapshot and live log", i)
		}
	}
	// Use cases in the snapshot are exactly those whose create entry it holds.
	var ucs, creates int
	db, _ := sql.Open("sqlite3", "file:"+filepath.Join(restored, "atrium.db"))
	db.QueryRow(`SELECT COUNT(*) FROM usecases`).Scan(&ucs)
	db.QueryRow(`SELECT COUNT(*) FROM audit_entries WHERE action = 'usecase.create'`).Scan(&creates)
	db.Close()
	if ucs != creates || ucs == 0 {
		t.Fatalf("snapshot holds %d use cases but %d create entries", ucs, creates)
	}
	if out := mustCLI(t, "audit", "verify", "--data", restored); !strings.Contains(out, "OK") {
		t.Fatalf("verify restored: %s", out)
	}
	// Against the live checkpoint file, which signed entries the snapshot
	// lacks, the restored log shows as cut short: restores are never silent.
	copyFile(filepath.Join(data, "audit", "checkpoints"), filepath.Join(restored, "audit", "checkpoints"))
	if _, err := cli(t, "audit", "verify", "--data", restored); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("verify restored against later checkpoints: %v, want truncation reported", err)
	}
}

func auditHashes(t *testing.T, data string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, "atrium.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT hash FROM audit_entries ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		rows.Scan(&h)
		out = append(out, h)
	}
	return out
}
