package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/people"
)

// customTemplate is a small valid team template.
const customTemplate = `id: risk-review
name: Risk review
phases:
  - id: risks
    title: Risks
    sections:
      - id: risk
        title: Risk
        prompts: ["What could go wrong, and for whom?"]
        evidence: [decisions]
`

func writeTemplate(t *testing.T, name, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBadTemplateStopsTheStart checks that a template that does not validate
// stops serve before anything is created, naming the file, line and reason,
// whether the folder comes from the flag or from the environment.
func TestBadTemplateStopsTheStart(t *testing.T) {
	bad := strings.Replace(customTemplate, "    title: Risks\n", "    title: Risks\n    colour: red\n", 1)
	dir := writeTemplate(t, "risk.yaml", bad)
	file := filepath.Join(dir, "risk.yaml")
	for _, tc := range []struct {
		name   string
		args   []string
		getenv func(string) string
	}{
		{"flag", []string{"serve", "--templates", dir}, noEnv},
		{"environment", []string{"serve"}, func(k string) string {
			if k == "ATRIUM_TEMPLATES" {
				return dir
			}
			return ""
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			args := append(tc.args, "--data", data, "--addr", "127.0.0.1:0")
			err := run(context.Background(), args, tc.getenv, &strings.Builder{}, &strings.Builder{})
			want := file + `:6: unknown key "colour"`
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want one containing %q", err, want)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Fatalf("the data folder was created (%v) although the start was refused", err)
			}
		})
	}
	if _, err := cli(t, "serve", "--templates", filepath.Join(dir, "missing"), "--data", t.TempDir()); err == nil || !strings.Contains(err.Error(), "templates folder") {
		t.Fatalf("missing folder: err = %v, want one about the templates folder", err)
	}
}

// TestCustomTemplateIsOffered starts the real server with a templates
// folder and finds the team's template beside the built-in ones.
func TestCustomTemplateIsOffered(t *testing.T) {
	data := t.TempDir()
	srv := startServer(t, data, "--templates", writeTemplate(t, "risk.yml", customTemplate))
	token := strings.TrimSpace(mustCLI(t, "token", "create", "--data", data, "--user", "admin@atrium.localhost", "--name", "t"))
	var list struct{ Items []struct{ ID, Source string } }
	if code := call(t, "GET", srv.URL+"/api/v1/templates", token, nil, &list); code != 200 {
		t.Fatalf("GET templates = %d, want 200", code)
	}
	var ids []string
	for _, it := range list.Items {
		ids = append(ids, it.ID)
	}
	if got, want := strings.Join(ids, ","), "human-centric-mlops,mlops-canvas-v0.1,risk-review"; got != want {
		t.Fatalf("templates = %s, want %s", got, want)
	}
}

// TestDemoSeedsAnEmptyCanvas checks the demo's canvas and records: an empty
// human-centric canvas, the people around the use case, two decisions and
// two measurable objectives (the registry's are in demo_test.go).
func TestDemoSeedsAnEmptyCanvas(t *testing.T) {
	ctx, db, _ := seededDemo(t)
	const slug = "credit-risk-scoring"
	list, err := db.ListCanvases(ctx, slug)
	if err != nil || len(list) != 1 {
		t.Fatalf("canvases = %d (%v), want 1", len(list), err)
	}
	c := list[0]
	if c.TemplateID != "human-centric-mlops" {
		t.Errorf("template = %q, want human-centric-mlops", c.TemplateID)
	}
	tmpl, _ := db.Templates().Get(c.TemplateID)
	if done := canvas.CompletenessOf(tmpl, c).Overall; done.Total < 20 || done.Empty != done.Total {
		t.Errorf("completeness %+v, want every one of the template's sections empty", done)
	}
	for id, sec := range c.Sections {
		if sec.Content != "" || sec.Status != canvas.Empty {
			t.Errorf("section %s = %q (%s), want empty: the team fills the canvas in", id, sec.Content, sec.Status)
		}
	}
	register, err := db.Stakeholders(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, p := range register {
		kinds[p.Kind]++
		if p.Kind == people.TestPilot && len(p.Subjects) == 0 {
			t.Errorf("test pilot %q routes no subjects", p.Name)
		}
	}
	want := map[string]int{people.DecisionMaker: 1, people.User: 1, people.PersonAffected: 1, people.TestPilot: 2}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%d stakeholders of kind %s, want %d", kinds[k], k, n)
		}
	}
	decisions, err := db.Decisions(ctx, slug)
	if err != nil || len(decisions) != 2 {
		t.Fatalf("decisions = %d (%v), want 2", len(decisions), err)
	}
	statuses := map[string]bool{}
	for _, d := range decisions {
		statuses[d.Status] = true
		if d.Status == decision.Accepted && (len(d.Links) != 1 || d.Links[0].Target != "requirements") {
			t.Errorf("accepted decision links %+v, want the requirements section", d.Links)
		}
	}
	if !statuses[decision.Accepted] || !statuses[decision.Proposed] {
		t.Errorf("decision statuses %v, want one accepted and one proposed", statuses)
	}
	objectives, err := db.Objectives(ctx, slug, c.ID)
	if err != nil || len(objectives) != 2 {
		t.Fatalf("objectives = %d (%v), want 2", len(objectives), err)
	}
	if o := objectives[1]; o.Metric != "AUC [applicant=first-time]" || o.Target != 0.75 || o.MinSamples != 1000 || o.MeasuredAt != canvas.AtEvaluation {
		t.Errorf("second objective = %+v, want AUC on first-time borrowers >= 0.75 at evaluation", o)
	}
	if o := objectives[0]; o.SectionID != "objective-setting" || o.Metric != "AUC" || o.Target != 0.78 || o.MinSamples != 5000 || o.MeasuredAt != canvas.AtEvaluation {
		t.Errorf("objective = %+v, want AUC >= 0.78 at evaluation on 5000 samples in objective-setting", o)
	}
}

// TestTemplatesFolderReadsRegularFilesOnly checks that serve refuses, with a
// message naming the file, what is not a small regular file: a FIFO (which
// used to hang the start with no word), a link to /dev/zero (which used to
// read until the process died) and a file over 1 MiB, refused by its size
// before it is read. Each start is bounded, so a hang fails the test instead
// of stalling it.
func TestTemplatesFolderReadsRegularFilesOnly(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(t *testing.T, path string)
		want string
	}{
		{"fifo", func(t *testing.T, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, ": not a regular file"},
		{"link to a device", func(t *testing.T, path string) {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skipf("no /dev/zero: %v", err)
			}
			if err := os.Symlink("/dev/zero", path); err != nil {
				t.Fatal(err)
			}
		}, ": not a regular file"},
		{"100 MB", func(t *testing.T, path string) {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			// Sparse: the size is real, the disk stays empty.
			if err := f.Truncate(100 << 20); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}, ": 104857600 bytes, templates are at most 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "x.yaml")
			tc.make(t, path)
			data := filepath.Join(t.TempDir(), "data")
			args := []string{"serve", "--templates", dir, "--data", data, "--addr", "127.0.0.1:0"}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- run(ctx, args, noEnv, io.Discard, io.Discard) }()
			var err error
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				cancel()
				// Give a reader stuck opening the FIFO its writer, so the
				// goroutine can end once the test has failed.
				if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
				t.Fatalf("serve did not start or stop within 15s with %s in the templates folder", tc.name)
			}
			if want := path + tc.want; err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want one containing %q", err, want)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Fatalf("the data folder was created (%v) although the start was refused", err)
			}
		})
	}
}
