package store

import (
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
