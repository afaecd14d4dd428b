package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocloud.dev/blob"

	"github.com/atrium-mlops/atrium/internal/artifact"
)

func TestArtifactConfig(t *testing.T) {
	c, fs := newFlags("serve", noEnv, io.Discard, true)
	if err := c.parse(fs, []string{"--data", "/srv/a"}); err != nil {
		t.Fatal(err)
	}
	if c.Artifacts != filepath.Join("/srv/a", "artifacts") || c.ArtifactMaxBytes != artifact.DefaultMaxBytes {
		t.Errorf("defaults: artifacts %q, cap %d", c.Artifacts, c.ArtifactMaxBytes)
	}
	env := map[string]string{"ATRIUM_ARTIFACTS": "s3://bucket?region=eu-west-1", "ATRIUM_ARTIFACT_MAX_BYTES": "1000"}
	c, fs = newFlags("serve", func(k string) string { return env[k] }, io.Discard, true)
	if err := c.parse(fs, nil); err != nil {
		t.Fatal(err)
	}
	if c.Artifacts != env["ATRIUM_ARTIFACTS"] || c.ArtifactMaxBytes != 1000 {
		t.Errorf("from the environment: artifacts %q, cap %d", c.Artifacts, c.ArtifactMaxBytes)
	}
	for _, bad := range []string{"0", "-1", "2000000000"} {
		c, fs = newFlags("serve", noEnv, io.Discard, true)
		if err := c.parse(fs, []string{"--artifact-max-bytes", bad}); err == nil {
			t.Errorf("--artifact-max-bytes %s accepted", bad)
		}
	}
}

// A bucket URL whose driver the binary lacks stops the start, saying which
// build tag brings it in.
func TestServeRefusesMissingBlobDriver(t *testing.T) {
	if blob.DefaultURLMux().ValidBucketScheme("s3") {
		t.Skip("built with the s3 driver")
	}
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--artifacts", "s3://bucket?region=x"}, noEnv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-tags s3") {
		t.Fatalf("serve with s3:// and no driver: %v, want a hint to build with -tags s3", err)
	}
}

// TestServeArtifacts uploads and downloads through a real server on
// loopback, with the cap and the folder from the flags.
func TestServeArtifacts(t *testing.T) {
	data, store := t.TempDir(), filepath.Join(t.TempDir(), "blobs")
	srv := startServer(t, data, "--artifacts", store, "--artifact-max-bytes", "1000")
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", "admin@atrium.localhost", "--name", "files"))
	if code := call(t, "POST", srv.URL+"/api/v1/usecases", token, map[string]string{"name": "Churn", "team": "default"}, nil); code != 201 {
		t.Fatalf("create use case = %d", code)
	}
	send := func(body []byte) *http.Response {
		req, _ := http.NewRequest("POST", srv.URL+"/api/v1/usecases/churn/artifacts?name=card.md&content_type=text/markdown", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := send([]byte("# Card\n"))
	var a artifact.Artifact
	json.NewDecoder(resp.Body).Decode(&a)
	resp.Body.Close()
	if resp.StatusCode != 201 || a.ID == "" {
		t.Fatalf("upload = %d %+v", resp.StatusCode, a)
	}
	if raw, err := os.ReadFile(filepath.Join(store, "usecases", a.UseCaseID, a.ID)); err != nil || string(raw) != "# Card\n" {
		t.Errorf("blob on disk = %q, %v", raw, err)
	}
	req, _ := http.NewRequest("GET", srv.URL+a.URI, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	dl, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if dl.StatusCode != 200 || string(got) != "# Card\n" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download = %d %q %v", dl.StatusCode, got, dl.Header)
	}
	resp = send(bytes.Repeat([]byte("x"), 1001))
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("upload over --artifact-max-bytes = %d, want 413", resp.StatusCode)
	}
}
