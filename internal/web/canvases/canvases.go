// Package canvases serves the living canvas: canvases started from
// templates, their sections, comments, iterations and diffs, the
// measurable objectives, stakeholder register and decision log beside
// them, and the evidence panels that show those records on a section. It
// answers through package respond and renders its own pages through
// package render; it imports no other feature of package web.
package canvases

import (
	"embed"
	"fmt"
	"html/template"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/markdown"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

//go:embed templates
var files embed.FS

// Handlers serves the canvas pages and API.
type Handlers struct {
	*respond.Responder // Fail, Reply; its Log also records evidence that failed to load
	*render.Views      // Frame, Render, RenderRoot
	DB                 *store.DB
	// Templates are the canvas templates on offer.
	Templates *canvas.Library
	// Evidence renders the live panels beside canvas sections.
	Evidence *evidence.Registry[canvas.EvidenceRequest]
	// Release is shown on the print sheet.
	Release string
}

// New serves the canvases of db with the shared responder and views, which
// must have been loaded with Pages, and registers the canvas feature's
// evidence providers on reg.
func New(db *store.DB, resp *respond.Responder, views *render.Views, templates *canvas.Library, reg *evidence.Registry[canvas.EvidenceRequest], release string) *Handlers {
	h := &Handlers{Responder: resp, Views: views, DB: db, Templates: templates, Evidence: reg, Release: release}
	h.registerEvidence()
	return h
}

// Pages are the page templates this package serves, with its partials,
// template functions and notices.
func Pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/pages/*.html", Partials: "templates/partials/*.html", Funcs: funcs(), Notices: notices}
}

// funcs are the template functions of the canvas pages, on top of the
// shared ones.
func funcs() template.FuncMap {
	return template.FuncMap{
		"markdown":         markdown.Render,
		"statuses":         func() []canvas.Status { return canvas.Statuses },
		"phaseClass":       func(i int) string { return fmt.Sprintf("phase-%d", i%6+1) },
		"firstItems":       firstItems,
		"initials":         initials,
		"kindLabel":        kindLabel,
		"comparators":      func() []canvas.Comparator { return canvas.Comparators },
		"measuredAt":       func() []string { return canvas.MeasuredAt },
		"kinds":            func() []stakeholderKind { return stakeholderKinds },
		"decisionStatuses": func() []string { return decision.Statuses },
		"clip":             atrium.Truncate,
		"errorLine":        errorLine,
		"fieldsFor":        fieldsFor,
		"part":             func(label, text string) decisionPart { return decisionPart{label, text} },
	}
}

// notices are the confirmations shown after a redirect of this package.
// The query names one; the text always comes from here, so a link cannot
// put words on the page.
var notices = map[string]string{
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
