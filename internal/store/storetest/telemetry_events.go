package storetest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/telemetry"
)

func testPredictions(t *testing.T, open Opener) {
	w := newTelemetryWorld(t, open)
	ctx := t.Context()
	vc := as(ctx, w.viewer)
	at := w.now.Add(-2 * time.Hour).Truncate(time.Hour)

	// A batch with an id twice, a model version of another use case and
	// one of no use case: the first of the same id wins.
	ps := predictions(w.scorer, 1, "p", at, 10)
	ps = append(ps, ps[3])
	ps[10].Subject = "s_changed"
	ps = append(ps, prediction(w.detector, 1, "foreign", at, 1), prediction(w.scorer, 9, "noversion", at, 1), telemetry.Prediction{Time: at})
	before := auditSize(t, ctx, w.db)
	res := write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, KeyID: "k1", Predictions: ps})[0]
	wantStatuses(t, "first batch", res, map[telemetry.ItemStatus]int{telemetry.Accepted: 10, telemetry.Duplicate: 1, telemetry.Refused: 3})
	for i, r := range res {
		if r.Index != i || r.ID != ps[i].ID {
			t.Fatalf("result %d = %+v, want index %d and id %q", i, r, i, ps[i].ID)
		}
	}
	wantCode(t, "another use case's model", res[11], atrium.NotFound)
	wantCode(t, "a version that does not exist", res[12], atrium.NotFound)
	wantCode(t, "no id", res[13], atrium.Invalid)
	// One audit entry for the whole write.
	wantAuditSize(t, ctx, w.db, before+1)
	if e := allEntries(t, ctx, w.db)[before]; e.Action != "telemetry.batch" || e.ObjectType != "usecase" || e.ObjectID != w.churn.ID {
		t.Errorf("audit entry = %+v", e)
	}

	// A retry: every one a duplicate; nothing audited, aggregates unchanged.
	aggs := wantRecount(t, w.db, ctx, "churn")
	res = write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, KeyID: "k1", Predictions: ps[:10]})[0]
	wantStatuses(t, "retry", res, map[telemetry.ItemStatus]int{telemetry.Duplicate: 10})
	wantAuditSize(t, ctx, w.db, before+1)
	if again := wantRecount(t, w.db, ctx, "churn"); !again.Equal(aggs) {
		t.Fatal("a retry changed the aggregates")
	}
	all := aggs[telemetry.AggKey{ModelAssetID: w.scorer, ModelVersion: 1, Hour: at}]
	if all == nil || all.Count() != 10 {
		t.Fatalf("aggregate of the hour = %+v, want 10 predictions", all)
	}
	north := aggs[telemetry.AggKey{ModelAssetID: w.scorer, ModelVersion: 1, Hour: at, Segment: "region=north"}]
	if north == nil || north.Count() != 4 {
		t.Fatalf("region=north = %+v, want 4 predictions", north)
	}
	if edges, _, ok := all.FeatureBins("income"); !ok || !slices.Equal(edges, w.incomeEdges) {
		t.Errorf("income bins edges = %v (%v), want the training data's quartiles %v", edges, ok, w.incomeEdges)
	}

	// Reads: features while kept, newest first, paged.
	p, err := w.db.GetPrediction(vc, "churn", "p-3")
	if err != nil || p.Subject != ps[3].Subject || p.Model != "scorer" || p.ModelVersion != 1 || p.Features["plan"] != "pro" ||
		p.Explanation["income"] != 0.25 || *p.Output.Label != "stay" || *p.LatencyMS != 8 || !p.Time.Equal(ps[3].Time) || p.Segments["region"] != "north" {
		t.Fatalf("GetPrediction = %+v, %v", p, err)
	}
	_, err = w.db.GetPrediction(vc, "churn", "foreign")
	wantKind(t, err, atrium.NotFound)
	_, err = w.db.GetPrediction(as(ctx, w.stranger), "churn", "p-3")
	wantKind(t, err, atrium.NotFound)
	page, err := w.db.ListPredictions(vc, "churn", store.PredictionFilter{Model: "scorer"}, atrium.PageRequest{Size: 4})
	if err != nil || len(page.Items) != 4 || page.Items[0].ID != "p-9" || page.Items[3].ID != "p-6" || page.NextPageToken == "" {
		t.Fatalf("ListPredictions = %+v, %v", page, err)
	}
	page, err = w.db.ListPredictions(vc, "churn", store.PredictionFilter{From: at.Add(8 * time.Minute)}, atrium.PageRequest{Size: 4})
	if err != nil || len(page.Items) != 2 || page.NextPageToken != "" {
		t.Fatalf("ListPredictions from minute 8 = %+v, %v", page, err)
	}
	if page, err := w.db.ListPredictions(vc, "churn", store.PredictionFilter{Version: 2}, atrium.PageRequest{Size: 4}); err != nil || len(page.Items) != 0 {
		t.Fatalf("ListPredictions of version 2 = %+v, %v", page, err)
	}

	// Two use cases in one write: one audit entry each; an archived one's
	// events are refused.
	before = auditSize(t, ctx, w.db)
	rs := write(t, w.db,
		store.TelemetryBatch{UseCaseID: w.churn.ID, Predictions: predictions(w.scorer, 2, "v2", at, 3)},
		store.TelemetryBatch{UseCaseID: w.fraud.ID, Predictions: predictions(w.detector, 1, "p", at, 3)},
		store.TelemetryBatch{UseCaseID: w.churn.ID, Predictions: predictions(w.scorer, 2, "v2b", at, 2)},
		store.TelemetryBatch{UseCaseID: "no-such-usecase", Predictions: predictions(w.scorer, 2, "x", at, 2)})
	wantStatuses(t, "churn", rs[0], map[telemetry.ItemStatus]int{telemetry.Accepted: 3})
	wantStatuses(t, "fraud (same ids as churn's)", rs[1], map[telemetry.ItemStatus]int{telemetry.Accepted: 3})
	wantStatuses(t, "churn again", rs[2], map[telemetry.ItemStatus]int{telemetry.Accepted: 2})
	wantCode(t, "no use case", rs[3][0], atrium.NotFound)
	wantAuditSize(t, ctx, w.db, before+2)
	if _, err := w.db.SetArchived(as(ctx, w.owner), "fraud", true); err != nil {
		t.Fatal(err)
	}
	rs = write(t, w.db, store.TelemetryBatch{UseCaseID: w.fraud.ID, Predictions: predictions(w.detector, 1, "late", at, 1)})
	wantCode(t, "archived use case", rs[0][0], atrium.Conflict)
	wantRecount(t, w.db, ctx, "churn")
}

