package storetest

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// lineageWorld is a world with datasets and models in churn, and a second
// use case, fraud, with a dataset of its own.
type lineageWorld struct {
	*world
	data, model, prompt registry.Ref
}

func newLineageWorld(t *testing.T, open Opener) *lineageWorld {
	t.Helper()
	w := &lineageWorld{world: newWorld(t, open)}
	ctx := t.Context()
	ec := as(ctx, w.editor)
	w.data = mustAsset(t, w.world, registry.Dataset, "customers").Ref()
	w.model = mustAsset(t, w.world, registry.Model, "scorer").Ref()
	w.prompt = mustAsset(t, w.world, registry.Prompt, "summary").Ref()
	for i := range 3 {
		mustVersion(t, w.world, w.data, registry.Version{URI: fmt.Sprintf("gs://data/customers/%d", i+1), Digest: digestOf(i + 1),
			Dataset: &registry.DatasetInfo{Role: registry.Training}})
	}
	mustUseCase(t, as(ctx, w.owner), w.db, usecase.UseCase{Slug: "fraud", Name: "Fraud", TeamSlug: "alpha"})
	if _, err := w.db.CreateAsset(ec, "fraud", registry.Asset{Kind: registry.Dataset, Name: "secret"}); err != nil {
		t.Fatalf("CreateAsset(fraud): %v", err)
	}
	if _, err := w.db.CreateVersion(ec, "fraud", registry.Ref{Kind: registry.Dataset, Name: "secret"}, registry.Version{URI: "gs://fraud/secret", Digest: digestA}); err != nil {
		t.Fatalf("CreateVersion(fraud): %v", err)
	}
	return w
}

func node(ref registry.Ref, n int) registry.Node { return registry.VersionNode(ref, n) }

// mustLineageRun starts a run in the default experiment of use case slug and
// returns its id.
func mustLineageRun(t *testing.T, w *lineageWorld, slug string) string {
	t.Helper()
	r, err := w.db.CreateRun(as(t.Context(), w.editor), slug, store.NewRun{ExperimentID: "0", Name: "training"}, "")
	if err != nil {
		t.Fatalf("CreateRun(%s): %v", slug, err)
	}
	return r.ID
}

func edgeSet(g registry.Graph) map[string]bool {
	out := map[string]bool{}
	for _, e := range g.Edges {
		out[e.From.String()+" "+string(e.Relation)+" "+e.To.String()] = true
	}
	return out
}

