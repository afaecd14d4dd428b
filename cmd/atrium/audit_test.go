package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/ncruces/go-sqlite3/driver"
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
