// Package search serves full-text search over the section texts and
// decision records a person can see, as a page and as the JSON API.
package search

import (
	"embed"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

//go:embed templates
var files embed.FS

// Handlers serve the search routes.
type Handlers struct {
	*respond.Responder // Fail, Reply
	*render.Views      // Frame, Render
	DB                 *store.DB
	// Templates are the canvas templates on offer; they give section hits
	// their titles.
	Templates *canvas.Library
}

// Pages are the page templates of this package, for render.Load.
func Pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/*.html"}
}