func testLineage(t *testing.T, open Opener) {
	t.Run("EdgesFromVersionsAndCycles", func(t *testing.T) {
		w := newLineageWorld(t, open)
		ctx := t.Context()
		ec, vc := as(ctx, w.editor), as(ctx, w.viewer)
		run := mustLineageRun(t, w, "churn")
		before := auditSize(t, ctx, w.db)
		// A model version's own fields become edges, with the version's one audit entry.
		mustVersion(t, w.world, w.model, registry.Version{URI: "s3://m/1", Digest: digestA, Model: &registry.ModelInfo{
			TrainingData: []registry.VersionRef{{Name: "customers", Version: 2}}, EvaluationData: []registry.VersionRef{{Name: "customers", Version: 3}},
			RunID: run}})
		wantAuditSize(t, ctx, w.db, before+1)
		g, err := w.db.VersionLineage(vc, "churn", w.model, 1, 0)
		if err != nil {
			t.Fatalf("VersionLineage: %v", err)
		}
		want := []string{"model/scorer/1 trained_on dataset/customers/2", "model/scorer/1 evaluated_on dataset/customers/3", "model/scorer/1 produced_by run/" + run}
		got := edgeSet(g)
		for _, e := range want {
			if !got[e] {
				t.Errorf("VersionLineage lacks %q: %v", e, got)
			}
		}
		if len(got) != 3 || g.Nodes[0] != node(w.model, 1) || len(g.Nodes) != 4 {
			t.Errorf("VersionLineage = %v, nodes %v", got, g.Nodes)
		}
		for _, e := range g.Edges {
			if e.CreatedBy != w.editor.ID || e.CreatedAt.IsZero() {
				t.Errorf("edge %+v has no creator or time", e)
			}
		}

		// A chain of derived datasets: 3 ← 2 ← 1 means 3 derived from 2, 2 from 1.
		before = auditSize(t, ctx, w.db)
		if _, err := w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.data, 2), To: node(w.data, 1), Relation: registry.DerivedFrom}); err != nil {
			t.Fatalf("AddEdge(2 → 1): %v", err)
		}
		e, err := w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.data, 3), To: node(w.data, 2), Relation: registry.DerivedFrom})
		if err != nil || e.CreatedBy != w.editor.ID || e.CreatedAt.IsZero() {
			t.Fatalf("AddEdge(3 → 2) = %+v, %v", e, err)
		}
		wantAuditSize(t, ctx, w.db, before+2)
		if entries := allEntries(t, ctx, w.db); entries[len(entries)-1].Action != "registry.lineage.add" {
			t.Errorf("last audit action = %q", entries[len(entries)-1].Action)
		}
		// Closing the loop is refused, directly or through the chain; so are self-edges and duplicates.
		_, err = w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.data, 1), To: node(w.data, 3), Relation: registry.DerivedFrom})
		wantKind(t, err, atrium.Invalid)
		if !strings.Contains(err.Error(), "cycle") {
			t.Errorf("cycle refusal = %v, want it to say why", err)
		}
		_, err = w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.data, 1), To: node(w.data, 2), Relation: registry.DerivedFrom})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.data, 2), To: node(w.data, 2), Relation: registry.DerivedFrom})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.data, 3), To: node(w.data, 2), Relation: registry.DerivedFrom})
		wantKind(t, err, atrium.Conflict)
		// A shortcut is no cycle.
		if _, err := w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.data, 3), To: node(w.data, 1), Relation: registry.DerivedFrom}); err != nil {
			t.Errorf("AddEdge(3 → 1), a shortcut: %v", err)
		}
		// Fine-tuning: model 2 from model 1, never back.
		mustVersion(t, w.world, w.model, registry.Version{URI: "s3://m/2", Digest: digestA})
		if _, err := w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.model, 2), To: node(w.model, 1), Relation: registry.FineTunedFrom}); err != nil {
			t.Fatalf("AddEdge(fine-tune): %v", err)
		}
		_, err = w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.model, 1), To: node(w.model, 2), Relation: registry.FineTunedFrom})
		wantKind(t, err, atrium.Invalid)

		// Traversal both ways, bounded by depth.
		up1, err := w.db.VersionLineage(vc, "churn", w.model, 2, 1)
		if err != nil || len(up1.Edges) != 1 {
			t.Errorf("VersionLineage(model 2, depth 1) = %v, %v, want the fine-tune edge only", edgeSet(up1), err)
		}
		up2, _ := w.db.VersionLineage(vc, "churn", w.model, 2, 2)
		if s := edgeSet(up2); len(s) != 4 || !s["model/scorer/1 trained_on dataset/customers/2"] {
			t.Errorf("VersionLineage(model 2, depth 2) = %v, want the fine-tune edge and model 1's three", s)
		}
		up3, _ := w.db.VersionLineage(vc, "churn", w.model, 2, 3)
		if s := edgeSet(up3); len(s) != 7 || !s["dataset/customers/2 derived_from dataset/customers/1"] || !s["dataset/customers/3 derived_from dataset/customers/1"] {
			t.Errorf("VersionLineage(model 2, depth 3) = %v, want the datasets' origins too", s)
		}
		down, _ := w.db.VersionLineage(vc, "churn", w.data, 1, 2)
		if s := edgeSet(down); len(s) != 5 || !s["dataset/customers/3 derived_from dataset/customers/1"] || !s["model/scorer/1 trained_on dataset/customers/2"] ||
			!s["model/scorer/1 evaluated_on dataset/customers/3"] || s["model/scorer/2 fine_tuned_from model/scorer/1"] {
			t.Errorf("VersionLineage(dataset 1, depth 2) = %v, want what derives from it within two hops", s)
		}
		for _, d := range []int{-1, registry.MaxDepth + 1} {
			_, err := w.db.VersionLineage(vc, "churn", w.data, 1, d)
			wantKind(t, err, atrium.Invalid)
		}
		_, err = w.db.VersionLineage(vc, "churn", w.data, 9, 1)
		wantKind(t, err, atrium.NotFound)

		all, err := w.db.Lineage(vc, "churn")
		if err != nil || len(all.Edges) != 7 || all.Truncated {
			t.Fatalf("Lineage = %d edges, %v, want 7", len(all.Edges), err)
		}
		// Every version (3 datasets, 2 models) and the run.
		if len(all.Nodes) != 6 {
			t.Errorf("Lineage nodes = %v, want 6", all.Nodes)
		}
		if g, err := w.db.Lineage(ec, "fraud"); err != nil || len(g.Edges) != 0 || len(g.Nodes) != 1 {
			t.Errorf("Lineage(fraud) = %+v, %v, want its one version and no edges", g, err)
		}
	})

	t.Run("CrossUseCaseAndAccess", func(t *testing.T) {
		w := newLineageWorld(t, open)
		ctx := t.Context()
		ec, vc, sc := as(ctx, w.editor), as(ctx, w.viewer), as(ctx, w.stranger)
		mustVersion(t, w.world, w.model, registry.Version{URI: "s3://m/1", Digest: digestA})
		before := auditSize(t, ctx, w.db)
		secret := registry.Node{Kind: registry.Dataset, Name: "secret", Version: 1}
		missing := registry.Node{Kind: registry.Dataset, Name: "absent", Version: 1}
		_, errSecret := w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.model, 1), To: secret, Relation: registry.TrainedOn})
		_, errMissing := w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.model, 1), To: missing, Relation: registry.TrainedOn})
		wantKind(t, errSecret, atrium.NotFound)
		wantKind(t, errMissing, atrium.NotFound)
		if strings.ReplaceAll(errSecret.Error(), "secret", "absent") != errMissing.Error() {
			t.Errorf("another use case's dataset = %q, a missing one = %q: they must read alike", errSecret, errMissing)
		}
		_, err := w.db.CreateVersion(ec, "churn", w.model, registry.Version{URI: "s3://m/2", Digest: digestA,
			Model: &registry.ModelInfo{TrainingData: []registry.VersionRef{{Name: "secret", Version: 1}}}})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.AddEvaluation(ec, "churn", w.model, 1, registry.Evaluation{Dataset: registry.VersionRef{Name: "secret", Version: 1}, Metric: "auc", Value: 0.9})
		wantKind(t, err, atrium.Invalid)
		if !strings.Contains(err.Error(), "no version 1 in this use case") {
			t.Errorf("evaluation on another use case's dataset = %v", err)
		}
		// The fraud use case's own lineage is untouched, and churn's edges do not show there.
		_, err = w.db.AddEdge(ec, "fraud", registry.Edge{From: secret, To: node(w.data, 1), Relation: registry.DerivedFrom})
		wantKind(t, err, atrium.NotFound)
		wantAuditSize(t, ctx, w.db, before)

		// Viewers read, never write; strangers see nothing.
		edge := registry.Edge{From: node(w.model, 1), To: node(w.data, 1), Relation: registry.TrainedOn}
		_, err = w.db.AddEdge(vc, "churn", edge)
		wantKind(t, err, atrium.Forbidden)
		_, err = w.db.AddEdge(sc, "churn", edge)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.Lineage(sc, "churn")
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.VersionLineage(sc, "churn", w.model, 1, 1)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.AddEvaluation(vc, "churn", w.model, 1, registry.Evaluation{Dataset: registry.VersionRef{Name: "customers", Version: 1}, Metric: "auc", Value: 0.9})
		wantKind(t, err, atrium.Forbidden)
		_, err = w.db.Evaluations(sc, "churn", w.model, 1)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.ObjectiveStatus(sc, "churn")
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.SetSensitivity(vc, "churn", w.data, 1, registry.Sensitivity{Retention: "1 year"})
		wantKind(t, err, atrium.Forbidden)
		_, err = w.db.GetSensitivity(sc, "churn", w.data, 1)
		wantKind(t, err, atrium.NotFound)
		// Fraud's dataset is not churn's, whoever asks.
		_, err = w.db.SetSensitivity(ec, "churn", registry.Ref{Kind: registry.Dataset, Name: "secret"}, 1, registry.Sensitivity{Retention: "1 year"})
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.GetSensitivity(ec, "churn", registry.Ref{Kind: registry.Dataset, Name: "secret"}, 1)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.SensitivityHistory(sc, "churn", w.data, 1)
		wantKind(t, err, atrium.NotFound)
		wantAuditSize(t, ctx, w.db, before)
		if _, err := w.db.AddEdge(ec, "churn", edge); err != nil {
			t.Errorf("editor AddEdge: %v", err)
		}
		if g, err := w.db.Lineage(vc, "churn"); err != nil || len(g.Edges) != 1 {
			t.Errorf("viewer Lineage = %+v, %v", g, err)
		}
	})

	t.Run("ConcurrentEdgesCannotCloseACycle", func(t *testing.T) {
		w := newLineageWorld(t, open)
		ctx := t.Context()
		// Many writers at once, each adding one direction of a pair among
		// three datasets: at most one direction of each pair may win, and
		// no loop through all three may form.
		// The datasets are different assets, so the writers do not queue on
		// one asset's lock.
		var sets []registry.Ref
		for _, name := range []string{"set-a", "set-b", "set-c"} {
			ref := mustAsset(t, w.world, registry.Dataset, name).Ref()
			mustVersion(t, w.world, ref, registry.Version{URI: "gs://data/" + name, Digest: digestA})
			sets = append(sets, ref)
		}
		const n = 12
		errs := collectErrors(n, func(i int) error {
			a, b := i%3, (i+1)%3
			if i%4 == 3 {
				a, b = b, a
			}
			_, err := w.db.AddEdge(as(ctx, w.editor), "churn", registry.Edge{From: node(sets[a], 1), To: node(sets[b], 1), Relation: registry.DerivedFrom})
			return err
		})
		for _, err := range errs {
			if k := atrium.KindOf(err); err != nil && k != atrium.Invalid && k != atrium.Conflict {
				t.Fatalf("concurrent AddEdge: %s", errorSummary(errs))
			}
		}
		g, err := w.db.Lineage(as(ctx, w.viewer), "churn")
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Edges) == 0 || len(g.Edges) > 3 {
			t.Fatalf("edges after concurrent adds = %v, want one to three", edgeSet(g))
		}
		for i, e := range g.Edges {
			if registry.WouldCycle(append(g.Edges[:i:i], g.Edges[i+1:]...), e.From, e.To) {
				t.Fatalf("the stored graph has a cycle: %v", edgeSet(g))
			}
		}
	})

	t.Run("HostileEdges", func(t *testing.T) {
		w := newLineageWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		mustVersion(t, w.world, w.model, registry.Version{URI: "s3://m/1", Digest: digestA})
		before := auditSize(t, ctx, w.db)
		for name, e := range map[string]registry.Edge{
			"bad relation":        {From: node(w.model, 1), To: node(w.data, 1), Relation: "owns"},
			"relation injection":  {From: node(w.model, 1), To: node(w.data, 1), Relation: "trained_on'; DROP TABLE registry_lineage_edges; --"},
			"wrong kinds":         {From: node(w.data, 1), To: node(w.model, 1), Relation: registry.TrainedOn},
			"huge run id":         {From: node(w.model, 1), To: registry.RunNode(strings.Repeat("r", 100_000)), Relation: registry.ProducedBy},
			"run id with a quote": {From: node(w.model, 1), To: registry.RunNode("r'1"), Relation: registry.ProducedBy},
			"huge name":           {From: node(w.model, 1), To: registry.Node{Kind: registry.Dataset, Name: strings.Repeat("a", 100_000), Version: 1}, Relation: registry.TrainedOn},
			"version zero":        {From: node(w.model, 0), To: node(w.data, 1), Relation: registry.TrainedOn},
			"from a run":          {From: registry.RunNode("r1"), To: node(w.data, 1), Relation: registry.DerivedFrom},
		} {
			if _, err := w.db.AddEdge(ec, "churn", e); atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("AddEdge(%s) = %v, want invalid", name, err)
			}
		}
		_, err := w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.model, 7), To: node(w.data, 1), Relation: registry.TrainedOn})
		wantKind(t, err, atrium.NotFound)
		wantAuditSize(t, ctx, w.db, before)
		if g, _ := w.db.Lineage(ec, "churn"); len(g.Edges) != 0 {
			t.Errorf("edges after hostile input = %v", edgeSet(g))
		}
		// A run must exist in the use case: one of another use case reads
		// exactly like one that does not exist.
		for _, id := range []string{mustLineageRun(t, w, "fraud"), "0123456789abcdef0123456789abcdef"} {
			_, err := w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.model, 1), To: registry.RunNode(id), Relation: registry.ProducedBy})
			wantKind(t, err, atrium.NotFound)
			if err != nil && strings.Contains(err.Error(), "fraud") {
				t.Errorf("refusal names the other use case: %v", err)
			}
		}
		// At most MaxEdgesFrom edges leave one version.
		for i := range registry.MaxEdgesFrom {
			if _, err := w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.model, 1), To: registry.RunNode(mustLineageRun(t, w, "churn")), Relation: registry.ProducedBy}); err != nil {
				t.Fatalf("AddEdge %d: %v", i, err)
			}
		}
		_, err = w.db.AddEdge(ec, "churn", registry.Edge{From: node(w.model, 1), To: node(w.data, 1), Relation: registry.TrainedOn})
		wantKind(t, err, atrium.Conflict)
	})
}

