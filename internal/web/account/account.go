// Package account serves what people manage about themselves: their name
// and password, and their API tokens, as pages and as the JSON API.
package account

import (
	"embed"
	"net/http"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"github.com/atrium-mlops/atrium/internal/web/throttle"
)

//go:embed templates
var files embed.FS

// Handlers serve the caller's own account and token routes.
type Handlers struct {
	*respond.Responder // Fail, Reply
	*render.Views      // Frame, Render
	DB                 *store.DB
	// Logins throttles checks of the current password; it is sign-in's
	// throttle, so both draw on the same allowance for an account.
	Logins *throttle.Logins
	// SessionTTL is how long the fresh session issued after a password
	// change lasts; SetSessionCookie hands it to the browser, the way
	// sign-in does.
	SessionTTL       time.Duration
	SetSessionCookie func(w http.ResponseWriter, r *http.Request, secret string)
	// Version is the server version GET /api/v1/me reports.
	Version string
}

// Pages are the page templates and notices of this package, for render.Load.
func Pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/*.html", Notices: notices}
}

// notices are the confirmations these pages' redirects name. The account
// page's "saved" is the one every feature shares, kept by package web.
var notices = map[string]string{
	"password-changed": "Password changed. Other browsers signed in to your account have been logged out.",
	"token-gone":       "Token revoked. Scripts that use it will stop working.",
}

// errAdmin refuses ?all=true to a caller who is not an administrator.
var errAdmin = atrium.Errorf(atrium.Forbidden, "only administrators can do this")
