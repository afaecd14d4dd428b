package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/web/respond"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/mlflow"
	"github.com/atrium-mlops/atrium/internal/usecase"
	webtelemetry "github.com/atrium-mlops/atrium/internal/web/telemetry"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

var (
	errCrossOrigin = atrium.Errorf(atrium.Forbidden, "cross-origin request refused: submit the form from Atrium's own pages")
	errNoRoute     = atrium.Errorf(atrium.NotFound, "there is nothing at this address")
	errBadHost     = atrium.Errorf(atrium.Invalid, "this server does not answer for that host name")
	errLogin       = atrium.Errorf(atrium.Unauthenticated, "log in or send an API token (Authorization: Bearer …)")
	errAdmin       = atrium.Errorf(atrium.Forbidden, "only administrators can do this")
	// errKeyElsewhere answers an ingestion key sent to a route that is not
	// for reporting events.
	errKeyElsewhere = atrium.Errorf(atrium.Unauthenticated, "an ingestion key (atri_…) only reports events, to "+
		"POST /api/v1/ingest/… and /v1/traces; this route needs an API token (atr_…) or a browser session")
)

// ingestKeyPrefix starts every ingestion key's secret; API tokens start
// with identity.TokenPrefix, which it does not share.
const ingestKeyPrefix = "atri_"

// bearerIngestKey is the ingestion key a request's Authorization header
// carries, if it carries one.
func bearerIngestKey(r *http.Request) (string, bool) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	secret = strings.TrimSpace(secret)
	return secret, ok && strings.HasPrefix(secret, ingestKeyPrefix)
}

// recoverer turns a panic into a 500 so one bad request cannot kill the server.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.fail(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// requestID gives every request an id, echoed in X-Request-Id and recorded in
// the access log and in every audit entry the request causes.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(atrium.WithRequestID(r.Context(), id)))
	})
}

// statusWriter remembers the status code for logs and metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type patternKey struct{}

// observe writes the access log line and the request metrics. The route
// pattern, set by guard, labels the metrics so that they stay bounded.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		pattern := new(string)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), patternKey{}, pattern)))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		route := *pattern
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observe(route, r.Method, sw.status, d)
		path := r.URL.Path
		if strings.Contains(route, "{secret}") || strings.Contains(route, "{receipt}") {
			// The address itself is the credential (a feedback link, a
			// receipt): the log keeps the route, not the secret.
			path = route
		}
		s.log.Info("request", "request_id", atrium.RequestIDFrom(r.Context()), "method", r.Method, "path", path,
			"route", route, "status", sw.status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds())/1000, "remote", throttle.ClientIP(r))
	})
}