func testOutcomes(t *testing.T, open Opener) {
	w := newTelemetryWorld(t, open)
	ctx := t.Context()
	at := w.now.Add(-3 * time.Hour).Truncate(time.Hour)
	write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, Predictions: predictions(w.scorer, 1, "p", at, 6)},
		store.TelemetryBatch{UseCaseID: w.fraud.ID, Predictions: predictions(w.detector, 1, "f", at, 2)})

	churn, stay := "churn", "stay"
	os := []telemetry.Outcome{
		{PredictionID: "p-0", Label: &churn, Time: w.now},
		{PredictionID: "p-1", Label: &churn, Time: w.now},
		{PredictionID: "p-1", Label: &churn, Time: w.now.Add(time.Minute)}, // the same again: a duplicate
		{PredictionID: "p-2", Label: &stay, Time: w.now},
		{PredictionID: "p-2", Label: &churn, Time: w.now}, // contradicts the one before
		{PredictionID: "nope", Label: &stay, Time: w.now},
		{PredictionID: "f-0", Label: &stay, Time: w.now}, // fraud's prediction
		{PredictionID: "", Label: &stay, Time: w.now},
	}
	res := write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, Outcomes: os})[0]
	wantStatuses(t, "outcomes", res, map[telemetry.ItemStatus]int{telemetry.Accepted: 3, telemetry.Duplicate: 1, telemetry.Refused: 4})
	if res[2].Status != telemetry.Duplicate {
		t.Errorf("the same outcome twice: %+v, want a duplicate", res[2])
	}
	wantCode(t, "contradicting outcome in one batch", res[4], atrium.Conflict)
	wantCode(t, "unknown prediction", res[5], atrium.NotFound)
	wantCode(t, "another use case's prediction", res[6], atrium.NotFound)
	wantCode(t, "no prediction id", res[7], atrium.Invalid)

	// Later: the same is a duplicate, another value a conflict.
	res = write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, Outcomes: []telemetry.Outcome{
		{PredictionID: "p-0", Label: &churn, Time: w.now}, {PredictionID: "p-1", Label: &stay, Time: w.now},
		{PredictionID: "p-3", Value: ptrTo(1.0), Time: w.now}}})[0]
	if res[0].Status != telemetry.Duplicate || res[2].Status != telemetry.Accepted {
		t.Fatalf("second outcomes = %+v", res)
	}
	wantCode(t, "changed outcome", res[1], atrium.Conflict)

	// An outcome and its prediction in one write: the prediction is there.
	res2 := write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, Predictions: predictions(w.scorer, 1, "q", at, 1)},
		store.TelemetryBatch{UseCaseID: w.churn.ID, Outcomes: []telemetry.Outcome{{PredictionID: "q-0", Label: &stay, Time: w.now}}})
	if res2[0][0].Status != telemetry.Accepted || res2[1][0].Status != telemetry.Accepted {
		t.Fatalf("prediction and outcome in one write = %+v", res2)
	}
	aggs := wantRecount(t, w.db, ctx, "churn")
	if a := aggs[telemetry.AggKey{ModelAssetID: w.scorer, ModelVersion: 1, Hour: at}]; a == nil || a.Outcomes.Labelled != 5 {
		t.Fatalf("outcomes counted = %+v, want 5 (by the predictions' hour)", a)
	}
}

