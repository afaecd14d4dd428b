package storetest

import (
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
)

// testRegistryView covers the registry reads of a UseCaseView, which the
// registry pages make from one snapshot.
func testRegistryView(t *testing.T, open Opener) {
	w := newWorld(t, open)
	ctx := t.Context()
	ec := as(ctx, w.editor)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	w.db.SetClock(func() time.Time { return now })
	m := mustAsset(t, w, registry.Model, "scorer")
	d := mustAsset(t, w, registry.Dataset, "loans")
	mustAsset(t, w, registry.Prompt, "empty")
	for i := 1; i <= 3; i++ {
		mustVersion(t, w, m.Ref(), registry.Version{URI: "s3://b/m/" + string(rune('0'+i)), Digest: digestOf(i)})
	}
	mustVersion(t, w, d.Ref(), registry.Version{URI: "s3://b/d/1", Digest: digestOf(9)})
	move := func(at string, alias string, n int) {
		t.Helper()
		now, _ = time.Parse(time.RFC3339, at)
		var err error
		if n == 0 {
			err = w.db.DeleteAlias(ec, "churn", m.Ref(), alias, "gone")
		} else {
			_, err = w.db.SetAlias(ec, "churn", m.Ref(), alias, n, "to "+alias)
		}
		if err != nil {
			t.Fatalf("move %s to %d: %v", alias, n, err)
		}
	}
	move("2026-03-02T10:00:00Z", "champion", 1)
	move("2026-03-03T10:00:00Z", "staging", 3)
	move("2026-03-04T10:00:00Z", "champion", 2)
	move("2026-03-05T10:00:00Z", "staging", 0)

	v, err := w.db.UseCase(as(ctx, w.viewer), "churn")
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	assets, err := v.Assets(registry.Filter{})
	if err != nil || assets.Total != 3 || len(assets.Items) != 3 {
		t.Fatalf("Assets=%+v, %v", assets, err)
	}
	if _, err := v.Assets(registry.Filter{Kind: "weights"}); atrium.KindOf(err) != atrium.Invalid {
		t.Errorf("Assets of kind weights: %v, want Invalid", err)
	}
	over, err := v.Overview(assets.Items)
	if err != nil {
		t.Fatal(err)
	}
	if got := over.Latest[m.ID]; got.Number != 3 || got.URI != "s3://b/m/3" {
		t.Errorf("newest of scorer = %+v, want 3", got)
	}
	if got := over.Latest[d.ID]; got.Number != 1 {
		t.Errorf("newest of loans = %+v, want 1", got)
	}
	if _, ok := over.Latest[assets.Items[1].ID]; ok && assets.Items[1].Versions == 0 {
		t.Errorf("an asset without versions has a newest version")
	}
	if al := over.Aliases[m.ID]; len(al) != 1 || al[0].Name != "champion" || al[0].Version != 2 {
		t.Errorf("aliases of scorer = %+v, want champion at 2", al)
	}
	if empty, err := v.Overview(nil); err != nil || len(empty.Latest) != 0 {
		t.Errorf("Overview(nil)=%+v, %v", empty, err)
	}

	a, err := v.Asset(m.Ref())
	if err != nil {
		t.Fatal(err)
	}
	versions, err := v.Versions(a, atrium.PageRequest{Size: 2})
	if err != nil || versions.Total != 3 || len(versions.Items) != 2 || versions.Items[0].Number != 3 || versions.NextPageToken == "" {
		t.Errorf("Versions=%+v, %v", versions, err)
	}
	if ver, err := v.Version(a, 2); err != nil || ver.URI != "s3://b/m/2" {
		t.Errorf("Version(2)=%+v, %v", ver, err)
	}
	_, err = v.Version(a, 9)
	wantKind(t, err, atrium.NotFound)

	moves, err := v.AliasMoves(a, "", atrium.PageRequest{})
	if err != nil || moves.Total != 4 || len(moves.Items) != 4 {
		t.Fatalf("AliasMoves=%+v, %v", moves, err)
	}
	want := []registry.AliasMove{{Alias: "champion", To: 1}, {Alias: "staging", To: 3}, {Alias: "champion", From: 1, To: 2}, {Alias: "staging", From: 3}}
	for i, mv := range moves.Items {
		if mv.Alias != want[i].Alias || mv.From != want[i].From || mv.To != want[i].To || mv.MovedBy != w.editor.ID {
			t.Errorf("move %d = %+v, want %+v", i, mv, want[i])
		}
	}
	if one, err := v.AliasMoves(a, "staging", atrium.PageRequest{Size: 1, Offset: 1}); err != nil || one.Total != 2 || len(one.Items) != 1 || one.Items[0].To != 0 {
		t.Errorf("AliasMoves(staging, second)=%+v, %v", one, err)
	}

	for _, tc := range []struct {
		alias, at string
		want      int
	}{
		{"champion", "2026-03-02T09:59:59Z", 0},
		{"champion", "2026-03-02T10:00:00Z", 1},
		{"champion", "2026-03-04T09:59:59Z", 1},
		{"champion", "2026-03-04T10:00:00Z", 2},
		{"staging", "2026-03-04T12:00:00Z", 3},
		{"staging", "2026-03-05T10:00:00Z", 0},
		{"never", "2026-03-04T12:00:00Z", 0},
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		al, err := v.AliasAsOf(a, tc.alias, at)
		if tc.want == 0 {
			wantKind(t, err, atrium.NotFound)
			continue
		}
		if err != nil || al.Version != tc.want || al.Name != tc.alias || !al.MovedAt.Before(at.Add(time.Nanosecond)) || al.Reason != "to "+tc.alias {
			t.Errorf("AliasAsOf(%s, %s)=%+v, %v, want version %d", tc.alias, tc.at, al, err, tc.want)
		}
	}
	_, err = v.AliasAsOf(a, "Not An Alias", now)
	wantKind(t, err, atrium.Invalid)
	if al, err := w.db.AliasAsOf(as(ctx, w.viewer), "churn", m.Ref(), "champion", now); err != nil || al.Version != 2 {
		t.Errorf("DB.AliasAsOf=%+v, %v", al, err)
	}
	_, err = w.db.AliasAsOf(as(ctx, w.stranger), "churn", m.Ref(), "champion", now)
	wantKind(t, err, atrium.NotFound)

	names, err := v.UserNames([]string{w.editor.ID, w.editor.ID, "", "system", "no-such-user"})
	if err != nil || len(names) != 1 || names[w.editor.ID] != "Editor" {
		t.Errorf("UserNames=%v, %v", names, err)
	}
}
