package admin

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// APIListUsers lists every user, a page at a time.
func (h *Handlers) APIListUsers(w http.ResponseWriter, r *http.Request) {
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.ListUsers(r.Context(), p)
	h.Reply(w, r, http.StatusOK, page, err)
}

// UserInput is the body of POST /api/v1/users.
type UserInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Admin    bool   `json:"admin"`
}

// APICreateUser adds a person.
func (h *Handlers) APICreateUser(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[UserInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	u, err := h.DB.CreateUser(r.Context(), identity.User{Email: in.Email, Name: in.Name, Admin: in.Admin}, in.Password)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	respond.JSON(w, http.StatusCreated, u)
}

// APIGetUser shows one user.
func (h *Handlers) APIGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := h.DB.GetUser(r.Context(), r.PathValue("id"))
	h.Reply(w, r, http.StatusOK, u, err)
}

// UserPatch is the body of PATCH /api/v1/users/{id}.
type UserPatch struct {
	Name     *string `json:"name"`
	Admin    *bool   `json:"admin"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
}

// APIUpdateUser changes a user's name, administrator and disabled switches or password.
func (h *Handlers) APIUpdateUser(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[UserPatch](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	u, err := h.DB.UpdateUser(r.Context(), r.PathValue("id"), store.UserPatch(in))
	h.Reply(w, r, http.StatusOK, u, err)
}

// APIListTeams lists every team to administrators and a user's own teams to
// everyone else.
func (h *Handlers) APIListTeams(w http.ResponseWriter, r *http.Request) {
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	memberOf := respond.Actor(r).UserID
	if respond.Actor(r).Admin {
		memberOf = ""
	}
	page, err := h.DB.ListTeams(r.Context(), memberOf, p)
	h.Reply(w, r, http.StatusOK, page, err)
}

// TeamInput is the body of POST /api/v1/teams.
type TeamInput struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// APICreateTeam adds a team.
func (h *Handlers) APICreateTeam(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[TeamInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	t, err := h.DB.CreateTeam(r.Context(), identity.Team{Slug: in.Slug, Name: in.Name})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/teams/"+t.Slug)
	respond.JSON(w, http.StatusCreated, t)
}

// APIGetTeam shows a team to administrators and its members; to anyone else
// it does not exist.
func (h *Handlers) APIGetTeam(w http.ResponseWriter, r *http.Request) {
	t, err := h.DB.GetTeam(r.Context(), r.PathValue("team"))
	if err == nil && !respond.Actor(r).Admin && !hasMember(t, respond.Actor(r).UserID) {
		err = atrium.Errorf(atrium.NotFound, "no team %q", r.PathValue("team"))
	}
	h.Reply(w, r, http.StatusOK, t, err)
}

func hasMember(t identity.Team, userID string) bool {
	for _, m := range t.Members {
		if m.ID == userID {
			return true
		}
	}
	return false
}

// MemberInput is the body of POST /api/v1/teams/{team}/members.
type MemberInput struct {
	UserID string `json:"user_id"`
}

// APIAddTeamMember adds a user to a team and answers with the team.
func (h *Handlers) APIAddTeamMember(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[MemberInput](w, r)
	if err == nil {
		err = h.DB.AddTeamMember(r.Context(), r.PathValue("team"), in.UserID)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	t, err := h.DB.GetTeam(r.Context(), r.PathValue("team"))
	h.Reply(w, r, http.StatusOK, t, err)
}

// APIRemoveTeamMember takes a user off a team.
func (h *Handlers) APIRemoveTeamMember(w http.ResponseWriter, r *http.Request) {
	if err := h.DB.RemoveTeamMember(r.Context(), r.PathValue("team"), r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// APIAudit lists audit entries, filtered as the query says.
func (h *Handlers) APIAudit(w http.ResponseWriter, r *http.Request) {
	f, err := respond.AuditFilter(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.AuditEntries(r.Context(), f)
	h.Reply(w, r, http.StatusOK, page, err)
}