func testFeedback(t *testing.T, open Opener) {
	w := newTelemetryWorld(t, open)
	ctx := t.Context()
	ec, vc := as(ctx, w.editor), as(ctx, w.viewer)
	at := w.now.Add(-time.Hour).Truncate(time.Hour)
	write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, Predictions: predictions(w.scorer, 1, "p", at, 3)},
		store.TelemetryBatch{UseCaseID: w.fraud.ID, Predictions: predictions(w.detector, 1, "f", at, 1)})
	l, _, err := w.db.CreateFeedbackLink(as(ctx, w.owner), "churn", "survey", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	receipt := "rcpt_" + telemetry.NewID()
	fs := []telemetry.Feedback{
		{ID: "fb-1", PredictionID: "p-1", Kind: telemetry.Thumbs, Value: "down", Time: w.now},
		{ID: "fb-2", Kind: telemetry.Bug, Text: "the page froze", Contact: "ada@example.org", Time: w.now, LinkID: l.ID, Receipt: receipt},
		{ID: "fb-3", PredictionID: "f-0", Kind: telemetry.Thumbs, Value: "up", Time: w.now}, // fraud's prediction
		{ID: "fb-1", Kind: telemetry.Comment, Text: "same id again", Time: w.now},
		{ID: "fb-4", PredictionID: "p-2", Kind: telemetry.Rating, Value: "5", Time: w.now},
		{ID: "fb-5", PredictionID: "missing", Kind: telemetry.Thumbs, Value: "up", Time: w.now},
	}
	res := write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, KeyID: "key-1", Feedback: fs})[0]
	wantStatuses(t, "feedback", res, map[telemetry.ItemStatus]int{telemetry.Accepted: 3, telemetry.Duplicate: 1, telemetry.Refused: 2})
	wantCode(t, "another use case's prediction", res[2], atrium.NotFound)
	wantCode(t, "a missing prediction", res[5], atrium.NotFound)
	if res := write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, Feedback: fs[:1]})[0]; res[0].Status != telemetry.Duplicate {
		t.Errorf("feedback again = %+v, want a duplicate", res[0])
	}

	f, err := w.db.GetFeedback(vc, "churn", "fb-1")
	if err != nil || f.ModelVersion != 1 || f.Status != telemetry.New || f.KeyID != "key-1" || f.Value != "down" || f.Receipt != "" {
		t.Fatalf("GetFeedback = %+v, %v", f, err)
	}
	// The receipt opens the status page, which says nothing of who.
	pub, name, err := w.db.FeedbackByReceipt(ctx, receipt)
	if err != nil || name != "Churn" || pub.ID != "fb-2" || pub.Contact != "" || pub.LinkID != "" || pub.Text != "the page froze" {
		t.Fatalf("FeedbackByReceipt = %+v, %q, %v", pub, name, err)
	}
	_, _, err = w.db.FeedbackByReceipt(ctx, receipt+"x")
	wantKind(t, err, atrium.NotFound)

	// Triage.
	triaged := telemetry.Triaged
	_, err = w.db.UpdateFeedback(vc, "churn", "fb-2", store.FeedbackChange{Status: &triaged})
	wantKind(t, err, atrium.Forbidden)
	_, err = w.db.UpdateFeedback(ec, "churn", "fb-2", store.FeedbackChange{})
	wantKind(t, err, atrium.Invalid)
	bogus := telemetry.FeedbackStatus("closed")
	_, err = w.db.UpdateFeedback(ec, "churn", "fb-2", store.FeedbackChange{Status: &bogus})
	wantKind(t, err, atrium.Invalid)
	_, err = w.db.UpdateFeedback(ec, "churn", "fb-2", store.FeedbackChange{AssigneeID: &w.stranger.ID})
	wantKind(t, err, atrium.Invalid)
	_, err = w.db.UpdateFeedback(ec, "churn", "fb-2", store.FeedbackChange{LinkDecision: "7"})
	wantKind(t, err, atrium.NotFound)
	_, err = w.db.UpdateFeedback(ec, "churn", "fb-2", store.FeedbackChange{LinkDecision: "seven"})
	wantKind(t, err, atrium.Invalid)
	_, err = w.db.UpdateFeedback(ec, "fraud", "fb-2", store.FeedbackChange{Status: &triaged})
	wantKind(t, err, atrium.NotFound)
	d, err := w.db.CreateDecision(ec, "churn", decision.Decision{Title: "Fix the frozen page"})
	if err != nil {
		t.Fatal(err)
	}
	before := auditSize(t, ctx, w.db)
	w.now = w.now.Add(time.Minute)
	note := "Fixed in release 2."
	got, err := w.db.UpdateFeedback(ec, "churn", "fb-2", store.FeedbackChange{Status: &triaged, AssigneeID: &w.member.ID, Note: &note, LinkDecision: strconv.Itoa(d.Number)})
	if err != nil || got.Status != triaged || got.AssigneeID != w.member.ID || got.AssigneeName != "Member" || got.Note != note ||
		!slices.Equal(got.DecisionIDs, []string{strconv.Itoa(d.Number)}) || !got.UpdatedAt.Equal(w.now) {
		t.Fatalf("UpdateFeedback = %+v, %v", got, err)
	}
	wantAuditSize(t, ctx, w.db, before+1)
	if pub, _, err := w.db.FeedbackByReceipt(ctx, receipt); err != nil || pub.Note != note || pub.Status != triaged || pub.AssigneeID != "" {
		t.Errorf("status page after triage = %+v, %v", pub, err)
	}
	got, err = w.db.UpdateFeedback(ec, "churn", "fb-2", store.FeedbackChange{UnlinkDecision: strconv.Itoa(d.Number), AssigneeID: new(string)})
	if err != nil || len(got.DecisionIDs) != 0 || got.AssigneeID != "" {
		t.Fatalf("unlinking = %+v, %v", got, err)
	}

	page, err := w.db.ListFeedback(vc, "churn", store.FeedbackFilter{Kind: telemetry.Thumbs}, atrium.PageRequest{Size: 10})
	if err != nil || page.Total != 1 || page.Items[0].ID != "fb-1" {
		t.Fatalf("ListFeedback(thumbs) = %+v, %v", page, err)
	}
	page, err = w.db.ListFeedback(vc, "churn", store.FeedbackFilter{Status: triaged}, atrium.PageRequest{Size: 10})
	if err != nil || page.Total != 1 || page.Items[0].ID != "fb-2" {
		t.Fatalf("ListFeedback(triaged) = %+v, %v", page, err)
	}
	sum, err := w.db.FeedbackSummary(vc, "churn", at)
	if err != nil || sum.Total != 3 || sum.ByKind[telemetry.Bug] != 1 || sum.OpenBugs != 1 || sum.Rated != 2 || sum.PositiveShare != 0.5 || sum.ByStatus[telemetry.New] != 2 {
		t.Fatalf("FeedbackSummary = %+v, %v", sum, err)
	}

	// A feedback link reaches its own use case's predictions only.
	s := store.LinkScope{LinkID: l.ID, UseCaseID: w.churn.ID, Slug: "churn"}
	ps, model, err := w.db.PredictionForLink(ctx, s, "p-1")
	if err != nil || model != "scorer" || ps.ModelVersion != 1 || ps.Output.Label == nil {
		t.Fatalf("PredictionForLink = %+v, %q, %v", ps, model, err)
	}
	_, _, err = w.db.PredictionForLink(ctx, s, "f-0")
	wantKind(t, err, atrium.NotFound)

	aggs := wantRecount(t, w.db, ctx, "churn")
	if a := aggs[telemetry.AggKey{Hour: telemetry.HourOf(w.now)}]; a == nil || a.Feedback.ByKind[telemetry.Bug] != 1 {
		t.Errorf("feedback on no prediction = %+v, want the bug counted under no model", a)
	}
	if a := aggs[telemetry.AggKey{ModelAssetID: w.scorer, ModelVersion: 1, Hour: at}]; a == nil || a.Feedback.ThumbsDown != 1 || a.Feedback.RatingCount != 1 {
		t.Errorf("feedback on predictions = %+v", a)
	}
}

