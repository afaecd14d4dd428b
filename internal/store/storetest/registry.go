package storetest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

const digestA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func mustAsset(t *testing.T, w *world, kind registry.Kind, name string) registry.Asset {
	t.Helper()
	a, err := w.db.CreateAsset(as(t.Context(), w.editor), "churn", registry.Asset{Kind: kind, Name: name, Tags: map[string]string{"team": "alpha"}})
	if err != nil {
		t.Fatalf("CreateAsset(%s %q): %v", kind, name, err)
	}
	return a
}

func mustVersion(t *testing.T, w *world, ref registry.Ref, v registry.Version) registry.Version {
	t.Helper()
	got, err := w.db.CreateVersion(as(t.Context(), w.editor), "churn", ref, v)
	if err != nil {
		t.Fatalf("CreateVersion(%v): %v", ref, err)
	}
	return got
}

func digestOf(i int) string { return fmt.Sprintf("%064x", i) }

func testRegistry(t *testing.T, open Opener) {
	t.Run("CreateGetList", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec, vc := as(ctx, w.editor), as(ctx, w.viewer)
		m := mustAsset(t, w, registry.Model, "churn-classifier")
		mustAsset(t, w, registry.Dataset, "customers")
		mustAsset(t, w, registry.Prompt, "churn-summary")
		if m.ID == "" || m.UseCaseID != w.churn.ID || m.CreatedBy != w.editor.ID || m.CreatedAt.IsZero() || m.Tags["team"] != "alpha" {
			t.Errorf("CreateAsset=%+v", m)
		}
		_, err := w.db.CreateAsset(ec, "churn", registry.Asset{Kind: registry.Model, Name: "churn-classifier"})
		wantKind(t, err, atrium.Conflict)
		if _, err := w.db.CreateAsset(ec, "churn", registry.Asset{Kind: registry.Dataset, Name: "churn-classifier"}); err != nil {
			t.Errorf("CreateAsset of the same name, another kind: %v", err)
		}
		got, err := w.db.GetAsset(vc, "churn", m.Ref())
		if err != nil || got.ID != m.ID || got.Name != m.Name || !got.CreatedAt.Equal(m.CreatedAt) {
			t.Errorf("GetAsset=%+v, %v, want %+v", got, err, m)
		}
		_, err = w.db.GetAsset(vc, "churn", registry.Ref{Kind: registry.Model, Name: "missing"})
		wantKind(t, err, atrium.NotFound)

		all, err := w.db.ListAssets(vc, "churn", registry.Filter{})
		if err != nil || all.Total != 4 || len(all.Items) != 4 {
			t.Fatalf("ListAssets=%+v, %v, want 4", all, err)
		}
		page, err := w.db.ListAssets(vc, "churn", registry.Filter{Kind: registry.Dataset, Page: atrium.PageRequest{Size: 1}})
		if err != nil || page.Total != 2 || len(page.Items) != 1 || page.NextPageToken == "" || page.Items[0].Kind != registry.Dataset {
			t.Fatalf("ListAssets(dataset, size 1)=%+v, %v, want 1 of 2 with a next page", page, err)
		}
		_, err = w.db.ListAssets(vc, "churn", registry.Filter{Kind: "notebook"})
		wantKind(t, err, atrium.Invalid)

		v1 := mustVersion(t, w, m.Ref(), registry.Version{URI: "S3://Models/churn/1/model.pkl", Digest: strings.ToUpper(digestA), Size: 1234,
			Metadata: json.RawMessage(`{"auc": 0.91, "params": {"depth": 6}}`), Tags: map[string]string{"stage": "candidate"},
			Model: &registry.ModelInfo{Framework: "xgboost", Task: "classification", Code: &registry.CodeRef{Repository: "https://git.example.org/churn", Commit: "0123abc"}}})
		if v1.Number != 1 || v1.URI != "s3://models/churn/1/model.pkl" || v1.Digest != digestA || v1.Status != registry.Ready || v1.CreatedBy != w.editor.ID {
			t.Errorf("CreateVersion=%+v", v1)
		}
		v2 := mustVersion(t, w, m.Ref(), registry.Version{URI: "s3://models/churn/2/model.pkl", Digest: digestOf(2)})
		got1, err := w.db.GetVersion(vc, "churn", m.Ref(), 1)
		if err != nil || got1.URI != v1.URI || string(got1.Metadata) != `{"auc":0.91,"params":{"depth":6}}` || got1.Model == nil || got1.Model.Framework != "xgboost" || got1.Tags["stage"] != "candidate" {
			t.Errorf("GetVersion(1)=%+v (model %+v), %v", got1, got1.Model, err)
		}
		list, err := w.db.ListVersions(vc, "churn", m.Ref(), atrium.PageRequest{})
		if err != nil || list.Total != 2 || len(list.Items) != 2 || list.Items[0].Number != v2.Number || list.Items[1].Number != 1 {
			t.Errorf("ListVersions=%+v, %v, want 2, 1", list, err)
		}
		_, err = w.db.GetVersion(vc, "churn", m.Ref(), 3)
		wantKind(t, err, atrium.NotFound)
		if a, _ := w.db.GetAsset(vc, "churn", m.Ref()); a.Versions != 2 {
			t.Errorf("asset Versions=%d, want 2", a.Versions)
		}

		p := mustVersion(t, w, registry.Ref{Kind: registry.Prompt, Name: "churn-summary"}, registry.Version{URI: "hf://prompts/churn", Digest: digestA,
			Prompt: &registry.PromptInfo{Template: "Summarise {{ customer }} for {{team}}; {{customer}} again.", Form: registry.Chat}})
		if p.Prompt == nil || !slices.Equal(p.Prompt.Variables, []string{"customer", "team"}) {
			t.Errorf("prompt version=%+v, want variables customer, team", p.Prompt)
		}
		_, err = w.db.CreateVersion(ec, "churn", registry.Ref{Kind: registry.Prompt, Name: "churn-summary"}, registry.Version{URI: "hf://prompts/churn", Digest: digestA})
		wantKind(t, err, atrium.Invalid)

		// A model may name only dataset versions that exist in its use case.
		ds := registry.Ref{Kind: registry.Dataset, Name: "customers"}
		mustVersion(t, w, ds, registry.Version{URI: "gs://data/customers/", Digest: digestA, Dataset: &registry.DatasetInfo{Role: registry.Training}})
		mustVersion(t, w, m.Ref(), registry.Version{URI: "s3://models/churn/3", Digest: digestA, Model: &registry.ModelInfo{TrainingData: []registry.VersionRef{{Name: "customers", Version: 1}}}})
		_, err = w.db.CreateVersion(ec, "churn", m.Ref(), registry.Version{URI: "s3://models/churn/4", Digest: digestA, Model: &registry.ModelInfo{TrainingData: []registry.VersionRef{{Name: "customers", Version: 2}}}})
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.CreateVersion(ec, "churn", ds, registry.Version{URI: "gs://data/customers/", Digest: digestA, Model: &registry.ModelInfo{}})
		wantKind(t, err, atrium.Invalid)
	})

	t.Run("Immutability", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		m := mustAsset(t, w, registry.Model, "m")
		v := mustVersion(t, w, m.Ref(), registry.Version{URI: "s3://b/m/1", Digest: digestA})
		before := auditSize(t, ctx, w.db)
		got, err := w.db.SetVersionStatus(ec, "churn", m.Ref(), 1, registry.Deprecated, "  Superseded by the retrained model.  ")
		if err != nil || got.Status != registry.Deprecated || got.StatusReason != "Superseded by the retrained model." {
			t.Fatalf("SetVersionStatus=%+v, %v", got, err)
		}
		wantAuditSize(t, ctx, w.db, before+1)
		entries := allEntries(t, ctx, w.db)
		if last := entries[len(entries)-1]; last.Action != "registry.version.status" {
			t.Errorf("last audit action=%q, want registry.version.status", last.Action)
		}
		again, err := w.db.GetVersion(ec, "churn", m.Ref(), 1)
		if err != nil || again.URI != v.URI || again.Digest != v.Digest || again.Size != v.Size || !again.CreatedAt.Equal(v.CreatedAt) || again.Status != registry.Deprecated {
			t.Errorf("GetVersion after status change=%+v, %v, want the same URI and digest", again, err)
		}
		_, err = w.db.SetVersionStatus(ec, "churn", m.Ref(), 1, registry.Archived, "")
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.SetVersionStatus(ec, "churn", m.Ref(), 1, "deleted", "why not")
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.SetVersionStatus(ec, "churn", m.Ref(), 1, registry.Deprecated, "twice")
		wantKind(t, err, atrium.Conflict)
		_, err = w.db.SetVersionStatus(as(ctx, w.viewer), "churn", m.Ref(), 1, registry.Archived, "viewer")
		wantKind(t, err, atrium.Forbidden)
		wantAuditSize(t, ctx, w.db, before+1)
	})

	t.Run("Aliases", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec, vc := as(ctx, w.editor), as(ctx, w.viewer)
		clock := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		w.db.SetClock(func() time.Time { return clock })
		m := mustAsset(t, w, registry.Model, "m")
		for i := range 3 {
			mustVersion(t, w, m.Ref(), registry.Version{URI: fmt.Sprintf("s3://b/m/%d", i+1), Digest: digestOf(i + 1)})
		}
		t0 := clock
		clock = t0.Add(time.Hour) // t1: production → 1
		al, err := w.db.SetAlias(ec, "churn", m.Ref(), "production", 1, "First release.")
		if err != nil || al.Version != 1 || al.MovedBy != w.editor.ID || !al.MovedAt.Equal(clock) || al.Reason != "First release." {
			t.Fatalf("SetAlias=%+v, %v", al, err)
		}
		clock = t0.Add(2 * time.Hour) // t2: production → 3
		if _, err := w.db.SetAlias(ec, "churn", m.Ref(), "production", 3, "Better AUC."); err != nil {
			t.Fatalf("SetAlias(3): %v", err)
		}
		if _, err := w.db.SetAlias(ec, "churn", m.Ref(), "champion", 2, "Offline winner."); err != nil {
			t.Fatalf("SetAlias(champion): %v", err)
		}
		before := auditSize(t, ctx, w.db)
		if _, err := w.db.SetAlias(ec, "churn", m.Ref(), "production", 3, "Again."); err != nil {
			t.Fatalf("SetAlias to where it points: %v", err)
		}
		wantAuditSize(t, ctx, w.db, before)
		_, err = w.db.SetAlias(ec, "churn", m.Ref(), "production", 2, "")
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.SetAlias(ec, "churn", m.Ref(), "production", 9, "No such version.")
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.SetAlias(ec, "churn", m.Ref(), "42", 1, "A number.")
		wantKind(t, err, atrium.Invalid)
		_, err = w.db.SetAlias(vc, "churn", m.Ref(), "production", 1, "Viewer.")
		wantKind(t, err, atrium.Forbidden)
		wantAuditSize(t, ctx, w.db, before)

		clock = t0.Add(3 * time.Hour) // t3: production deleted
		if err := w.db.DeleteAlias(ec, "churn", m.Ref(), "production", "Rolled back to the rules."); err != nil {
			t.Fatalf("DeleteAlias: %v", err)
		}
		wantAuditSize(t, ctx, w.db, before+1)
		err = w.db.DeleteAlias(ec, "churn", m.Ref(), "production", "Twice.")
		wantKind(t, err, atrium.NotFound)

		aliases, err := w.db.Aliases(vc, "churn", m.Ref())
		if err != nil || len(aliases) != 1 || aliases[0].Name != "champion" || aliases[0].Version != 2 {
			t.Errorf("Aliases=%+v, %v, want champion → 2", aliases, err)
		}
		hist, err := w.db.AliasHistory(vc, "churn", m.Ref(), "production", atrium.PageRequest{})
		want := []registry.AliasMove{{Alias: "production", From: 3, To: 0}, {Alias: "production", From: 1, To: 3}, {Alias: "production", From: 0, To: 1}}
		if err != nil || hist.Total != 3 || len(hist.Items) != 3 {
			t.Fatalf("AliasHistory=%+v, %v, want 3 moves", hist, err)
		}
		for i, h := range hist.Items {
			if h.From != want[i].From || h.To != want[i].To || h.MovedBy != w.editor.ID || h.Reason == "" {
				t.Errorf("AliasHistory[%d]=%+v, want %d → %d", i, h, want[i].From, want[i].To)
			}
		}
		if all, _ := w.db.AliasHistory(vc, "churn", m.Ref(), "", atrium.PageRequest{}); all.Total != 4 {
			t.Errorf("AliasHistory(all).Total=%d, want 4", all.Total)
		}

		for _, tc := range []struct {
			at   time.Time
			want int // 0: none
		}{
			{t0, 0},
			{t0.Add(time.Hour - time.Microsecond), 0},
			{t0.Add(time.Hour), 1},
			{t0.Add(90 * time.Minute), 1},
			{t0.Add(2 * time.Hour), 3},
			{t0.Add(3*time.Hour - time.Second), 3},
			{t0.Add(3 * time.Hour), 0},
			{t0.Add(48 * time.Hour), 0},
		} {
			v, err := w.db.AliasAt(vc, "churn", m.Ref(), "production", tc.at)
			if tc.want == 0 {
				wantKind(t, err, atrium.NotFound)
				continue
			}
			if err != nil || v.Number != tc.want {
				t.Errorf("AliasAt(production, %s)=%d, %v, want %d", tc.at.Sub(t0), v.Number, err, tc.want)
			}
		}
		if v, err := w.db.AliasAt(vc, "churn", m.Ref(), "champion", t0.Add(5*time.Hour)); err != nil || v.Number != 2 {
			t.Errorf("AliasAt(champion)=%d, %v, want 2", v.Number, err)
		}

		if _, err := w.db.SetVersionStatus(ec, "churn", m.Ref(), 1, registry.Archived, "Old."); err != nil {
			t.Fatalf("SetVersionStatus: %v", err)
		}
		_, err = w.db.SetAlias(ec, "churn", m.Ref(), "production", 1, "Back to the archived one.")
		wantKind(t, err, atrium.Conflict)
	})

	t.Run("HostileURIs", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		ec := as(ctx, w.editor)
		m := mustAsset(t, w, registry.Model, "m")
		before := auditSize(t, ctx, w.db)
		for _, uri := range []string{
			"file:///etc/passwd", "file:/etc/", "//proc/self/root", "../", "..%2f", "%252e%252e%252f", "..\\", "a/..;/x", "x#/../",
			"s3://b/k\x00", "ftp://example.org/x", "gopher://example.org/x", "jdbc:postgresql://db/x", "s3://b/../k", "s3://b/%252e%252e%252fk",
		} {
			_, err := w.db.CreateVersion(ec, "churn", m.Ref(), registry.Version{URI: uri, Digest: digestA})
			if atrium.KindOf(err) != atrium.Invalid {
				t.Errorf("CreateVersion(uri %q) error=%v, want invalid", uri, err)
			}
		}
		for _, v := range []registry.Version{
			{URI: "s3://b/k", Digest: "abc"},
			{URI: "s3://b/k", Digest: strings.Repeat("g", 64)},
			{URI: "s3://b/k", Digest: digestA, Size: -1},
			{URI: "s3://b/k", Digest: digestA, Metadata: json.RawMessage(`[1, 2]`)},
			{URI: "s3://b/k", Digest: digestA, Metadata: json.RawMessage(`{"x": "` + strings.Repeat("y", registry.MaxMetadata) + `"}`)},
		} {
			_, err := w.db.CreateVersion(ec, "churn", m.Ref(), v)
			if k := atrium.KindOf(err); k != atrium.Invalid && k != atrium.TooLarge {
				t.Errorf("CreateVersion(%.60v) error=%v, want invalid", v, err)
			}
		}
		for _, name := range []string{"", "Upper", "-x", "a b", "a/b", "../x", strings.Repeat("a", registry.MaxName+1)} {
			_, err := w.db.CreateAsset(ec, "churn", registry.Asset{Kind: registry.Model, Name: name})
			wantKind(t, err, atrium.Invalid)
		}
		tags := map[string]string{}
		for i := range registry.MaxTags + 1 {
			tags[fmt.Sprint("k", i)] = "v"
		}
		_, err := w.db.CreateAsset(ec, "churn", registry.Asset{Kind: registry.Model, Name: "tagged", Tags: tags})
		wantKind(t, err, atrium.Invalid)
		wantAuditSize(t, ctx, w.db, before)
		if list, _ := w.db.ListVersions(ec, "churn", m.Ref(), atrium.PageRequest{}); list.Total != 0 {
			t.Errorf("ListVersions.Total=%d after hostile input, want 0", list.Total)
		}
	})

	t.Run("Access", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		vc, sc := as(ctx, w.viewer), as(ctx, w.stranger)
		m := mustAsset(t, w, registry.Model, "m")
		mustVersion(t, w, m.Ref(), registry.Version{URI: "s3://b/m/1", Digest: digestA})
		before := auditSize(t, ctx, w.db)

		_, err := w.db.CreateAsset(vc, "churn", registry.Asset{Kind: registry.Model, Name: "viewer-made"})
		wantKind(t, err, atrium.Forbidden)
		_, err = w.db.CreateVersion(vc, "churn", m.Ref(), registry.Version{URI: "s3://b/m/2", Digest: digestA})
		wantKind(t, err, atrium.Forbidden)
		if _, err := w.db.GetVersion(vc, "churn", m.Ref(), 1); err != nil {
			t.Errorf("viewer GetVersion: %v", err)
		}

		_, err = w.db.CreateAsset(sc, "churn", registry.Asset{Kind: registry.Model, Name: "stranger-made"})
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.CreateVersion(sc, "churn", m.Ref(), registry.Version{URI: "s3://b/m/2", Digest: digestA})
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.SetAlias(sc, "churn", m.Ref(), "production", 1, "Stranger.")
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.GetAsset(sc, "churn", m.Ref())
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.GetVersion(sc, "churn", m.Ref(), 1)
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.ListAssets(sc, "churn", registry.Filter{})
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.ListVersions(sc, "churn", m.Ref(), atrium.PageRequest{})
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.AliasHistory(sc, "churn", m.Ref(), "", atrium.PageRequest{})
		wantKind(t, err, atrium.NotFound)
		_, err = w.db.AliasAt(sc, "churn", m.Ref(), "production", time.Now())
		wantKind(t, err, atrium.NotFound)
		wantAuditSize(t, ctx, w.db, before)
	})

	t.Run("ConcurrentVersions", func(t *testing.T) {
		w := newWorld(t, open)
		ctx := t.Context()
		m := mustAsset(t, w, registry.Model, "m")
		before := auditSize(t, ctx, w.db)
		const n = 16
		numbers := make([]int, n)
		errs := collectErrors(n, func(i int) error {
			v, err := w.db.CreateVersion(as(ctx, w.editor), "churn", m.Ref(), registry.Version{URI: fmt.Sprintf("s3://b/m/%d", i), Digest: digestOf(i)})
			numbers[i] = v.Number
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatalf("concurrent CreateVersion: %s", errorSummary(errs))
			}
		}
		slices.Sort(numbers)
		for i, got := range numbers {
			if got != i+1 {
				t.Fatalf("version numbers=%v, want 1..%d without gaps", numbers, n)
			}
		}
		list, err := w.db.ListVersions(as(ctx, w.editor), "churn", m.Ref(), atrium.PageRequest{Size: n + 1})
		if err != nil || list.Total != n || len(list.Items) != n || list.Items[0].Number != n || list.Items[n-1].Number != 1 {
			t.Fatalf("ListVersions=%d items of %d, %v, want %d", len(list.Items), list.Total, err, n)
		}
		wantAuditSize(t, ctx, w.db, before+n)
	})
}
