package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// TestIngestKeyCommands: a key made from the shell reports events, is
// listed and, once revoked, is refused; on the database and through a
// server alike.
func TestIngestKeyCommands(t *testing.T) {
	e := newRegistryEnv(t)
	for mode, via := range e.modes(t) {
		t.Run(mode, func(t *testing.T) {
			with := func(args ...string) []string { return append(args, via...) }
			mustCLI(t, with("model", "register", "churn", "--uri", "s3://models/churn/1/model.onnx", "--digest", sha("churn v1"))...)
			var k struct {
				telemetry.IngestKey
				Secret string `json:"secret"`
			}
			cliJSON(t, &k, with("ingest-key", "create", "--name", "scoring API", "--model", "churn")...)
			if !strings.HasPrefix(k.Secret, "atri_") || k.ID == "" || k.Model != "churn" || !strings.HasPrefix(k.Secret, k.Prefix) {
				t.Fatalf("created %+v", k)
			}
			report := func() int {
				req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/ingest/predictions", strings.NewReader(`{"output": {"label": "stays"}}`))
				req.Header.Set("Authorization", "Bearer "+k.Secret)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			if code := report(); code != http.StatusCreated {
				t.Fatalf("reporting with the new key = %d, want 201", code)
			}
			text := mustCLI(t, with("ingest-key", "create", "--name", "batch job")...)
			if !strings.Contains(text, "only time the key is shown") || !strings.Contains(text, "atri_") {
				t.Fatalf("create printed %q", text)
			}
			list := mustCLI(t, with("ingest-key", "list")...)
			if !strings.Contains(list, "scoring API") || !strings.Contains(list, "batch job") || strings.Contains(list, k.Secret) {
				t.Fatalf("list printed %q", list)
			}
			if out := mustCLI(t, with("ingest-key", "revoke", k.ID)...); !strings.Contains(out, "Revoked") {
				t.Fatalf("revoke printed %q", out)
			}
			// Through the server the revocation is immediate; on the
			// database, the running server's key cache (two seconds) is
			// another process's, so only the stored state is checked.
			if code := report(); mode == "server" && code != http.StatusUnauthorized {
				t.Fatalf("reporting with the revoked key = %d, want 401", code)
			}
			if !strings.Contains(mustCLI(t, with("ingest-key", "list")...), "revoked") {
				t.Fatal("list does not show the key as revoked")
			}
		})
	}
	// Refusals: no name, a missing argument, an unknown key, someone without the role.
	local := []string{"--usecase", "churn-local", "--data", e.data, "--as", adminEmail}
	for name, args := range map[string][]string{
		"no name":     append([]string{"ingest-key", "create"}, local...),
		"no id":       append([]string{"ingest-key", "revoke"}, local...),
		"unknown key": append([]string{"ingest-key", "revoke", "ffffffffffffffffffffffffffffffff"}, local...),
		"outsider":    {"ingest-key", "create", "--name", "x", "--usecase", "churn-server", "--server", e.srv.URL, "--token", e.outsider},
		"unknown sub": append([]string{"ingest-key", "rotate"}, local...),
	} {
		if _, err := cli(t, args...); err == nil {
			t.Errorf("%s: atrium %s succeeded", name, strings.Join(args, " "))
		}
	}
}

// TestServeCreatesThePseudonymKey: the server makes the key beside the
// audit key on first start and keeps it on the next.
func TestServeCreatesThePseudonymKey(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, data)
	s.Stop(t)
	path := filepath.Join(data, "audit", "pseudonym.key")
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no pseudonymisation key: %v", err)
	}
	if st.Size() != pseudonymKeyBytes || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %d bytes, mode %04o; want %d bytes, 0600", st.Size(), st.Mode().Perm(), pseudonymKeyBytes)
	}
	first, _ := os.ReadFile(path)
	startServer(t, data).Stop(t)
	if again, _ := os.ReadFile(path); !bytes.Equal(first, again) {
		t.Fatal("a restart replaced the pseudonymisation key")
	}
}

func TestPseudonymKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys", "pseudonym.key")
	k1, err := loadOrCreatePseudonymKey(path)
	if err != nil || len(k1) != pseudonymKeyBytes {
		t.Fatalf("create: %d bytes, %v", len(k1), err)
	}
	k2, err := loadOrCreatePseudonymKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("load: %v, same = %v", err, bytes.Equal(k1, k2))
	}
	if bytes.Equal(k1, make([]byte, pseudonymKeyBytes)) {
		t.Fatal("the key is all zeros")
	}
	other, _ := loadOrCreatePseudonymKey(filepath.Join(dir, "other.key"))
	if bytes.Equal(k1, other) {
		t.Fatal("two keys are the same")
	}
	for name, setup := range map[string]func(p string){
		"readable by others": func(p string) { os.WriteFile(p, k1, 0o644); os.Chmod(p, 0o644) },
		"too short":          func(p string) { os.WriteFile(p, k1[:16], 0o600) },
		"a folder":           func(p string) { os.Mkdir(p, 0o700) },
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		setup(p)
		if _, err := loadOrCreatePseudonymKey(p); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

// fakeRetention records the retention loop's calls.
type fakeRetention struct {
	maintained, swept []time.Time
	res               store.SweepResult
}

func (f *fakeRetention) MaintainPartitions(_ context.Context, now time.Time) error {
	f.maintained = append(f.maintained, now)
	return nil
}

func (f *fakeRetention) SweepPayloads(_ context.Context, now time.Time) (store.SweepResult, error) {
	f.swept = append(f.swept, now)
	return f.res, nil
}

func TestRetentionRunsAtStartAndLogsCounts(t *testing.T) {
	var logs bytes.Buffer
	f := &fakeRetention{res: store.SweepResult{UseCases: 2, Payloads: 1234, Partitions: []string{"prediction_payloads_20260301"}}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // one pass, then the loop sees the end
	at := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC)
	runRetention(ctx, f, time.Hour, func() time.Time { return at }, slog.New(slog.NewJSONHandler(&logs, nil)))
	if len(f.maintained) != 1 || len(f.swept) != 1 || !f.swept[0].Equal(at) {
		t.Fatalf("maintained %v, swept %v; want one pass at %v", f.maintained, f.swept, at)
	}
	out := logs.String()
	for _, want := range []string{`"payloads":1234`, `"usecases":2`, `"partitions":1`} {
		if !strings.Contains(out, want) {
			t.Fatalf("log %q lacks %s", out, want)
		}
	}
	if strings.Contains(out, "prediction_payloads_20260301") {
		t.Fatalf("the log names what was dropped: %s", out)
	}
}

func TestIngestConfig(t *testing.T) {
	c, err := parseServe(t, map[string]string{"ATRIUM_INGEST_MAX_COMMIT": "800"}, "--audit-key", "/srv/keys/signing.key", "--ingest-linger", "20ms")
	if err != nil {
		t.Fatal(err)
	}
	if c.PseudonymKey != "/srv/keys/pseudonym.key" || c.IngestMaxCommit != 800 || c.IngestLinger != 20*time.Millisecond ||
		c.IngestMaxPending != defaultIngestMaxPending || c.RetentionEvery != time.Hour {
		t.Fatalf("config %+v", c)
	}
	for _, args := range [][]string{
		{"--ingest-max-pending", "0"},
		{"--ingest-max-commit", "0"},
		{"--ingest-max-commit", "200000"},
		{"--ingest-max-pending", "10", "--ingest-max-commit", "20"},
		{"--ingest-linger", "-1ms"},
		{"--ingest-linger", "5s"},
		{"--retention-every", "1s"},
		{"--retention-every", "48h"},
	} {
		if _, err := parseServe(t, nil, args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