// checkHost enforces the Host allow-list, a defence against DNS rebinding.
func (s *Server) checkHost(next http.Handler) http.Handler {
	if len(s.opts.AllowedHosts) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if !slices.Contains(s.opts.AllowedHosts, strings.ToLower(host)) {
			s.fail(w, r, errBadHost)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// sessionCookie is the name of the browser session cookie.
const sessionCookie = "atrium_session"

// authenticate resolves a bearer token or a session cookie to an actor. A
// bearer token that is present but not valid is refused at once, on every
// route, so a script with a stale token fails loudly instead of acting
// anonymously. A session that has ended is forgotten (the cookie cleared):
// the API answers 401, since a client there expects to act as someone;
// pages and public routes go on anonymously, so that the login page, health
// checks and the redirect to log in still work for that browser.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if _, ok := bearerIngestKey(r); ok {
			// An ingestion key is not a person's credential: it never
			// becomes an actor, and no session cookie is read beside it.
			// The ingestion routes' guard resolves it; every other route
			// refuses it.
			next.ServeHTTP(w, r)
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			secret, ok := strings.CutPrefix(h, "Bearer ")
			basicUser := ""
			if !ok && mlflow.IsPath(r) {
				// MLflow clients send basic auth when given a user name
				// and password: the e-mail address and an API token.
				basicUser, secret, ok = r.BasicAuth()
			}
			if !ok || secret == "" {
				s.fail(w, r, atrium.Errorf(atrium.Unauthenticated, "the Authorization header must be \"Bearer <token>\" (or, for MLflow clients, Basic with e-mail and token)"))
				return
			}
			a, err := s.db.TokenActor(ctx, strings.TrimSpace(secret))
			if err == nil && basicUser != "" && !strings.EqualFold(basicUser, a.Email) {
				err = atrium.Errorf(atrium.Unauthenticated, "the user name must be the e-mail address of the token's owner")
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			ctx = atrium.WithActor(ctx, a)
		} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			a, err := s.db.SessionActor(ctx, c.Value)
			switch {
			case err == nil:
				ctx = atrium.WithActor(ctx, a)
			case atrium.KindOf(err) == atrium.Unauthenticated:
				clearSessionCookie(w, r)
				if respond.IsAPI(r) {
					w.Header().Set("WWW-Authenticate", `Bearer realm="atrium"`)
					s.fail(w, r, err)
					return
				}
			default:
				s.fail(w, r, err)
				return
			}
		}
		if a, ok := atrium.ActorFrom(ctx); ok && s.limiter != nil {
			if wait, ok := s.limiter.Allow(throttle.CredentialOf(a)); !ok {
				s.fail(w, r, atrium.Errorf(atrium.RateLimited, "too many requests; retry in %d seconds", throttle.RetryAfter(w, wait)))
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// guard enforces a route's access level and records its pattern.
func (s *Server) guard(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := r.Context().Value(patternKey{}).(*string); ok {
			*p = rt.pattern
		}
		if rt.access == ingest {
			ctx, err := s.ingestScope(w, r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			w.Header().Set("X-Content-Type-Options", "nosniff")
			rt.h(w, r.WithContext(ctx))
			return
		}
		if rt.access != public {
			a, ok := atrium.ActorFrom(r.Context())
			if !ok {
				if _, key := bearerIngestKey(r); key {
					s.fail(w, r, errKeyElsewhere)
					return
				}
				if !respond.IsAPI(r) && !mlflow.IsPath(r) && r.Method == http.MethodGet {
					http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="atrium"`)
				s.fail(w, r, errLogin)
				return
			}
			if rt.access == admin && !a.Admin {
				s.fail(w, r, errAdmin)
				return
			}
			if err := s.requireRole(r, rt.role); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if !respond.IsAPI(r) {
			w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
			w.Header().Set("Referrer-Policy", "same-origin")
			w.Header().Set("X-Frame-Options", "DENY")
		}
		rt.h(w, r)
	})
}

// requireRole refuses a request on a use case when the caller's role is
// below what the route needs, before the handler reads or validates
// anything: a viewer's malformed form is a 403, not a list of its errors.
// A use case the caller cannot see is the same 404 as one that does not
// exist. Routes open to viewers leave the check to the store.
func (s *Server) requireRole(r *http.Request, min usecase.Role) error {
	slug := r.PathValue("slug")
	if min == "" || min == usecase.Viewer || slug == "" {
		return nil
	}
	u, err := s.db.GetUseCase(r.Context(), slug)
	if err != nil {
		return err
	}
	what := "this change"
	if r.Method == http.MethodGet {
		what = "this page"
	}
	return u.Role.Require(min, what)
}

// errNeedKey answers a request to an ingestion route without an ingestion
// key, or with a person's credential instead.
var errNeedKey = atrium.Errorf(atrium.Unauthenticated, "this route takes an ingestion key, not a user's API token or session: "+
	"send \"Authorization: Bearer atri_…\". An owner of the use case creates one on the use case's Telemetry page, "+
	"with POST /api/v1/usecases/{slug}/ingest-keys, or with \"atrium ingest-key create --usecase SLUG --name NAME\"")

// ingestScope resolves the ingestion key of a request to an ingestion route,
// charges the key's rate limit and returns the context with the key's scope
// for the handler.
func (s *Server) ingestScope(w http.ResponseWriter, r *http.Request) (context.Context, error) {
	secret, ok := bearerIngestKey(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="atrium-ingest"`)
		return nil, errNeedKey
	}
	scope, err := s.db.IngestKeyScope(r.Context(), secret)
	if err != nil {
		if atrium.KindOf(err) == atrium.Unauthenticated {
			w.Header().Set("WWW-Authenticate", `Bearer realm="atrium-ingest", error="invalid_token"`)
		}
		return nil, err
	}
	if s.limiter != nil {
		if wait, ok := s.limiter.Allow(throttle.IngestKey, scope.KeyID); !ok {
			return nil, atrium.Errorf(atrium.RateLimited, "too many requests with this ingestion key; retry in %d seconds", throttle.RetryAfter(w, wait))
		}
	}
	return webtelemetry.WithScope(r.Context(), scope), nil
}