func testEvaluations(t *testing.T, open Opener) {
	t.Run("RunMetricsAreEvidence", func(t *testing.T) {
		w := newLineageWorld(t, open)
		ctx := t.Context()
		ec, vc := as(ctx, w.editor), as(ctx, w.viewer)
		c := mustCanvas(t, ec, w.db, "churn", template(t, humanCentric))
		if _, err := w.db.CreateObjective(ec, "churn", c.ID, canvas.Objective{SectionID: "objective-setting", Metric: "AUC",
			Comparator: ">=", Target: 0.78, MeasuredAt: canvas.AtEvaluation}); err != nil {
			t.Fatalf("CreateObjective: %v", err)
		}
		// Version 1 came from a run that logged its AUC (in MLflow's own
		// case); version 2 from a run that logged only a loss.
		for i, metrics := range [][]registry.Metric{
			{{Key: "auc", Value: 0.71, Step: 0, Timestamp: 1}, {Key: "auc", Value: 0.81, Step: 1, Timestamp: 2}},
			{{Key: "loss", Value: 0.3, Timestamp: 1}},
		} {
			run := mustLineageRun(t, w, "churn")
			if err := w.db.LogBatch(ec, "churn", run, registry.Batch{Metrics: metrics}); err != nil {
				t.Fatalf("LogBatch: %v", err)
			}
			mustVersion(t, w.world, w.model, registry.Version{URI: fmt.Sprintf("s3://m/%d", i+1), Digest: digestA, Model: &registry.ModelInfo{RunID: run}})
		}
		status, err := w.db.ObjectiveStatus(vc, "churn")
		if err != nil {
			t.Fatalf("ObjectiveStatus: %v", err)
		}
		got := map[string]string{}
		for _, vo := range status {
			for _, c := range vo.Checks {
				got[vo.Version.String()] = c.State
				if c.State == registry.Met && (c.Evaluation == nil || c.Evaluation.Run == "" || *c.Value != 0.81) {
					t.Errorf("%s met from %+v, want the run's latest AUC, 0.81", vo.Version, c.Evaluation)
				}
			}
		}
		if got["model/scorer/1"] != registry.Met || got["model/scorer/2"] != registry.NotMeasured {
			t.Errorf("objective status = %v, want version 1 met from its run and version 2 not measured", got)
		}
	})
	t.Run("RecordAndCompare", func(t *testing.T) {
		w := newLineageWorld(t, open)
		ctx := t.Context()
		ec, vc := as(ctx, w.editor), as(ctx, w.viewer)
		clock := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		w.db.SetClock(func() time.Time { clock = clock.Add(time.Minute); return clock })
		c := mustCanvas(t, ec, w.db, "churn", template(t, humanCentric))
		for _, o := range []canvas.Objective{
			{SectionID: "objective-setting", Metric: "AUC", Comparator: ">=", Target: 0.78, MeasuredAt: canvas.AtEvaluation},
			{SectionID: "objective-setting", Metric: "recall [segment=young]", Comparator: ">=", Target: 0.6, MeasuredAt: canvas.AtEvaluation, MinSamples: 100},
			{SectionID: "objective-setting", Metric: "approval rate", Comparator: ">=", Target: 0.5, MeasuredAt: canvas.AtProduction},
		} {
			if _, err := w.db.CreateObjective(ec, "churn", c.ID, o); err != nil {
				t.Fatalf("CreateObjective: %v", err)
			}
		}
		mustVersion(t, w.world, w.model, registry.Version{URI: "s3://m/1", Digest: digestA})
		mustVersion(t, w.world, w.model, registry.Version{URI: "s3://m/2", Digest: digestA})
		mustVersion(t, w.world, w.prompt, registry.Version{URI: "hf://p/1", Digest: digestA, Prompt: &registry.PromptInfo{Template: "Explain {{x}}."}})
		ds := registry.VersionRef{Name: "customers", Version: 3}
		before := auditSize(t, ctx, w.db)
		e, err := w.db.AddEvaluation(ec, "churn", w.model, 1, registry.Evaluation{Dataset: ds, Metric: " AUC ", Value: 0.74, Note: "Hold-out."})
		if err != nil || e.ID == "" || e.Metric != "AUC" || e.Version != node(w.model, 1) || e.CreatedBy != w.editor.ID || e.CreatedAt.IsZero() {
			t.Fatalf("AddEvaluation = %+v, %v", e, err)
		}
		for _, in := range []struct {
			ref    registry.Ref
			n      int
			metric string
			value  float64
			slice  string
			sample int64
		}{
			{w.model, 2, "auc", 0.81, "", 0},
			{w.model, 2, "recall", 0.65, "segment=young", 250},
			{w.model, 2, "recall", 0.40, "segment=old", 250},
			{w.model, 1, "recall", 0.70, "segment=young", 50}, // too few samples
			{w.prompt, 1, "AUC", 0.5, "", 0},
		} {
			if _, err := w.db.AddEvaluation(ec, "churn", in.ref, in.n, registry.Evaluation{Dataset: ds, Metric: in.metric, Value: in.value, Slice: in.slice, Samples: in.sample}); err != nil {
				t.Fatalf("AddEvaluation(%+v): %v", in, err)
			}
		}
		wantAuditSize(t, ctx, w.db, before+6)
		list, err := w.db.Evaluations(vc, "churn", w.model, 2)
		if err != nil || len(list) != 3 || list[0].Metric != "auc" || list[1].Slice != "segment=young" || list[0].Dataset != ds {
			t.Fatalf("Evaluations(2) = %+v, %v", list, err)
		}
		// Each evaluation also records the evaluated_on edge, once.
		g, _ := w.db.VersionLineage(vc, "churn", w.model, 2, 1)
		if s := edgeSet(g); len(s) != 1 || !s["model/scorer/2 evaluated_on dataset/customers/3"] {
			t.Errorf("lineage after evaluations = %v", s)
		}
		status, err := w.db.ObjectiveStatus(vc, "churn")
		if err != nil {
			t.Fatalf("ObjectiveStatus: %v", err)
		}
		byVersion := map[string][]string{}
		for _, vo := range status {
			for _, c := range vo.Checks {
				byVersion[vo.Version.String()] = append(byVersion[vo.Version.String()], c.State)
			}
		}
		want := map[string][]string{
			"model/scorer/2":   {registry.Met, registry.Met},
			"model/scorer/1":   {registry.NotMet, registry.NotMeasured},
			"prompt/summary/1": {registry.NotMet, registry.NotMeasured},
		}
		if fmt.Sprint(byVersion) != fmt.Sprint(want) {
			t.Errorf("ObjectiveStatus = %v, want %v", byVersion, want)
		}
		if len(status) != 3 || status[0].Version != node(w.model, 2) {
			t.Errorf("ObjectiveStatus order = %+v, want models newest first, then prompts", status)
		}
	})

	t.Run("HostileAndImmutable", func(t *testing.T) {
		w := newLineageWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		mustVersion(t, w.world, w.model, registry.Version{URI: "s3://m/1", Digest: digestA})
		ds := registry.VersionRef{Name: "customers", Version: 1}
		first, err := w.db.AddEvaluation(ec, "churn", w.model, 1, registry.Evaluation{Dataset: ds, Metric: "auc", Value: 0.8})
		if err != nil {
			t.Fatalf("AddEvaluation: %v", err)
		}
		before := auditSize(t, ctx, w.db)
		for name, e := range map[string]registry.Evaluation{
			"NaN":             {Dataset: ds, Metric: "auc", Value: math.NaN()},
			"Inf":             {Dataset: ds, Metric: "auc", Value: math.Inf(1)},
			"huge metric":     {Dataset: ds, Metric: strings.Repeat("m", 1<<20), Value: 1},
			"huge note":       {Dataset: ds, Metric: "auc", Value: 1, Note: strings.Repeat("n", 1<<20)},
			"huge slice":      {Dataset: ds, Metric: "auc", Value: 1, Slice: "k=" + strings.Repeat("v", 1<<20)},
			"bad slice":       {Dataset: ds, Metric: "auc", Value: 1, Slice: "young'; --"},
			"no metric":       {Dataset: ds, Value: 1},
			"negative count":  {Dataset: ds, Metric: "auc", Value: 1, Samples: -5},
			"no dataset":      {Metric: "auc", Value: 1},
			"dataset v0":      {Dataset: registry.VersionRef{Name: "customers"}, Metric: "auc", Value: 1},
			"missing data":    {Dataset: registry.VersionRef{Name: "customers", Version: 99}, Metric: "auc", Value: 1},
			"a model as data": {Dataset: registry.VersionRef{Name: "scorer", Version: 1}, Metric: "auc", Value: 1},
		} {
			if _, err := w.db.AddEvaluation(ec, "churn", w.model, 1, e); atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("AddEvaluation(%s) = %v, want invalid", name, err)
			}
		}
		_, err = w.db.AddEvaluation(ec, "churn", w.data, 1, registry.Evaluation{Dataset: ds, Metric: "auc", Value: 1})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.AddEvaluation(ec, "churn", w.model, 5, registry.Evaluation{Dataset: ds, Metric: "auc", Value: 1})
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.Evaluations(ec, "churn", w.data, 1)
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, ctx, w.db, before)
		// Adding more never changes what is stored.
		if _, err := w.db.AddEvaluation(ec, "churn", w.model, 1, registry.Evaluation{Dataset: ds, Metric: "auc", Value: 0.6}); err != nil {
			t.Fatalf("AddEvaluation: %v", err)
		}
		list, _ := w.db.Evaluations(ec, "churn", w.model, 1)
		if len(list) != 2 || list[0].ID != first.ID || list[0].Value != 0.8 || !list[0].CreatedAt.Equal(first.CreatedAt) {
			t.Errorf("Evaluations = %+v, want the first unchanged and a second beside it", list)
		}
	})
}

