package web

import (
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// meView is the body of GET /api/v1/me.
type meView struct {
	identity.User
	Teams   []identity.Team `json:"teams"`
	TokenID string          `json:"token_id,omitempty"`
	Version string          `json:"server_version"`
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	u, err := s.db.GetUser(r.Context(), a.UserID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	teams, err := s.db.ListTeams(r.Context(), a.UserID, atrium.PageRequest{Size: atrium.MaxPageSize})
	s.reply(w, r, http.StatusOK, meView{User: u, Teams: teams.Items, TokenID: a.TokenID, Version: s.opts.Version}, err)
}

// mePatch is the body of PATCH /api/v1/me: what people change about
// themselves.
type mePatch struct {
	Name            *string `json:"name"`
	CurrentPassword string  `json:"current_password"`
	Password        *string `json:"password"`
}

// apiUpdateMe changes the caller's own name or password. A new password
// needs the current one and ends the caller's browser sessions.
func (s *Server) apiUpdateMe(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[mePatch](w, r)
	if err == nil && in.Name == nil && in.Password == nil {
		err = atrium.Errorf(atrium.Invalid, "send name, or password with current_password")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.updateProfile(w, r, store.ProfilePatch(in)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.apiMe(w, r)
}

// updateProfile applies a profile change, throttling checks of the current
// password like sign-ins to the account, so that a stolen session or token
// cannot guess its way to the password. When throttled it sets Retry-After
// and returns a RateLimited error.
func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request, p store.ProfilePatch) error {
	if p.Password == nil || p.CurrentPassword == "" {
		_, err := s.db.UpdateProfile(r.Context(), p) // no password is checked
		return err
	}
	attempt, wait, ok := s.logins.Begin(throttle.AccountKey(actor(r).Email), throttle.ClientIP(r), false)
	if !ok {
		return atrium.Errorf(atrium.RateLimited, "too many password attempts; try again in %d seconds", throttle.RetryAfter(w, wait))
	}
	_, err := s.db.UpdateProfile(r.Context(), p)
	attempt.Settle(err)
	return err
}

// apiListTokens lists the caller's tokens; administrators may add ?all=true.
func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request) {
	p, err := pageRequest(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	owner := actor(r).UserID
	if r.URL.Query().Get("all") == "true" {
		if !actor(r).Admin {
			s.fail(w, r, errAdmin)
			return
		}
		owner = ""
	}
	page, err := s.db.ListTokens(r.Context(), owner, p)
	s.reply(w, r, http.StatusOK, page, err)
}

// tokenInput is the body of POST /api/v1/tokens.
type tokenInput struct {
	Name      string `json:"name"`
	ExpiresIn string `json:"expires_in"`
}

// createdToken is the answer to POST /api/v1/tokens: the only time the
// secret is shown.
type createdToken struct {
	identity.Token
	Secret string `json:"token"`
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[tokenInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ttl, err := identity.ParseTTL(in.ExpiresIn)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, secret, err := s.db.CreateToken(r.Context(), actor(r).UserID, in.Name, ttl)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusCreated, createdToken{Token: t, Secret: secret})
}

// apiRevokeToken revokes one of the caller's tokens (any token, for admins).
// Someone else's token looks exactly like a missing one.
func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	t, err := s.db.GetToken(r.Context(), r.PathValue("id"))
	if err == nil && t.UserID != actor(r).UserID && !actor(r).Admin {
		err = atrium.Errorf(atrium.NotFound, "no token with id %q", r.PathValue("id"))
	}
	if err == nil {
		t, err = s.db.RevokeToken(r.Context(), t.ID)
	}
	s.reply(w, r, http.StatusOK, t, err)
}
