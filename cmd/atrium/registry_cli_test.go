package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/store/pgtest"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// registryEnv is a running server with a use case per mode, an editor
// (the administrator) and an outsider with no role on either.
type registryEnv struct {
	data, token, outsider string
	srv                   *server
}

const adminEmail = "admin@atrium.localhost"

func newRegistryEnv(t *testing.T) *registryEnv {
	t.Helper()
	data := t.TempDir()
	srv := startServer(t, data)
	e := &registryEnv{data: data, srv: srv}
	e.token = strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", adminEmail, "--name", "registry cli"))
	mustCLI(t, "user", "add", "--data", data, "--email", "outsider@example.org")
	e.outsider = strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", "outsider@example.org", "--name", "elsewhere"))
	for _, name := range []string{"Churn local", "Churn server"} {
		if code := call(t, "POST", srv.URL+"/api/v1/usecases", e.token, map[string]string{"name": name, "team": "default"}, nil); code != 201 {
			t.Fatalf("create use case %q = %d", name, code)
		}
	}
	return e
}

// startRun starts a training run in use case slug through the MLflow API,
// with a token bound to it, and returns the run's id.
func (e *registryEnv) startRun(t *testing.T, slug string) string {
	t.Helper()
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", e.data, "--user", adminEmail, "--name", "training "+slug, "--usecase", slug))
	var out struct {
		Run struct {
			Info struct {
				RunID string `json:"run_id"`
			} `json:"info"`
		} `json:"run"`
	}
	if code := call(t, "POST", e.srv.URL+"/api/2.0/mlflow/runs/create", token, map[string]any{"experiment_id": "0"}, &out); code != 200 || out.Run.Info.RunID == "" {
		t.Fatalf("runs/create in %s = %d %+v", slug, code, out)
	}
	return out.Run.Info.RunID
}

// registryAPI reports whether the server has the registry's API routes.
func (e *registryEnv) registryAPI(t *testing.T) bool {
	var p struct{ Detail string }
	code := call(t, "GET", e.srv.URL+"/api/v1/usecases/churn-server/assets", e.token, nil, &p)
	return !(code == http.StatusNotFound && strings.Contains(p.Detail, "nothing at this address"))
}

// modes are the two ways a registry command reaches Atrium.
func (e *registryEnv) modes(t *testing.T) map[string][]string {
	m := map[string][]string{"local": {"--usecase", "churn-local", "--data", e.data, "--as", adminEmail}}
	if e.registryAPI(t) {
		m["server"] = []string{"--usecase", "churn-server", "--server", e.srv.URL, "--token", e.token}
	} else {
		t.Log("this build has no registry API routes yet: server mode is tested once they are merged")
	}
	return m
}

