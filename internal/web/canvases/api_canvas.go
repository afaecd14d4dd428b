package canvases

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// TemplateSummary is one entry of GET /api/v1/templates.
type TemplateSummary struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description"`
	Source      string `json:"source"`
	Phases      int    `json:"phases"`
	Sections    int    `json:"sections"`
}

// APIListTemplates serves GET /api/v1/templates.
func (h *Handlers) APIListTemplates(w http.ResponseWriter, r *http.Request) {
	items := []TemplateSummary{}
	for _, t := range h.Templates.List() {
		items = append(items, TemplateSummary{ID: t.ID, Name: t.Name, Version: t.Version, Description: t.Description,
			Source: t.Source, Phases: len(t.Phases), Sections: len(t.SectionIDs())})
	}
	respond.JSON(w, http.StatusOK, respond.ListOf(items))
}

// APIGetTemplate serves GET /api/v1/templates/{id}.
func (h *Handlers) APIGetTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := h.template(r.PathValue("id"))
	h.Reply(w, r, http.StatusOK, t, err)
}

// template looks a template up in the library.
func (h *Handlers) template(id string) (*canvas.Template, error) {
	if t, ok := h.Templates.Get(id); ok {
		return t, nil
	}
	return nil, atrium.Errorf(atrium.NotFound, "no canvas template %q on this server", atrium.Truncate(id, 80))
}

// openedCanvas is a canvas with its use case and template, as most canvas
// handlers need all three.
type openedCanvas struct {
	c  canvas.Canvas
	uc usecase.UseCase
	t  *canvas.Template
}

// openCanvas loads the canvas named in the path for the actor. The store
// checks that they may see it; a canvas whose template this server does not
// offer (a custom template removed from --templates) cannot be worked on.
func (h *Handlers) openCanvas(r *http.Request) (openedCanvas, error) {
	c, uc, err := h.DB.GetCanvas(r.Context(), r.PathValue("slug"), r.PathValue("canvas"))
	if err != nil {
		return openedCanvas{}, err
	}
	return h.opened(uc, c)
}

// openCanvasIn is openCanvas for a page that reads everything else it
// shows from the view v too.
func (h *Handlers) openCanvasIn(v *store.UseCaseView, r *http.Request) (openedCanvas, error) {
	c, err := v.Canvas(r.PathValue("canvas"))
	if err != nil {
		return openedCanvas{}, err
	}
	return h.opened(v.UseCase(), c)
}

// opened finds the template of c, which must be on offer.
func (h *Handlers) opened(uc usecase.UseCase, c canvas.Canvas) (openedCanvas, error) {
	t, ok := h.Templates.Get(c.TemplateID)
	if !ok {
		return openedCanvas{}, atrium.Errorf(atrium.Unavailable,
			"this canvas uses the template %q, which this server does not offer; start it with --templates naming the folder that holds it", c.TemplateID)
	}
	return openedCanvas{c: c, uc: uc, t: t}, nil
}

// SectionView is a section as the API shows it: its state plus its content
// rendered to sanitised HTML, so clients need no Markdown renderer.
type SectionView struct {
	canvas.Section
	HTML string `json:"html"`
}

// CanvasView is a canvas as the API shows it.
type CanvasView struct {
	canvas.Canvas
	TemplateName string                 `json:"template_name"`
	Sections     map[string]SectionView `json:"sections"`
	Completeness canvas.Completeness    `json:"completeness"`
}

func viewCanvas(c canvas.Canvas, t *canvas.Template) CanvasView {
	v := CanvasView{Canvas: c, TemplateName: t.Name, Sections: map[string]SectionView{}, Completeness: canvas.CompletenessOf(t, c)}
	for _, id := range t.SectionIDs() {
		sec := sectionOf(c, id)
		v.Sections[id] = SectionView{Section: sec, HTML: sec.HTML}
	}
	return v
}

// sectionOf is the state of one section, empty when it was never saved.
func sectionOf(c canvas.Canvas, id string) canvas.Section {
	if sec, ok := c.Sections[id]; ok {
		return sec
	}
	return canvas.Section{SectionID: id, Status: canvas.Empty}
}

