package canvases

import (
	"errors"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// printData is the standalone print sheet: the whole poster with every text
// in full, for an A3 landscape page.
type printData struct {
	Title     string
	Poster    poster
	Canvas    canvas.Canvas
	Iteration int // the latest published iteration, 0 for none
	Printed   time.Time
	Release   string
}

// PageCanvasPrint renders the poster as its own document, without the
// site's navigation, with a stylesheet for A3 landscape paper.
func (h *Handlers) PageCanvasPrint(w http.ResponseWriter, r *http.Request) {
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	people, err := h.DB.Stakeholders(r.Context(), oc.uc.Slug)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	p := buildPoster(oc.uc, oc.t, oc.c.Title, render.CanvasPath(oc.uc.Slug, oc.c.ID),
		posterOptions{Sections: liveStates(oc.c), Header: oc.c.Header, People: people, Full: true})
	h.RenderRoot(w, r, http.StatusOK, "print", "print", printData{Title: oc.c.Title + " · " + oc.uc.Name, Poster: p,
		Canvas: oc.c, Iteration: oc.c.Iterations, Printed: time.Now(), Release: h.Release})
}

// PageCanvasExport downloads the canvas as Markdown. It is served as
// text/markdown with nosniff, so a browser never treats it as a page.
func (h *Handlers) PageCanvasExport(w http.ResponseWriter, r *http.Request) {
	oc, err := h.openCanvas(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/markdown; charset=utf-8")
	hdr.Set("Content-Disposition", `attachment; filename="`+exportName(oc, ".md")+`"`)
	hdr.Set("Cache-Control", "no-store")
	w.Write(canvas.ExportMarkdown(oc.t, oc.c))
}

// importData is the form that makes a canvas from exported Markdown.
type importData struct {
	render.Frame
	UseCase  render.UseCaseRef
	Markdown string
	Error    string
}

// PageImportCanvas serves GET /usecases/{slug}/canvases/import.
func (h *Handlers) PageImportCanvas(w http.ResponseWriter, r *http.Request) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "import", importData{Frame: h.Frame(r, "Import a canvas · "+u.Name, "usecases"), UseCase: render.RefOf(u)})
}

// PageImportCanvasPost reads Markdown from the text area or an uploaded
// file and creates a new canvas from it, section by section, so the import
// leaves the same history as typing it in.
func (h *Handlers) PageImportCanvasPost(w http.ResponseWriter, r *http.Request) {
	src, err := importSource(w, r)
	var c canvas.Canvas
	if err == nil {
		c, err = h.importCanvas(r, src)
	}
	if err == nil {
		http.Redirect(w, r, render.CanvasPath(c.UseCaseSlug, c.ID)+"?notice=canvas-imported", http.StatusSeeOther)
		return
	}
	status, ok := render.FormStatus(err)
	if !ok || status == http.StatusForbidden {
		h.Fail(w, r, err)
		return
	}
	u, err2 := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err2 != nil {
		h.Fail(w, r, err2)
		return
	}
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest // the document, not a field, is at fault
	}
	h.Render(w, r, status, "import", importData{Frame: h.Frame(r, "Import a canvas · "+u.Name, "usecases"),
		UseCase: render.RefOf(u), Markdown: src, Error: atrium.MessageOf(err)})
}

// importSource is the Markdown sent: an uploaded file wins over the text
// area, so picking a file is never silently ignored.
func importSource(w http.ResponseWriter, r *http.Request) (string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, canvas.MaxImport+64<<10)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(canvas.MaxImport)
	} else {
		err = r.ParseForm()
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return "", atrium.Errorf(atrium.TooLarge, "the canvas is larger than %d bytes", canvas.MaxImport)
	}
	if err != nil {
		return "", atrium.Wrap(atrium.Invalid, err, "the form could not be read")
	}
	src := r.PostFormValue("markdown")
	if f, _, ferr := r.FormFile("file"); ferr == nil {
		defer f.Close()
		body, err := io.ReadAll(io.LimitReader(f, canvas.MaxImport+1))
		if err != nil {
			return "", atrium.Wrap(atrium.Invalid, err, "the file could not be read")
		}
		if len(body) > canvas.MaxImport {
			return "", atrium.Errorf(atrium.TooLarge, "the file is larger than %d bytes", canvas.MaxImport)
		}
		src = string(body)
	}
	if strings.TrimSpace(src) == "" {
		return src, atrium.Errorf(atrium.Invalid, "paste a canvas exported as Markdown, or choose such a file")
	}
	return src, nil
}

// importCanvas creates the canvas and saves each section that has content
// or a status.
func (h *Handlers) importCanvas(r *http.Request, src string) (canvas.Canvas, error) {
	imp, err := canvas.ImportMarkdown(h.Templates, []byte(src))
	if err != nil {
		return canvas.Canvas{}, err
	}
	t, err := h.template(imp.TemplateID)
	if err != nil {
		return canvas.Canvas{}, atrium.Errorf(atrium.Invalid, "template: %s", atrium.MessageOf(err))
	}
	return h.DB.ImportCanvas(r.Context(), r.PathValue("slug"), t, imp.Title, imp.Header, imp.Sections)
}

// sourceLine is one line of a document that failed to import.
type sourceLine struct {
	Number int
	Text   string
}

// lineRE finds the line number an import error names.
var lineRE = regexp.MustCompile(`^line ([0-9]{1,7}):`)

// errorLine shows the line an import error is about, so the person sees
// what to fix without counting lines; nil when the error names none.
func errorLine(msg, src string) *sourceLine {
	m := lineRE.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	n, _ := strconv.Atoi(m[1])
	lines := strings.Split(strings.ReplaceAll(strings.TrimPrefix(src, "\uFEFF"), "\r\n", "\n"), "\n")
	if n < 1 || n > len(lines) {
		return nil
	}
	return &sourceLine{Number: n, Text: lines[n-1]}
}
