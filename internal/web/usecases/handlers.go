// Package usecases serves the use-case feature: the list, the forms that
// create and edit a use case, its page with the lifecycle, access and
// recent activity, and the matching JSON API under /api/v1/usecases.
// Routes are listed in package web; this package only handles them.
package usecases

import (
	"embed"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

//go:embed templates
var files embed.FS

// Handlers serves the use-case pages and API.
type Handlers struct {
	*respond.Responder // Fail, Reply
	*render.Views      // Frame, Render; loaded with Pages
	DB                 *store.DB
	// Templates are the canvas templates on offer, against which a use
	// case's canvases are tallied.
	Templates *canvas.Library
	// Gate checks stage transitions; nil allows every move.
	Gate usecase.Gate
}

// Pages are this package's page templates and the notices its redirects
// name; render.Load must be given them before Handlers can render.
func Pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/*.html", Notices: notices}
}

// notices are the confirmations shown after this package's redirects.
// "saved", which the edit form also names, is shared with the account
// page and defined with it.
var notices = map[string]string{
	"created":  "Use case created.",
	"moved":    "Stage changed.",
	"archived": "Use case archived. It no longer appears in the list unless you show archived use cases.",
	"restored": "Use case restored.",
	"granted":  "Access updated.",
	"revoked":  "Access removed.",
}
