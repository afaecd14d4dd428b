package account

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// tokensData is the list of a person's API tokens with the form for a new
// one. Secret is set only on the answer to that form: the one time the
// token can be seen.
type tokensData struct {
	render.Frame
	Tokens  []tokenRow
	Pager   render.Pager
	Name    string
	Expires string
	UseCase string // slug the new token is to be bound to, if any
	Error   string
	Created identity.Token
	Secret  string
}

// tokenRow is a token with its state spelled out.
type tokenRow struct {
	identity.Token
	Status string // "active", "expired" or "revoked"
}

// tokenExpiries are the choices the form offers.
var tokenExpiries = []string{"30d", "90d", "365d", "never"}

func (h *Handlers) tokensPage(r *http.Request) (tokensData, error) {
	p, err := respond.PageOf(r)
	if err != nil {
		return tokensData{}, err
	}
	page, err := h.DB.ListTokens(r.Context(), respond.Actor(r).UserID, p)
	if err != nil {
		return tokensData{}, err
	}
	d := tokensData{Frame: h.Frame(r, "API tokens", "tokens"), Expires: "90d",
		Pager: render.NewPager(r, p, page.Total, len(page.Items), page.NextPageToken)}
	now := time.Now()
	for _, t := range page.Items {
		row := tokenRow{Token: t, Status: "active"}
		switch {
		case t.RevokedAt != nil:
			row.Status = "revoked"
		case !t.Active(now):
			row.Status = "expired"
		}
		d.Tokens = append(d.Tokens, row)
	}
	return d, nil
}

// PageTokens lists the person's API tokens, with the form for a new one.
func (h *Handlers) PageTokens(w http.ResponseWriter, r *http.Request) {
	d, err := h.tokensPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "tokens", d)
}

// PageTokensPost creates a token and shows its secret right away instead of
// redirecting: the secret is never stored, so it cannot be shown later.
func (h *Handlers) PageTokensPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	name, expires, scope := r.PostForm.Get("name"), r.PostForm.Get("expires"), strings.TrimSpace(r.PostForm.Get("usecase"))
	t, secret, err := h.createToken(r, name, expires, scope)
	status := http.StatusOK
	if err != nil {
		var ok bool
		if status, ok = render.FormStatus(err); !ok {
			h.Fail(w, r, err)
			return
		}
	}
	d, err2 := h.tokensPage(r)
	if err2 != nil {
		h.Fail(w, r, err2)
		return
	}
	if err != nil {
		d.Name, d.Expires, d.UseCase, d.Error = name, expires, scope, atrium.MessageOf(err)
	}
	d.Created, d.Secret = t, secret
	w.Header().Set("Cache-Control", "no-store")
	h.Render(w, r, status, "tokens", d)
}

func (h *Handlers) createToken(r *http.Request, name, expires, scope string) (identity.Token, string, error) {
	if !slices.Contains(tokenExpiries, expires) {
		return identity.Token{}, "", atrium.Errorf(atrium.Invalid, "choose when the token expires")
	}
	ttl, err := identity.ParseTTL(expires)
	if err != nil {
		return identity.Token{}, "", err
	}
	if scope != "" {
		return h.DB.CreateScopedToken(r.Context(), respond.Actor(r).UserID, name, ttl, scope)
	}
	return h.DB.CreateToken(r.Context(), respond.Actor(r).UserID, name, ttl)
}

// PageTokenRevokePost revokes one of the person's tokens (any token, for
// administrators); someone else's token looks like a missing one.
func (h *Handlers) PageTokenRevokePost(w http.ResponseWriter, r *http.Request) {
	t, err := h.DB.GetToken(r.Context(), r.PathValue("id"))
	if err == nil && t.UserID != respond.Actor(r).UserID && !respond.Actor(r).Admin {
		err = atrium.Errorf(atrium.NotFound, "no token with id %q", r.PathValue("id"))
	}
	if err == nil {
		_, err = h.DB.RevokeToken(r.Context(), t.ID)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/tokens?notice=token-gone", http.StatusSeeOther)
}
