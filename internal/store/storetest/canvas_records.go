package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

func testObjectives(t *testing.T, open Opener) {
	w := newWorld(t, open)
	ctx := t.Context()
	ec := as(ctx, w.editor)
	hc, v01 := template(t, humanCentric), template(t, mlopsV01)
	c := mustCanvas(t, ec, w.db, "churn", hc)
	other := mustCanvas(t, ec, w.db, "churn", v01)

	o, err := w.db.CreateObjective(ec, "churn", c.ID, canvas.Objective{SectionID: "objective-setting", Metric: " recall ", Comparator: ">=",
		Target: 0.8, MeasuredAt: "Evaluation", Window: "30D", MinSamples: 500, Notes: "Churners we catch."})
	if err != nil {
		t.Fatalf("CreateObjective: %v", err)
	}
	if o.ID == 0 || o.CanvasID != c.ID || o.SectionID != "objective-setting" || o.Metric != "recall" || o.MeasuredAt != canvas.AtEvaluation || o.Window != "30d" || o.Target != 0.8 || o.MinSamples != 500 {
		t.Errorf("CreateObjective=%+v", o)
	}
	if _, err := w.db.CreateObjective(ec, "churn", other.ID, canvas.Objective{SectionID: "objectives", Metric: "retained revenue", Comparator: ">", Target: 1e6, Unit: "EUR", MeasuredAt: canvas.AtBusiness}); err != nil {
		t.Fatalf("CreateObjective on the v0.1 objectives section: %v", err)
	}

	audited := auditSize(t, ctx, w.db)
	for name, tc := range map[string]struct {
		canvasID string
		o        canvas.Objective
		want     atrium.Kind
	}{
		"prose section":      {c.ID, canvas.Objective{SectionID: "problem-definition", Metric: "m", Comparator: ">=", MeasuredAt: "evaluation"}, atrium.Invalid},
		"unknown section":    {c.ID, canvas.Objective{SectionID: "nowhere", Metric: "m", Comparator: ">=", MeasuredAt: "evaluation"}, atrium.Invalid},
		"bad comparator":     {c.ID, canvas.Objective{SectionID: "objective-setting", Metric: "m", Comparator: "=>", MeasuredAt: "evaluation"}, atrium.Invalid},
		"bad place":          {c.ID, canvas.Objective{SectionID: "objective-setting", Metric: "m", Comparator: ">=", MeasuredAt: "lab"}, atrium.Invalid},
		"another template's": {c.ID, canvas.Objective{SectionID: "objectives", Metric: "m", Comparator: ">=", MeasuredAt: "evaluation"}, atrium.Invalid},
		"unknown canvas":     {"no-such-canvas", canvas.Objective{SectionID: "objective-setting", Metric: "m", Comparator: ">=", MeasuredAt: "evaluation"}, atrium.NotFound},
		"control in notes":   {c.ID, canvas.Objective{SectionID: "objective-setting", Metric: "m", Comparator: ">=", MeasuredAt: "evaluation", Notes: "\x00"}, atrium.Invalid},
	} {
		if _, err := w.db.CreateObjective(ec, "churn", tc.canvasID, tc.o); atrium.KindOf(err) != tc.want {
			t.Errorf("%s: err=%v, want %s", name, err, tc.want)
		}
	}
	_, err = w.db.CreateObjective(as(ctx, w.reviewer), "churn", c.ID, canvas.Objective{SectionID: "objective-setting", Metric: "m", Comparator: ">=", MeasuredAt: "evaluation"})
	wantKind(t, err, atrium.Forbidden)
	wantAuditSize(t, ctx, w.db, audited)

	// An update changes the measure, never where the objective lives.
	o.SectionID, o.Target, o.Comparator = "problem-definition", 0.85, ">"
	up, err := w.db.UpdateObjective(ec, "churn", c.ID, o)
	if err != nil || up.SectionID != "objective-setting" || up.Target != 0.85 || up.Comparator != ">" || up.CreatedAt != o.CreatedAt {
		t.Fatalf("UpdateObjective=%+v, %v; want the new target in the same section", up, err)
	}
	_, err = w.db.UpdateObjective(ec, "churn", other.ID, o)
	wantKind(t, err, atrium.NotFound)
	o.Metric = ""
	_, err = w.db.UpdateObjective(ec, "churn", c.ID, o)
	wantKind(t, err, atrium.Invalid)

	list, err := w.db.Objectives(as(ctx, w.viewer), "churn", c.ID)
	if err != nil || len(list) != 1 || list[0] != up {
		t.Fatalf("Objectives=%+v, %v; want [%+v]", list, err, up)
	}
	_, err = w.db.Objectives(as(ctx, w.stranger), "churn", c.ID)
	wantKind(t, err, atrium.NotFound)

	wantKind(t, w.db.DeleteObjective(ec, "churn", other.ID, up.ID), atrium.NotFound)
	if err := w.db.DeleteObjective(ec, "churn", c.ID, up.ID); err != nil {
		t.Fatalf("DeleteObjective: %v", err)
	}
	wantKind(t, w.db.DeleteObjective(ec, "churn", c.ID, up.ID), atrium.NotFound)
	if list, _ := w.db.Objectives(ec, "churn", c.ID); len(list) != 0 {
		t.Errorf("Objectives after delete=%+v, want none", list)
	}
}

