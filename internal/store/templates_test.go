package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// riskTemplate is a small team template with one section that holds
// objectives.
const riskTemplate = `id: risk-review
name: Risk review
header:
  - id: owner
    label: Owner
phases:
  - id: risks
    title: Risks
    sections:
      - id: risk
        title: Risk
        prompts: ["What could go wrong, and for whom?"]
      - id: targets
        title: Targets
        prompts: ["How much risk is acceptable?"]
        objectives: true
`

// TestTeamTemplates opens the store with a team's template beside the
// built-in ones. Its sections are checked as a built-in template's are;
// once the store is opened without it, its canvases can still be read but
// no longer changed.
func TestTeamTemplates(t *testing.T) {
	risk, err := canvas.ParseTemplate("risk.yaml", []byte(riskTemplate))
	if err != nil {
		t.Fatalf("ParseTemplate: %v", err)
	}
	lib, err := canvas.NewLibrary(append(canvas.Builtin(), risk)...)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			url := d.url(t)
			db, err := store.Open(t.Context(), url, store.WithTemplates(lib))
			if err != nil {
				t.Fatalf("store.Open: %v", err)
			}
			t.Cleanup(func() { db.Close() }) // should the test stop before it closes db itself
			if got, _ := db.Templates().Get("risk-review"); got != risk {
				t.Fatalf("Templates().Get(risk-review)=%v, want the team's template", got)
			}
			ctx := teamTemplateWorld(t, db)
			c, err := db.CreateCanvas(ctx, "risks", risk, "", nil)
			if err != nil {
				t.Fatalf("CreateCanvas: %v", err)
			}
			text := "Officers trust a wrong score."
			if _, err := db.SaveSection(ctx, "risks", c.ID, canvas.SectionEdit{SectionID: "risk", Content: &text}); err != nil {
				t.Fatalf("SaveSection: %v", err)
			}
			// A well-formed id the template does not have is refused, for
			// comments as for edits.
			_, err = db.SaveSection(ctx, "risks", c.ID, canvas.SectionEdit{SectionID: "likelihood", Content: &text})
			if atrium.KindOf(err) != atrium.Invalid || !errors.Is(err, store.ErrNoSection) {
				t.Fatalf("SaveSection(unknown section) err=%v, want Invalid with ErrNoSection", err)
			}
			if _, err := db.AddComment(ctx, "risks", c.ID, "likelihood", "Where is this?"); atrium.KindOf(err) != atrium.Invalid {
				t.Fatalf("AddComment(unknown section) err=%v, want Invalid", err)
			}
			if _, err := db.AddComment(ctx, "risks", c.ID, "risk", "Which officers?"); err != nil {
				t.Fatalf("AddComment: %v", err)
			}
			if _, err := db.UpdateCanvasHeader(ctx, "risks", c.ID, nil, map[string]string{"owner": "Ada"}, c.Version); err != nil {
				t.Fatalf("UpdateCanvasHeader: %v", err)
			}
			if _, err := db.CreateObjective(ctx, "risks", c.ID, canvas.Objective{SectionID: "targets", Metric: "false approvals",
				Comparator: "<=", Target: 0.02, MeasuredAt: canvas.AtEvaluation}); err != nil {
				t.Fatalf("CreateObjective: %v", err)
			}
			if _, err := db.PublishIteration(ctx, "risks", c.ID, "first"); err != nil {
				t.Fatalf("PublishIteration: %v", err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}

			db = open(t, url) // the built-in templates only
			if _, _, err := db.GetCanvas(ctx, "risks", c.ID); err != nil {
				t.Fatalf("GetCanvas without the template: %v", err)
			}
			if _, err := db.CreateCanvas(ctx, "risks", risk, "", nil); atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("CreateCanvas(template not offered) err=%v, want Invalid", err)
			}
			for name, change := range map[string]func() error{
				"SaveSection": func() error {
					_, err := db.SaveSection(ctx, "risks", c.ID, canvas.SectionEdit{SectionID: "risk", Content: &text, BaseVersion: 1})
					return err
				},
				"AddComment": func() error { _, err := db.AddComment(ctx, "risks", c.ID, "risk", "Still there?"); return err },
				"UpdateCanvasHeader": func() error {
					_, err := db.UpdateCanvasHeader(ctx, "risks", c.ID, nil, map[string]string{"owner": "Bo"}, c.Version+1)
					return err
				},
				"CreateObjective": func() error {
					_, err := db.CreateObjective(ctx, "risks", c.ID, canvas.Objective{SectionID: "targets", Metric: "m", Comparator: "<=", MeasuredAt: canvas.AtEvaluation})
					return err
				},
				"PublishIteration": func() error { _, err := db.PublishIteration(ctx, "risks", c.ID, "second"); return err },
			} {
				if err := change(); atrium.KindOf(err) != atrium.Unavailable {
					t.Errorf("%s on a canvas of a template no longer offered: err=%v, want Unavailable", name, err)
				}
			}
		})
	}
}

// teamTemplateWorld adds a user, her team and its use case "risks", and
// returns a context acting as her.
func teamTemplateWorld(t *testing.T, db *store.DB) context.Context {
	t.Helper()
	sys := atrium.WithActor(t.Context(), atrium.System)
	ada, err := db.CreateUser(sys, identity.User{Email: "ada@example.org", Name: "Ada"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateTeam(sys, identity.Team{Slug: "lending", Name: "Lending"}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddTeamMember(sys, "lending", ada.ID); err != nil {
		t.Fatal(err)
	}
	ctx := atrium.WithActor(t.Context(), atrium.Actor{UserID: ada.ID, Name: ada.Name})
	if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "risks", Name: "Risks", TeamSlug: "lending"}); err != nil {
		t.Fatal(err)
	}
	return ctx
}