func cliJSON(t *testing.T, into any, args ...string) {
	t.Helper()
	out := mustCLI(t, append(args, "--json")...)
	if err := json.Unmarshal([]byte(out), into); err != nil {
		t.Fatalf("atrium %s --json printed %q: %v", strings.Join(args, " "), out, err)
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestRegistryCommands(t *testing.T) {
	e := newRegistryEnv(t)
	for mode, via := range e.modes(t) {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			with := func(args ...string) []string { return append(args, via...) }
			run := e.startRun(t, via[1])

			// A dataset, hashed from a local copy, with a profile.
			csv := writeFile(t, dir, "customers.csv", "id,age\n1,34\n2,51\n")
			prof := writeFile(t, dir, "profile.json", `{"rows":2,"bytes":19,"format":"csv","columns":[
				{"name":"id","type":"integer","count":2,"nulls":0,"distinct":2},
				{"name":"age","type":"integer","count":2,"nulls":0,"distinct":2}]}`)
			var ds registry.Version
			cliJSON(t, &ds, with("dataset", "register", "customers", "--uri", "s3://lake/customers/2026-03.csv", "--file", csv,
				"--role", "training", "--source", "crm export", "--owner", "data team", "--profile", prof, "--tag", "month=2026-03")...)
			if ds.Number != 1 || ds.Digest != sha("id,age\n1,34\n2,51\n") || ds.Size != int64(len("id,age\n1,34\n2,51\n")) || ds.Dataset == nil ||
				ds.Dataset.Role != registry.Training || ds.Dataset.Profile == nil || ds.Dataset.Profile.Rows != 2 || ds.Tags["month"] != "2026-03" {
				t.Fatalf("dataset version = %+v", ds)
			}

			// What "atrium dataset profile --json" writes: a profile with its schema.
			withSchema := writeFile(t, dir, "profiled.json", `{"profile":{"rows":2,"bytes":19,"format":"csv","columns":[
				{"name":"id","type":"integer","count":2,"nulls":0,"distinct":2}]},
				"schema":[{"name":"id","type":"integer","nullable":false}]}`)
			var ds2 registry.Version
			cliJSON(t, &ds2, with("dataset", "register", "customers", "--uri", "s3://lake/customers/2026-04.csv", "--digest", sha("april"), "--profile", withSchema)...)
			if ds2.Number != 2 || ds2.Dataset == nil || len(ds2.Dataset.Schema) != 1 || ds2.Dataset.Schema[0].Name != "id" || ds2.Dataset.Profile == nil {
				t.Fatalf("dataset version from a profile with schema = %+v", ds2.Dataset)
			}

			// A local file profiled and registered in one step: the version
			// carries the profile, the schema and the file's own digest.
			data := writeFile(t, dir, "holdout.csv", "id,age,email\n1,34,a@example.org\n2,51,b@example.org\n3,,c@example.org\n")
			var profiled registry.Version
			cliJSON(t, &profiled, append([]string{"dataset", "profile", data, "--register", via[1] + "/holdout", "--uri", "s3://lake/holdout.csv", "--role", "test"}, via...)...)
			if profiled.Number != 1 || profiled.Digest != sha("id,age,email\n1,34,a@example.org\n2,51,b@example.org\n3,,c@example.org\n") || profiled.Dataset == nil ||
				profiled.Dataset.Role != registry.Test || profiled.Dataset.Profile == nil || profiled.Dataset.Profile.Rows != 3 || len(profiled.Dataset.Schema) != 3 {
				t.Fatalf("profiled and registered version = %+v %+v", prof, profiled.Dataset)
			}
			for _, bad := range [][]string{
				{"--register", "holdout", "--uri", "s3://lake/x.csv"},                                 // no use case
				{"--register", via[1] + "/holdout"},                                                   // no --uri
				{"--register", via[1] + "/holdout", "--uri", "file:///etc/passwd"},                    // a local path
				{"--register", via[1] + "/holdout", "--uri", "s3://lake/x.csv", "--digest", sha("x")}, // a digest of something else
				{"--register", "other/holdout", "--uri", "s3://lake/x.csv"},                           // --usecase says otherwise
			} {
				if _, err := cli(t, append(append([]string{"dataset", "profile", data}, bad...), via...)...); err == nil {
					t.Errorf("dataset profile %v was accepted", bad)
				}
			}

			// A model, twice; the second names the dataset it was trained on.
			weights := writeFile(t, dir, "model.bin", "weights v1")
			out := mustCLI(t, with("model", "register", "churn-gbm", "--uri", "s3://models/churn/1", "--file", weights,
				"--framework", "xgboost 2.1", "--task", "binary-classification")...)
			if !strings.Contains(out, "registered model churn-gbm version 1") || !strings.Contains(out, "sha256:"+sha("weights v1")) {
				t.Fatalf("model register said %q", out)
			}
			var m registry.Version
			cliJSON(t, &m, with("model", "register", "churn-gbm", "--uri", "s3://models/churn/2", "--digest", "SHA256:"+strings.ToUpper(sha("weights v2")),
				"--size", "10", "--param", "max_depth=6", "--param", "eta=0.1", "--trained-on", "customers:1", "--evaluated-on", "customers:1",
				"--code", "https://git.example.org/risk/churn@3F2C1AB", "--run-id", run, "--release-notes", "deeper trees", "--tag", "owner=risk")...)
			if m.Number != 2 || m.Digest != sha("weights v2") || m.Model == nil || m.Model.Parameters["eta"] != "0.1" ||
				len(m.Model.TrainingData) != 1 || m.Model.TrainingData[0] != (registry.VersionRef{Name: "customers", Version: 1}) ||
				m.Model.Code == nil || m.Model.Code.Commit != "3f2c1ab" || m.Model.RunID != run || m.Model.ReleaseNotes != "deeper trees" {
				t.Fatalf("model version = %+v %+v", m, m.Model)
			}

			// Aliases: set, move, and the point-in-time answer.
			var first, second registry.Alias
			cliJSON(t, &first, with("alias", "set", "model", "churn-gbm", "production", "1", "--reason", "first release")...)
			if out := mustCLI(t, with("alias", "set", "model", "churn-gbm", "production", "2", "--reason", "better recall")...); !strings.Contains(out, "production of model churn-gbm now points at version 2") {
				t.Fatalf("alias set said %q", out)
			}
			var hist struct{ Items []registry.AliasMove }
			cliJSON(t, &hist, with("alias", "history", "model", "churn-gbm", "production")...)
			if len(hist.Items) != 2 || hist.Items[0].To != 1 || hist.Items[1].From != 1 || hist.Items[1].To != 2 || hist.Items[1].Reason != "better recall" {
				t.Fatalf("history = %+v, want set to 1, then 1 → 2, oldest first", hist.Items)
			}
			second.MovedAt = hist.Items[1].MovedAt
			out = mustCLI(t, with("alias", "history", "model", "churn-gbm", "production")...)
			if !strings.Contains(out, "set to 1") || !strings.Contains(out, "1 → 2") || !strings.Contains(out, "better recall") {
				t.Fatalf("history table = %q", out)
			}
			var then registry.Alias
			cliJSON(t, &then, with("alias", "history", "model", "churn-gbm", "production", "--at", first.MovedAt.Format(time.RFC3339Nano))...)
			if then.Version != 1 || then.Reason != "first release" {
				t.Fatalf("at the first move = %+v, want version 1", then)
			}
			cliJSON(t, &then, with("alias", "history", "model", "churn-gbm", "production", "--at", second.MovedAt.Format(time.RFC3339Nano))...)
			if then.Version != 2 {
				t.Fatalf("at the second move = %+v, want version 2", then)
			}
			zoneless := second.MovedAt.Add(time.Minute).In(time.Local).Format("2006-01-02 15:04")
			if out := mustCLI(t, with("alias", "history", "model", "churn-gbm", "production", "--at", zoneless)...); !strings.Contains(out, "pointed at version 2") {
				t.Fatalf("--at %q said %q", zoneless, out)
			}
			before := first.MovedAt.Add(-time.Hour).Format(time.RFC3339)
			if _, err := cli(t, with("alias", "history", "model", "churn-gbm", "production", "--at", before)...); err == nil || !strings.Contains(err.Error(), "did not point") {
				t.Fatalf("--at before the alias existed: %v", err)
			}

			// Prompts: push, get, render.
			tmpl := writeFile(t, dir, "summary.txt", "Summarise {{ customer }} for the {{team}} team.\r\n")
			out = mustCLI(t, with("prompt", "push", "summary", "--file", tmpl, "--uri", "https://git.example.org/risk/prompts/summary.txt",
				"--form", "chat", "--model-config", `{"temperature":0.2}`)...)
			if !strings.Contains(out, "registered prompt summary version 1") || !strings.Contains(out, "customer, team") ||
				!strings.Contains(out, sha("Summarise {{ customer }} for the {{team}} team.")) {
				t.Fatalf("prompt push said %q", out)
			}
			mustCLI(t, with("prompt", "push", "summary", "--file", writeFile(t, dir, "v2.txt", "Hello {{customer}}"), "--uri", "https://git.example.org/risk/prompts/summary.txt")...)
			mustCLI(t, with("alias", "set", "prompt", "summary", "live", "1", "--reason", "reviewed")...)
			if out := mustCLI(t, with("prompt", "get", "summary")...); out != "Hello {{customer}}\n" {
				t.Fatalf("newest template = %q", out)
			}
			if out := mustCLI(t, with("prompt", "get", "summary", "--alias", "live")...); out != "Summarise {{ customer }} for the {{team}} team.\n" {
				t.Fatalf("template at alias live = %q", out)
			}
			var pv registry.Version
			cliJSON(t, &pv, with("prompt", "get", "summary", "--version", "1")...)
			var cfg bytes.Buffer
			if pv.Prompt != nil {
				json.Compact(&cfg, pv.Prompt.ModelConfig)
			}
			if pv.Prompt == nil || pv.Prompt.Form != registry.Chat || cfg.String() != `{"temperature":0.2}` {
				t.Fatalf("prompt version 1 = %+v", pv.Prompt)
			}
			if out := mustCLI(t, with("prompt", "get", "summary", "--alias", "live", "--var", "customer=Ann Lee", "--var", "team=retention")...); out != "Summarise Ann Lee for the retention team.\n" {
				t.Fatalf("rendered = %q", out)
			}
			var r struct {
				Version int
				Text    string
			}
			cliJSON(t, &r, with("prompt", "get", "summary", "--render", "--var", "customer={{team}}")...)
			if r.Version != 2 || r.Text != "Hello {{team}}" {
				t.Fatalf("rendered newest = %+v (values are not expanded)", r)
			}
			for args, want := range map[string]string{
				"--alias live --var customer=Ann":           "missing value for variable team",
				"--var customer=Ann --var teem=x":           "no variable \"teem\"",
				"--alias gone --render":                     "alias \"gone\"",
				"--version 9":                               "version 9",
				"--version 1 --alias live":                  "not both",
				"--alias 12 --render":                       "alias must not be a number",
				"--var =x":                                  "want NAME=VALUE",
				"--var customer=a --var customer=b":         "given twice",
				"--render --var customer=x --var team=y -z": "flag provided but not defined",
			} {
				if _, err := cli(t, with(append([]string{"prompt", "get", "summary"}, strings.Fields(args)...)...)...); err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("prompt get %s: %v, want %q", args, err, want)
				}
			}
		})
	}
}

