package store

import (
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// TestVersionCacheNeverStale reads versions through the cache while their
// status changes, their asset is deleted and a new asset takes its name,
// and while a failed create gives its number back: every read answers what
// the database holds.
func TestVersionCacheNeverStale(t *testing.T) {
	openBoth(t, func(t *testing.T, db *DB) {
		ctx := adminInChurn(t, db)
		ref := registry.Ref{Kind: registry.Model, Name: "m"}
		create := func(uri string) {
			t.Helper()
			if _, err := db.CreateVersion(ctx, "churn", ref, registry.Version{URI: uri, Digest: strings.Repeat("a", 64), Tags: map[string]string{"k": "v"}}); err != nil {
				t.Fatalf("CreateVersion(%s): %v", uri, err)
			}
		}
		want := func(n int, uri string, s registry.Status) {
			t.Helper()
			for range 2 { // the second read comes from the cache
				v, err := db.GetVersion(ctx, "churn", ref, n)
				if err != nil || v.URI != uri || v.Status != s {
					t.Fatalf("GetVersion(%d) = %s %s, %v; want %s %s", n, v.URI, v.Status, err, uri, s)
				}
				v.Tags["k"] = "changed by a caller"
				page, err := db.ListVersions(ctx, "churn", ref, atrium.PageRequest{Size: 100})
				if err != nil || len(page.Items) < n || page.Items[len(page.Items)-n].URI != uri || page.Items[len(page.Items)-n].Status != s {
					t.Fatalf("ListVersions = %+v, %v; want version %d %s %s", page.Items, err, n, uri, s)
				}
				if got := page.Items[len(page.Items)-n].Tags["k"]; got != "v" {
					t.Fatalf("tags = %q after a caller changed its copy, want v", got)
				}
			}
		}
		if _, err := db.CreateAsset(ctx, "churn", registry.Asset{Kind: registry.Model, Name: "m"}); err != nil {
			t.Fatalf("CreateAsset: %v", err)
		}
		create("s3://b/1")
		want(1, "s3://b/1", registry.Ready)
		if _, err := db.SetVersionStatus(ctx, "churn", ref, 1, registry.Deprecated, "Replaced."); err != nil {
			t.Fatalf("SetVersionStatus: %v", err)
		}
		want(1, "s3://b/1", registry.Deprecated)

		// A create refused inside its transaction (a dataset it names does
		// not exist) gives number 2 back; the next create takes it.
		if _, err := db.CreateVersion(ctx, "churn", ref, registry.Version{URI: "s3://b/refused", Digest: strings.Repeat("b", 64),
			Model: &registry.ModelInfo{TrainingData: []registry.VersionRef{{Name: "nothing", Version: 1}}}}); err == nil {
			t.Fatal("CreateVersion naming a missing dataset succeeded")
		}
		create("s3://b/2")
		want(2, "s3://b/2", registry.Ready)

		// The asset goes, another takes its name: its version 1 is new.
		if err := db.DeleteAsset(ctx, "churn", ref); err != nil {
			t.Fatalf("DeleteAsset: %v", err)
		}
		if _, err := db.GetVersion(ctx, "churn", ref, 1); atrium.KindOf(err) != atrium.NotFound {
			t.Fatalf("GetVersion after the asset's deletion = %v, want not found", err)
		}
		if _, err := db.CreateAsset(ctx, "churn", registry.Asset{Kind: registry.Model, Name: "m"}); err != nil {
			t.Fatalf("CreateAsset again: %v", err)
		}
		create("s3://c/1")
		want(1, "s3://c/1", registry.Ready)
	})
}
