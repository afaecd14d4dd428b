package canvases

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// iterationsData is a canvas's history: every published iteration, newest
// first.
type iterationsData struct {
	render.Frame
	UseCase render.UseCaseRef
	Canvas  canvas.Canvas
	Base    string
	Items   []canvas.Iteration
	CanEdit bool
}

// PageIterations serves GET /usecases/{slug}/canvases/{canvas}/iterations.
func (h *Handlers) PageIterations(w http.ResponseWriter, r *http.Request) {
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	items, err := h.DB.Iterations(r.Context(), oc.uc.Slug, oc.c.ID)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	slices.SortFunc(items, func(a, b canvas.Iteration) int { return b.Number - a.Number })
	h.Render(w, r, http.StatusOK, "iterations", iterationsData{Frame: h.Frame(r, "Iterations · "+oc.c.Title, "usecases"),
		UseCase: render.RefOf(oc.uc), Canvas: oc.c, Base: render.CanvasPath(oc.uc.Slug, oc.c.ID), Items: items, CanEdit: oc.uc.CanEdit()})
}

// iterationData is one frozen iteration shown as a read-only poster.
type iterationData struct {
	render.Frame
	Poster    poster
	Canvas    canvas.Canvas
	Iteration canvas.Iteration
	Latest    int
}

// PageIteration serves GET /usecases/{slug}/canvases/{canvas}/iterations/{n}.
func (h *Handlers) PageIteration(w http.ResponseWriter, r *http.Request) {
	n, err := respond.PathInt(r, "n")
	if err == nil && n > 1<<30 {
		err = atrium.Errorf(atrium.NotFound, "iteration %d not found", n)
	}
	var oc openedCanvas
	if err == nil {
		oc, err = h.openCanvas(r)
	}
	var it canvas.Iteration
	if err == nil {
		it, err = h.DB.GetRenderedIteration(r.Context(), oc.uc.Slug, oc.c.ID, int(n))
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	p := buildPoster(oc.uc, oc.t, it.Snapshot.Title, render.CanvasPath(oc.uc.Slug, oc.c.ID),
		posterOptions{Sections: frozenStates(it.Snapshot), Header: it.Snapshot.Header, Full: true})
	d := iterationData{Frame: h.Frame(r, "Iteration "+strconv.Itoa(it.Number)+" · "+oc.c.Title, "usecases"),
		Poster: p, Canvas: oc.c, Iteration: it, Latest: oc.c.Iterations}
	d.Wide = true
	h.Render(w, r, http.StatusOK, "iteration", d)
}

// diffData compares two iterations, or an iteration with the canvas as it
// is now.
type diffData struct {
	render.Frame
	UseCase    render.UseCaseRef
	Canvas     canvas.Canvas
	Base       string
	Iterations []canvas.Iteration
	From       int
	To         string
	Header     []canvas.HeaderDiff
	Changed    []canvas.SectionDiff
	Unchanged  []canvas.SectionDiff
	Error      string
}

// PageDiff shows what changed between ?from and ?to. Without them it
// compares the latest iteration with the current canvas, the question
// people ask most: "what has changed since we last published?".
func (h *Handlers) PageDiff(w http.ResponseWriter, r *http.Request) {
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	its, err := h.DB.Iterations(r.Context(), oc.uc.Slug, oc.c.ID)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	slices.SortFunc(its, func(a, b canvas.Iteration) int { return b.Number - a.Number })
	d := diffData{Frame: h.Frame(r, "Changes · "+oc.c.Title, "usecases"), UseCase: render.RefOf(oc.uc),
		Canvas: oc.c, Base: render.CanvasPath(oc.uc.Slug, oc.c.ID), Iterations: its, To: "current"}
	if len(its) == 0 {
		h.Render(w, r, http.StatusOK, "diff", d)
		return
	}
	if r.URL.Query().Get("from") == "" {
		d.From = its[0].Number
	} else if d.From, d.To, err = diffRange(r); err != nil {
		d.Error = atrium.MessageOf(err)
		h.Render(w, r, http.StatusBadRequest, "diff", d)
		return
	}
	err = h.fillDiff(r, oc, &d)
	switch atrium.KindOf(err) {
	case atrium.Invalid, atrium.NotFound:
		// A missing iteration is a wrong choice in the selectors, not a
		// missing page: show them again.
		d.Error = atrium.MessageOf(err)
		h.Render(w, r, http.StatusBadRequest, "diff", d)
	default:
		if err != nil {
			h.Fail(w, r, err)
			return
		}
		h.Render(w, r, http.StatusOK, "diff", d)
	}
}

// fillDiff loads both sides and renders the comparison.
func (h *Handlers) fillDiff(r *http.Request, oc openedCanvas, d *diffData) error {
	a, err := h.snapshot(r, oc, strconv.Itoa(d.From))
	if err != nil {
		return err
	}
	b, err := h.snapshot(r, oc, d.To)
	if err != nil {
		return err
	}
	var sections []canvas.SectionDiff
	d.Header, sections = canvas.DiffSnapshots(oc.t, a, b)
	for _, sd := range sections {
		if sd.Changed || sd.OwnerFrom != sd.OwnerTo {
			d.Changed = append(d.Changed, sd)
		} else {
			d.Unchanged = append(d.Unchanged, sd)
		}
	}
	return nil
}
