package usecase

import "github.com/atrium-mlops/atrium/internal/atrium"

// Role is a per-use-case role, granted to a user or a team.
type Role string

// Roles, from least to most powerful. "" means no access at all.
const (
	NoRole   Role = ""
	Viewer   Role = "viewer"
	Reviewer Role = "reviewer"
	Editor   Role = "editor"
	Owner    Role = "owner"
)

// Roles lists the grantable roles, least powerful first.
var Roles = []Role{Viewer, Reviewer, Editor, Owner}

func (r Role) rank() int {
	for i, x := range Roles {
		if x == r {
			return i + 1
		}
	}
	return 0
}

// Valid reports whether r is a grantable role.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r grants everything min grants.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }

// Max returns the more powerful of r and o.
func (r Role) Max(o Role) Role {
	if o.rank() > r.rank() {
		return o
	}
	return r
}

// Require returns a Forbidden error unless r is at least min. Callers must
// already have turned "no role at all" into NotFound, so that a use case a
// person cannot see is indistinguishable from one that does not exist.
func (r Role) Require(min Role, what string) error {
	if r.AtLeast(min) {
		return nil
	}
	return atrium.Errorf(atrium.Forbidden, "%s needs the %s role on this use case; you are %s", what, min, r)
}

// Grant gives a user or a team a role on a use case.
type Grant struct {
	ID        int64  `json:"id"`
	UseCaseID string `json:"-"`
	UserID    string `json:"user_id,omitempty"`
	UserEmail string `json:"user_email,omitempty"`
	UserName  string `json:"user_name,omitempty"`
	TeamID    string `json:"team_id,omitempty"`
	TeamSlug  string `json:"team,omitempty"`
	TeamName  string `json:"team_name,omitempty"`
	Role      Role   `json:"role"`
	// Visible reports whether the person who asked may know who holds the
	// grant: an administrator, the grantee, someone sharing a team with
	// them, or (for a team grant) a member of it. The store fills it; see
	// SeenBy.
	Visible bool `json:"-"`
}

// SeenBy returns the grant as someone holding role on its use case may see
// it. Who holds it is named (id and name) only when it is Visible; owners,
// who manage access, still see the e-mail address or team slug — what they
// would type to grant it — and everyone else only that the grant exists.
func (g Grant) SeenBy(role Role) Grant {
	if g.Visible {
		return g
	}
	out := Grant{ID: g.ID, UseCaseID: g.UseCaseID, Role: g.Role}
	if role.AtLeast(Owner) {
		out.UserEmail, out.TeamSlug = g.UserEmail, g.TeamSlug
	}
	return out
}
