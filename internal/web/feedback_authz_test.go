package web

import (
	"context"
	"sync"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

// The feedback routes' rows of the authorisation matrix. Ids that exist
// only once seeded are filled through paramValues.
func init() {
	for k, c := range map[string]apiCase{
		"GET /api/v1/usecases/{slug}/feedback-links": {},
		"POST /api/v1/usecases/{slug}/feedback-links": {body: func(*fixture) any {
			return map[string]any{"name": "Portal", "origins": []string{"https://portal.example.com"}}
		}},
		"DELETE /api/v1/usecases/{slug}/feedback-links/{id}": {params: map[string]string{"{id}": "FEEDBACK_LINK"}},
		"GET /api/v1/usecases/{slug}/feedback":               {query: "kind=comment"},
		"GET /api/v1/usecases/{slug}/feedback/{id}":          {params: map[string]string{"{id}": "FEEDBACK"}},
		"PATCH /api/v1/usecases/{slug}/feedback/{id}": {params: map[string]string{"{id}": "FEEDBACK"}, body: func(*fixture) any {
			return map[string]any{"status": "triaged"}
		}},
	} {
		apiMatrix[k] = c
	}
	paramValues["FEEDBACK_LINK"] = func(f *fixture) string { id, _ := f.feedbackLink(); return id }
	paramValues["FEEDBACK"] = func(f *fixture) string { return f.feedbackItem() }
}

// feedbackSecrets remembers each fixture's first link's secret.
var feedbackSecrets sync.Map

// feedbackLink returns the id and secret of a feedback link of alpha,
// creating one (open to https://portal.example.com) the first time.
func (f *fixture) feedbackLink() (string, string) {
	f.t.Helper()
	if v, ok := feedbackSecrets.Load(f); ok {
		p := v.([2]string)
		return p[0], p[1]
	}
	l, secret, err := f.db.CreateFeedbackLink(f.ownerCtx(), "alpha", "Portal", []string{"https://portal.example.com"}, 0)
	if err != nil {
		f.t.Fatal(err)
	}
	feedbackSecrets.Store(f, [2]string{l.ID, secret})
	return l.ID, secret
}

// feedbackItem returns the id of a comment on alpha, storing one the first
// time.
func (f *fixture) feedbackItem() string {
	f.t.Helper()
	page, err := f.db.ListFeedback(f.ownerCtx(), "alpha", store.FeedbackFilter{}, atrium.PageRequest{Size: 1})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(page.Items) > 0 {
		return page.Items[0].ID
	}
	u, err := f.db.GetUseCase(f.ownerCtx(), "alpha")
	if err != nil {
		f.t.Fatal(err)
	}
	fb := telemetry.Feedback{ID: telemetry.NewID(), Kind: telemetry.Comment, Text: "The score ignores seasonal revenue.", Time: time.Now().UTC()}
	res, err := f.db.WriteTelemetry(context.Background(), []store.TelemetryBatch{{UseCaseID: u.ID, Feedback: []telemetry.Feedback{fb}}})
	if err != nil || res[0][0].Status != telemetry.Accepted {
		f.t.Fatalf("seed feedback: %v %+v", err, res)
	}
	return fb.ID
}