// testTelemetryConcurrency has 16 writers send the same events at once:
// each is stored once and counted once.
func testTelemetryConcurrency(t *testing.T, open Opener) {
	w := newTelemetryWorld(t, open)
	ctx := t.Context()
	at := w.now.Add(-time.Hour).Truncate(time.Hour)
	ps := predictions(w.scorer, 1, "c", at, 200)
	label := "stay"
	var os []telemetry.Outcome
	for i := range 50 {
		os = append(os, telemetry.Outcome{PredictionID: fmt.Sprintf("c-%d", i), Label: &label, Time: w.now})
	}
	results := make([][][]telemetry.ItemResult, 16)
	errs := collectErrors(16, func(i int) error {
		// Each writer sends the events in an order of its own.
		mine := slices.Clone(ps)
		for j := range mine {
			k := (j*7 + i*13) % len(mine)
			mine[j], mine[k] = mine[k], mine[j]
		}
		var err error
		results[i], err = w.db.WriteTelemetry(ctx, []store.TelemetryBatch{{UseCaseID: w.churn.ID, Predictions: mine}, {UseCaseID: w.churn.ID, Outcomes: os}})
		return err
	})
	accepted := map[string]int{}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v (%s)", i, err, errorSummary(errs))
		}
		for b, rs := range results[i] {
			for _, r := range rs {
				if r.Status == telemetry.Accepted {
					accepted[fmt.Sprint(b, r.ID)]++
				} else if r.Status != telemetry.Duplicate {
					t.Fatalf("writer %d: %+v", i, r)
				}
			}
		}
	}
	if len(accepted) != 250 {
		t.Fatalf("%d distinct events accepted, want 250", len(accepted))
	}
	for id, n := range accepted {
		if n != 1 {
			t.Fatalf("%s accepted %d times", id, n)
		}
	}
	var n, labelled int64
	for k, a := range wantRecount(t, w.db, ctx, "churn") {
		if k.Segment == "" {
			n, labelled = n+a.Count(), labelled+a.Outcomes.Labelled
		}
	}
	if n != 200 || labelled != 50 {
		t.Fatalf("aggregates count %d predictions and %d outcomes, want 200 and 50", n, labelled)
	}
}

