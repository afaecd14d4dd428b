package web

import (
	"net/http"
	"net/url"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
)

// usersData is the administrators' list of people. New holds what was typed
// into the form that adds one; Error, when set, belongs to the user whose id
// is ErrorFor ("" for the add form).
type usersData struct {
	frame
	Users    []identity.User
	Pager    pager
	New      identity.User
	Error    string
	ErrorFor string
}

func (s *Server) usersPage(r *http.Request) (usersData, error) {
	p, err := pageRequest(r)
	if err != nil {
		return usersData{}, err
	}
	page, err := s.db.ListUsers(r.Context(), p)
	return usersData{frame: s.frame(r, "Users", "users"), Users: page.Items,
		Pager: newPager(r, p, page.Total, len(page.Items), page.NextPageToken)}, err
}

func (s *Server) pageUsers(w http.ResponseWriter, r *http.Request) {
	d, err := s.usersPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "users", d)
}

// usersFormFailed shows the users page again with a form's error.
func (s *Server) usersFormFailed(w http.ResponseWriter, r *http.Request, err error, keep func(d *usersData)) {
	status, ok := formStatus(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	d, err2 := s.usersPage(r)
	if err2 != nil {
		s.fail(w, r, err2)
		return
	}
	d.Error = atrium.MessageOf(err)
	keep(&d)
	s.render(w, r, status, "users", d)
}

func (s *Server) pageUsersPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	in := identity.User{Email: f.Get("email"), Name: f.Get("name"), Admin: f.Get("admin") == "on"}
	if _, err := s.db.CreateUser(r.Context(), in, f.Get("password")); err != nil {
		s.usersFormFailed(w, r, err, func(d *usersData) { d.New = in })
		return
	}
	http.Redirect(w, r, "/admin/users?notice=user-created", http.StatusSeeOther)
}

// pageUserPost saves one row of the users table: the administrator and
// disabled switches and, when filled in, a new password.
func (s *Server) pageUserPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	admin, disabled := r.PostForm.Get("admin") == "on", r.PostForm.Get("disabled") == "on"
	patch := store.UserPatch{Admin: &admin, Disabled: &disabled}
	if pw := r.PostForm.Get("password"); pw != "" {
		patch.Password = &pw
	}
	id := r.PathValue("id")
	if _, err := s.db.UpdateUser(r.Context(), id, patch); err != nil {
		s.usersFormFailed(w, r, err, func(d *usersData) { d.ErrorFor = id })
		return
	}
	http.Redirect(w, r, "/admin/users?notice=user-saved", http.StatusSeeOther)
}

// teamsData is the list of teams with the form that adds one.
type teamsData struct {
	frame
	Teams      []identity.Team
	Pager      pager
	Name, Slug string
	Error      string
}

func (s *Server) teamsPage(r *http.Request) (teamsData, error) {
	p, err := pageRequest(r)
	if err != nil {
		return teamsData{}, err
	}
	page, err := s.db.ListTeams(r.Context(), "", p)
	return teamsData{frame: s.frame(r, "Teams", "teams"), Teams: page.Items,
		Pager: newPager(r, p, page.Total, len(page.Items), page.NextPageToken)}, err
}

func (s *Server) pageTeams(w http.ResponseWriter, r *http.Request) {
	d, err := s.teamsPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "teams", d)
}

func (s *Server) pageTeamsPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	name, slug := r.PostForm.Get("name"), r.PostForm.Get("slug")
	t, err := s.db.CreateTeam(r.Context(), identity.Team{Name: name, Slug: slug})
	if err == nil {
		http.Redirect(w, r, teamPath(t.Slug)+"?notice=team-created", http.StatusSeeOther)
		return
	}
	status, ok := formStatus(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	d, err2 := s.teamsPage(r)
	if err2 != nil {
		s.fail(w, r, err2)
		return
	}
	d.Name, d.Slug, d.Error = name, slug, atrium.MessageOf(err)
	s.render(w, r, status, "teams", d)
}

// teamData is one team with its members.
type teamData struct {
	frame
	Team  identity.Team
	Email string
	Error string
}

func (s *Server) pageTeam(w http.ResponseWriter, r *http.Request) {
	t, err := s.db.GetTeam(r.Context(), r.PathValue("team"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "team", teamData{frame: s.frame(r, t.Name, "teams"), Team: t})
}

// pageTeamMemberPost adds the person with the given e-mail to a team.
func (s *Server) pageTeamMemberPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	slug, email := r.PathValue("team"), r.PostForm.Get("email")
	u, err := s.db.GetUserByEmail(r.Context(), email)
	if atrium.KindOf(err) == atrium.NotFound {
		err = atrium.Errorf(atrium.Invalid, "nobody with the e-mail address %s has an account; add them on the Users page first", email)
	}
	if err == nil {
		err = s.db.AddTeamMember(r.Context(), slug, u.ID)
	}
	if err == nil {
		http.Redirect(w, r, teamPath(slug)+"?notice=member-added", http.StatusSeeOther)
		return
	}
	status, ok := formStatus(err)
	if !ok {
		s.fail(w, r, err)
		return
	}
	t, err2 := s.db.GetTeam(r.Context(), slug)
	if err2 != nil {
		s.fail(w, r, err2)
		return
	}
	s.render(w, r, status, "team", teamData{frame: s.frame(r, t.Name, "teams"), Team: t, Email: email, Error: atrium.MessageOf(err)})
}

func (s *Server) pageTeamMemberDeletePost(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("team")
	if err := s.db.RemoveTeamMember(r.Context(), slug, r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, teamPath(slug)+"?notice=member-gone", http.StatusSeeOther)
}

// teamPath is the address of a team's administration page.
func teamPath(slug string) string { return "/admin/teams/" + url.PathEscape(slug) }
