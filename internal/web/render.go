package web

import (
	"embed"
	"html/template"
	"net/http"

	"github.com/atrium-mlops/atrium/internal/web/render"
)

//go:embed templates
var files embed.FS

// The pages still served by this package; see package render for how they
// are parsed.
type (
	frame = render.Frame
	pager = render.Pager
)

var (
	capitalise  = render.Capitalise
	sentence    = render.Sentence
	when        = render.When
	formStatus  = render.FormStatus
	parseForm   = render.ParseForm
	newPager    = render.NewPager
	statusClass = render.StatusClass
	useCasePath = render.UseCasePath
)

// pages are the page templates this package serves.
func pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/pages/*.html", Funcs: webFuncs(), Notices: notices}
}

// webFuncs are the template functions of the pages this package serves,
// on top of the shared ones.
func webFuncs() template.FuncMap {
	return template.FuncMap{}
}

// notices are the confirmations shown after a redirect. The query names one;
// the text always comes from here, so a link cannot put words on the page.
var notices = map[string]string{
	"saved": "Changes saved.",
}

// frame fills the layout data for a page.
func (s *Server) frame(r *http.Request, title, section string) frame {
	return s.views.Frame(r, title, section)
}

// render executes a page in the site's layout.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	s.views.Render(w, r, status, page, data)
}

// renderRoot executes the named root template of a page.
func (s *Server) renderRoot(w http.ResponseWriter, r *http.Request, status int, page, root string, data any) {
	s.views.RenderRoot(w, r, status, page, root, data)
}

// static serves an embedded file.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	if !s.views.ServeStatic(w, r) {
		s.fail(w, r, errNoRoute)
	}
}