func testStakeholders(t *testing.T, open Opener) {
	w := newWorld(t, open)
	ctx := t.Context()
	ec := as(ctx, w.editor)
	s, err := w.db.CreateStakeholder(ec, "churn", people.Stakeholder{Kind: people.User, Name: " Call-centre agents ", Role: "Retention calls",
		Concerns: "More scripts.", Before: "Manual lists.", During: "Scores in the CRM.", After: "Fewer cold calls."})
	if err != nil {
		t.Fatalf("CreateStakeholder: %v", err)
	}
	if s.ID == 0 || s.Name != "Call-centre agents" || s.Version != 1 || s.During != "Scores in the CRM." || s.Subjects == nil || len(s.Subjects) != 0 {
		t.Errorf("CreateStakeholder=%+v", s)
	}
	pilot, err := w.db.CreateStakeholder(ec, "churn", people.Stakeholder{Kind: people.TestPilot, Name: "Branch Leeds", Subjects: []string{"agent-17", " ada@example.org ", "agent-17", ""}})
	if err != nil {
		t.Fatalf("CreateStakeholder(test pilot): %v", err)
	}
	if !slices.Equal(pilot.Subjects, []string{"agent-17", "ada@example.org"}) {
		t.Errorf("Subjects=%q, want trimmed and de-duplicated", pilot.Subjects)
	}

	audited := auditSize(t, ctx, w.db)
	_, err = w.db.CreateStakeholder(ec, "churn", people.Stakeholder{Kind: people.User, Name: "Agents", Subjects: []string{"agent-1"}})
	wantKind(t, err, atrium.Invalid)
	_, err = w.db.CreateStakeholder(ec, "churn", people.Stakeholder{Kind: "boss", Name: "Agents"})
	wantKind(t, err, atrium.Invalid)
	_, err = w.db.CreateStakeholder(as(ctx, w.reviewer), "churn", people.Stakeholder{Kind: people.User, Name: "Agents"})
	wantKind(t, err, atrium.Forbidden)
	_, err = w.db.CreateStakeholder(as(ctx, w.stranger), "churn", people.Stakeholder{Kind: people.User, Name: "Agents"})
	wantKind(t, err, atrium.NotFound)
	stale := s
	stale.Version = 0
	_, err = w.db.UpdateStakeholder(ec, "churn", stale)
	wantKind(t, err, atrium.Conflict)
	wantAuditSize(t, ctx, w.db, audited)

	s.Concerns = "Fewer scripts, please."
	up, err := w.db.UpdateStakeholder(ec, "churn", s)
	if err != nil || up.Version != 2 || up.Concerns != "Fewer scripts, please." || up.Name != s.Name {
		t.Fatalf("UpdateStakeholder=%+v, %v; want version 2 with the new concerns", up, err)
	}
	_, err = w.db.UpdateStakeholder(as(ctx, w.owner), "churn", s) // still version 1
	wantKind(t, err, atrium.Conflict)
	s.ID = 9999
	s.Version = 2
	_, err = w.db.UpdateStakeholder(ec, "churn", s)
	wantKind(t, err, atrium.NotFound)

	list, err := w.db.Stakeholders(as(ctx, w.viewer), "churn")
	if err != nil || len(list) != 2 || list[0].ID != up.ID || list[0].Concerns != up.Concerns || !slices.Equal(list[1].Subjects, pilot.Subjects) {
		t.Fatalf("Stakeholders=%+v, %v", list, err)
	}
	_, err = w.db.Stakeholders(as(ctx, w.stranger), "churn")
	wantKind(t, err, atrium.NotFound)

	if err := w.db.DeleteStakeholder(ec, "churn", pilot.ID); err != nil {
		t.Fatalf("DeleteStakeholder: %v", err)
	}
	wantKind(t, w.db.DeleteStakeholder(ec, "churn", pilot.ID), atrium.NotFound)
	wantKind(t, w.db.DeleteStakeholder(as(ctx, w.viewer), "churn", up.ID), atrium.Forbidden)
	if list, _ := w.db.Stakeholders(ec, "churn"); len(list) != 1 {
		t.Errorf("Stakeholders after delete=%d entries, want 1", len(list))
	}
}

