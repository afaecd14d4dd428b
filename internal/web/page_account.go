package web

import (
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
)

// accountData is the account page: the person's name and a password form.
type accountData struct {
	frame
	User          identity.User
	Name          string
	NameError     string
	PasswordError string
}

func (s *Server) pageAccount(w http.ResponseWriter, r *http.Request) {
	s.renderAccount(w, r, http.StatusOK, accountData{})
}

// renderAccount shows the account page with the person's current details
// and whatever form state d carries.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, d accountData) {
	u, err := s.db.GetUser(r.Context(), actor(r).UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.frame, d.User = s.frame(r, "Your account", "account"), u
	if d.Name == "" {
		d.Name = u.Name
	}
	s.render(w, r, status, "account", d)
}

func (s *Server) pageAccountPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PostForm.Get("name")
	if _, err := s.db.UpdateProfile(r.Context(), store.ProfilePatch{Name: &name}); err != nil {
		s.accountFailed(w, r, err, accountData{Name: name, NameError: atrium.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/account?notice=saved", http.StatusSeeOther)
}

// pageAccountPasswordPost changes the password. Every session of the account
// ends with it, so this browser gets a fresh one to stay signed in.
func (s *Server) pageAccountPasswordPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	next := r.PostForm.Get("password")
	if next != r.PostForm.Get("confirm") {
		s.accountFailed(w, r, atrium.Errorf(atrium.Invalid, "the two new passwords are not the same"), accountData{})
		return
	}
	err := s.updateProfile(w, r, store.ProfilePatch{CurrentPassword: r.PostForm.Get("current"), Password: &next})
	if err != nil {
		s.accountFailed(w, r, err, accountData{})
		return
	}
	secret, err := s.db.CreateSession(r.Context(), actor(r).UserID, s.opts.SessionTTL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setSessionCookie(w, r, secret)
	http.Redirect(w, r, "/account?notice=password-changed", http.StatusSeeOther)
}

// accountFailed re-renders the page with the error next to the form that
// caused it; errors that are not about the input go to the error page.
func (s *Server) accountFailed(w http.ResponseWriter, r *http.Request, err error, d accountData) {
	switch atrium.KindOf(err) {
	case atrium.Invalid, atrium.Forbidden, atrium.RateLimited:
		if d.NameError == "" {
			d.PasswordError = atrium.MessageOf(err)
		}
		s.renderAccount(w, r, respond.StatusOf(atrium.KindOf(err)), d)
	default:
		s.fail(w, r, err)
	}
}
