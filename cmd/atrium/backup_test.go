//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package main

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRestoreRefusedWhileServing runs the real server and checks that backup
// and migrate work beside it, that restore refuses and leaves the database
// alone, and that restore works once the server has stopped.
func TestRestoreRefusedWhileServing(t *testing.T) {
	// The restored database must be 0600 under the usual umask too.
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
	data := t.TempDir()
	db := filepath.Join(data, "atrium.db")
	srv := startServer(t, data)
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", "admin@atrium.localhost", "--name", "restore"))
	create := func(name string) {
		t.Helper()
		if code := call(t, "POST", srv.URL+"/api/v1/usecases", token, map[string]string{"name": name, "team": "default"}, nil); code != 201 {
			t.Fatalf("create %q = %d, want 201", name, code)
		}
	}
	create("Before the snapshot")
	snap := filepath.Join(t.TempDir(), "snap.db")
	mustCLI(t, "backup", "--data", data, "--out", snap)
	mustCLI(t, "migrate", "--data", data)
	create("After the snapshot")

	_, err := cli(t, "restore", "--data", data, "--from", snap, "--force")
	if want := "a server is using " + db + "; stop it before restoring"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("restore while serving: %v, want %q", err, want)
	}
	if _, err := os.Stat(db + ".restoring"); !os.IsNotExist(err) {
		t.Errorf("a refused restore left %s.restoring (stat: %v)", db, err)
	}
	// Writes the server acknowledges after the refusal must survive it.
	create("After the refused restore")
	srv.Stop(t)
	if got, want := useCases(t, db), []string{"after-the-refused-restore", "after-the-snapshot", "before-the-snapshot"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("use cases after the refused restore=%v, want %v", got, want)
	}
	mustCLI(t, "audit", "verify", "--data", data)

	// A copy left by an interrupted restore, readable by all, must not lend
	// its mode to the restored database.
	if err := os.WriteFile(db+".restoring", []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "restore", "--data", data, "--from", snap, "--force")
	if got, want := useCases(t, db), []string{"before-the-snapshot"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("use cases after restoring=%v, want %v", got, want)
	}
	info, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("restored database mode=%v, want 0600", got)
	}
}

// TestRestoreAfterServerKilled kills a server process outright, leaving its
// lock file behind, and checks that the file does not block a restore.
func TestRestoreAfterServerKilled(t *testing.T) {
	data := t.TempDir()
	snap := filepath.Join(t.TempDir(), "snap.db")
	mustCLI(t, "migrate", "--data", data)
	mustCLI(t, "backup", "--data", data, "--out", snap)

	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$")
	cmd.Env = append(os.Environ(), "ATRIUM_TEST_SERVE_DATA="+data)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	listening := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "is listening on") {
				listening <- true
				break
			}
		}
		io.Copy(io.Discard, stdout)
		close(listening)
	}()
	select {
	case ok := <-listening:
		if !ok {
			t.Fatal("the server process ended before it listened")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server process did not listen within 20s")
	}
	db := filepath.Join(data, "atrium.db")
	if _, err := cli(t, "restore", "--data", data, "--from", snap, "--force"); err == nil || !strings.Contains(err.Error(), "a server is using") {
		t.Fatalf("restore while another process serves: %v, want a refusal", err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := os.Stat(db + ".lock"); err != nil {
		t.Fatalf("the killed server left no lock file, so this test shows nothing: %v", err)
	}
	mustCLI(t, "restore", "--data", data, "--from", snap, "--force")
}

// TestServeHelperProcess is the server process that TestRestoreAfterServerKilled,
// TestIngestSurvivesKill and TestTwoReplicasIngestTheSameIDs start and kill;
// it does nothing in a normal test run.
func TestServeHelperProcess(t *testing.T) {
	data := os.Getenv("ATRIUM_TEST_SERVE_DATA")
	if data == "" {
		t.Skip("runs only as TestRestoreAfterServerKilled's child process")
	}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--data", data}
	if db := os.Getenv("ATRIUM_TEST_SERVE_DB"); db != "" {
		args = append(args, "--db", db)
	}
	run(context.Background(), args, noEnv, os.Stdout, io.Discard)
	os.Exit(1) // only a kill should end it
}

// useCases returns the slugs of the use cases in the SQLite file at path.
func useCases(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT slug FROM usecases ORDER BY slug`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
