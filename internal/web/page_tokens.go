package web

import (
	"net/http"
	"slices"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
)

// tokensData is the list of a person's API tokens with the form for a new
// one. Secret is set only on the answer to that form: the one time the
// token can be seen.
type tokensData struct {
	frame
	Tokens  []tokenRow
	Pager   pager
	Name    string
	Expires string
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

func (s *Server) tokensPage(r *http.Request) (tokensData, error) {
	p, err := pageRequest(r)
	if err != nil {
		return tokensData{}, err
	}
	page, err := s.db.ListTokens(r.Context(), actor(r).UserID, p)
	if err != nil {
		return tokensData{}, err
	}
	d := tokensData{frame: s.frame(r, "API tokens", "tokens"), Expires: "90d",
		Pager: newPager(r, p, page.Total, len(page.Items), page.NextPageToken)}
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

func (s *Server) pageTokens(w http.ResponseWriter, r *http.Request) {
	d, err := s.tokensPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "tokens", d)
}

// pageTokensPost creates a token and shows its secret right away instead of
// redirecting: the secret is never stored, so it cannot be shown later.
func (s *Server) pageTokensPost(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	name, expires := r.PostForm.Get("name"), r.PostForm.Get("expires")
	t, secret, err := s.createToken(r, name, expires)
	status := http.StatusOK
	if err != nil {
		var ok bool
		if status, ok = formStatus(err); !ok {
			s.fail(w, r, err)
			return
		}
	}
	d, err2 := s.tokensPage(r)
	if err2 != nil {
		s.fail(w, r, err2)
		return
	}
	if err != nil {
		d.Name, d.Expires, d.Error = name, expires, atrium.MessageOf(err)
	}
	d.Created, d.Secret = t, secret
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "tokens", d)
}

func (s *Server) createToken(r *http.Request, name, expires string) (identity.Token, string, error) {
	if !slices.Contains(tokenExpiries, expires) {
		return identity.Token{}, "", atrium.Errorf(atrium.Invalid, "choose when the token expires")
	}
	ttl, err := identity.ParseTTL(expires)
	if err != nil {
		return identity.Token{}, "", err
	}
	return s.db.CreateToken(r.Context(), actor(r).UserID, name, ttl)
}

// pageTokenRevokePost revokes one of the person's tokens (any token, for
// administrators); someone else's token looks like a missing one.
func (s *Server) pageTokenRevokePost(w http.ResponseWriter, r *http.Request) {
	t, err := s.db.GetToken(r.Context(), r.PathValue("id"))
	if err == nil && t.UserID != actor(r).UserID && !actor(r).Admin {
		err = atrium.Errorf(atrium.NotFound, "no token with id %q", r.PathValue("id"))
	}
	if err == nil {
		_, err = s.db.RevokeToken(r.Context(), t.ID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/tokens?notice=token-gone", http.StatusSeeOther)
}