// TestRegistryLocalIsAudited checks that a change made on the database is
// recorded as the named user, with the command's request id.
func TestRegistryLocalIsAudited(t *testing.T) {
	e := newRegistryEnv(t)
	mustCLI(t, "dataset", "register", "events", "--usecase", "churn-local", "--data", e.data, "--as", adminEmail,
		"--uri", "gs://lake/events", "--digest", sha("events"))
	db, err := store.Open(context.Background(), filepath.Join(e.data, "atrium.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	admin, err := db.GetUserByEmail(ctx, adminEmail)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	err = db.AllAuditEntries(ctx, func(en audit.Entry) error {
		if strings.HasPrefix(en.Action, "registry.") {
			found[en.Action] = true
			if en.ActorID != admin.ID || !strings.HasPrefix(en.RequestID, "cli-") {
				t.Errorf("audit entry %s by %s with request %q, want the admin %s and a cli- request id", en.Action, en.ActorID, en.RequestID, admin.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found["registry.asset.create"] || !found["registry.version.create"] {
		t.Fatalf("audit actions = %v, want the asset and its version recorded", found)
	}
}

func TestRegistryCommandsRefuseBadInput(t *testing.T) {
	e := newRegistryEnv(t)
	dir := t.TempDir()
	local := []string{"--usecase", "churn-local", "--data", e.data, "--as", adminEmail}
	mustCLI(t, append([]string{"dataset", "register", "customers", "--uri", "s3://lake/c", "--digest", sha("c")}, local...)...)
	mustCLI(t, append([]string{"model", "register", "m", "--uri", "s3://lake/m", "--digest", sha("m")}, local...)...)
	file := writeFile(t, dir, "f.bin", "bytes")
	badJSON := writeFile(t, dir, "bad.json", `{"rows": "many"}`)
	unknown := writeFile(t, dir, "unknown.json", `{"rows": 1, "colour": "blue"}`)
	negative := writeFile(t, dir, "neg.json", `{"rows": -1}`)
	badSchema := writeFile(t, dir, "schema.json", `{"profile": {"rows": 1}, "schema": [{"name": "", "type": "integer"}]}`)
	twoValues := writeFile(t, dir, "two.json", `{"rows": 1} {"rows": 2}`)
	reg := func(kind string, args ...string) []string {
		return append(append([]string{kind, "register", "x"}, args...), local...)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", []string{"dataset"}, "needs a subcommand"},
		{"unknown subcommand", []string{"model", "delete"}, "unknown command \"model delete\""},
		{"no name", append([]string{"dataset", "register", "--uri", "s3://a/b", "--digest", sha("x")}, local...), "missing NAME"},
		{"two names", reg("dataset", "y", "--uri", "s3://a/b", "--digest", sha("x")), "unexpected argument \"y\""},
		{"bad name", append([]string{"dataset", "register", "Bad Name", "--uri", "s3://a/b", "--digest", sha("x")}, local...), "name must be lower-case"},
		{"no uri", reg("dataset", "--digest", sha("x")), "--uri is required"},
		{"local path uri", reg("dataset", "--uri", "/etc/passwd", "--digest", sha("x")), "needs a scheme"},
		{"file uri", reg("model", "--uri", "file:///etc/passwd", "--digest", sha("x")), "not accepted"},
		{"uri with credentials", reg("model", "--uri", "https://user:pw@example.org/m", "--digest", sha("x")), "credentials"},
		{"uri traversal", reg("model", "--uri", "s3://b/a/%2e%2e/secret", "--digest", sha("x")), "uri"},
		{"no digest", reg("model", "--uri", "s3://a/b"), "--digest"},
		{"bad digest", reg("model", "--uri", "s3://a/b", "--digest", "abc"), "64 hex digits"},
		{"missing file", reg("model", "--uri", "s3://a/b", "--file", filepath.Join(dir, "nope")), "no such file"},
		{"file is a folder", reg("model", "--uri", "s3://a/b", "--file", dir), "not a regular file"},
		{"digest does not match file", reg("model", "--uri", "s3://a/b", "--file", file, "--digest", sha("other")), "does not match"},
		{"size does not match file", reg("model", "--uri", "s3://a/b", "--file", file, "--size", "99"), "does not match"},
		{"negative size", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--size", "-1"), "negative"},
		{"param without value", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--param", "depth"), "want NAME=VALUE"},
		{"param twice", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--param", "a=1", "--param", "a=2"), "given twice"},
		{"bad param name", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--param", "a b=1"), "parameter name"},
		{"tag without value", reg("dataset", "--uri", "s3://a/b", "--digest", sha("x"), "--tag", "x"), "want tag=VALUE"},
		{"trained-on without version", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--trained-on", "customers"), "DATASET:VERSION"},
		{"trained-on version 0", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--trained-on", "customers:0"), "DATASET:VERSION"},
		{"trained-on unknown version", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--trained-on", "customers:7"), "no version 7"},
		{"bad code", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--code", "https://git.example.org/r"), "REPOSITORY@COMMIT"},
		{"bad commit", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--code", "https://git.example.org/r@main"), "hex digits"},
		{"bad run id", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--run-id", "run/../1"), "run id"},
		{"bad metadata", reg("model", "--uri", "s3://a/b", "--digest", sha("x"), "--metadata", "[1,2]"), "JSON object"},
		{"bad role", reg("dataset", "--uri", "s3://a/b", "--digest", sha("x"), "--role", "gold"), "dataset role"},
		{"missing profile", reg("dataset", "--uri", "s3://a/b", "--digest", sha("x"), "--profile", filepath.Join(dir, "nope.json")), "no such file"},
		{"profile of the wrong shape", reg("dataset", "--uri", "s3://a/b", "--digest", sha("x"), "--profile", badJSON), "not a dataset profile"},
		{"profile with unknown field", reg("dataset", "--uri", "s3://a/b", "--digest", sha("x"), "--profile", unknown), "unknown field"},
		{"profile with negative rows", reg("dataset", "--uri", "s3://a/b", "--digest", sha("x"), "--profile", negative), "--profile"},
		{"profile with a bad schema", reg("dataset", "--uri", "s3://a/b", "--digest", sha("x"), "--profile", badSchema), "schema"},
		{"profile of two values", reg("dataset", "--uri", "s3://a/b", "--digest", sha("x"), "--profile", twoValues), "more than one JSON value"},
		{"no use case", []string{"dataset", "register", "x", "--uri", "s3://a/b", "--digest", sha("x"), "--data", e.data, "--as", adminEmail}, "--usecase is required"},
		{"bad use case", []string{"dataset", "register", "x", "--usecase", "../x", "--uri", "s3://a/b", "--digest", sha("x"), "--data", e.data, "--as", adminEmail}, "use-case slug"},
		{"unknown use case", []string{"dataset", "register", "x", "--usecase", "nowhere", "--uri", "s3://a/b", "--digest", sha("x"), "--data", e.data, "--as", adminEmail}, "not found"},
		{"nobody acts", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--data", e.data}, "--as EMAIL"},
		{"unknown user", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--data", e.data, "--as", "ghost@example.org"}, "--as ghost@example.org"},
		{"user without a role there", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--data", e.data, "--as", "outsider@example.org"}, "not found"},
		{"no database", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--data", filepath.Join(dir, "empty"), "--as", adminEmail}, "no database at"},
		{"token without server", append(reg("dataset", "--uri", "s3://a/b", "--digest", sha("x")), "--token", e.token), "--token is for --server"},
		{"as with server", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--server", e.srv.URL, "--token", e.token, "--as", adminEmail}, "--as is for"},
		{"server without token", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--server", e.srv.URL}, "needs an API token"},
		{"server not a URL", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--server", "ftp://x", "--token", e.token}, "--server must be"},
		{"server with credentials", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--server", "https://u:p@x.example", "--token", e.token}, "credentials"},
		{"revoked or wrong token", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--server", e.srv.URL, "--token", "atr_not-a-real-token"}, "token"},
		{"unreachable server", []string{"dataset", "register", "x", "--usecase", "churn-local", "--uri", "s3://a/b", "--digest", sha("x"), "--server", "http://127.0.0.1:1", "--token", e.token}, "cannot reach"},
		{"prompt without file", append([]string{"prompt", "push", "p", "--uri", "https://git.example.org/p.txt"}, local...), "--file"},
		{"prompt missing file", append([]string{"prompt", "push", "p", "--uri", "https://git.example.org/p.txt", "--file", filepath.Join(dir, "nope")}, local...), "no such file"},
		{"prompt without uri", append([]string{"prompt", "push", "p", "--file", file}, local...), "--uri"},
		{"prompt bad form", append([]string{"prompt", "push", "p", "--uri", "https://git.example.org/p.txt", "--file", file, "--form", "poem"}, local...), "chat or text"},
		{"prompt bad model config", append([]string{"prompt", "push", "p", "--uri", "https://git.example.org/p.txt", "--file", file, "--model-config", "{temperature"}, local...), "JSON object"},
		{"prompt empty template", append([]string{"prompt", "push", "p", "--uri", "https://git.example.org/p.txt", "--file", writeFile(t, dir, "empty.txt", " \n")}, local...), "template"},
		{"prompt too large", append([]string{"prompt", "push", "p", "--uri", "https://git.example.org/p.txt", "--file", writeFile(t, dir, "big.txt", strings.Repeat("x", registry.MaxTemplate+1))}, local...), "larger than"},
		{"prompt get unknown", append([]string{"prompt", "get", "nothing"}, local...), "not found"},
		{"alias set bad kind", append([]string{"alias", "set", "notebook", "m", "live", "1", "--reason", "r"}, local...), "kind must be"},
		{"alias set bad alias", append([]string{"alias", "set", "model", "m", "Live!", "1", "--reason", "r"}, local...), "alias must be"},
		{"alias set bad version", append([]string{"alias", "set", "model", "m", "live", "one", "--reason", "r"}, local...), "VERSION must be"},
		{"alias set missing version", append([]string{"alias", "set", "model", "m", "live", "9", "--reason", "r"}, local...), "version 9"},
		{"alias set without reason", append([]string{"alias", "set", "model", "m", "live", "1"}, local...), "--reason is required"},
		{"alias set too few", append([]string{"alias", "set", "model", "m", "--reason", "r"}, local...), "missing ALIAS VERSION"},
		{"alias set unknown asset", append([]string{"alias", "set", "model", "nope", "live", "1", "--reason", "r"}, local...), "not found"},
		{"alias set by an outsider", []string{"alias", "set", "model", "m", "live", "1", "--reason", "r", "--usecase", "churn-local", "--data", e.data, "--as", "outsider@example.org"}, "not found"},
		{"alias history bad time", append([]string{"alias", "history", "model", "m", "live", "--at", "last tuesday"}, local...), "--at must be"},
		{"alias history unknown alias", append([]string{"alias", "history", "model", "m", "live", "--at", "2026-03-03"}, local...), "did not point"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cli(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	// Nothing refused above left a trace: the two assets are all there is,
	// with one version each.
	db, err := store.Open(context.Background(), filepath.Join(e.data, "atrium.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := atrium.WithActor(context.Background(), atrium.System)
	admin, err := db.GetUserByEmail(ctx, adminEmail)
	if err != nil {
		t.Fatal(err)
	}
	as := atrium.WithActor(ctx, atrium.Actor{UserID: admin.ID, Email: admin.Email, Admin: true})
	page, err := db.ListAssets(as, "churn-local", registry.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || page.Items[0].Versions != 1 || page.Items[1].Versions != 1 {
		t.Fatalf("assets after refused commands = %+v, want customers and m with one version each", page.Items)
	}
}

// TestRegistryServerErrors checks that the server's refusals reach the user:
// a token of someone without a role on the use case, a viewer's write.
func TestRegistryServerErrors(t *testing.T) {
	e := newRegistryEnv(t)
	if !e.registryAPI(t) {
		t.Skip("this build has no registry API routes yet")
	}
	args := []string{"dataset", "register", "x", "--usecase", "churn-server", "--uri", "s3://a/b", "--digest", sha("x"), "--server", e.srv.URL}
	_, err := cli(t, append(args, "--token", e.outsider)...)
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("a token for another use case: %v, want not found", err)
	}
	// ATRIUM_TOKEN is read when --token is absent.
	var out, errOut bytes.Buffer
	env := func(k string) string {
		if k == "ATRIUM_TOKEN" {
			return e.token
		}
		return ""
	}
	if err := run(context.Background(), args, env, &out, &errOut); err != nil || !strings.Contains(out.String(), "version 1") {
		t.Fatalf("with ATRIUM_TOKEN: %v %s %s", err, out.String(), errOut.String())
	}
	_, err = cli(t, "alias", "set", "dataset", "x", "live", "5", "--reason", "r", "--usecase", "churn-server", "--server", e.srv.URL, "--token", e.token)
	if err == nil || !strings.Contains(err.Error(), "version 5") {
		t.Fatalf("alias to a missing version over the API: %v", err)
	}
}

func TestParseWhen(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	for in, want := range map[string]time.Time{
		"2026-03-03T14:00:00Z":      time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC),
		"2026-03-03T14:00:00+01:00": time.Date(2026, 3, 3, 13, 0, 0, 0, time.UTC),
		"2026-03-03 14:00":          time.Date(2026, 3, 3, 13, 0, 0, 0, time.UTC),
		"2026-03-03T14:00:30":       time.Date(2026, 3, 3, 13, 0, 30, 0, time.UTC),
		" 2026-03-03 ":              time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC),
	} {
		got, err := parseWhen(in, berlin)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "yesterday", "2026-13-01", "14:00", "2026-03-03T25:00"} {
		if _, err := parseWhen(in, berlin); err == nil {
			t.Errorf("parseWhen(%q) succeeded", in)
		}
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 999: "999 bytes", 1500: "1.5 kB (1500 bytes)", 12_300_000: "12.3 MB (12300000 bytes)"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestHTTPClientWaitsOutShortRateLimits runs the client against a server
// with a tight token limit: a short Retry-After is waited out (the wait is
// recorded, not slept) and retried a bounded number of times; a long one is
// reported at once, with the wait the server asked for.
func TestHTTPClientWaitsOutShortRateLimits(t *testing.T) {
	for _, tc := range []struct {
		limit  string
		sleeps int
		want   string
	}{
		{"0.2:1", rateRetries, "(the server asks to wait 5 s)"},
		{"0.001:1", 0, "(the server asks to wait 1000 s)"},
	} {
		t.Run(tc.limit, func(t *testing.T) {
			data := t.TempDir()
			srv := startServer(t, data, "--rate-limit-token", tc.limit)
			token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", adminEmail, "--name", "tight"))
			c, err := newHTTPRegistry(srv.URL, token, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var waits []time.Duration
			c.sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
			ref := registry.Ref{Kind: registry.Model, Name: "m"}
			if _, err := c.GetAsset(context.Background(), "nowhere", ref); atrium.KindOf(err) == atrium.RateLimited {
				t.Fatalf("first request: %v, want it let through", err)
			}
			_, err = c.GetAsset(context.Background(), "nowhere", ref)
			if atrium.KindOf(err) != atrium.RateLimited || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("second request: %v, want rate_limited with %q", err, tc.want)
			}
			if len(waits) != tc.sleeps {
				t.Fatalf("waited %v, want %d waits", waits, tc.sleeps)
			}
		})
	}
}

// TestRegistryCommandsOnPostgres runs the commands on a PostgreSQL
// database, as its own user.
func TestRegistryCommandsOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	ctx := atrium.WithActor(context.Background(), atrium.System)
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, identity.User{Email: "ml@example.org", Name: "ML"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "risk", Name: "Risk"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTeamMember(ctx, "risk", u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUseCase(atrium.WithActor(ctx, atrium.Actor{UserID: u.ID}), usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "risk"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	via := []string{"--usecase", "churn", "--db", url, "--data", t.TempDir(), "--as", "ml@example.org"}
	with := func(args ...string) []string { return append(args, via...) }
	mustCLI(t, with("dataset", "register", "customers", "--uri", "s3://lake/c", "--digest", sha("c"), "--role", "training")...)
	mustCLI(t, with("model", "register", "gbm", "--uri", "s3://models/gbm/1", "--digest", sha("m1"), "--trained-on", "customers:1")...)
	mustCLI(t, with("model", "register", "gbm", "--uri", "s3://models/gbm/2", "--digest", sha("m2"), "--trained-on", "customers:1")...)
	var first registry.Alias
	cliJSON(t, &first, with("alias", "set", "model", "gbm", "production", "1", "--reason", "first")...)
	mustCLI(t, with("alias", "set", "model", "gbm", "production", "2", "--reason", "second")...)
	if out := mustCLI(t, with("alias", "history", "model", "gbm", "production", "--at", first.MovedAt.Format(time.RFC3339Nano))...); !strings.Contains(out, "pointed at version 1") {
		t.Fatalf("--at the first move said %q", out)
	}
	tmpl := writeFile(t, t.TempDir(), "p.txt", "Hi {{name}}")
	mustCLI(t, with("prompt", "push", "greeting", "--file", tmpl, "--uri", "https://git.example.org/p.txt")...)
	if out := mustCLI(t, with("prompt", "get", "greeting", "--var", "name=Ann")...); out != "Hi Ann\n" {
		t.Fatalf("rendered %q", out)
	}
	if _, err := cli(t, with("model", "register", "gbm", "--uri", "s3://models/gbm/3", "--digest", sha("m3"), "--trained-on", "customers:2")...); err == nil || !strings.Contains(err.Error(), "no version 2") {
		t.Fatalf("unknown training data: %v", err)
	}
}
