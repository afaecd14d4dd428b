package store

import (
	"context"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// TestVersionsImmutableInTheDatabase checks that the schema itself refuses
// to change a version's content, whoever writes to the database, while the
// status may still change.
func TestVersionsImmutableInTheDatabase(t *testing.T) {
	openBoth(t, func(t *testing.T, db *DB) {
		ctx := adminInChurn(t, db)
		a, err := db.CreateAsset(ctx, "churn", registry.Asset{Kind: registry.Model, Name: "m"})
		if err != nil {
			t.Fatalf("CreateAsset: %v", err)
		}
		if _, err := db.CreateVersion(ctx, "churn", a.Ref(), registry.Version{URI: "s3://b/k", Digest: strings.Repeat("a", 64)}); err != nil {
			t.Fatalf("CreateVersion: %v", err)
		}
		for _, set := range []string{"uri = 'file:///etc/passwd'", "digest = 'x'", "size = 1", "metadata = '{\"x\":1}'", "number = 2"} {
			if _, err := db.write.ExecContext(ctx, `UPDATE registry_versions SET `+set+` WHERE asset_id = '`+a.ID+`'`); err == nil ||
				!strings.Contains(err.Error(), "immutable") {
				t.Errorf("UPDATE registry_versions SET %s: err=%v, want the immutability trigger's refusal", set, err)
			}
		}
		if _, err := db.SetVersionStatus(ctx, "churn", a.Ref(), 1, registry.Deprecated, "Replaced."); err != nil {
			t.Errorf("SetVersionStatus: %v", err)
		}
		v, err := db.GetVersion(ctx, "churn", a.Ref(), 1)
		if err != nil || v.URI != "s3://b/k" || v.Status != registry.Deprecated {
			t.Errorf("GetVersion=%+v, %v, want the original URI, deprecated", v, err)
		}
	})
}

// TestEvaluationsImmutableInTheDatabase checks that the schema refuses to
// change a recorded evaluation or a revision of a sensitivity history,
// whoever writes to the database.
func TestEvaluationsImmutableInTheDatabase(t *testing.T) {
	openBoth(t, func(t *testing.T, db *DB) {
		ctx := adminInChurn(t, db)
		m, err := db.CreateAsset(ctx, "churn", registry.Asset{Kind: registry.Model, Name: "m"})
		if err != nil {
			t.Fatalf("CreateAsset: %v", err)
		}
		d, err := db.CreateAsset(ctx, "churn", registry.Asset{Kind: registry.Dataset, Name: "d"})
		if err != nil {
			t.Fatalf("CreateAsset: %v", err)
		}
		digest := strings.Repeat("a", 64)
		if _, err := db.CreateVersion(ctx, "churn", m.Ref(), registry.Version{URI: "s3://b/m", Digest: digest}); err != nil {
			t.Fatalf("CreateVersion: %v", err)
		}
		if _, err := db.CreateVersion(ctx, "churn", d.Ref(), registry.Version{URI: "s3://b/d", Digest: digest,
			Dataset: &registry.DatasetInfo{Sensitivity: &registry.Sensitivity{Retention: "1 year"}}}); err != nil {
			t.Fatalf("CreateVersion: %v", err)
		}
		e, err := db.AddEvaluation(ctx, "churn", m.Ref(), 1, registry.Evaluation{Dataset: registry.VersionRef{Name: "d", Version: 1}, Metric: "auc", Value: 0.7})
		if err != nil {
			t.Fatalf("AddEvaluation: %v", err)
		}
		for _, set := range []string{"value = 0.99", "metric = 'recall'", "slice = 'a=b'", "created_by = 'x'"} {
			if _, err := db.write.ExecContext(ctx, `UPDATE registry_evaluations SET `+set+` WHERE id = '`+e.ID+`'`); err == nil || !strings.Contains(err.Error(), "immutable") {
				t.Errorf("UPDATE registry_evaluations SET %s: err=%v, want the immutability trigger's refusal", set, err)
			}
		}
		if _, err := db.write.ExecContext(ctx, `UPDATE registry_sensitivity_history SET sensitivity = '{}'`); err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Errorf("UPDATE registry_sensitivity_history: err=%v, want the immutability trigger's refusal", err)
		}
		list, err := db.Evaluations(ctx, "churn", m.Ref(), 1)
		if err != nil || len(list) != 1 || list[0].Value != 0.7 || list[0].Metric != "auc" {
			t.Errorf("Evaluations = %+v, %v, want the original", list, err)
		}
	})
}

// adminInChurn creates an administrator, team alpha and its use case churn,
// and returns a context acting as the administrator.
func adminInChurn(t *testing.T, db *DB) context.Context {
	t.Helper()
	admin, err := db.CreateUser(atrium.WithActor(t.Context(), atrium.System), identity.User{Email: "admin@example.org", Name: "Admin", Admin: true}, "")
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	ctx := atrium.WithActor(t.Context(), atrium.Actor{UserID: admin.ID, Email: admin.Email, Name: admin.Name, Admin: true})
	if _, err := db.CreateTeam(ctx, identity.Team{Slug: "alpha", Name: "Alpha"}); err != nil {
		t.Fatalf("CreateTeam: %v", err)
	}
	if _, err := db.CreateUseCase(ctx, usecase.UseCase{Slug: "churn", Name: "Churn", TeamSlug: "alpha"}); err != nil {
		t.Fatalf("CreateUseCase: %v", err)
	}
	return ctx
}
