package artifacts

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// APIUpload stores the raw request body as an artifact. The name and
// content type come from the query (the type falls back to the request's
// Content-Type); the body streams to the blob store, hashed on the way and
// cut off with 413 past the cap.
func (h *Handlers) APIUpload(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ct := q.Get("content_type")
	if !q.Has("content_type") {
		ct = r.Header.Get("Content-Type")
	}
	ref, err := assetQuery(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	a, err := h.upload(w, r, artifact.Upload{Name: q.Get("name"), ContentType: ct, Asset: ref}, r.Body)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/usecases/"+r.PathValue("slug")+"/artifacts/"+a.ID)
	respond.JSON(w, http.StatusCreated, a)
}

// APIList lists a use case's artifacts, newest first; only those of one
// registry version when asset_kind, asset_name and asset_version are given.
func (h *Handlers) APIList(w http.ResponseWriter, r *http.Request) {
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	ref, err := assetQuery(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.ListArtifacts(r.Context(), r.PathValue("slug"), artifact.Filter{Asset: ref, Page: p})
	h.Reply(w, r, http.StatusOK, page, err)
}

// APIGet describes one artifact.
func (h *Handlers) APIGet(w http.ResponseWriter, r *http.Request) {
	a, err := h.DB.GetArtifact(r.Context(), r.PathValue("slug"), r.PathValue("id"))
	h.Reply(w, r, http.StatusOK, a, err)
}

// APIContent downloads an artifact's bytes.
func (h *Handlers) APIContent(w http.ResponseWriter, r *http.Request) { h.download(w, r) }

// APIDelete removes an artifact and its bytes.
func (h *Handlers) APIDelete(w http.ResponseWriter, r *http.Request) {
	b, err := h.bucket()
	if err == nil {
		err = h.DB.DeleteArtifact(r.Context(), b, r.PathValue("slug"), r.PathValue("id"))
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
