package main

import (
	"context"
	"fmt"
	"time"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/store"
)

// demoTemplate is the built-in template the demo canvas is made from.
const demoTemplate = "human-centric-mlops"

// seedDemoCanvas gives the demo use case an empty human-centric canvas, so a
// team can walk it from empty to agreed, together with the people and
// decisions its sections show beside their text. Only the structured records
// are filled in; every section's text is left for the team to write.
func seedDemoCanvas(ctx context.Context, db *store.DB, templates *canvas.Library, slug string) error {
	t, ok := templates.Get(demoTemplate)
	if !ok {
		return fmt.Errorf("demo: the built-in template %q is missing", demoTemplate)
	}
	// The header names who and what; every section is left for the team.
	cv, err := db.CreateCanvas(ctx, slug, t, "Credit-risk scoring canvas", map[string]string{
		"user-name": "Maria Keller", "team-name": "Credit Risk Analytics",
		"use-case-name": "Credit-risk scoring for loan applications", "canvas-date": time.Now().UTC().Format("2006-01-02"),
	})
	if err != nil {
		return fmt.Errorf("demo canvas: %w", err)
	}
	if _, err := db.CreateObjective(ctx, slug, cv.ID, canvas.Objective{
		SectionID: "objective-setting", Metric: "AUC", Comparator: ">=", Target: 0.78,
		MeasuredAt: canvas.AtEvaluation, MinSamples: 5000,
		Notes: "Measured on the frozen reference slice before any release; below this the score does not separate good and bad risks well enough to help officers.",
	}); err != nil {
		return fmt.Errorf("demo objective: %w", err)
	}
	// The registry's evaluations name this slice (see seedRegistry).
	if _, err := db.CreateObjective(ctx, slug, cv.ID, canvas.Objective{
		SectionID: "objective-setting", Metric: "AUC [" + demoSegment + "]", Comparator: ">=", Target: 0.75,
		MeasuredAt: canvas.AtEvaluation, MinSamples: 1000,
		Notes: "First-time borrowers have no repayment history with us; the score must still separate risks for them, not only on average.",
	}); err != nil {
		return fmt.Errorf("demo objective: %w", err)
	}
	for _, p := range demoStakeholders {
		if _, err := db.CreateStakeholder(ctx, slug, p); err != nil {
			return fmt.Errorf("demo stakeholder %q: %w", p.Name, err)
		}
	}
	for _, d := range demoDecisions {
		if _, err := db.CreateDecision(ctx, slug, d); err != nil {
			return fmt.Errorf("demo decision %q: %w", d.Title, err)
		}
	}
	return nil
}

// demoStakeholders is the demo use case's stakeholder register.
var demoStakeholders = []people.Stakeholder{
	{
		Kind: people.DecisionMaker, Name: "Head of Retail Lending", Role: "Owns the lending budget and signs off each roll-out step",
		Concerns: "Default rates must not rise while approval times fall; the running cost has to stay inside the lending operations budget.",
	},
	{
		Kind: people.User, Name: "Loan officers", Role: "Review applications and make the final credit decision",
		Concerns: "A score without reasons is of no use at the counter; they want to be able to overrule it and say why.",
		Before:   "Each application takes about forty minutes of manual checks, most of them on clear-cut cases.",
		During:   "Two short training sessions per branch; the score appears inside the existing loan screen, not in a new tool.",
		After:    "Ask after three months whether the reasons shown match what officers see in the file.",
	},
	{
		Kind: people.PersonAffected, Name: "Loan applicants", Role: "Consumers applying for a retail loan of up to 50k",
		Concerns: "A refusal has to be explainable in plain words, and nobody should be turned down by the model alone.",
	},
	{
		Kind: people.TestPilot, Name: "Branch team Hamburg-Altona", Role: "First branch to see scores in its daily work",
		Concerns: "Mixed urban caseload with many first-time borrowers.",
		Subjects: []string{"altona.lending@demo.atrium.localhost", "altona.lead@demo.atrium.localhost"},
		Notes:    "Volunteered after the scoping workshop.",
		Contact:  "altona.lead@demo.atrium.localhost",
	},
	{
		Kind: people.TestPilot, Name: "Branch team Leipzig-Mitte", Role: "Second pilot branch, smaller volume",
		Concerns: "Mostly repeat customers; a useful contrast to Altona.",
		Subjects: []string{"leipzig.lending@demo.atrium.localhost"},
		Contact:  "leipzig.lending@demo.atrium.localhost",
	},
}

// demoDecisions is the demo use case's decision log: one settled, one open.
var demoDecisions = []decision.Decision{
	{
		Title:        "Scores support officers; they never decide alone",
		Context:      "Applicants must be able to get a human review of any refusal, and officers asked to keep the last word.",
		Options:      "- Fully automatic approval and refusal\n- Automatic approval only, refusals go to an officer\n- Score shown as advice, the officer always decides",
		Decision:     "The score is advice shown next to the application; a loan officer makes every decision and records a reason when overruling it.",
		Rationale:    "Keeps a person accountable for each outcome and gives applicants a clear route to contest a refusal.",
		Consequences: "The model must come with readable reasons per application, which rules out model families we cannot explain.",
		Status:       decision.Accepted, DecidedBy: "Head of Retail Lending", DecidedAt: "2026-10-14",
		Links: []decision.Link{{Kind: "section", Target: "requirements", Label: "Explainability requirement"}},
	},
	{
		Title:   "Retrain every quarter or only when drift is detected",
		Context: "Repayment behaviour shifts with interest rates; retraining costs review time from the risk office.",
		Options: "- Fixed quarterly retraining\n- Retrain when the drift monitor raises an alert",
		Status:  decision.Proposed,
	},
}
