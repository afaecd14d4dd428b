package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
)

func testTeams(t *testing.T, open Opener) {
	t.Run("Create", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		tm, err := db.CreateTeam(ctx, identity.Team{Name: " Fraud Detection "})
		if err != nil {
			t.Fatalf("CreateTeam: %v", err)
		}
		if tm.ID == "" || tm.Slug != "fraud-detection" || tm.Name != "Fraud Detection" {
			t.Fatalf("CreateTeam=%+v, want slug fraud-detection and the name trimmed", tm)
		}
		got, err := db.GetTeam(ctx, "fraud-detection")
		if err != nil {
			t.Fatalf("GetTeam: %v", err)
		}
		if got.ID != tm.ID || got.Name != tm.Name || len(got.Members) != 0 {
			t.Errorf("GetTeam=%+v, want %+v with no members", got, tm)
		}
		_, err = db.CreateTeam(ctx, identity.Team{Slug: "fraud-detection", Name: "Other"})
		wantKind(t, err, atrium.Conflict)
		_, err = db.GetTeam(ctx, "no-such-team")
		wantKind(t, err, atrium.NotFound)

		for _, bad := range []identity.Team{
			{Name: ""},
			{Name: "!!!"}, // no slug can be derived
			{Slug: "Bad Slug", Name: "Bad"},
			{Slug: "-edge", Name: "Edge"},
			{Slug: "ok", Name: "tab\tin name"},
		} {
			_, err := db.CreateTeam(ctx, bad)
			wantKind(t, err, atrium.Invalid)
		}
		if p, _ := db.ListTeams(ctx, "", atrium.PageRequest{Size: 10}); p.Total != 1 {
			t.Errorf("ListTeams Total=%d after refused creates, want 1", p.Total)
		}
		wantAuditSize(t, ctx, db, 1)
	})

	t.Run("Members", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		zoe := mustUser(t, ctx, db, "zoe@example.org", "Zoe", false)
		ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		tm := mustTeam(t, ctx, db, "alpha")
		n := auditSize(t, ctx, db)
		for _, u := range []identity.User{zoe, ada, zoe} {
			if err := db.AddTeamMember(ctx, "alpha", u.ID); err != nil {
				t.Fatalf("AddTeamMember(%s): %v", u.Name, err)
			}
		}
		wantAuditSize(t, ctx, db, n+2) // adding an existing member is a no-op
		got, err := db.GetTeam(ctx, "alpha")
		if err != nil {
			t.Fatalf("GetTeam: %v", err)
		}
		if names := memberNames(got); !slices.Equal(names, []string{"Ada", "Zoe"}) {
			t.Errorf("members=%q, want [Ada Zoe]", names)
		}
		if ok, err := db.IsTeamMember(ctx, tm.ID, ada.ID); err != nil || !ok {
			t.Errorf("IsTeamMember(Ada)=%v, %v, want true", ok, err)
		}

		wantKind(t, db.AddTeamMember(ctx, "alpha", "no-such-user"), atrium.Invalid)
		wantKind(t, db.AddTeamMember(ctx, "no-such-team", ada.ID), atrium.NotFound)

		if err := db.RemoveTeamMember(ctx, "alpha", ada.ID); err != nil {
			t.Fatalf("RemoveTeamMember: %v", err)
		}
		wantKind(t, db.RemoveTeamMember(ctx, "alpha", ada.ID), atrium.NotFound)
		wantKind(t, db.RemoveTeamMember(ctx, "no-such-team", zoe.ID), atrium.NotFound)
		got, _ = db.GetTeam(ctx, "alpha")
		if names := memberNames(got); !slices.Equal(names, []string{"Zoe"}) {
			t.Errorf("members after removing Ada=%q, want [Zoe]", names)
		}
		if ok, _ := db.IsTeamMember(ctx, tm.ID, ada.ID); ok {
			t.Error("IsTeamMember(Ada)=true after removal, want false")
		}
		wantAuditSize(t, ctx, db, n+3)
	})

	t.Run("List", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		ada := mustUser(t, ctx, db, "ada@example.org", "Ada", false)
		bob := mustUser(t, ctx, db, "bob@example.org", "Bob", false)
		mustTeam(t, ctx, db, "gamma", ada)
		mustTeam(t, ctx, db, "alpha", ada, bob)
		mustTeam(t, ctx, db, "beta")
		tests := []struct {
			memberOf string
			want     []string
		}{
			{"", []string{"alpha", "beta", "gamma"}},
			{ada.ID, []string{"alpha", "gamma"}},
			{bob.ID, []string{"alpha"}},
			{"no-such-user", nil},
		}
		for _, tt := range tests {
			p, err := db.ListTeams(ctx, tt.memberOf, atrium.PageRequest{Size: 10})
			if err != nil {
				t.Fatalf("ListTeams(%q): %v", tt.memberOf, err)
			}
			var got []string
			for _, tm := range p.Items {
				got = append(got, tm.Slug)
			}
			if !slices.Equal(got, tt.want) || p.Total != len(tt.want) {
				t.Errorf("ListTeams(%q)=%q (Total %d), want %q", tt.memberOf, got, p.Total, tt.want)
			}
		}
	})

	// Team names need not be unique, so the order must break ties or
	// pages overlap and skip teams.
	t.Run("PagesWithEqualNames", func(t *testing.T) {
		ctx := t.Context()
		db := open(t)
		const n = 40
		for i := range n {
			if _, err := db.CreateTeam(ctx, identity.Team{Slug: fmt.Sprintf("team-%02d", (i*17)%n), Name: "Same Name"}); err != nil {
				t.Fatalf("CreateTeam: %v", err)
			}
		}
		seen := map[string]int{}
		for _, size := range []int{3, 7} {
			clear(seen)
			for p := (atrium.PageRequest{Size: size}); ; {
				page, err := db.ListTeams(ctx, "", p)
				if err != nil {
					t.Fatalf("ListTeams: %v", err)
				}
				for _, tm := range page.Items {
					seen[tm.Slug]++
				}
				if page.NextPageToken == "" {
					break
				}
				if p, err = atrium.ParsePage(fmt.Sprint(size), page.NextPageToken); err != nil {
					t.Fatalf("ParsePage: %v", err)
				}
			}
			if len(seen) != n {
				t.Errorf("page size %d: %d distinct teams over all pages, want %d (seen %v)", size, len(seen), n, seen)
			}
			for slug, c := range seen {
				if c != 1 {
					t.Errorf("page size %d: team %s listed %d times, want once", size, slug, c)
				}
			}
		}
	})
}

func memberNames(t identity.Team) []string {
	var out []string
	for _, m := range t.Members {
		out = append(out, m.Name)
	}
	return out
}
