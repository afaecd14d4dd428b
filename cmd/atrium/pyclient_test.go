package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Python client (clients/python) is tested against the real server:
// run() serving on loopback over SQLite, with a use case, a model, a
// prompt with a champion alias, an administrator's token and an ingestion
// key. Its unittest suite and its example script run as child processes.

// pythonDir is the client's folder, from this package's.
const pythonDir = "../../clients/python"

// python3 returns the interpreter — $ATRIUM_TEST_PYTHON when set, to try
// another version, else python3 — or skips the test when there is none (or
// it is older than the client supports).
func python3(t *testing.T) string {
	t.Helper()
	name := "python3"
	if p := os.Getenv("ATRIUM_TEST_PYTHON"); p != "" {
		name = p
	}
	py, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed: the Python client's tests need it", name)
	}
	out, err := exec.Command(py, "-c", "import sys; print(sys.version_info >= (3, 9))").Output()
	if err != nil {
		t.Fatalf("python3 does not run: %v", err)
	}
	if strings.TrimSpace(string(out)) != "True" {
		t.Skip("python3 is older than 3.9, which the Python client needs")
	}
	return py
}

// pyEnv is the child's environment: this process's without any ATRIUM_ or
// proxy setting, plus extra.
func pyEnv(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch up := strings.ToUpper(k); {
		case strings.HasPrefix(up, "ATRIUM_"), up == "HTTP_PROXY", up == "HTTPS_PROXY", up == "ALL_PROXY", up == "NO_PROXY":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1", "NO_PROXY=127.0.0.1,localhost")
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// runPython runs py with args in dir and returns its combined output.
func runPython(t *testing.T, dir string, env []string, py string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// pyServer is the server the Python tests talk to, and what they are told.
type pyServer struct {
	*server
	token, key, slug, model, prompt string
}

func (s *pyServer) env() map[string]string {
	return map[string]string{
		"ATRIUM_URL": s.URL, "ATRIUM_TOKEN": s.token, "ATRIUM_INGEST_KEY": s.key,
		"ATRIUM_USECASE": s.slug, "ATRIUM_MODEL": s.model, "ATRIUM_PROMPT": s.prompt,
	}
}

func startPyServer(t *testing.T) *pyServer {
	t.Helper()
	data := t.TempDir()
	s := &pyServer{server: startServer(t, data), model: "churn-scorer", prompt: "retention-email"}
	s.token = strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", "admin@atrium.localhost", "--name", "pyclient"))
	api := s.URL + "/api/v1"
	want := func(what string, got, want int) {
		t.Helper()
		if got != want {
			t.Fatalf("%s = %d, want %d", what, got, want)
		}
	}
	var uc struct{ Slug string }
	want("create use case", call(t, "POST", api+"/usecases", s.token, map[string]string{"name": "Python client", "team": "default"}, &uc), 201)
	s.slug = uc.Slug
	assets := api + "/usecases/" + s.slug + "/assets"
	sum := sha256.Sum256([]byte("churn-scorer v1"))
	want("create model", call(t, "POST", assets, s.token, map[string]string{"kind": "model", "name": s.model}, nil), 201)
	want("register model version", call(t, "POST", assets+"/model/"+s.model+"/versions", s.token, map[string]any{
		"uri": "s3://models/churn-scorer/1/model.onnx", "digest": hex.EncodeToString(sum[:]),
		"model": map[string]any{"framework": "xgboost", "task": "classification"},
	}, nil), 201)
	want("create prompt", call(t, "POST", assets, s.token, map[string]string{"kind": "prompt", "name": s.prompt}, nil), 201)
	sum = sha256.Sum256([]byte("retention-email v1"))
	want("register prompt version", call(t, "POST", assets+"/prompt/"+s.prompt+"/versions", s.token, map[string]any{
		"uri": "https://git.example.org/prompts/retention-email.txt", "digest": hex.EncodeToString(sum[:]),
		"prompt": map[string]any{"template": "Dear {{ customer }},\nwe would like to offer you {{offer}} for staying with us.\n— {{ team }}"},
	}, nil), 201)
	want("set champion", call(t, "PUT", assets+"/prompt/"+s.prompt+"/aliases/champion", s.token,
		map[string]any{"version": 1, "reason": "first reviewed wording"}, nil), 200)
	var key map[string]any
	want("create ingestion key", call(t, "POST", api+"/usecases/"+s.slug+"/ingest-keys", s.token,
		map[string]string{"name": "python client tests", "model": s.model}, &key), 201)
	s.key = secretOf(key)
	if !strings.HasPrefix(s.key, "atri_") {
		t.Fatalf("ingest key answer %v has no atri_ secret", key)
	}
	return s
}

// secretOf finds the one-time secret in the answer to an ingest key's
// creation: a member "secret", at the top or beside the key.
func secretOf(m map[string]any) string {
	if s, ok := m["secret"].(string); ok {
		return s
	}
	for _, v := range m {
		if sub, ok := v.(map[string]any); ok {
			if s := secretOf(sub); s != "" {
				return s
			}
		}
	}
	return ""
}

func TestPythonClient(t *testing.T) {
	py := python3(t)
	s := startPyServer(t)
	env := s.env()
	env["ATRIUM_TEST_REQUIRE_SERVER"] = "1"
	out, err := runPython(t, pythonDir, pyEnv(env), py, "-m", "unittest", "-v")
	if err != nil {
		t.Fatalf("python3 -m unittest in clients/python: %v\n%s", err, out)
	}
	if strings.Contains(out, "skipped") || !strings.Contains(out, "\nOK") {
		t.Fatalf("the Python tests skipped some or did not say OK:\n%s", out)
	}
	t.Logf("python tests:\n%s", lastLines(out, 4))

	t.Run("example", func(t *testing.T) {
		out, err := runPython(t, pythonDir, pyEnv(map[string]string{
			"ATRIUM_URL": s.URL, "ATRIUM_INGEST_KEY": s.key, "ATRIUM_COUNT": "60", "ATRIUM_SEED": "9",
		}), py, "examples/log_predictions.py")
		if err != nil {
			t.Fatalf("examples/log_predictions.py: %v\n%s", err, out)
		}
		var sum struct {
			Predictions, Outcomes, Feedback, Accepted, Refused, Dropped, Failed int
			Flushed                                                             bool
			PredictionIDs                                                       []string `json:"prediction_ids"`
		}
		if err := json.Unmarshal([]byte(lastLines(out, 1)), &sum); err != nil {
			t.Fatalf("the example's last line is not its JSON summary: %v\n%s", err, out)
		}
		if sum.Predictions != 60 || sum.Accepted != sum.Predictions+sum.Outcomes+sum.Feedback || !sum.Flushed ||
			sum.Refused+sum.Dropped+sum.Failed != 0 || len(sum.PredictionIDs) == 0 {
			t.Fatalf("example summary %+v, want 60 predictions and every event accepted\n%s", sum, out)
		}
		// What the example logged is on the server.
		for _, id := range sum.PredictionIDs {
			var p struct {
				ID, Model string
				Features  map[string]any
			}
			if code := call(t, "GET", s.URL+"/api/v1/usecases/"+s.slug+"/predictions/"+id, s.token, nil, &p); code != 200 {
				t.Fatalf("GET prediction %s = %d, want 200", id, code)
			}
			if p.ID != id || p.Model != s.model || len(p.Features) != 10 {
				t.Fatalf("stored prediction %+v, want %s of %s with its 10 features", p, id, s.model)
			}
		}
		var fb struct{ Total int }
		if code := call(t, "GET", s.URL+"/api/v1/usecases/"+s.slug+"/feedback", s.token, nil, &fb); code != 200 || fb.Total < sum.Feedback {
			t.Fatalf("feedback list = %d with %d items, want at least the example's %d", code, fb.Total, sum.Feedback)
		}
	})
}

// TestPythonClientInstallsOffline builds and installs the client with pip,
// build isolation on and no package index: the in-tree backend must need
// nothing from the network.
func TestPythonClientInstallsOffline(t *testing.T) {
	py := python3(t)
	if _, err := exec.Command(py, "-m", "pip", "--version").Output(); err != nil {
		t.Skip("python3 has no pip")
	}
	src, err := filepath.Abs(pythonDir)
	if err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "site")
	env := pyEnv(map[string]string{"PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"})
	if out, err := runPython(t, t.TempDir(), env, py, "-m", "pip", "install", "--no-index", "--target", target, src); err != nil {
		t.Fatalf("pip install --no-index: %v\n%s", err, out)
	}
	env = append(env, "PYTHONPATH="+target)
	out, err := runPython(t, t.TempDir(), env, py, "-c",
		"import atrium_client, sys; print(atrium_client.__file__); print(atrium_client.__version__)")
	if err != nil {
		t.Fatalf("import after install: %v\n%s", err, out)
	}
	if !strings.HasPrefix(out, target) {
		t.Fatalf("imported from %q, want the installed copy under %s", out, target)
	}
	if _, err := os.Stat(filepath.Join(target, "atrium_client", "py.typed")); err != nil {
		t.Errorf("installed package lacks py.typed: %v", err)
	}
	dist, _ := filepath.Glob(filepath.Join(target, "atrium_client-*.dist-info", "RECORD"))
	if len(dist) != 1 {
		t.Fatalf("no RECORD in %s", target)
	}
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
