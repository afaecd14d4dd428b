package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while run() writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func noEnv(string) string { return "" }

// atrium runs one CLI command in-process and returns its standard output.
func cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, noEnv, &out, &errOut)
	if err != nil {
		err = fmt.Errorf("%w (stderr: %s)", err, errOut.String())
	}
	return out.String(), err
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := cli(t, args...)
	if err != nil {
		t.Fatalf("atrium %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// server is a running `atrium serve` in this process.
type server struct {
	URL      string
	Password string
	stop     context.CancelFunc
	done     chan error
}

var listenRE = regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
var passwordRE = regexp.MustCompile(`password:\s+(\S+)`)

// startServer runs the real run() with `serve` on a free loopback port and
// waits (boundedly) until it says where it listens.
func startServer(t *testing.T, data string, extra ...string) *server {
	t.Helper()
	return startCommand(t, "serve", data, extra...)
}

// startCommand runs `serve` or `demo` like startServer does.
func startCommand(t *testing.T, cmd, data string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	s := &server{stop: cancel, done: make(chan error, 1)}
	args := append([]string{cmd, "--addr", "127.0.0.1:0", "--data", data, "--log-format", "json"}, extra...)
	go func() { s.done <- run(ctx, args, noEnv, out, io.Discard) }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			s.URL = m[1]
			if p := passwordRE.FindStringSubmatch(out.String()); p != nil {
				s.Password = p[1]
			}
			t.Cleanup(func() { s.Stop(t) })
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("server exited early: %v\n%s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("server did not start within 20s; output:\n%s", out.String())
	return nil
}

// Stop shuts the server down and checks it exited cleanly; safe to call twice.
func (s *server) Stop(t *testing.T) {
	t.Helper()
	if s.stop == nil {
		return
	}
	s.stop()
	s.stop = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("server exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("server did not shut down within 30s")
	}
}

// call makes an API request with a bearer token and decodes a JSON answer.
func call(t *testing.T, method, url, token string, body any, into any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if into != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, url, raw, err)
		}
	}
	return resp.StatusCode
}

func TestEndToEnd(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data, "--checkpoint-every", "5")
	if srv.Password == "" {
		t.Fatal("first start printed no administrator password")
	}
	// The CLI works on the same database while the server runs.
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", "admin@atrium.localhost", "--name", "e2e"))
	if !strings.HasPrefix(token, "atr_") || strings.Contains(token, " ") {
		t.Fatalf("token create printed %q, want only the token", token)
	}
	if code := call(t, "GET", srv.URL+"/api/v1/usecases", "", nil, nil); code != 401 {
		t.Fatalf("anonymous list = %d, want 401", code)
	}
	var uc struct {
		Slug, Stage string
		Version     int
	}
	if code := call(t, "POST", srv.URL+"/api/v1/usecases", token, map[string]string{"name": "Churn forecast", "team": "default"}, &uc); code != 201 {
		t.Fatalf("create = %d, want 201", code)
	}
	if uc.Slug != "churn-forecast" || uc.Stage != "scoping" {
		t.Fatalf("created %+v, want slug churn-forecast in scoping", uc)
	}
	if code := call(t, "POST", srv.URL+"/api/v1/usecases/churn-forecast/transitions", token, map[string]string{"to": "data", "note": "scope agreed"}, &uc); code != 200 || uc.Stage != "data" {
		t.Fatalf("transition = %d %+v, want 200 in data", code, uc)
	}
	var list struct {
		Items []struct{ Slug, Stage string }
		Total int
	}
	call(t, "GET", srv.URL+"/api/v1/usecases?stage=data", token, nil, &list)
	if list.Total != 1 || list.Items[0].Slug != "churn-forecast" {
		t.Fatalf("list by stage = %+v, want the one use case", list)
	}
	var auditPage struct {
		Items []struct {
			Action    string
			RequestID string `json:"request_id"`
		}
	}
	call(t, "GET", srv.URL+"/api/v1/usecases/churn-forecast/audit", token, nil, &auditPage)
	if len(auditPage.Items) != 2 || auditPage.Items[0].Action != "usecase.transition" || auditPage.Items[0].RequestID == "" {
		t.Fatalf("use-case audit = %+v, want transition then create, with request ids", auditPage.Items)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if code := call(t, "GET", srv.URL+path, "", nil, nil); code != 200 {
			t.Fatalf("GET %s = %d, want 200", path, code)
		}
	}
	resp, err := http.Get(srv.URL + "/login")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login page: %v %v", resp, err)
	}
	resp.Body.Close()
	srv.Stop(t)
	out := mustCLI(t, "audit", "verify", "--data", data)
	if !strings.Contains(out, "audit trail OK") {
		t.Fatalf("audit verify after shutdown: %q", out)
	}
	// The final checkpoint at shutdown covers every entry.
	ck, err := os.ReadFile(filepath.Join(data, "audit", "checkpoints"))
	if err != nil || !bytes.Contains(ck, []byte("\n")) {
		t.Fatalf("checkpoint file: %v", err)
	}
}

func TestCommandsRefuseBadInput(t *testing.T) {
	data := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"user add without email", []string{"user", "add", "--data", data}, "--email is required"},
		{"user add bad email", []string{"user", "add", "--data", data, "--email", "not-an-address"}, "not a plain e-mail"},
		{"token for unknown user", []string{"token", "create", "--data", data, "--user", "nobody@example.org", "--name", "x"}, "no user"},
		{"token bad expiry", []string{"token", "create", "--data", data, "--user", "a@example.org", "--name", "x", "--expires", "soon"}, "not a duration"},
		{"backup without out", []string{"backup", "--data", data}, "--out is required"},
		{"restore missing file", []string{"restore", "--data", t.TempDir(), "--from", filepath.Join(data, "nope.db")}, "no database"},
		{"verify without key", []string{"audit", "verify", "--data", t.TempDir()}, ""},
		{"stray argument", []string{"migrate", "--data", data, "extra"}, "unexpected argument"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cli(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestUserAddAndTokenCreate(t *testing.T) {
	data := t.TempDir()
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("correct horse battery staple\n"), 0o600)
	out := mustCLI(t, "user", "add", "--data", data, "--email", "Ops@Example.org", "--name", "Ops", "--admin", "--password-file", pw)
	if !strings.Contains(out, "ops@example.org") {
		t.Fatalf("user add said %q", out)
	}
	if _, err := cli(t, "user", "add", "--data", data, "--email", "ops@example.org"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate user add: %v", err)
	}
	tok := mustCLI(t, "token", "create", "--data", data, "--user", "ops@example.org", "--name", "ci", "--expires", "30d")
	if lines := strings.Split(strings.TrimSpace(tok), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "atr_") {
		t.Fatalf("token create printed %q, want one token line", tok)
	}
	if out := mustCLI(t, "migrate", "--data", data); !strings.Contains(out, "up to date") {
		t.Fatalf("migrate said %q", out)
	}
	if out := mustCLI(t, "version"); !strings.HasPrefix(out, "atrium ") {
		t.Fatalf("version said %q", out)
	}
}