// testRetention sweeps payloads: old ones go, recent ones and every
// aggregate, slim row, outcome and feedback item stay.
func testRetention(t *testing.T, open Opener) {
	w := newTelemetryWorld(t, open)
	ctx := t.Context()
	oc, vc := as(ctx, w.owner), as(ctx, w.viewer)
	old := w.now.AddDate(0, 0, -40).Truncate(24 * time.Hour).Add(2 * time.Hour)
	older := old.AddDate(0, 0, -1)
	recent := w.now.Add(-2 * time.Hour).Truncate(time.Hour)
	// Partitions around each day (PostgreSQL; nothing on SQLite).
	for _, at := range []time.Time{older, old, w.now} {
		if err := w.db.MaintainPartitions(ctx, at.Add(24*time.Hour)); err != nil {
			t.Fatalf("MaintainPartitions(%s): %v", at, err)
		}
	}
	if err := w.db.MaintainPartitions(ctx, w.now); err != nil {
		t.Fatalf("MaintainPartitions again: %v", err)
	}
	label := "churn"
	write(t, w.db,
		store.TelemetryBatch{UseCaseID: w.churn.ID, Predictions: append(predictions(w.scorer, 1, "old", old, 5), predictions(w.scorer, 1, "older", older, 5)...)},
		store.TelemetryBatch{UseCaseID: w.churn.ID, Predictions: predictions(w.scorer, 1, "new", recent, 5)},
		// Fraud keeps its payloads (retention 0), in the same day as churn's old ones.
		store.TelemetryBatch{UseCaseID: w.fraud.ID, Predictions: predictions(w.detector, 1, "old", old, 3)},
		store.TelemetryBatch{UseCaseID: w.churn.ID, Outcomes: []telemetry.Outcome{{PredictionID: "old-1", Label: &label, Time: w.now}}},
		store.TelemetryBatch{UseCaseID: w.churn.ID, Feedback: []telemetry.Feedback{{ID: "fb", PredictionID: "old-2", Kind: telemetry.Thumbs, Value: "up", Time: w.now}}})
	before := wantRecount(t, w.db, ctx, "churn")
	// Retention is set after the events came: the sweep removes them.
	p, err := w.db.TelemetryPolicy(vc, "churn")
	if err != nil {
		t.Fatal(err)
	}
	p.RetentionDays = 30
	if _, err := w.db.SetTelemetryPolicy(oc, "churn", p); err != nil {
		t.Fatal(err)
	}
	audit := auditSize(t, ctx, w.db)

	res, err := w.db.SweepPayloads(ctx, w.now)
	if err != nil {
		t.Fatalf("SweepPayloads: %v", err)
	}
	if res.UseCases != 1 {
		t.Errorf("SweepResult = %+v, want 1 use case with retention", res)
	}
	if w.db.Dialect() == "postgres" {
		// older's day holds churn's rows only: dropped whole. old's day
		// holds fraud's too: kept, churn's rows deleted one by one.
		// Partitions older than the cutoff holding nothing go too.
		if !slices.Contains(res.Partitions, "prediction_payloads_"+older.Format("20060102")) ||
			slices.Contains(res.Partitions, "prediction_payloads_"+old.Format("20060102")) || res.Payloads != 5 {
			t.Errorf("SweepResult = %+v, want %s dropped, %s kept and 5 rows deleted", res, older.Format("20060102"), old.Format("20060102"))
		}
		for _, name := range res.Partitions {
			if day, _ := time.Parse("20060102", strings.TrimPrefix(name, "prediction_payloads_")); !day.AddDate(0, 0, 31).Before(w.now) {
				t.Errorf("dropped %s, within the retention", name)
			}
		}
	} else if res.Payloads != 10 {
		t.Errorf("SweepResult = %+v, want 10 payloads cleared", res)
	}
	wantAuditSize(t, ctx, w.db, audit)
	for _, id := range []string{"old-0", "old-4", "older-3"} {
		p, err := w.db.GetPrediction(vc, "churn", id)
		if err != nil || p.Features != nil || p.Explanation != nil || p.Subject == "" || p.Output.Label == nil || p.ModelVersion != 1 {
			t.Errorf("GetPrediction(%s) after the sweep = %+v, %v, want the slim row without payload", id, p, err)
		}
	}
	if p, err := w.db.GetPrediction(vc, "churn", "new-2"); err != nil || p.Features == nil || p.Explanation == nil {
		t.Errorf("a recent prediction lost its payload: %+v, %v", p, err)
	}
	if p, err := w.db.GetPrediction(oc, "fraud", "old-1"); err != nil || p.Features == nil {
		t.Errorf("fraud (retention 0) lost a payload: %+v, %v", p, err)
	}
	rows, err := w.db.Aggregates(vc, "churn", store.AggFilter{})
	if err != nil {
		t.Fatal(err)
	}
	after := telemetry.Aggregates{}
	for _, r := range rows {
		after[r.Key] = r.Agg
	}
	if !after.Equal(before) {
		t.Error("the sweep changed the aggregates")
	}
	if _, err := w.db.RecountAggregates(vc, "churn"); atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("RecountAggregates after the sweep: %v, want Invalid", err)
	}
	wantRecount(t, w.db, oc, "fraud")
	if f, err := w.db.GetFeedback(vc, "churn", "fb"); err != nil || f.ModelVersion != 1 {
		t.Errorf("feedback after the sweep = %+v, %v", f, err)
	}
	// Sweeping again finds nothing more.
	if res, err := w.db.SweepPayloads(ctx, w.now); err != nil || res.Payloads != 0 || len(res.Partitions) != 0 {
		t.Errorf("second sweep = %+v, %v", res, err)
	}
	// A prediction reported late, already past the retention, is stored
	// without its payload; a month later the sweep moves on to what aged since.
	res2 := write(t, w.db, store.TelemetryBatch{UseCaseID: w.churn.ID, Predictions: predictions(w.scorer, 1, "late", old, 1)})
	if res2[0][0].Status != telemetry.Accepted {
		t.Fatalf("late prediction = %+v", res2[0][0])
	}
	if p, err := w.db.GetPrediction(vc, "churn", "late-0"); err != nil || p.Features != nil || p.Subject == "" {
		t.Errorf("late prediction = %+v, %v, want no payload", p, err)
	}
	w.now = w.now.AddDate(0, 0, 31)
	res, err = w.db.SweepPayloads(ctx, w.now)
	// (On PostgreSQL their day's partition goes whole.)
	if err != nil || (w.db.Dialect() == "sqlite" && res.Payloads != 5) || (w.db.Dialect() == "postgres" && !slices.Contains(res.Partitions, "prediction_payloads_"+recent.Format("20060102"))) {
		t.Errorf("sweep 31 days later = %+v, %v, want the 5 recent payloads cleared", res, err)
	}
	if p, err := w.db.GetPrediction(vc, "churn", "new-2"); err != nil || p.Features != nil || p.Subject == "" {
		t.Errorf("after the second sweep = %+v, %v", p, err)
	}
}
