package main

import (
	"strings"
	"testing"
)

// TestMLflowOnTheDemo: a token made with `token create --usecase` reaches
// the demo's use case through the MLflow API of the real server, and one
// made without is refused there with MLflow's error.
func TestMLflowOnTheDemo(t *testing.T) {
	data := t.TempDir()
	srv := startCommand(t, "demo", data, "--rate-limit", "0")
	const email = "maria.keller@demo.atrium.localhost"
	bound := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", email, "--name", "mlflow", "--usecase", "credit-risk-scoring"))
	plain := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", email, "--name", "plain"))
	if _, err := cli(t, "token", "create", "--data", data, "--user", email, "--name", "x", "--usecase", "no-such-usecase"); err == nil {
		t.Fatal("token create --usecase for a missing use case succeeded")
	}
	var created struct {
		RegisteredModel struct {
			Name string `json:"name"`
		} `json:"registered_model"`
	}
	api := srv.URL + "/api/2.0/mlflow/"
	if code := call(t, "POST", api+"registered-models/create", bound, map[string]string{"name": "credit-scorer-mlflow"}, &created); code != 200 || created.RegisteredModel.Name != "credit-scorer-mlflow" {
		t.Fatalf("registered-models/create = %d %+v", code, created)
	}
	var refused struct {
		ErrorCode string `json:"error_code"`
	}
	if code := call(t, "POST", api+"registered-models/create", plain, map[string]string{"name": "other"}, &refused); code != 403 || refused.ErrorCode != "PERMISSION_DENIED" {
		t.Fatalf("an unbound token = %d %+v, want 403 PERMISSION_DENIED", code, refused)
	}
	var got struct {
		RegisteredModel struct {
			Name string `json:"name"`
		} `json:"registered_model"`
	}
	if code := call(t, "GET", api+"registered-models/get?name=credit-scorer-mlflow", bound, nil, &got); code != 200 || got.RegisteredModel.Name != "credit-scorer-mlflow" {
		t.Fatalf("registered-models/get = %d %+v", code, got)
	}
}
