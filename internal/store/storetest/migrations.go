package storetest

import (
	"slices"
	"testing"
)

func testMigrations(t *testing.T, open Opener) {
	t.Run("AllApplied", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		ms, err := db.Migrations(ctx)
		if err != nil {
			t.Fatalf("Migrations: %v", err)
		}
		if len(ms) == 0 {
			t.Fatal("Migrations returned none")
		}
		var versions []string
		for _, m := range ms {
			if !m.Applied {
				t.Errorf("migration %s Applied=false, want true", m.Version)
			}
			versions = append(versions, m.Version)
		}
		if !slices.IsSorted(versions) || len(slices.Compact(slices.Clone(versions))) != len(versions) {
			t.Errorf("versions=%q, want sorted and unique", versions)
		}
		if versions[0] != "0001_foundation" {
			t.Errorf("first version=%q, want 0001_foundation", versions[0])
		}
		if err := db.Check(ctx); err != nil {
			t.Errorf("Check on a migrated database: %v", err)
		}
		// A fresh database has an empty audit log: migrating is not a mutation.
		wantAuditSize(t, ctx, db, 0)
	})

	t.Run("MigrateAgain", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		u := mustUser(t, ctx, db, "ada@example.org", "Ada", true)
		before, err := db.Migrations(ctx)
		if err != nil {
			t.Fatalf("Migrations: %v", err)
		}
		for i := range 2 {
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate #%d on a migrated database: %v", i+2, err)
			}
		}
		after, err := db.Migrations(ctx)
		if err != nil {
			t.Fatalf("Migrations: %v", err)
		}
		if !slices.Equal(before, after) {
			t.Errorf("Migrations after migrating again=%v, want %v", after, before)
		}
		if _, err := db.GetUser(ctx, u.ID); err != nil {
			t.Errorf("GetUser after migrating again: %v", err)
		}
		wantAuditSize(t, ctx, db, 1)
	})
}
