package registry

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/chart"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// lineageData is a use case's lineage page: the graph drawn, and the same
// edges as a table.
type lineageData struct {
	render.Frame
	UseCase   render.UseCaseRef
	Chart     template.HTML
	Edges     []edgeRow
	Nodes     int
	Truncated bool
}

// edgeRow is one edge as the tables show it, upstream first: what was
// used, how, and what it went into.
type edgeRow struct {
	Up, Down nodeLink
	Relation string
}

// nodeLink is a lineage node with the address of its page ("" for a run).
type nodeLink struct {
	Label, Href string
}

func linkOf(slug string, n domain.Node) nodeLink {
	if n.IsRun() {
		return nodeLink{Label: "run " + n.Run, Href: RunPath(slug, n.Run)}
	}
	return nodeLink{Label: string(n.Kind) + " " + n.Name + " v" + strconv.Itoa(n.Version), Href: VersionPath(slug, n.Kind, n.Name, n.Version)}
}

func edgeRowOf(slug string, e domain.Edge) edgeRow {
	return edgeRow{Up: linkOf(slug, e.To), Down: linkOf(slug, e.From), Relation: strings.ReplaceAll(string(e.Relation), "_", " ")}
}

// PageLineage serves GET /usecases/{slug}/lineage.
func (h *Handlers) PageLineage(w http.ResponseWriter, r *http.Request) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	g, err := h.DB.Lineage(r.Context(), u.Slug)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d := lineageData{Frame: h.Frame(r, "Lineage · "+u.Name, "usecases"), UseCase: render.RefOf(u), Nodes: len(g.Nodes), Truncated: g.Truncated}
	d.Frame.Wide = len(g.Nodes) > 12
	if len(g.Edges) > 0 {
		d.Chart, _ = chart.Inline(lineageChart(u.Slug, "Lineage of "+u.Name, g))
	}
	for _, e := range g.Edges {
		d.Edges = append(d.Edges, edgeRowOf(u.Slug, e))
	}
	h.Render(w, r, http.StatusOK, "lineage", d)
}
