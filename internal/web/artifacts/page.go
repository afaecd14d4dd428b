package artifacts

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// artifactsData is the page listing a use case's artifacts.
type artifactsData struct {
	render.Frame
	UseCase  usecase.UseCase
	Items    []artifact.Artifact
	Pager    render.Pager
	CanEdit  bool
	MaxBytes int64
	Error    string
}

func artifactsPath(slug string) string { return render.UseCasePath(slug) + "/artifacts" }

func (h *Handlers) artifactsPage(r *http.Request) (artifactsData, error) {
	u, err := h.DB.GetUseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return artifactsData{}, err
	}
	p, err := atrium.ParsePage(r.URL.Query().Get("page_size"), r.URL.Query().Get("page_token"))
	if err != nil {
		return artifactsData{}, err
	}
	page, err := h.DB.ListArtifacts(r.Context(), u.Slug, artifact.Filter{Page: p})
	if err != nil {
		return artifactsData{}, err
	}
	return artifactsData{Frame: h.Frame(r, "Files · "+u.Name, "usecases"), UseCase: u, Items: page.Items,
		Pager:   render.NewPager(r, p, page.Total, len(page.Items), page.NextPageToken),
		CanEdit: u.Role.AtLeast(usecase.Editor) && !u.Archived, MaxBytes: h.max()}, nil
}

// PageArtifacts serves GET /usecases/{slug}/artifacts.
func (h *Handlers) PageArtifacts(w http.ResponseWriter, r *http.Request) {
	d, err := h.artifactsPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "artifacts", d)
}

// formSlack is what a multipart form may carry beside the file: the
// boundaries and part headers.
const formSlack = 64 << 10

// PageArtifactsPost serves the upload form: a multipart body whose one
// part, "file", streams to the store like an API upload. The browser's file
// name and type go through the same checks as the API's query.
func (h *Handlers) PageArtifactsPost(w http.ResponseWriter, r *http.Request) {
	if h.Blobs == nil {
		h.Fail(w, r, errNoStore)
		return
	}
	max := h.max()
	if r.ContentLength > max+formSlack {
		h.failed(w, r, artifact.TooLarge(max))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, max+formSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		h.failed(w, r, atrium.Errorf(atrium.Invalid, "send the form as multipart/form-data with a file"))
		return
	}
	var part *multipart.Part
	for {
		part, err = mr.NextPart()
		if errors.Is(err, io.EOF) {
			h.failed(w, r, atrium.Errorf(atrium.Invalid, "choose a file to upload"))
			return
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				err = artifact.TooLarge(max)
			} else {
				err = atrium.Wrap(atrium.Invalid, err, "the form could not be read")
			}
			h.failed(w, r, err)
			return
		}
		if part.FormName() == "file" {
			break
		}
		part.Close()
	}
	defer part.Close()
	up := artifact.Upload{Name: part.FileName(), ContentType: part.Header.Get("Content-Type")}
	if up.Name == "" {
		h.failed(w, r, atrium.Errorf(atrium.Invalid, "choose a file to upload"))
		return
	}
	if _, err := h.DB.CreateArtifact(r.Context(), h.Blobs, r.PathValue("slug"), up, capped{part, max}, max); err != nil {
		h.failed(w, r, err)
		return
	}
	http.Redirect(w, r, artifactsPath(r.PathValue("slug"))+"?notice=artifact-uploaded", http.StatusSeeOther)
}

// PageArtifactDeletePost serves POST /usecases/{slug}/artifacts/{id}/delete.
func (h *Handlers) PageArtifactDeletePost(w http.ResponseWriter, r *http.Request) {
	b, err := h.bucket()
	if err == nil {
		err = h.DB.DeleteArtifact(r.Context(), b, r.PathValue("slug"), r.PathValue("id"))
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, artifactsPath(r.PathValue("slug"))+"?notice=artifact-deleted", http.StatusSeeOther)
}

// failed shows the page again with the reason an upload was refused.
func (h *Handlers) failed(w http.ResponseWriter, r *http.Request, err error) {
	render.FormFailed(h.Views, w, r, err, h.Fail, "artifacts", h.artifactsPage, func(d *artifactsData, msg string) { d.Error = msg })
}

// sizeText writes a byte count for people.
func sizeText(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
