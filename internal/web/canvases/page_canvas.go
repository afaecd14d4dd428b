package canvases

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// canvasesData lists the canvases of a use case with the form that starts
// a new one.
type canvasesData struct {
	render.Frame
	UseCase   usecase.UseCase
	Items     []canvas.Summary
	Templates []*canvas.Template
	CanEdit   bool
	Form      newCanvasForm
}

type newCanvasForm struct {
	Template, Title, Error string
}

func (h *Handlers) canvasesPage(r *http.Request, form newCanvasForm) (canvasesData, error) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return canvasesData{}, err
	}
	list, err := h.DB.ListCanvases(r.Context(), u.Slug)
	if err != nil {
		return canvasesData{}, err
	}
	if form.Template == "" && len(h.Templates.List()) > 0 {
		form.Template = h.Templates.List()[0].ID
	}
	return canvasesData{Frame: h.Frame(r, "Canvases · "+u.Name, "usecases"), UseCase: u, Items: h.Templates.Summarise(list),
		Templates: h.Templates.List(), CanEdit: u.CanEdit(), Form: form}, nil
}

// PageCanvases serves GET /usecases/{slug}/canvases.
func (h *Handlers) PageCanvases(w http.ResponseWriter, r *http.Request) {
	d, err := h.canvasesPage(r, newCanvasForm{})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "canvases", d)
}

// PageCanvasesPost starts a canvas from a template; without a title it is
// named after the template.
func (h *Handlers) PageCanvasesPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	form := newCanvasForm{Template: r.PostForm.Get("template"), Title: strings.TrimSpace(r.PostForm.Get("title"))}
	t, err := h.template(form.Template)
	if err != nil {
		err = atrium.Errorf(atrium.Invalid, "choose one of the templates on offer")
	}
	if err == nil {
		title := form.Title
		if title == "" {
			title = t.Name
		}
		var c canvas.Canvas
		if c, err = h.DB.CreateCanvas(r.Context(), r.PathValue("slug"), t, title, nil); err == nil {
			http.Redirect(w, r, render.CanvasPath(c.UseCaseSlug, c.ID)+"?notice=canvas-created", http.StatusSeeOther)
			return
		}
	}
	status, ok := render.FormStatus(err)
	if !ok || status == http.StatusForbidden {
		h.Fail(w, r, err)
		return
	}
	form.Error = atrium.MessageOf(err)
	d, err := h.canvasesPage(r, form)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, status, "canvases", d)
}

// canvasData is the poster of a live canvas with its two forms: the header
// and "publish iteration".
type canvasData struct {
	render.Frame
	Poster    poster
	Canvas    canvas.Canvas
	CanEdit   bool
	HeaderBox headerForm
	Publish   publishForm
}

// headerForm is the canvas title and header as typed; Open keeps the form
// unfolded when it comes back with an error.
type headerForm struct {
	Title   string
	Values  map[string]string
	Version int64
	Error   string
	Open    bool
}

type publishForm struct {
	Message, Error string
}

// canvasPage loads the poster and everything beside it — the register and
// every section's evidence — from one view of the use case.
func (h *Handlers) canvasPage(r *http.Request) (canvasData, error) {
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return canvasData{}, err
	}
	defer v.Close()
	oc, err := h.openCanvasIn(v, r)
	if err != nil {
		return canvasData{}, err
	}
	p, err := h.livePoster(store.WithView(r.Context(), v), v, oc.c, oc.t)
	if err != nil {
		return canvasData{}, err
	}
	d := canvasData{Frame: h.Frame(r, oc.c.Title+" · "+oc.uc.Name, "usecases"), Poster: p, Canvas: oc.c, CanEdit: oc.uc.CanEdit(),
		HeaderBox: headerForm{Title: oc.c.Title, Values: oc.c.Header, Version: oc.c.Version}}
	d.Wide = true
	return d, nil
}

// PageCanvas serves GET /usecases/{slug}/canvases/{canvas}.
func (h *Handlers) PageCanvas(w http.ResponseWriter, r *http.Request) {
	d, err := h.canvasPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "canvas", d)
}

// canvasFormFailed shows the poster again after one of its forms failed,
// with what the person typed kept in place by keep.
func (h *Handlers) canvasFormFailed(w http.ResponseWriter, r *http.Request, err error, keep func(d *canvasData, msg string)) {
	render.FormFailed(h.Views, w, r, err, h.Fail, "canvas", h.canvasPage, keep)
}

// PageCanvasHeaderPost saves the title and header fields. The version the
// person started from travels with the form, so a concurrent change is
// refused instead of overwritten.
func (h *Handlers) PageCanvasHeaderPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in := headerForm{Title: r.PostForm.Get("title"), Values: map[string]string{}, Open: true}
	for _, f := range oc.t.Header {
		in.Values[f.ID] = r.PostForm.Get("h-" + f.ID)
	}
	in.Version, err = formVersion(r, "version")
	if err == nil {
		_, err = h.DB.UpdateCanvasHeader(r.Context(), oc.uc.Slug, oc.c.ID, &in.Title, in.Values, in.Version)
	}
	if err != nil {
		h.canvasFormFailed(w, r, err, func(d *canvasData, msg string) { in.Error = msg; d.HeaderBox = in })
		return
	}
	http.Redirect(w, r, render.CanvasPath(oc.uc.Slug, oc.c.ID)+"?notice=header-saved", http.StatusSeeOther)
}

// PagePublishPost freezes the canvas as the next iteration.
func (h *Handlers) PagePublishPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	msg := r.PostForm.Get("message")
	if _, err := h.DB.PublishIteration(r.Context(), oc.uc.Slug, oc.c.ID, msg); err != nil {
		h.canvasFormFailed(w, r, err, func(d *canvasData, m string) { d.Publish = publishForm{Message: msg, Error: m} })
		return
	}
	http.Redirect(w, r, render.CanvasPath(oc.uc.Slug, oc.c.ID)+"?notice=published", http.StatusSeeOther)
}

// formVersion reads an optimistic-locking version from a form.
func formVersion(r *http.Request, name string) (int64, error) {
	v, err := strconv.ParseInt(r.PostForm.Get(name), 10, 64)
	if err != nil || v < 0 {
		return 0, atrium.Errorf(atrium.Invalid, "the form lost track of which version you edited; reload the page and try again")
	}
	return v, nil
}
