package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/audit"
	"github.com/atrium-mlops/atrium/internal/web/respond"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/store"
)

func actor(r *http.Request) atrium.Actor { return respond.Actor(r) }

func pageRequest(r *http.Request) (atrium.PageRequest, error) { return respond.PageOf(r) }

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
	attempt, wait, ok := s.logins.begin(accountKey(actor(r).Email), clientIP(r), false)
	if !ok {
		return atrium.Errorf(atrium.RateLimited, "too many password attempts; try again in %d seconds", retryAfter(w, wait))
	}
	_, err := s.db.UpdateProfile(r.Context(), p)
	attempt.settle(err)
	return err
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request) {
	p, err := pageRequest(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.db.ListUsers(r.Context(), p)
	s.reply(w, r, http.StatusOK, page, err)
}

// userInput is the body of POST /api/v1/users.
type userInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Admin    bool   `json:"admin"`
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[userInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.db.CreateUser(r.Context(), identity.User{Email: in.Email, Name: in.Name, Admin: in.Admin}, in.Password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	respond.JSON(w, http.StatusCreated, u)
}

func (s *Server) apiGetUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.db.GetUser(r.Context(), r.PathValue("id"))
	s.reply(w, r, http.StatusOK, u, err)
}

// userPatch is the body of PATCH /api/v1/users/{id}.
type userPatch struct {
	Name     *string `json:"name"`
	Admin    *bool   `json:"admin"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
}

func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[userPatch](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u, err := s.db.UpdateUser(r.Context(), r.PathValue("id"), store.UserPatch(in))
	s.reply(w, r, http.StatusOK, u, err)
}

// apiListTeams lists every team to administrators and a user's own teams to
// everyone else.
func (s *Server) apiListTeams(w http.ResponseWriter, r *http.Request) {
	p, err := pageRequest(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	memberOf := actor(r).UserID
	if actor(r).Admin {
		memberOf = ""
	}
	page, err := s.db.ListTeams(r.Context(), memberOf, p)
	s.reply(w, r, http.StatusOK, page, err)
}

// teamInput is the body of POST /api/v1/teams.
type teamInput struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
}

func (s *Server) apiCreateTeam(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[teamInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.db.CreateTeam(r.Context(), identity.Team{Slug: in.Slug, Name: in.Name})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/teams/"+t.Slug)
	respond.JSON(w, http.StatusCreated, t)
}

// apiGetTeam shows a team to administrators and its members; to anyone else
// it does not exist.
func (s *Server) apiGetTeam(w http.ResponseWriter, r *http.Request) {
	t, err := s.db.GetTeam(r.Context(), r.PathValue("team"))
	if err == nil && !actor(r).Admin && !hasMember(t, actor(r).UserID) {
		err = atrium.Errorf(atrium.NotFound, "no team %q", r.PathValue("team"))
	}
	s.reply(w, r, http.StatusOK, t, err)
}

func hasMember(t identity.Team, userID string) bool {
	for _, m := range t.Members {
		if m.ID == userID {
			return true
		}
	}
	return false
}

// memberInput is the body of POST /api/v1/teams/{team}/members.
type memberInput struct {
	UserID string `json:"user_id"`
}

func (s *Server) apiAddTeamMember(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[memberInput](w, r)
	if err == nil {
		err = s.db.AddTeamMember(r.Context(), r.PathValue("team"), in.UserID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.db.GetTeam(r.Context(), r.PathValue("team"))
	s.reply(w, r, http.StatusOK, t, err)
}

func (s *Server) apiRemoveTeamMember(w http.ResponseWriter, r *http.Request) {
	if err := s.db.RemoveTeamMember(r.Context(), r.PathValue("team"), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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
	ttl, err := ParseTTL(in.ExpiresIn)
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

// MaxTTL is the longest lifetime a token may be given: five years of 365
// days. A token meant to outlive that should be replaced, not extended.
const MaxTTL = 1825 * 24 * time.Hour

// ttlUnits are the units a lifetime may be written in.
var ttlUnits = map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}

// ParseTTL reads a token lifetime: days such as "90d", a duration such as
// "12h" or "1h30m", or "never" (also "") for a token that does not expire.
// Only ASCII digits count, and every step is checked against MaxTTL before
// it is added, so a huge number is refused instead of wrapping round to a
// lifetime of minutes.
func ParseTTL(v string) (time.Duration, error) {
	if v == "" || v == "never" {
		return 0, nil
	}
	bad := atrium.Errorf(atrium.Invalid, "expiry %q is not a duration like 30d, 12h or never", v)
	tooLong := atrium.Errorf(atrium.Invalid, "expiry %q is too long: token lifetimes are at most 5 years (1825d)", v)
	var total time.Duration
	for rest := v; rest != ""; {
		whole := leadingDigits(rest)
		frac := ""
		if rest = rest[len(whole):]; strings.HasPrefix(rest, ".") {
			frac = leadingDigits(rest[1:])
			if frac == "" {
				return 0, bad
			}
			rest = rest[1+len(frac):]
		}
		if whole == "" || rest == "" {
			return 0, bad
		}
		unit, ok := ttlUnits[rest[0]]
		if !ok {
			return 0, bad
		}
		rest = rest[1:]
		// Digits only, so ParseInt fails only on a number too big for int64.
		n, err := strconv.ParseInt(whole, 10, 64)
		if err != nil || n > int64((MaxTTL-total)/unit) {
			return 0, tooLong
		}
		total += time.Duration(n) * unit
		if frac != "" {
			f, err := strconv.ParseFloat("0."+frac, 64)
			if err != nil {
				return 0, bad
			}
			total += time.Duration(f * float64(unit))
		}
		if total > MaxTTL {
			return 0, tooLong
		}
	}
	if total <= 0 {
		return 0, bad
	}
	return total, nil
}

// leadingDigits returns the ASCII digits s starts with.
func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// auditFilter reads the audit filters shared by the API and the page.
func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	p, err := atrium.ParsePage(q.Get("page_size"), q.Get("page_token"))
	if err != nil {
		return audit.Filter{}, err
	}
	f := audit.Filter{ObjectType: q.Get("object_type"), ObjectID: q.Get("object_id"), ActorID: q.Get("actor"), Page: p}
	err = f.ParseWindow(q.Get("since"), q.Get("until"))
	return f, err
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.db.AuditEntries(r.Context(), f)
	s.reply(w, r, http.StatusOK, page, err)
}
