package account

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// accountData is the account page: the person's name and a password form.
type accountData struct {
	render.Frame
	User          identity.User
	Name          string
	NameError     string
	PasswordError string
}

// PageAccount shows the person's account page.
func (h *Handlers) PageAccount(w http.ResponseWriter, r *http.Request) {
	h.renderAccount(w, r, http.StatusOK, accountData{})
}

// renderAccount shows the account page with the person's current details
// and whatever form state d carries.
func (h *Handlers) renderAccount(w http.ResponseWriter, r *http.Request, status int, d accountData) {
	u, err := h.DB.GetUser(r.Context(), respond.Actor(r).UserID)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d.Frame, d.User = h.Frame(r, "Your account", "account"), u
	if d.Name == "" {
		d.Name = u.Name
	}
	h.Render(w, r, status, "account", d)
}

// PageAccountPost saves the person's name.
func (h *Handlers) PageAccountPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	name := r.PostForm.Get("name")
	if _, err := h.DB.UpdateProfile(r.Context(), store.ProfilePatch{Name: &name}); err != nil {
		h.accountFailed(w, r, err, accountData{Name: name, NameError: atrium.MessageOf(err)})
		return
	}
	http.Redirect(w, r, "/account?notice=saved", http.StatusSeeOther)
}

// PageAccountPasswordPost changes the password. Every session of the account
// ends with it, so this browser gets a fresh one to stay signed in.
func (h *Handlers) PageAccountPasswordPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	next := r.PostForm.Get("password")
	if next != r.PostForm.Get("confirm") {
		h.accountFailed(w, r, atrium.Errorf(atrium.Invalid, "the two new passwords are not the same"), accountData{})
		return
	}
	err := h.updateProfile(w, r, store.ProfilePatch{CurrentPassword: r.PostForm.Get("current"), Password: &next})
	if err != nil {
		h.accountFailed(w, r, err, accountData{})
		return
	}
	secret, err := h.DB.CreateSession(r.Context(), respond.Actor(r).UserID, h.SessionTTL)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.SetSessionCookie(w, r, secret)
	http.Redirect(w, r, "/account?notice=password-changed", http.StatusSeeOther)
}

// accountFailed re-renders the page with the error next to the form that
// caused it; errors that are not about the input go to the error page.
func (h *Handlers) accountFailed(w http.ResponseWriter, r *http.Request, err error, d accountData) {
	switch atrium.KindOf(err) {
	case atrium.Invalid, atrium.Forbidden, atrium.RateLimited:
		if d.NameError == "" {
			d.PasswordError = atrium.MessageOf(err)
		}
		h.renderAccount(w, r, respond.StatusOf(atrium.KindOf(err)), d)
	default:
		h.Fail(w, r, err)
	}
}
