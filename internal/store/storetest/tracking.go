package storetest

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

const root = "s3://bucket/mlflow"

func mustRun(t *testing.T, w *world, exp string) registry.Run {
	t.Helper()
	r, err := w.db.CreateRun(as(t.Context(), w.editor), "churn", store.NewRun{ExperimentID: exp, StartTime: 1000,
		Tags: []registry.Tag{{Key: "mlflow.user", Value: "editor"}}}, root)
	if err != nil {
		t.Fatalf("CreateRun(%s): %v", exp, err)
	}
	return r
}

func testTracking(t *testing.T, open Opener) {
	t.Run("Experiments", func(t *testing.T) {
		w := newWorld(t, open)
		ec, vc := as(t.Context(), w.editor), as(t.Context(), w.viewer)
		e, err := w.db.CreateExperiment(ec, "churn", registry.Experiment{Name: "baseline", Tags: map[string]string{"team": "alpha"}}, root)
		if err != nil || e.ID == "" || e.ArtifactLocation != root+"/"+e.ID || e.LifecycleStage != registry.Active || e.CreationTime == 0 {
			t.Fatalf("CreateExperiment=%+v, %v", e, err)
		}
		_, err = w.db.CreateExperiment(ec, "churn", registry.Experiment{Name: "baseline"}, root)
		wantKind(t, err, atrium.Conflict)
		_, err = w.db.CreateExperiment(vc, "churn", registry.Experiment{Name: "viewer's"}, root)
		wantKind(t, err, atrium.Forbidden)
		for _, bad := range []string{"file:///etc/passwd", "s3://b/../k", "gopher://x/y"} {
			_, err = w.db.CreateExperiment(ec, "churn", registry.Experiment{Name: "bad " + bad, ArtifactLocation: bad}, root)
			wantKind(t, err, atrium.Invalid)
		}
		got, err := w.db.GetExperimentByName(vc, "churn", "baseline")
		if err != nil || got.ID != e.ID || got.Tags["team"] != "alpha" {
			t.Errorf("GetExperimentByName=%+v, %v", got, err)
		}
		_, err = w.db.GetExperiment(as(t.Context(), w.stranger), "churn", e.ID, root)
		wantKind(t, err, atrium.NotFound)
		// Experiment "0" is the default one, made on first use.
		def, err := w.db.GetExperiment(ec, "churn", "0", root)
		if err != nil || def.Name != store.DefaultExperiment {
			t.Fatalf("GetExperiment(0)=%+v, %v", def, err)
		}
		again, err := w.db.GetExperiment(vc, "churn", "0", root)
		if err != nil || again.ID != def.ID {
			t.Errorf("GetExperiment(0) twice=%+v, %v, want %s", again, err, def.ID)
		}
		if _, err := w.db.UpdateExperiment(ec, "churn", def.ID, store.ExperimentChange{Stage: registry.Deleted}); atrium.KindOf(err) != atrium.Invalid {
			t.Errorf("deleting the default experiment: %v, want Invalid", err)
		}
		if _, err := w.db.UpdateExperiment(ec, "churn", e.ID, store.ExperimentChange{Name: "renamed"}); err != nil {
			t.Fatal(err)
		}
		v := "yes"
		if _, err := w.db.UpdateExperiment(ec, "churn", e.ID, store.ExperimentChange{TagKey: "reviewed", TagValue: &v}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.UpdateExperiment(ec, "churn", e.ID, store.ExperimentChange{Stage: registry.Deleted}); err != nil {
			t.Fatal(err)
		}
		active, err := w.db.ListExperiments(vc, "churn", store.ExperimentFilter{Stage: registry.Active, Page: atrium.PageRequest{Size: 10}})
		if err != nil || active.Total != 1 || active.Items[0].ID != def.ID {
			t.Errorf("active experiments=%+v, %v, want the default only", active, err)
		}
		like, err := w.db.ListExperiments(vc, "churn", store.ExperimentFilter{NameLike: "REN%", NameCI: true, Page: atrium.PageRequest{Size: 10}})
		if err != nil || like.Total != 1 || like.Items[0].Tags["reviewed"] != "yes" || like.Items[0].LifecycleStage != registry.Deleted {
			t.Errorf("ILIKE 'REN%%'=%+v, %v", like, err)
		}
		_, err = w.db.CreateRun(ec, "churn", store.NewRun{ExperimentID: e.ID}, root)
		wantKind(t, err, atrium.Invalid)
	})

	t.Run("RunsAndLogging", func(t *testing.T) {
		w := newWorld(t, open)
		ec, vc := as(t.Context(), w.editor), as(t.Context(), w.viewer)
		r := mustRun(t, w, "0")
		if len(r.ID) != 32 || r.Status != registry.RunRunning || r.Name == "" || r.Tags["mlflow.runName"] != r.Name || !strings.HasSuffix(r.ArtifactURI, "/"+r.ID+"/artifacts") {
			t.Fatalf("CreateRun=%+v", r)
		}
		before := auditSize(t, t.Context(), w.db)
		b := registry.Batch{Params: []registry.Param{{Key: "lr", Value: "0.1"}}, Tags: []registry.Tag{{Key: "team", Value: "a"}}}
		for i := range 998 {
			b.Metrics = append(b.Metrics, registry.Metric{Key: fmt.Sprintf("m%d", i%3), Value: float64(i), Timestamp: int64(2000 + i), Step: int64(i / 3)})
		}
		b.Metrics[997] = registry.Metric{Key: "nan", Value: math.NaN(), Timestamp: 5, Step: 0}
		b.Metrics[996] = registry.Metric{Key: "inf", Value: math.Inf(-1), Timestamp: 5, Step: 0}
		if err := w.db.LogBatch(ec, "churn", r.ID, b); err != nil {
			t.Fatal(err)
		}
		wantAuditSize(t, t.Context(), w.db, before+1)
		got, err := w.db.GetRun(vc, "churn", r.ID)
		if err != nil {
			t.Fatal(err)
		}
		latest := map[string]registry.Metric{}
		for _, m := range got.Metrics {
			latest[m.Key] = m
		}
		if got.Params["lr"] != "0.1" || got.Tags["team"] != "a" || len(latest) != 5 || !math.IsNaN(latest["nan"].Value) || !math.IsInf(latest["inf"].Value, -1) {
			t.Fatalf("GetRun=%+v", got)
		}
		if m := latest["m0"]; m.Step != 331 || m.Value != 993 {
			t.Errorf("latest m0=%+v, want step 331 value 993", m)
		}
		// An older step does not replace the latest value.
		if err := w.db.LogBatch(ec, "churn", r.ID, registry.Batch{Metrics: []registry.Metric{{Key: "m0", Value: -1, Timestamp: 9e12, Step: 1}}}); err != nil {
			t.Fatal(err)
		}
		got, _ = w.db.GetRun(vc, "churn", r.ID)
		for _, m := range got.Metrics {
			if m.Key == "m0" && m.Value != 993 {
				t.Errorf("latest m0 after an older step=%+v", m)
			}
		}
		// Params never change; the same value again is fine.
		if err := w.db.LogBatch(ec, "churn", r.ID, registry.Batch{Params: []registry.Param{{Key: "lr", Value: "0.1"}}}); err != nil {
			t.Errorf("same param again: %v", err)
		}
		before = auditSize(t, t.Context(), w.db)
		err = w.db.LogBatch(ec, "churn", r.ID, registry.Batch{Params: []registry.Param{{Key: "lr", Value: "0.2"}},
			Metrics: []registry.Metric{{Key: "lost", Value: 1, Timestamp: 1}}})
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, t.Context(), w.db, before)
		if h, _ := w.db.MetricHistory(vc, "churn", r.ID, "lost", atrium.PageRequest{Size: 10}); h.Total != 0 {
			t.Errorf("a refused batch stored %d metrics", h.Total)
		}
		// Hostile batches are refused whole.
		for name, bad := range map[string]registry.Batch{
			"too many metrics":  {Metrics: make([]registry.Metric, 1001)},
			"too many params":   {Params: make([]registry.Param, 101)},
			"bad key":           {Metrics: []registry.Metric{{Key: "../x", Value: 1, Timestamp: 1}}},
			"NUL in value":      {Params: []registry.Param{{Key: "k", Value: "a\x00b"}}},
			"long param":        {Params: []registry.Param{{Key: "k", Value: strings.Repeat("x", registry.MaxParamValue+1)}}},
			"twice, two values": {Params: []registry.Param{{Key: "k", Value: "1"}, {Key: "k", Value: "2"}}},
		} {
			if err := w.db.LogBatch(ec, "churn", r.ID, bad); atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("%s: %v, want Invalid", name, err)
			}
		}
		wantAuditSize(t, t.Context(), w.db, before)
		err = w.db.LogBatch(vc, "churn", r.ID, registry.Batch{Tags: []registry.Tag{{Key: "x", Value: "y"}}})
		wantKind(t, err, atrium.Forbidden)
		err = w.db.LogBatch(ec, "churn", strings.Repeat("0", 32), registry.Batch{Tags: []registry.Tag{{Key: "x", Value: "y"}}})
		wantKind(t, err, atrium.NotFound)

		// History pages by step.
		p1, err := w.db.MetricHistory(vc, "churn", r.ID, "m1", atrium.PageRequest{Size: 200})
		if err != nil || p1.Total != 332 || len(p1.Items) != 200 || p1.NextPageToken == "" || p1.Items[0].Step != 0 || p1.Items[199].Step != 199 {
			t.Fatalf("MetricHistory page 1: total %d, %d items, %v", p1.Total, len(p1.Items), err)
		}
		p2, _ := w.db.MetricHistory(vc, "churn", r.ID, "m1", atrium.PageRequest{Size: 200, Offset: 200})
		if len(p2.Items) != 132 || p2.NextPageToken != "" {
			t.Errorf("MetricHistory page 2: %d items, next %q", len(p2.Items), p2.NextPageToken)
		}

		// Inputs: kept as given, logged again replaces the tags.
		in := registry.Input{Dataset: registry.InputDataset{Name: "applications", Digest: "1a2b3c", SourceType: "local", Source: `{"uri": "s3://b/apps.csv"}`},
			Tags: map[string]string{"mlflow.data.context": "training"}}
		if err := w.db.LogInputs(ec, "churn", r.ID, []registry.Input{in}); err != nil {
			t.Fatal(err)
		}
		in.Tags["mlflow.data.context"] = "validation"
		if err := w.db.LogInputs(ec, "churn", r.ID, []registry.Input{in}); err != nil {
			t.Fatal(err)
		}
		if got, _ := w.db.GetRun(vc, "churn", r.ID); len(got.Inputs) != 1 || got.Inputs[0].Tags["mlflow.data.context"] != "validation" || got.Inputs[0].Dataset.Source != in.Dataset.Source {
			t.Errorf("run inputs=%+v", got.Inputs)
		}
		before = auditSize(t, t.Context(), w.db)
		for name, bad := range map[string]registry.Input{
			"no name":      {Dataset: registry.InputDataset{Digest: "d", SourceType: "local", Source: "x"}},
			"long digest":  {Dataset: registry.InputDataset{Name: "n", Digest: strings.Repeat("d", 37), SourceType: "local", Source: "x"}},
			"huge profile": {Dataset: registry.InputDataset{Name: "n", Digest: "d", SourceType: "local", Source: "x", Profile: strings.Repeat("p", registry.MaxDatasetProfile+1)}},
			"NUL source":   {Dataset: registry.InputDataset{Name: "n", Digest: "d", SourceType: "local", Source: "a\x00b"}},
		} {
			if err := w.db.LogInputs(ec, "churn", r.ID, []registry.Input{bad}); atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("LogInputs %s: %v, want Invalid", name, err)
			}
		}
		wantAuditSize(t, t.Context(), w.db, before)
		wantKind(t, w.db.LogInputs(vc, "churn", r.ID, []registry.Input{in}), atrium.Forbidden)

		end := int64(99_000)
		up, err := w.db.UpdateRun(ec, "churn", r.ID, store.RunChange{Status: registry.RunFinished, EndTime: &end, Name: "final"})
		if err != nil || up.Status != registry.RunFinished || *up.EndTime != end || up.Name != "final" {
			t.Fatalf("UpdateRun=%+v, %v", up, err)
		}
		_, err = w.db.UpdateRun(ec, "churn", r.ID, store.RunChange{Status: "DONE"})
		wantKind(t, err, atrium.Invalid)
		if err := w.db.DeleteRunTag(ec, "churn", r.ID, "team"); err != nil {
			t.Fatal(err)
		}
		wantKind(t, w.db.DeleteRunTag(ec, "churn", r.ID, "team"), atrium.NotFound)
		if _, err := w.db.UpdateRun(ec, "churn", r.ID, store.RunChange{Stage: registry.Deleted}); err != nil {
			t.Fatal(err)
		}
		err = w.db.LogBatch(ec, "churn", r.ID, registry.Batch{Tags: []registry.Tag{{Key: "x", Value: "y"}}})
		wantKind(t, err, atrium.Invalid)
	})

	t.Run("SearchRuns", func(t *testing.T) {
		w := newWorld(t, open)
		ec, vc := as(t.Context(), w.editor), as(t.Context(), w.viewer)
		for i := range 5 {
			r := mustRun(t, w, "0")
			b := registry.Batch{Metrics: []registry.Metric{{Key: "auc", Value: 0.5 + float64(i)/10, Timestamp: 1}},
				Params: []registry.Param{{Key: "model", Value: []string{"tree", "linear"}[i%2]}}, Tags: []registry.Tag{{Key: "owner", Value: fmt.Sprintf("Team_%d", i)}}}
			if err := w.db.LogBatch(ec, "churn", r.ID, b); err != nil {
				t.Fatal(err)
			}
		}
		search := func(filter string, order []string, size int) atrium.Page[registry.Run] {
			t.Helper()
			allowed := map[string][]string{"attribute": store.RunAttributes, "metric": nil, "param": nil, "tag": nil}
			cl, err := registry.ParseFilter(filter, allowed)
			if err != nil {
				t.Fatalf("ParseFilter(%q): %v", filter, err)
			}
			ob, err := registry.ParseOrderBy(order, allowed)
			if err != nil {
				t.Fatal(err)
			}
			p, err := w.db.SearchRuns(vc, "churn", store.RunSearch{ExperimentIDs: []string{"0"}, Clauses: cl, OrderBy: ob, Stage: registry.Active, Page: atrium.PageRequest{Size: size}})
			if err != nil {
				t.Fatalf("SearchRuns(%q): %v", filter, err)
			}
			return p
		}
		cases := []struct {
			filter string
			want   int
		}{
			{"", 5},
			{"metrics.auc > 0.65", 3},
			{"metrics.auc >= 0.7 AND params.model = 'tree'", 2},
			{"params.model != 'tree'", 2},
			{"tags.owner LIKE 'Team_%'", 5},
			{"tags.owner LIKE 'team_%'", 0},
			{"tags.owner ILIKE 'team_%'", 5},
			{"tags.owner IN ('Team_1', 'Team_3')", 2},
			{"attributes.status = 'RUNNING'", 5},
			{"tags.missing = 'x'", 0},
		}
		for _, c := range cases {
			if got := search(c.filter, nil, 100); got.Total != c.want || len(got.Items) != c.want {
				t.Errorf("SearchRuns(%q): total %d, %d items, want %d", c.filter, got.Total, len(got.Items), c.want)
			}
		}
		top := search("", []string{"metrics.auc DESC"}, 2)
		if len(top.Items) != 2 || top.NextPageToken == "" || top.Items[0].Metrics[0].Value != 0.9 {
			t.Errorf("ordered by auc: %+v", top.Items)
		}
		_, err := w.db.SearchRuns(vc, "churn", store.RunSearch{ExperimentIDs: nil, Page: atrium.PageRequest{Size: 1}})
		wantKind(t, err, atrium.Invalid)
	})

	t.Run("LoggedModels", func(t *testing.T) {
		w := newWorld(t, open)
		ec, vc := as(t.Context(), w.editor), as(t.Context(), w.viewer)
		r := mustRun(t, w, "0")
		m, err := w.db.CreateLoggedModel(ec, "churn", registry.LoggedModel{ExperimentID: r.ExperimentID, RunID: r.ID, Name: "model", Tags: map[string]string{"k": "v"}}, root)
		if err != nil || !strings.HasPrefix(m.ID, "m-") || m.Status != registry.ModelPending || !strings.HasSuffix(m.ArtifactURI, "/models/"+m.ID+"/artifacts") {
			t.Fatalf("CreateLoggedModel=%+v, %v", m, err)
		}
		if _, err := w.db.UpdateLoggedModel(ec, "churn", m.ID, store.LoggedModelChange{Status: registry.ModelReady}); err != nil {
			t.Fatal(err)
		}
		_, err = w.db.UpdateLoggedModel(ec, "churn", m.ID, store.LoggedModelChange{Status: "DONE"})
		wantKind(t, err, atrium.Invalid)
		list, err := w.db.LoggedModels(vc, "churn", []string{r.ExperimentID})
		if err != nil || len(list) != 1 || list[0].Status != registry.ModelReady || list[0].RunID != r.ID {
			t.Errorf("LoggedModels=%+v, %v", list, err)
		}
		_, err = w.db.CreateLoggedModel(ec, "churn", registry.LoggedModel{ExperimentID: r.ExperimentID, RunID: strings.Repeat("a", 32)}, root)
		wantKind(t, err, atrium.NotFound)
	})

	t.Run("ModelVersionsThroughMLflow", func(t *testing.T) {
		w := newWorld(t, open)
		ec, vc, oc := as(t.Context(), w.editor), as(t.Context(), w.viewer), as(t.Context(), w.owner)
		r := mustRun(t, w, "0")
		a := mustAsset(t, w, registry.Model, "scorer")
		v1, err := w.db.CreateModelVersion(ec, "churn", a.Name, store.NewModelVersion{Source: "mlflow-artifacts:/x/model", RunID: r.ID, Tags: map[string]string{"k": "v"}})
		if err != nil || v1.Version.Number != 1 || v1.State.RunID != r.ID || v1.State.Stage != registry.StageNone || v1.Version.Digest != "" {
			t.Fatalf("CreateModelVersion=%+v, %v", v1, err)
		}
		_, err = w.db.CreateModelVersion(ec, "churn", a.Name, store.NewModelVersion{Source: "file:///etc/passwd"})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.CreateModelVersion(ec, "churn", a.Name, store.NewModelVersion{Source: "s3://b/m", RunID: strings.Repeat("b", 32)})
		wantKind(t, err, atrium.Invalid)
		v2, err := w.db.CreateModelVersion(ec, "churn", a.Name, store.NewModelVersion{Source: "s3://b/m2", Digest: digestA})
		if err != nil || v2.Version.Number != 2 || v2.Version.Digest != digestA {
			t.Fatalf("second version=%+v, %v", v2, err)
		}
		desc := "reviewed"
		if _, err := w.db.UpdateModelVersion(ec, "churn", a.Name, 2, store.VersionChange{Description: &desc}); err != nil {
			t.Fatal(err)
		}
		// Stages move the aliases of the same name; Archived archives.
		if _, err := w.db.UpdateModelVersion(ec, "churn", a.Name, 1, store.VersionChange{Stage: registry.StageProduction}); err != nil {
			t.Fatal(err)
		}
		mv, err := w.db.UpdateModelVersion(ec, "churn", a.Name, 2, store.VersionChange{Stage: registry.StageProduction, ArchiveOthers: true})
		if err != nil || mv.State.Stage != registry.StageProduction || len(mv.Aliases) != 1 || mv.Aliases[0] != "production" || mv.State.Description != "reviewed" {
			t.Fatalf("transition to Production=%+v, %v", mv, err)
		}
		old, err := w.db.GetModelVersion(vc, "churn", a.Name, 1)
		if err != nil || old.State.Stage != registry.StageArchived || old.Version.Status != registry.Archived {
			t.Errorf("version 1 after archive_existing_versions=%+v, %v", old, err)
		}
		// The immutable version is untouched: MLflow's description is state.
		native, _ := w.db.GetVersion(vc, "churn", a.Ref(), 2)
		if native.Description != "" {
			t.Errorf("native description changed to %q", native.Description)
		}
		hist, _ := w.db.AliasHistory(vc, "churn", a.Ref(), "production", atrium.PageRequest{Size: 10})
		if hist.Total != 2 {
			t.Errorf("production alias history: %d moves, want 2", hist.Total)
		}
		// Deleting hides the version from MLflow, keeps it archived, and
		// never gives its number again.
		if err := w.db.DeleteModelVersion(ec, "churn", a.Name, 2); err != nil {
			t.Fatal(err)
		}
		_, err = w.db.GetModelVersion(vc, "churn", a.Name, 2)
		wantKind(t, err, atrium.NotFound)
		if n, _ := w.db.GetVersion(vc, "churn", a.Ref(), 2); n.Status != registry.Archived {
			t.Errorf("deleted version's status=%s, want archived", n.Status)
		}
		v3, err := w.db.CreateModelVersion(ec, "churn", a.Name, store.NewModelVersion{Source: "s3://b/m3"})
		if err != nil || v3.Version.Number != 3 {
			t.Errorf("version after a delete=%+v, %v, want number 3", v3, err)
		}
		all, err := w.db.ModelVersions(vc, "churn", a.Name)
		if err != nil || len(all) != 2 || all[0].Version.Number != 3 || all[1].Version.Number != 1 {
			t.Errorf("ModelVersions=%d, %v, want 3 and 1", len(all), err)
		}
		_, err = w.db.UpdateModelVersion(vc, "churn", a.Name, 3, store.VersionChange{Description: &desc})
		wantKind(t, err, atrium.Forbidden)

		// Asset changes: tags, description, rename, delete (owner only).
		v := "risk"
		if _, err := w.db.UpdateAsset(ec, "churn", a.Ref(), store.AssetChange{TagKey: "domain", TagValue: &v}); err != nil {
			t.Fatal(err)
		}
		renamed, err := w.db.UpdateAsset(ec, "churn", a.Ref(), store.AssetChange{Rename: "scorer-v2"})
		if err != nil || renamed.Name != "scorer-v2" || renamed.Tags["domain"] != "risk" {
			t.Fatalf("rename=%+v, %v", renamed, err)
		}
		mustAsset(t, w, registry.Model, "other")
		_, err = w.db.UpdateAsset(ec, "churn", renamed.Ref(), store.AssetChange{Rename: "other"})
		wantKind(t, err, atrium.Conflict)
		wantKind(t, w.db.DeleteAsset(ec, "churn", renamed.Ref()), atrium.Forbidden)
		if err := w.db.DeleteAsset(oc, "churn", renamed.Ref()); err != nil {
			t.Fatal(err)
		}
		_, err = w.db.GetAsset(vc, "churn", renamed.Ref())
		wantKind(t, err, atrium.NotFound)
	})

	t.Run("ScopedTokens", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		other := mustUseCase(t, as(ctx, w.owner), w.db, usecase.UseCase{Slug: "other", Name: "Other", TeamSlug: "alpha"})
		tok, secret, err := w.db.CreateScopedToken(ctx, w.editor.ID, "mlflow", 0, "churn")
		if err != nil || tok.UseCaseID != w.churn.ID {
			t.Fatalf("CreateScopedToken=%+v, %v", tok, err)
		}
		a, err := w.db.TokenActor(ctx, secret)
		if err != nil || a.UseCaseID != w.churn.ID {
			t.Fatalf("TokenActor=%+v, %v", a, err)
		}
		sc := atrium.WithActor(ctx, a)
		if slug, err := w.db.ScopeSlug(sc); err != nil || slug != "churn" {
			t.Errorf("ScopeSlug=%q, %v", slug, err)
		}
		if _, err := w.db.GetUseCase(sc, "churn"); err != nil {
			t.Errorf("the scoped use case: %v", err)
		}
		_, err = w.db.GetUseCase(sc, other.Slug)
		wantKind(t, err, atrium.NotFound)
		if list, err := w.db.ListUseCases(sc, usecase.Filter{Page: atrium.PageRequest{Size: 10}}); err != nil || list.Total != 1 || list.Items[0].Slug != "churn" {
			t.Errorf("ListUseCases with a scoped token=%+v, %v, want churn only", list, err)
		}
		_, _, err = w.db.CreateScopedToken(ctx, w.stranger.ID, "mlflow", 0, "churn")
		wantKind(t, err, atrium.NotFound)
	})
}