// APIListCanvases serves GET /api/v1/usecases/{slug}/canvases.
func (h *Handlers) APIListCanvases(w http.ResponseWriter, r *http.Request) {
	list, err := h.DB.ListCanvases(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	items := make([]CanvasView, 0, len(list))
	for _, c := range list {
		if t, ok := h.Templates.Get(c.TemplateID); ok {
			items = append(items, viewCanvas(c, t))
		} else {
			items = append(items, CanvasView{Canvas: c, TemplateName: c.TemplateID})
		}
	}
	respond.JSON(w, http.StatusOK, respond.ListOf(items))
}

// CanvasInput is the body of POST /api/v1/usecases/{slug}/canvases.
type CanvasInput struct {
	Template string            `json:"template"`
	Title    string            `json:"title"`
	Header   map[string]string `json:"header"`
}

// APICreateCanvas serves POST /api/v1/usecases/{slug}/canvases.
func (h *Handlers) APICreateCanvas(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[CanvasInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	t, err := h.template(in.Template)
	if err != nil {
		h.Fail(w, r, atrium.Errorf(atrium.Invalid, "template: %s", atrium.MessageOf(err)))
		return
	}
	c, err := h.DB.CreateCanvas(r.Context(), r.PathValue("slug"), t, in.Title, in.Header)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.created(w, c, t)
}

// created answers a new canvas with 201 and its address.
func (h *Handlers) created(w http.ResponseWriter, c canvas.Canvas, t *canvas.Template) {
	w.Header().Set("Location", "/api/v1/usecases/"+c.UseCaseSlug+"/canvases/"+c.ID)
	respond.JSON(w, http.StatusCreated, viewCanvas(c, t))
}

// APIGetCanvas serves GET /api/v1/usecases/{slug}/canvases/{canvas}.
func (h *Handlers) APIGetCanvas(w http.ResponseWriter, r *http.Request) {
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, viewCanvas(oc.c, oc.t))
}

// CanvasPatch is the body of PATCH …/canvases/{canvas}: the title and header
// fields. Header fields not sent stay as they are; "" clears one.
type CanvasPatch struct {
	Title   *string           `json:"title"`
	Header  map[string]string `json:"header"`
	Version int64             `json:"version"`
}

// APIUpdateCanvas serves PATCH /api/v1/usecases/{slug}/canvases/{canvas}.
func (h *Handlers) APIUpdateCanvas(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[CanvasPatch](w, r)
	if err == nil {
		err = respond.CheckVersion("version", in.Version)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	if in.Version == 0 { // 0 skips the check, as for use cases
		in.Version = oc.c.Version
	}
	c, err := h.DB.UpdateCanvasHeader(r.Context(), oc.uc.Slug, oc.c.ID, in.Title, in.Header, in.Version)
	h.Reply(w, r, http.StatusOK, viewCanvas(c, oc.t), err)
}

// APICanvasCompleteness serves GET /api/v1/usecases/{slug}/canvases/{canvas}/completeness.
func (h *Handlers) APICanvasCompleteness(w http.ResponseWriter, r *http.Request) {
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, canvas.CompletenessOf(oc.t, oc.c))
}

// exportName is the download's file name: the use case and the canvas title,
// reduced to characters that are safe in a Content-Disposition header.
func exportName(oc openedCanvas, ext string) string {
	name := oc.uc.Slug
	if t := atrium.Slugify(oc.c.Title); t != "" {
		name += "-" + t
	}
	return name + ext
}

// APIExportCanvas serves GET /api/v1/usecases/{slug}/canvases/{canvas}/export.
func (h *Handlers) APIExportCanvas(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "markdown" && format != "json" {
		h.Fail(w, r, atrium.Errorf(atrium.Invalid, "format must be markdown or json"))
		return
	}
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	if format == "json" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(oc, ".json")+`"`)
		respond.JSON(w, http.StatusOK, viewCanvas(oc.c, oc.t))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/markdown; charset=utf-8")
	hdr.Set("Content-Disposition", `attachment; filename="`+exportName(oc, ".md")+`"`)
	hdr.Set("Cache-Control", "no-store")
	w.Write(canvas.ExportMarkdown(oc.t, oc.c))
}

// MaxImportBytes bounds a Markdown canvas sent for import: a whole canvas
// is larger than an ordinary JSON body.
const MaxImportBytes = canvas.MaxImport

// APIImportCanvas creates a new canvas from an exported Markdown document,
// the same way the import page does (importCanvas): each section is saved
// through the store like an edit, so the import leaves the same audit trail
// as typing the canvas in.
func (h *Handlers) APIImportCanvas(w http.ResponseWriter, r *http.Request) {
	src, err := readMarkdown(w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	c, err := h.importCanvas(r, string(src))
	if err == nil {
		c, _, err = h.DB.GetCanvas(r.Context(), c.UseCaseSlug, c.ID)
	}
	var t *canvas.Template
	if err == nil {
		t, err = h.template(c.TemplateID)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.created(w, c, t)
}

// readMarkdown reads a Markdown request body of at most MaxImportBytes bytes.
func readMarkdown(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "text/markdown") && !strings.HasPrefix(ct, "text/plain") {
		return nil, atrium.Errorf(atrium.Invalid, "send the canvas as text/markdown (got %q)", ct)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxImportBytes))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, atrium.Errorf(atrium.TooLarge, "the canvas is larger than %d bytes", MaxImportBytes)
	}
	if err != nil {
		return nil, atrium.Wrap(atrium.Invalid, err, "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, atrium.Errorf(atrium.Invalid, "the body is empty; send a canvas exported as Markdown")
	}
	return body, nil
}
