package web

import (
	"bytes"
	"errors"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"io"
	"net/http"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// templateSummary is one entry of GET /api/v1/templates.
type templateSummary struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description"`
	Source      string `json:"source"`
	Phases      int    `json:"phases"`
	Sections    int    `json:"sections"`
}

func (s *Server) apiListTemplates(w http.ResponseWriter, r *http.Request) {
	items := []templateSummary{}
	for _, t := range s.templates.List() {
		items = append(items, templateSummary{ID: t.ID, Name: t.Name, Version: t.Version, Description: t.Description,
			Source: t.Source, Phases: len(t.Phases), Sections: len(t.SectionIDs())})
	}
	respond.JSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) apiGetTemplate(w http.ResponseWriter, r *http.Request) {
	t, err := s.template(r.PathValue("id"))
	s.reply(w, r, http.StatusOK, t, err)
}

// template looks a template up in the library.
func (s *Server) template(id string) (*canvas.Template, error) {
	if t, ok := s.templates.Get(id); ok {
		return t, nil
	}
	return nil, atrium.Errorf(atrium.NotFound, "no canvas template %q on this server", truncateID(id))
}

func truncateID(id string) string {
	if len(id) > 80 {
		return id[:80] + "…"
	}
	return id
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
func (s *Server) openCanvas(r *http.Request) (openedCanvas, error) {
	c, uc, err := s.db.GetCanvas(r.Context(), r.PathValue("slug"), r.PathValue("canvas"))
	if err != nil {
		return openedCanvas{}, err
	}
	t, ok := s.templates.Get(c.TemplateID)
	if !ok {
		return openedCanvas{}, atrium.Errorf(atrium.Unavailable,
			"this canvas uses the template %q, which this server does not offer; start it with --templates naming the folder that holds it", c.TemplateID)
	}
	return openedCanvas{c: c, uc: uc, t: t}, nil
}

// sectionView is a section as the API shows it: its state plus its content
// rendered to sanitised HTML, so clients need no Markdown renderer.
type sectionView struct {
	canvas.Section
	HTML string `json:"html"`
}

// canvasView is a canvas as the API shows it.
type canvasView struct {
	canvas.Canvas
	TemplateName string                 `json:"template_name"`
	Sections     map[string]sectionView `json:"sections"`
	Completeness canvas.Completeness    `json:"completeness"`
}

func viewCanvas(c canvas.Canvas, t *canvas.Template) canvasView {
	v := canvasView{Canvas: c, TemplateName: t.Name, Sections: map[string]sectionView{}, Completeness: canvas.CompletenessOf(t, c)}
	for _, id := range t.SectionIDs() {
		sec := sectionOf(c, id)
		v.Sections[id] = sectionView{Section: sec, HTML: sec.HTML}
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

func (s *Server) apiListCanvases(w http.ResponseWriter, r *http.Request) {
	list, err := s.db.ListCanvases(r.Context(), r.PathValue("slug"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items := make([]canvasView, 0, len(list))
	for _, c := range list {
		if t, ok := s.templates.Get(c.TemplateID); ok {
			items = append(items, viewCanvas(c, t))
		} else {
			items = append(items, canvasView{Canvas: c, TemplateName: c.TemplateID})
		}
	}
	respond.JSON(w, http.StatusOK, map[string]any{"items": items})
}

// canvasInput is the body of POST /api/v1/usecases/{slug}/canvases.
type canvasInput struct {
	Template string            `json:"template"`
	Title    string            `json:"title"`
	Header   map[string]string `json:"header"`
}

func (s *Server) apiCreateCanvas(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[canvasInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	t, err := s.template(in.Template)
	if err != nil {
		s.fail(w, r, atrium.Errorf(atrium.Invalid, "template: %s", atrium.MessageOf(err)))
		return
	}
	c, err := s.db.CreateCanvas(r.Context(), r.PathValue("slug"), t, in.Title, in.Header)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.created(w, c, t)
}

// created answers a new canvas with 201 and its address.
func (s *Server) created(w http.ResponseWriter, c canvas.Canvas, t *canvas.Template) {
	w.Header().Set("Location", "/api/v1/usecases/"+c.UseCaseSlug+"/canvases/"+c.ID)
	respond.JSON(w, http.StatusCreated, viewCanvas(c, t))
}

func (s *Server) apiGetCanvas(w http.ResponseWriter, r *http.Request) {
	oc, err := s.openCanvas(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, viewCanvas(oc.c, oc.t))
}

// canvasPatch is the body of PATCH …/canvases/{canvas}: the title and header
// fields. Header fields not sent stay as they are; "" clears one.
type canvasPatch struct {
	Title   *string           `json:"title"`
	Header  map[string]string `json:"header"`
	Version int64             `json:"version"`
}

func (s *Server) apiUpdateCanvas(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[canvasPatch](w, r)
	if err == nil {
		err = checkVersion("version", in.Version)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	oc, err := s.openCanvas(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if in.Version == 0 { // 0 skips the check, as for use cases
		in.Version = oc.c.Version
	}
	c, err := s.db.UpdateCanvasHeader(r.Context(), oc.uc.Slug, oc.c.ID, oc.t, in.Title, in.Header, in.Version)
	s.reply(w, r, http.StatusOK, viewCanvas(c, oc.t), err)
}

func (s *Server) apiCanvasCompleteness(w http.ResponseWriter, r *http.Request) {
	oc, err := s.openCanvas(r)
	if err != nil {
		s.fail(w, r, err)
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

func (s *Server) apiExportCanvas(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format != "" && format != "markdown" && format != "json" {
		s.fail(w, r, atrium.Errorf(atrium.Invalid, "format must be markdown or json"))
		return
	}
	oc, err := s.openCanvas(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if format == "json" {
		w.Header().Set("Content-Disposition", `attachment; filename="`+exportName(oc, ".json")+`"`)
		respond.JSON(w, http.StatusOK, viewCanvas(oc.c, oc.t))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/markdown; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+exportName(oc, ".md")+`"`)
	h.Set("Cache-Control", "no-store")
	w.Write(canvas.ExportMarkdown(oc.t, oc.c))
}

// MaxImportBytes bounds a Markdown canvas sent for import: a whole canvas
// is larger than an ordinary JSON body.
const MaxImportBytes = canvas.MaxImport

// apiImportCanvas creates a new canvas from an exported Markdown document,
// the same way the import page does (importCanvas): each section is saved
// through the store like an edit, so the import leaves the same audit trail
// as typing the canvas in.
func (s *Server) apiImportCanvas(w http.ResponseWriter, r *http.Request) {
	src, err := readMarkdown(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, err := s.importCanvas(r, string(src))
	if err == nil {
		c, _, err = s.db.GetCanvas(r.Context(), c.UseCaseSlug, c.ID)
	}
	var t *canvas.Template
	if err == nil {
		t, err = s.template(c.TemplateID)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.created(w, c, t)
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
