package web

import (
	"embed"
	"net/http"

	"github.com/atrium-mlops/atrium/internal/web/render"
)

//go:embed templates
var files embed.FS

// frame is the layout data of the sign-in page, the one page this package
// serves itself; the features serve the rest.
type frame = render.Frame

// pages are the page templates this package serves. "saved" is shared by
// the features that edit something and come back to where they were.
func pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/pages/*.html", Notices: map[string]string{"saved": "Changes saved."}}
}

// frame fills the layout data for a page.
func (s *Server) frame(r *http.Request, title, section string) frame {
	return s.views.Frame(r, title, section)
}

// render executes a page in the site's layout.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	s.views.Render(w, r, status, page, data)
}

// static serves an embedded file.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	if !s.views.ServeStatic(w, r) {
		s.fail(w, r, errNoRoute)
	}
}
