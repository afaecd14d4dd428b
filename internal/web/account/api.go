package account

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// Me is the answer of GET /api/v1/me: the caller's account, their teams,
// the token used if any and the server's version.
type Me struct {
	identity.User
	Teams   []identity.Team `json:"teams"`
	TokenID string          `json:"token_id,omitempty"`
	Version string          `json:"server_version"`
}

// APIMe describes the caller: their account, their teams and, for a token, its id.
func (h *Handlers) APIMe(w http.ResponseWriter, r *http.Request) {
	a := respond.Actor(r)
	u, err := h.DB.GetUser(r.Context(), a.UserID)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	teams, err := h.DB.ListTeams(r.Context(), a.UserID, atrium.PageRequest{Size: atrium.MaxPageSize})
	h.Reply(w, r, http.StatusOK, Me{User: u, Teams: teams.Items, TokenID: a.TokenID, Version: h.Version}, err)
}

// MePatch is the body of PATCH /api/v1/me: what people change about
// themselves.
type MePatch struct {
	Name            *string `json:"name"`
	CurrentPassword string  `json:"current_password"`
	Password        *string `json:"password"`
}

// APIUpdateMe changes the caller's own name or password. A new password
// needs the current one and ends the caller's browser sessions.
func (h *Handlers) APIUpdateMe(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[MePatch](w, r)
	if err == nil && in.Name == nil && in.Password == nil {
		err = atrium.Errorf(atrium.Invalid, "send name, or password with current_password")
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	if err := h.updateProfile(w, r, store.ProfilePatch(in)); err != nil {
		h.Fail(w, r, err)
		return
	}
	h.APIMe(w, r)
}

// updateProfile applies a profile change, throttling checks of the current
// password like sign-ins to the account, so that a stolen session or token
// cannot guess its way to the password. When throttled it sets Retry-After
// and returns a RateLimited error.
func (h *Handlers) updateProfile(w http.ResponseWriter, r *http.Request, p store.ProfilePatch) error {
	if p.Password == nil || p.CurrentPassword == "" {
		_, err := h.DB.UpdateProfile(r.Context(), p) // no password is checked
		return err
	}
	attempt, wait, ok := h.Logins.Begin(throttle.AccountKey(respond.Actor(r).Email), throttle.ClientIP(r), false)
	if !ok {
		return atrium.Errorf(atrium.RateLimited, "too many password attempts; try again in %d seconds", throttle.RetryAfter(w, wait))
	}
	_, err := h.DB.UpdateProfile(r.Context(), p)
	attempt.Settle(err)
	return err
}

// APIListTokens lists the caller's tokens; administrators may add ?all=true.
func (h *Handlers) APIListTokens(w http.ResponseWriter, r *http.Request) {
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	owner := respond.Actor(r).UserID
	if r.URL.Query().Get("all") == "true" {
		if !respond.Actor(r).Admin {
			h.Fail(w, r, errAdmin)
			return
		}
		owner = ""
	}
	page, err := h.DB.ListTokens(r.Context(), owner, p)
	h.Reply(w, r, http.StatusOK, page, err)
}

// TokenInput is the body of POST /api/v1/tokens.
type TokenInput struct {
	Name      string `json:"name"`
	ExpiresIn string `json:"expires_in"`
	UseCase   string `json:"usecase,omitempty"`
}

// CreatedToken is the answer to POST /api/v1/tokens: the only time the
// secret is shown.
type CreatedToken struct {
	identity.Token
	Secret string `json:"token"`
}

// APICreateToken creates a token for the caller and answers with its secret, once.
func (h *Handlers) APICreateToken(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[TokenInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	ttl, err := identity.ParseTTL(in.ExpiresIn)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	var t identity.Token
	var secret string
	if in.UseCase != "" {
		t, secret, err = h.DB.CreateScopedToken(r.Context(), respond.Actor(r).UserID, in.Name, ttl, in.UseCase)
	} else {
		t, secret, err = h.DB.CreateToken(r.Context(), respond.Actor(r).UserID, in.Name, ttl)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusCreated, CreatedToken{Token: t, Secret: secret})
}

// APIRevokeToken revokes one of the caller's tokens (any token, for admins).
// Someone else's token looks exactly like a missing one.
func (h *Handlers) APIRevokeToken(w http.ResponseWriter, r *http.Request) {
	t, err := h.DB.GetToken(r.Context(), r.PathValue("id"))
	if err == nil && t.UserID != respond.Actor(r).UserID && !respond.Actor(r).Admin {
		err = atrium.Errorf(atrium.NotFound, "no token with id %q", r.PathValue("id"))
	}
	if err == nil {
		t, err = h.DB.RevokeToken(r.Context(), t.ID)
	}
	h.Reply(w, r, http.StatusOK, t, err)
}
