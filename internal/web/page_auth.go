package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/atrium-mlops/atrium/internal/web/render"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

// loginData is the login page.
type loginData struct {
	frame
	Email string
	Next  string
	Error string
}

func (s *Server) pageHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/usecases", http.StatusSeeOther)
}

func (s *Server) pageLogin(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if _, ok := atrium.ActorFrom(r.Context()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "login", loginData{frame: s.frame(r, "Log in", "login"), Next: next})
}

func (s *Server) pageLoginPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	d := loginData{frame: s.frame(r, "Log in", "login"), Email: r.PostForm.Get("email"), Next: localPath(r.PostForm.Get("next"))}
	attempt, wait, ok := s.logins.Begin(throttle.AccountKey(d.Email), throttle.ClientIP(r), true)
	if !ok {
		d.Error = fmt.Sprintf("Too many sign-in attempts; try again in %d seconds.", throttle.RetryAfter(w, wait))
		s.render(w, r, http.StatusTooManyRequests, "login", d)
		return
	}
	u, err := s.db.Authenticate(r.Context(), d.Email, r.PostForm.Get("password"))
	attempt.Settle(err)
	if atrium.KindOf(err) == atrium.Unauthenticated {
		d.Error = "E-mail or password is not right."
		s.render(w, r, http.StatusUnauthorized, "login", d)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The session is recorded as the person's own act in the audit trail.
	ctx := atrium.WithActor(r.Context(), atrium.Actor{UserID: u.ID, Email: u.Email, Name: u.Name, Admin: u.Admin})
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		s.db.DeleteSession(ctx, old.Value) // best effort: a fresh id is issued regardless
	}
	secret, err := s.db.CreateSession(ctx, u.ID, s.opts.SessionTTL)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setSessionCookie(w, r, secret)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *Server) pageLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.db.DeleteSession(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	clearSessionCookie(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// clearSessionCookie tells the browser to forget its session.
func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// localPath keeps a post-login destination on this site: a path, not a
// scheme-relative "//host" or "/\host" (which browsers read as "//host"),
// and no control characters. Anything else lands on the use-case list.
func localPath(v string) string {
	if !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") || strings.HasPrefix(v, `/\`) {
		return "/usecases"
	}
	for _, c := range v {
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/usecases"
		}
	}
	return v
}

// setSessionCookie hands the browser its session id: HttpOnly, same-site
// (Lax) and, under TLS, Secure.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", MaxAge: int(s.opts.SessionTTL.Seconds()),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}
