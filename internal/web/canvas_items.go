package web

import "github.com/atrium-mlops/atrium/internal/canvas"

// The use-case page lists its canvases with their completeness. Package
// canvases has its own copy of these; this one stays until the use-case
// page moves out of package web with an equivalent of its own.

// canvasItem is one canvas in a list, with how far it has come.
type canvasItem struct {
	Canvas       canvas.Canvas
	TemplateName string
	Tally        canvas.Tally
	Phases       []canvas.PhaseCompleteness
	Known        bool // false when the server no longer offers its template
}

// canvasItems tallies each canvas against its template.
func (s *Server) canvasItems(list []canvas.Canvas) []canvasItem {
	out := make([]canvasItem, 0, len(list))
	for _, c := range list {
		it := canvasItem{Canvas: c, TemplateName: c.TemplateID}
		if t, ok := s.templates.Get(c.TemplateID); ok {
			comp := canvas.CompletenessOf(t, c)
			it.TemplateName, it.Tally, it.Phases, it.Known = t.Name, comp.Overall, comp.Phases, true
		}
		out = append(out, it)
	}
	return out
}