func testDecisions(t *testing.T, open Opener) {
	t.Run("LogAndSupersede", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		links := []decision.Link{
			{Kind: "section", Target: "model-selection-evaluation", Label: "Model choice"},
			{Kind: "url", Target: "https://example.org/benchmark"},
			{Kind: "version", Target: "churn-model@3"},
		}
		first, err := w.db.CreateDecision(ec, "churn", decision.Decision{Title: "Use logistic regression", Rationale: "Explainable to agents.", Status: decision.Accepted, Links: links})
		if err != nil {
			t.Fatalf("CreateDecision: %v", err)
		}
		if first.Number != 1 || first.Version != 1 || first.AuthorID != w.editor.ID || first.AuthorName != "Editor" || first.UseCaseID != w.churn.ID {
			t.Errorf("CreateDecision=%+v, want number 1 by Editor", first)
		}
		if !slices.Equal(first.Links, links) {
			t.Errorf("Links=%+v, want %+v", first.Links, links)
		}
		second, err := w.db.CreateDecision(as(ctx, w.owner), "churn", decision.Decision{Title: "Weekly scoring"})
		if err != nil || second.Number != 2 || second.Status != decision.Proposed || len(second.Links) != 0 || second.Links == nil {
			t.Fatalf("second decision=%+v, %v; want number 2, proposed, no links", second, err)
		}

		audited := auditSize(t, ctx, w.db)
		for name, d := range map[string]decision.Decision{
			"missing superseded": {Title: "x", Supersedes: 7},
			"bad status":         {Title: "x", Status: "maybe"},
			"no title":           {Rationale: "x"},
			"script link":        {Title: "x", Links: []decision.Link{{Kind: "url", Target: "javascript:alert(1)"}}},
		} {
			if _, err := w.db.CreateDecision(ec, "churn", d); atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("%s: err=%v, want Invalid", name, err)
			}
		}
		_, err = w.db.CreateDecision(as(ctx, w.reviewer), "churn", decision.Decision{Title: "x"})
		wantKind(t, err, atrium.Forbidden)
		self := second
		self.Supersedes = 2
		_, err = w.db.UpdateDecision(ec, "churn", self)
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, ctx, w.db, audited)

		// Accepting a replacement supersedes the old decision.
		third, err := w.db.CreateDecision(ec, "churn", decision.Decision{Title: "Use gradient boosting", Status: decision.Accepted, Supersedes: 1,
			Links: []decision.Link{{Kind: "decision", Target: "1"}}})
		if err != nil || third.Number != 3 || third.Supersedes != 1 {
			t.Fatalf("superseding decision=%+v, %v", third, err)
		}
		old, err := w.db.GetDecision(as(ctx, w.viewer), "churn", 1)
		if err != nil || old.Status != decision.Superseded || old.Version != 2 || old.Title != first.Title {
			t.Fatalf("superseded decision=%+v, %v; want status superseded at version 2", old, err)
		}

		// A proposed replacement leaves the old one alone until it is accepted.
		second.Supersedes = 3
		second.Rationale = "Cheaper than daily."
		up, err := w.db.UpdateDecision(ec, "churn", second)
		if err != nil || up.Version != 2 || up.Rationale != "Cheaper than daily." || up.AuthorName != "Owner" || up.Number != 2 {
			t.Fatalf("UpdateDecision=%+v, %v; want version 2, author kept", up, err)
		}
		if d, _ := w.db.GetDecision(ec, "churn", 3); d.Status != decision.Accepted {
			t.Errorf("decision 3 status=%q while its replacement is only proposed, want accepted", d.Status)
		}
		_, err = w.db.UpdateDecision(ec, "churn", second) // version 1 again
		wantKind(t, err, atrium.Conflict)
		up.Status = decision.Accepted
		if _, err := w.db.UpdateDecision(ec, "churn", up); err != nil {
			t.Fatalf("accepting decision 2: %v", err)
		}
		if d, _ := w.db.GetDecision(ec, "churn", 3); d.Status != decision.Superseded {
			t.Errorf("decision 3 status=%q after its replacement was accepted, want superseded", d.Status)
		}

		list, err := w.db.Decisions(as(ctx, w.viewer), "churn")
		if err != nil || len(list) != 3 {
			t.Fatalf("Decisions=%d, %v", len(list), err)
		}
		for i, d := range list {
			if d.Number != i+1 {
				t.Errorf("Decisions[%d].Number=%d, want %d", i, d.Number, i+1)
			}
		}
		_, err = w.db.GetDecision(ec, "churn", 4)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.Decisions(as(ctx, w.stranger), "churn")
		wantKind(t, err, atrium.NotFound)

		// Numbers are per use case.
		mustUseCase(t, as(ctx, w.owner), w.db, usecase.UseCase{Slug: "fraud", Name: "Fraud", TeamSlug: "alpha"})
		d, err := w.db.CreateDecision(ec, "fraud", decision.Decision{Title: "First for fraud"})
		if err != nil || d.Number != 1 {
			t.Errorf("first decision of another use case: number %d, %v; want 1", d.Number, err)
		}
		_, err = w.db.CreateDecision(ec, "fraud", decision.Decision{Title: "x", Supersedes: 3})
		wantKind(t, err, atrium.Invalid)
	})

	t.Run("ConcurrentNumbers", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		const n = 8
		for round := range 3 {
			errs := collectErrors(n, func(i int) error {
				who := []identity.User{w.owner, w.editor}[i%2]
				_, err := w.db.CreateDecision(as(ctx, who), "churn", decision.Decision{Title: fmt.Sprintf("round %d, writer %d", round, i)})
				return err
			})
			for _, err := range errs {
				if err != nil {
					t.Fatalf("round %d: %s", round, errorSummary(errs))
				}
			}
		}
		list, err := w.db.Decisions(ctx, "churn")
		if err != nil || len(list) != 3*n {
			t.Fatalf("Decisions=%d, %v; want %d", len(list), err, 3*n)
		}
		for i, d := range list {
			if d.Number != i+1 {
				t.Fatalf("Decisions[%d].Number=%d, want %d: numbers must run 1..%d without gaps", i, d.Number, i+1, 3*n)
			}
		}
	})
}
