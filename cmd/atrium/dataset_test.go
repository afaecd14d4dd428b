package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/registry"
)

func TestDatasetProfileCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "people.csv")
	var b strings.Builder
	b.WriteString("id,email,score,colour\n")
	for i := 0; i < 40; i++ {
		b.WriteString(strings.Join([]string{strconv.Itoa(i), "p" + strconv.Itoa(i) + "@example.com", strconv.Itoa(i%7) + ".5", []string{"red", "blue"}[i%2]}, ",") + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"dataset", "profile", path, "--json"}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("%v: %s", err, errOut.String())
	}
	var got struct {
		Profile registry.Profile  `json:"profile"`
		Schema  []registry.Column `json:"schema"`
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if got.Profile.Rows != 40 || len(got.Schema) != 4 || got.Schema[2].Type != registry.Number || got.Profile.Columns[1].Suggested == nil {
		t.Errorf("profile %+v schema %+v", got.Profile, got.Schema)
	}
	if errOut.Len() != 0 {
		t.Errorf("progress written to a non-terminal: %q", errOut.String())
	}

	out.Reset()
	if err := run(ctx, []string{"dataset", "profile", "--format", "csv", path}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"csv, 40 rows, 4 columns", "colour", "categorical", `"blue" (20)`, "direct-identifier  email"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}

	bad := filepath.Join(dir, "img.csv")
	os.WriteFile(bad, []byte("\x89PNG\r\n\x1a\n\x00\x00"), 0o644)
	if err := run(ctx, []string{"dataset", "profile", bad}, func(string) string { return "" }, &out, &errOut); err == nil || !strings.Contains(err.Error(), "img.csv is not a CSV file: it is a PNG image") {
		t.Errorf("PNG: %v", err)
	}
	if err := run(ctx, []string{"dataset", "profile"}, func(string) string { return "" }, &out, &errOut); err == nil {
		t.Error("no file accepted")
	}
	if err := run(ctx, []string{"dataset", "frobnicate"}, func(string) string { return "" }, &out, &errOut); err == nil || !strings.Contains(err.Error(), "dataset profile") {
		t.Errorf("unknown subcommand: %v", err)
	}
}

// profileFile draws progress on the writer it is given and clears the line
// at the end.
func TestProfileFileProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.jsonl")
	var b strings.Builder
	for i := 0; i < 200000; i++ {
		b.WriteString(`{"a":` + strconv.Itoa(i) + `,"b":"x"}` + "\n")
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
	var progress syncBuffer
	p, schema, err := profileFile(context.Background(), path, "", &progress)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rows != 200000 || len(schema) != 2 {
		t.Errorf("rows %d schema %+v", p.Rows, schema)
	}
	s := progress.String()
	if !strings.HasSuffix(s, "\r\033[K") {
		t.Errorf("progress line not cleared: %q", s)
	}
}
