package main

import (
	"database/sql"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShutdownFinishesRequestsInFlight stops the server while a request is
// half sent: the request still completes and is stored, and the server then
// exits cleanly with a final checkpoint that covers it.
func TestShutdownFinishesRequestsInFlight(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data)
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", "admin@atrium.localhost", "--name", "slow"))

	body, send := io.Pipe()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/usecases", body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	status := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			status <- -1
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	send.Write([]byte(`{"name": "Arrived during shutdown", `))
	time.Sleep(200 * time.Millisecond) // the server is now reading the body
	srv.stop()                         // begin shutting down mid-request
	time.Sleep(200 * time.Millisecond)
	send.Write([]byte(`"team": "default"}`))
	send.Close()
	select {
	case code := <-status:
		if code != http.StatusCreated {
			t.Fatalf("request in flight at shutdown = %d, want 201", code)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the request in flight never finished")
	}
	select {
	case err := <-srv.done:
		if err != nil {
			t.Fatalf("server exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not exit after the request finished")
	}
	srv.stop = nil // already stopped; keep the cleanup from waiting again

	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, "atrium.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	db.QueryRow(`SELECT COUNT(*) FROM usecases WHERE slug = 'arrived-during-shutdown'`).Scan(&n)
	if n != 1 {
		t.Fatalf("the use case created during shutdown is stored %d times, want once", n)
	}
	var head, signed int64
	db.QueryRow(`SELECT size FROM audit_head`).Scan(&head)
	db.QueryRow(`SELECT COALESCE(MAX(size), 0) FROM audit_checkpoints`).Scan(&signed)
	if signed != head || head == 0 {
		t.Fatalf("last checkpoint covers %d of %d entries, want all of them", signed, head)
	}
	if out := mustCLI(t, "audit", "verify", "--data", data); !strings.Contains(out, "OK") {
		t.Fatalf("audit verify: %s", out)
	}
}
