package web

import (
	"embed"
	"fmt"
	"html/template"
	"net/http"

	"github.com/atrium-mlops/atrium/internal/canvas"
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
	return render.Pages{FS: files, Glob: "templates/pages/*.html", Partials: "templates/partials/*.html", Funcs: webFuncs(), Notices: notices}
}

// webFuncs are the template functions of the pages this package serves,
// on top of the shared ones.
func webFuncs() template.FuncMap {
	return template.FuncMap{
		// Canvas pages.
		"markdown":         markdown,
		"statuses":         func() []canvas.Status { return canvas.Statuses },
		"phaseClass":       func(i int) string { return fmt.Sprintf("phase-%d", i%6+1) },
		"firstItems":       firstItems,
		"initials":         initials,
		"kindLabel":        kindLabel,
		"comparators":      func() []canvas.Comparator { return canvas.Comparators },
		"measuredAt":       func() []string { return canvas.MeasuredAt },
		"kinds":            func() []stakeholderKind { return stakeholderKinds },
		"decisionStatuses": func() []string { return canvas.DecisionStatuses },
		"clip":             clip,
		"errorLine":        errorLine,
		"fieldsFor":        fieldsFor,
		"part":             func(label, text string) decisionPart { return decisionPart{label, text} },
	}
}

// notices are the confirmations shown after a redirect. The query names one;
// the text always comes from here, so a link cannot put words on the page.
var notices = map[string]string{
	"created":  "Use case created.",
	"saved":    "Changes saved.",
	"moved":    "Stage changed.",
	"archived": "Use case archived. It no longer appears in the list unless you show archived use cases.",
	"restored": "Use case restored.",
	"granted":  "Access updated.",
	"revoked":  "Access removed.",
	// Canvases, people and decisions.
	"canvas-created":    "Canvas created. Start with any section; empty ones show questions to answer.",
	"canvas-imported":   "Canvas imported from Markdown.",
	"header-saved":      "Header saved.",
	"section-saved":     "Section saved.",
	"status-saved":      "Status changed.",
	"comment-added":     "Comment added.",
	"objective-added":   "Objective added.",
	"objective-gone":    "Objective removed.",
	"published":         "Iteration published. It is frozen; later edits go into the next one.",
	"stakeholder-added": "Added to the register.",
	"stakeholder-saved": "Register entry saved.",
	"stakeholder-gone":  "Removed from the register.",
	"decision-created":  "Decision recorded.",
	"decision-saved":    "Decision updated.",
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