func testSensitivity(t *testing.T, open Opener) {
	t.Run("HistoryAndProposals", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec, vc := as(ctx, w.editor), as(ctx, w.viewer)
		clock := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
		w.db.SetClock(func() time.Time { return clock })
		data := mustAsset(t, w, registry.Dataset, "applicants").Ref()
		schema := []registry.Column{{Name: "email", Type: registry.String}, {Name: "birth_date", Type: registry.Timestamp}, {Name: "income", Type: registry.Number}}
		profile := &registry.Profile{Rows: 10, Columns: []registry.ColumnProfile{
			{Name: "email", Type: registry.String, Count: 10, Suggested: &registry.Suggestion{Classification: registry.DirectIdentifier, Reason: "values look like e-mail addresses", Detector: "email"}},
			{Name: "birth_date", Type: registry.Timestamp, Count: 10, Suggested: &registry.Suggestion{Classification: registry.QuasiIdentifier, Reason: "birth dates", Detector: "birth-date"}},
			{Name: "income", Type: registry.Number, Count: 10},
		}}
		t0 := clock
		mustVersion(t, w, data, registry.Version{URI: "gs://d/1", Digest: digestA, Dataset: &registry.DatasetInfo{Schema: schema, Profile: profile,
			Sensitivity: &registry.Sensitivity{Columns: map[string]registry.Classification{"email": registry.DirectIdentifier}, LegalBasis: "Contract"}}})
		mustVersion(t, w, data, registry.Version{URI: "gs://d/2", Digest: digestA, Dataset: &registry.DatasetInfo{Schema: schema}})

		cur, err := w.db.GetSensitivity(vc, "churn", data, 1)
		if err != nil || cur.Revision != 1 || cur.Sensitivity.LegalBasis != "Contract" || cur.ChangedBy != w.editor.ID || !cur.ChangedAt.Equal(t0) {
			t.Fatalf("GetSensitivity(1) = %+v, %v, want revision 1 from registration", cur, err)
		}
		if len(cur.Proposals) != 1 || cur.Proposals[0].Column != "birth_date" || cur.Proposals[0].Classification != registry.QuasiIdentifier {
			t.Errorf("Proposals = %+v, want birth_date's suggestion only", cur.Proposals)
		}
		if none, err := w.db.GetSensitivity(vc, "churn", data, 2); err != nil || none.Revision != 0 || len(none.Sensitivity.Columns) != 0 {
			t.Errorf("GetSensitivity(2) = %+v, %v, want nothing set", none, err)
		}

		before := auditSize(t, ctx, w.db)
		clock = t0.Add(time.Hour)
		s2 := registry.Sensitivity{Columns: map[string]registry.Classification{"email": registry.DirectIdentifier, "birth_date": registry.QuasiIdentifier, "income": registry.NotPersonal},
			LegalBasis: "Contract (Art. 6(1)(b))", Consent: "Not needed for scoring.", Retention: " 3 years after the contract ends "}
		rec, err := w.db.SetSensitivity(ec, "churn", data, 1, s2)
		if err != nil || rec.Revision != 2 || rec.Sensitivity.Retention != "3 years after the contract ends" || len(rec.Proposals) != 0 || !rec.ChangedAt.Equal(clock) {
			t.Fatalf("SetSensitivity = %+v, %v", rec, err)
		}
		wantAuditSize(t, ctx, w.db, before+1)
		// The same again is no change.
		if again, err := w.db.SetSensitivity(ec, "churn", data, 1, s2); err != nil || again.Revision != 2 {
			t.Errorf("SetSensitivity unchanged = %+v, %v", again, err)
		}
		wantAuditSize(t, ctx, w.db, before+1)
		clock = t0.Add(2 * time.Hour)
		if _, err := w.db.SetSensitivity(ec, "churn", data, 1, registry.Sensitivity{Columns: map[string]registry.Classification{"email": registry.SpecialCategory}}); err != nil {
			t.Fatalf("SetSensitivity(3): %v", err)
		}
		hist, err := w.db.SensitivityHistory(vc, "churn", data, 1)
		if err != nil || len(hist) != 3 || hist[0].Revision != 3 || hist[2].Revision != 1 || hist[1].Sensitivity.Consent != "Not needed for scoring." {
			t.Fatalf("SensitivityHistory = %+v, %v", hist, err)
		}
		for _, tc := range []struct {
			at   time.Time
			want int
		}{
			{t0.Add(-time.Second), 0}, {t0, 1}, {t0.Add(59 * time.Minute), 1}, {t0.Add(time.Hour), 2}, {t0.Add(90 * time.Minute), 2}, {t0.Add(3 * time.Hour), 3},
		} {
			r, err := w.db.SensitivityAt(vc, "churn", data, 1, tc.at)
			if tc.want == 0 {
				wantKind(t, err, atrium.NotFound)
				continue
			}
			if err != nil || r.Revision != tc.want {
				t.Errorf("SensitivityAt(%s) = %d, %v, want revision %d", tc.at.Sub(t0), r.Revision, err, tc.want)
			}
		}
		// The version itself still says what it said at registration.
		if v, _ := w.db.GetVersion(vc, "churn", data, 1); v.Dataset.Sensitivity.LegalBasis != "Contract" {
			t.Errorf("version's own sensitivity = %+v, want the registered one", v.Dataset.Sensitivity)
		}
		// The history shows the proposals that came back once birth_date lost its classification.
		if cur, _ := w.db.GetSensitivity(vc, "churn", data, 1); len(cur.Proposals) != 1 || cur.Proposals[0].Column != "birth_date" {
			t.Errorf("proposals after revision 3 = %+v", cur.Proposals)
		}
	})

	t.Run("Hostile", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		data := mustAsset(t, w, registry.Dataset, "applicants").Ref()
		model := mustAsset(t, w, registry.Model, "m").Ref()
		mustVersion(t, w, data, registry.Version{URI: "gs://d/1", Digest: digestA, Dataset: &registry.DatasetInfo{Schema: []registry.Column{{Name: "email", Type: registry.String}}}})
		mustVersion(t, w, model, registry.Version{URI: "s3://m/1", Digest: digestA})
		before := auditSize(t, ctx, w.db)
		many := map[string]registry.Classification{}
		for i := range registry.MaxColumns + 1 {
			many[fmt.Sprint("c", i)] = registry.NotPersonal
		}
		for name, s := range map[string]registry.Sensitivity{
			"unknown column":         {Columns: map[string]registry.Classification{"iban": registry.DirectIdentifier}},
			"unknown classification": {Columns: map[string]registry.Classification{"email": "secret"}},
			"too many columns":       {Columns: many},
			"huge legal basis":       {LegalBasis: strings.Repeat("l", 1<<20)},
			"huge retention":         {Retention: strings.Repeat("r", 1<<16)},
			"control characters":     {Consent: "ok\x00"},
		} {
			if _, err := w.db.SetSensitivity(ec, "churn", data, 1, s); atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("SetSensitivity(%s) = %v, want invalid", name, err)
			}
		}
		_, err := w.db.SetSensitivity(ec, "churn", model, 1, registry.Sensitivity{})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.SetSensitivity(ec, "churn", data, 2, registry.Sensitivity{})
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.GetSensitivity(ec, "churn", model, 1)
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, ctx, w.db, before)
		if h, err := w.db.SensitivityHistory(ec, "churn", data, 1); err != nil || len(h) != 0 {
			t.Errorf("history after hostile input = %+v, %v", h, err)
		}
	})
}
