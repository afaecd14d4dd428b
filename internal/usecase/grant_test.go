package usecase

import "testing"

// TestGrantSeenBy checks what of a grant each reader is shown: everything
// when they may see the grantee, the address or slug for owners, and only
// the grant itself for everyone else.
func TestGrantSeenBy(t *testing.T) {
	person := Grant{ID: 7, UseCaseID: "u", UserID: "p", UserEmail: "ada@example.org", UserName: "Ada", Role: Editor}
	team := Grant{ID: 8, UseCaseID: "u", TeamID: "t", TeamSlug: "risk", TeamName: "Risk office", Role: Viewer}
	visible := person
	visible.Visible = true
	for _, tc := range []struct {
		name string
		g    Grant
		role Role
		want Grant
	}{
		{"visible person to a viewer", visible, Viewer, visible},
		{"hidden person to an owner", person, Owner, Grant{ID: 7, UseCaseID: "u", UserEmail: "ada@example.org", Role: Editor}},
		{"hidden person to an editor", person, Editor, Grant{ID: 7, UseCaseID: "u", Role: Editor}},
		{"hidden team to an owner", team, Owner, Grant{ID: 8, UseCaseID: "u", TeamSlug: "risk", Role: Viewer}},
		{"hidden team to a viewer", team, Viewer, Grant{ID: 8, UseCaseID: "u", Role: Viewer}},
		{"hidden person to no role", person, NoRole, Grant{ID: 7, UseCaseID: "u", Role: Editor}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.g.SeenBy(tc.role); got != tc.want {
				t.Fatalf("SeenBy(%q) = %+v, want %+v", tc.role, got, tc.want)
			}
		})
	}
}
