// Package admin serves what administrators manage: people, teams and the
// audit trail, as pages and as the JSON API. Listing and reading one's own
// teams is open to everyone; the route table says who may call what.
package admin

import (
	"embed"

	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

//go:embed templates
var files embed.FS

// Handlers serve the users, teams and audit routes.
type Handlers struct {
	*respond.Responder // Fail, Reply
	*render.Views      // Frame, Render
	DB                 *store.DB
}

// Pages are the page templates and notices of this package, for render.Load.
func Pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/*.html", Notices: notices}
}

// notices are the confirmations these pages' redirects name.
var notices = map[string]string{
	"user-created": "User created.",
	"user-saved":   "User updated.",
	"team-created": "Team created.",
	"member-added": "Member added.",
	"member-gone":  "Member removed.",
}
