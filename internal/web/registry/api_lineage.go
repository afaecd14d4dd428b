package registry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/chart"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// EdgeInput is a new lineage edge: from depends on to by relation.
type EdgeInput struct {
	From     domain.Node     `json:"from"`
	To       domain.Node     `json:"to"`
	Relation domain.Relation `json:"relation"`
}

// EvaluationInput is a metric result of a model or prompt version on a
// dataset version of the same use case.
type EvaluationInput struct {
	Dataset domain.VersionRef `json:"dataset"`
	Metric  string            `json:"metric"`
	Value   float64           `json:"value"`
	Slice   string            `json:"slice"`
	Samples int64             `json:"samples"`
	Note    string            `json:"note"`
}

// APILineage serves GET /api/v1/usecases/{slug}/lineage.
func (h *Handlers) APILineage(w http.ResponseWriter, r *http.Request) {
	g, err := h.DB.Lineage(r.Context(), r.PathValue("slug"))
	h.Reply(w, r, http.StatusOK, g, err)
}

// APIAddEdge serves POST /api/v1/usecases/{slug}/lineage.
func (h *Handlers) APIAddEdge(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[EdgeInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	e, err := h.DB.AddEdge(r.Context(), r.PathValue("slug"), domain.Edge{From: in.From, To: in.To, Relation: in.Relation})
	h.Reply(w, r, http.StatusCreated, e, err)
}

// APILineageSVG serves GET /api/v1/usecases/{slug}/lineage.svg: the graph
// drawn by internal/chart.
func (h *Handlers) APILineageSVG(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	g, err := h.DB.Lineage(r.Context(), slug)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	svg, err := lineageChart(slug, "Lineage of "+slug, g).SVG()
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(svg)
}

// APIVersionLineage serves GET …/versions/{n}/lineage?depth=.
func (h *Handlers) APIVersionLineage(w http.ResponseWriter, r *http.Request) {
	n, err := versionOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	depth := 0
	if s := r.URL.Query().Get("depth"); s != "" {
		if depth, err = strconv.Atoi(s); err != nil || depth < 1 {
			h.Fail(w, r, atrium.Errorf(atrium.Invalid, "depth must be a whole number from 1 to %d", domain.MaxDepth))
			return
		}
	}
	g, err := h.DB.VersionLineage(r.Context(), r.PathValue("slug"), refOf(r), n, depth)
	h.Reply(w, r, http.StatusOK, g, err)
}

// APIListEvaluations serves GET …/versions/{n}/evaluations.
func (h *Handlers) APIListEvaluations(w http.ResponseWriter, r *http.Request) {
	n, err := versionOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	list, err := h.DB.Evaluations(r.Context(), r.PathValue("slug"), refOf(r), n)
	h.Reply(w, r, http.StatusOK, respond.ListOf(list), err)
}

// APIAddEvaluation serves POST …/versions/{n}/evaluations.
func (h *Handlers) APIAddEvaluation(w http.ResponseWriter, r *http.Request) {
	n, err := versionOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in, err := respond.Decode[EvaluationInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	e, err := h.DB.AddEvaluation(r.Context(), r.PathValue("slug"), refOf(r), n, domain.Evaluation{Dataset: in.Dataset, Metric: in.Metric,
		Value: in.Value, Slice: in.Slice, Samples: in.Samples, Note: in.Note})
	h.Reply(w, r, http.StatusCreated, e, err)
}

// APIObjectives serves GET /api/v1/usecases/{slug}/evaluations/objectives.
func (h *Handlers) APIObjectives(w http.ResponseWriter, r *http.Request) {
	list, err := h.DB.ObjectiveStatus(r.Context(), r.PathValue("slug"))
	h.Reply(w, r, http.StatusOK, respond.ListOf(list), err)
}

// datasetRef is the dataset the sensitivity routes name.
func datasetRef(r *http.Request) domain.Ref {
	return domain.Ref{Kind: domain.Dataset, Name: r.PathValue("name")}
}

// APIPutSensitivity serves PUT …/assets/dataset/{name}/versions/{n}/sensitivity.
func (h *Handlers) APIPutSensitivity(w http.ResponseWriter, r *http.Request) {
	n, err := versionOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in, err := respond.Decode[domain.Sensitivity](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	rec, err := h.DB.SetSensitivity(r.Context(), r.PathValue("slug"), datasetRef(r), n, in)
	h.Reply(w, r, http.StatusOK, rec, err)
}

// APIGetSensitivity serves GET …/sensitivity, or with at= the revision in
// force then.
func (h *Handlers) APIGetSensitivity(w http.ResponseWriter, r *http.Request) {
	n, err := versionOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	var at time.Time
	if s := r.URL.Query().Get("at"); s != "" {
		if at, err = parseAt(s); err != nil {
			h.Fail(w, r, err)
			return
		}
	}
	var rec domain.SensitivityRecord
	if at.IsZero() {
		rec, err = h.DB.GetSensitivity(r.Context(), r.PathValue("slug"), datasetRef(r), n)
	} else {
		rec, err = h.DB.SensitivityAt(r.Context(), r.PathValue("slug"), datasetRef(r), n, at)
	}
	h.Reply(w, r, http.StatusOK, rec, err)
}

// APISensitivityHistory serves GET …/sensitivity/history, newest first.
func (h *Handlers) APISensitivityHistory(w http.ResponseWriter, r *http.Request) {
	n, err := versionOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	list, err := h.DB.SensitivityHistory(r.Context(), r.PathValue("slug"), datasetRef(r), n)
	h.Reply(w, r, http.StatusOK, respond.ListOf(list), err)
}

// lineageChart turns a lineage graph into the chart package's drawing, with
// each version linking to its page.
func lineageChart(slug, title string, g domain.Graph) chart.Graph {
	out := chart.Graph{Title: title}
	for _, n := range g.Nodes {
		if len(out.Nodes) == chart.MaxNodes {
			break
		}
		out.Nodes = append(out.Nodes, chartNode(slug, n))
	}
	known := map[string]bool{}
	for _, n := range out.Nodes {
		known[n.ID] = true
	}
	for _, e := range g.Edges {
		if len(out.Edges) == chart.MaxEdges {
			break
		}
		// An edge points from the dependent version to what it depends
		// on; the drawing runs upstream to downstream.
		from, to := e.To.String(), e.From.String()
		if known[from] && known[to] {
			out.Edges = append(out.Edges, chart.Edge{From: from, To: to, Relation: string(e.Relation)})
		}
	}
	return out
}

func chartNode(slug string, n domain.Node) chart.Node {
	if n.IsRun() {
		return chart.Node{ID: n.String(), Kind: chart.KindRun, Label: "run " + atrium.Truncate(n.Run, 12), Href: RunPath(slug, n.Run)}
	}
	return chart.Node{ID: n.String(), Kind: chart.NodeKind(n.Kind), Label: n.Name + " v" + strconv.Itoa(n.Version),
		Href: VersionPath(slug, n.Kind, n.Name, n.Version)}
}
