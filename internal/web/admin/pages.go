package admin

import (
	"net/http"
	"net/url"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// usersData is the administrators' list of people. New holds what was typed
// into the form that adds one; Error, when set, belongs to the user whose id
// is ErrorFor ("" for the add form).
type usersData struct {
	render.Frame
	Users    []identity.User
	Pager    render.Pager
	New      identity.User
	Error    string
	ErrorFor string
}

func (h *Handlers) usersPage(r *http.Request) (usersData, error) {
	p, err := respond.PageOf(r)
	if err != nil {
		return usersData{}, err
	}
	page, err := h.DB.ListUsers(r.Context(), p)
	return usersData{Frame: h.Frame(r, "Users", "users"), Users: page.Items,
		Pager: render.NewPager(r, p, page.Total, len(page.Items), page.NextPageToken)}, err
}

// PageUsers lists the people who have an account, with the form that adds one.
func (h *Handlers) PageUsers(w http.ResponseWriter, r *http.Request) {
	d, err := h.usersPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "users", d)
}

// usersFormFailed shows the users page again with a form's error.
func (h *Handlers) usersFormFailed(w http.ResponseWriter, r *http.Request, err error, keep func(d *usersData)) {
	render.FormFailed(h.Views, w, r, err, h.Fail, "users", h.usersPage, func(d *usersData, msg string) {
		d.Error = msg
		keep(d)
	})
}

// PageUsersPost adds a person from the form on the users page.
func (h *Handlers) PageUsersPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	f := r.PostForm
	in := identity.User{Email: f.Get("email"), Name: f.Get("name"), Admin: f.Get("admin") == "on"}
	if _, err := h.DB.CreateUser(r.Context(), in, f.Get("password")); err != nil {
		h.usersFormFailed(w, r, err, func(d *usersData) { d.New = in })
		return
	}
	http.Redirect(w, r, "/admin/users?notice=user-created", http.StatusSeeOther)
}

// PageUserPost saves one row of the users table: the administrator and
// disabled switches and, when filled in, a new password.
func (h *Handlers) PageUserPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	admin, disabled := r.PostForm.Get("admin") == "on", r.PostForm.Get("disabled") == "on"
	patch := store.UserPatch{Admin: &admin, Disabled: &disabled}
	if pw := r.PostForm.Get("password"); pw != "" {
		patch.Password = &pw
	}
	id := r.PathValue("id")
	if _, err := h.DB.UpdateUser(r.Context(), id, patch); err != nil {
		h.usersFormFailed(w, r, err, func(d *usersData) { d.ErrorFor = id })
		return
	}
	http.Redirect(w, r, "/admin/users?notice=user-saved", http.StatusSeeOther)
}

// teamsData is the list of teams with the form that adds one.
type teamsData struct {
	render.Frame
	Teams      []identity.Team
	Pager      render.Pager
	Name, Slug string
	Error      string
}

func (h *Handlers) teamsPage(r *http.Request) (teamsData, error) {
	p, err := respond.PageOf(r)
	if err != nil {
		return teamsData{}, err
	}
	page, err := h.DB.ListTeams(r.Context(), "", p)
	return teamsData{Frame: h.Frame(r, "Teams", "teams"), Teams: page.Items,
		Pager: render.NewPager(r, p, page.Total, len(page.Items), page.NextPageToken)}, err
}

// PageTeams lists every team, with the form that adds one.
func (h *Handlers) PageTeams(w http.ResponseWriter, r *http.Request) {
	d, err := h.teamsPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "teams", d)
}

// PageTeamsPost adds a team and goes to its page.
func (h *Handlers) PageTeamsPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	name, slug := r.PostForm.Get("name"), r.PostForm.Get("slug")
	t, err := h.DB.CreateTeam(r.Context(), identity.Team{Name: name, Slug: slug})
	if err == nil {
		http.Redirect(w, r, teamPath(t.Slug)+"?notice=team-created", http.StatusSeeOther)
		return
	}
	status, ok := render.FormStatus(err)
	if !ok {
		h.Fail(w, r, err)
		return
	}
	d, err2 := h.teamsPage(r)
	if err2 != nil {
		h.Fail(w, r, err2)
		return
	}
	d.Name, d.Slug, d.Error = name, slug, atrium.MessageOf(err)
	h.Render(w, r, status, "teams", d)
}

// teamData is one team with its members.
type teamData struct {
	render.Frame
	Team  identity.Team
	Email string
	Error string
}

// PageTeam shows a team with its members.
func (h *Handlers) PageTeam(w http.ResponseWriter, r *http.Request) {
	t, err := h.DB.GetTeam(r.Context(), r.PathValue("team"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "team", teamData{Frame: h.Frame(r, t.Name, "teams"), Team: t})
}

// PageTeamMemberPost adds the person with the given e-mail to a team.
func (h *Handlers) PageTeamMemberPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	slug, email := r.PathValue("team"), r.PostForm.Get("email")
	u, err := h.DB.GetUserByEmail(r.Context(), email)
	if atrium.KindOf(err) == atrium.NotFound {
		err = atrium.Errorf(atrium.Invalid, "nobody with the e-mail address %s has an account; add them on the Users page first", email)
	}
	if err == nil {
		err = h.DB.AddTeamMember(r.Context(), slug, u.ID)
	}
	if err == nil {
		http.Redirect(w, r, teamPath(slug)+"?notice=member-added", http.StatusSeeOther)
		return
	}
	status, ok := render.FormStatus(err)
	if !ok {
		h.Fail(w, r, err)
		return
	}
	t, err2 := h.DB.GetTeam(r.Context(), slug)
	if err2 != nil {
		h.Fail(w, r, err2)
		return
	}
	h.Render(w, r, status, "team", teamData{Frame: h.Frame(r, t.Name, "teams"), Team: t, Email: email, Error: atrium.MessageOf(err)})
}

// PageTeamMemberDeletePost takes a person off a team.
func (h *Handlers) PageTeamMemberDeletePost(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("team")
	if err := h.DB.RemoveTeamMember(r.Context(), slug, r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, teamPath(slug)+"?notice=member-gone", http.StatusSeeOther)
}

// teamPath is the address of a team's administration page.
func teamPath(slug string) string { return "/admin/teams/" + url.PathEscape(slug) }
