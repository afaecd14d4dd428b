// Package artifacts serves the files uploaded to a use case: the JSON API
// to upload, list, describe, download and delete them, and the page that
// lists them with an upload form.
//
// Downloads are built so that a file can never act as part of Atrium's
// site: always an attachment, never sniffed, sandboxed by their own
// Content-Security-Policy, and with HTML, SVG and every other type off the
// allow-list served as application/octet-stream.
package artifacts

import (
	"embed"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"gocloud.dev/blob"

	"github.com/atrium-mlops/atrium/internal/artifact"
	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

//go:embed templates
var files embed.FS

// Handlers serve the artifact routes.
type Handlers struct {
	*respond.Responder // Fail, Reply
	*render.Views      // Frame, Render
	DB                 *store.DB
	// Blobs is where artifacts' bytes live; nil when the server has none,
	// and then every artifact route answers 503.
	Blobs *blob.Bucket
	// MaxBytes caps an upload (artifact.DefaultMaxBytes when zero).
	MaxBytes int64
}

// Pages are the page templates of this package, for render.Load.
func Pages() render.Pages {
	return render.Pages{FS: files, Glob: "templates/*.html",
		Funcs:   template.FuncMap{"size": sizeText},
		Notices: map[string]string{"artifact-uploaded": "The file was uploaded.", "artifact-deleted": "The file was deleted."}}
}

// max is the upload cap in force.
func (h *Handlers) max() int64 {
	if h.MaxBytes > 0 {
		return h.MaxBytes
	}
	return artifact.DefaultMaxBytes
}

var errNoStore = atrium.Errorf(atrium.Unavailable, "this server has no artifact store configured")

// bucket is the blob store, or the error that there is none.
func (h *Handlers) bucket() (*blob.Bucket, error) {
	if h.Blobs == nil {
		return nil, errNoStore
	}
	return h.Blobs, nil
}

// capped reads a request body and turns running past the cap into the
// store's TooLarge error.
type capped struct {
	r   io.Reader
	max int64
}

func (c capped) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return n, artifact.TooLarge(c.max)
	}
	return n, err
}

// assetQuery reads the optional link to a registry version from the query:
// asset_kind, asset_name and asset_version, all three or none.
func assetQuery(r *http.Request) (*artifact.AssetRef, error) {
	q := r.URL.Query()
	kind, name, version := q.Get("asset_kind"), q.Get("asset_name"), q.Get("asset_version")
	if kind == "" && name == "" && version == "" {
		return nil, nil
	}
	if kind == "" || name == "" || version == "" {
		return nil, atrium.Errorf(atrium.Invalid, "give all of asset_kind, asset_name and asset_version, or none")
	}
	n, err := strconv.Atoi(version)
	if err != nil || n < 1 || strconv.Itoa(n) != version {
		return nil, atrium.Errorf(atrium.Invalid, "asset_version must be a version number (1 or more)")
	}
	ref := &artifact.AssetRef{Kind: registry.Kind(kind), Name: name, Version: n}
	if err := ref.Check(); err != nil {
		return nil, err
	}
	return ref, nil
}

// upload stores the request body as an artifact of the use case.
func (h *Handlers) upload(w http.ResponseWriter, r *http.Request, up artifact.Upload, body io.ReadCloser) (artifact.Artifact, error) {
	b, err := h.bucket()
	if err != nil {
		return artifact.Artifact{}, err
	}
	max := h.max()
	if r.ContentLength > max {
		return artifact.Artifact{}, artifact.TooLarge(max)
	}
	return h.DB.CreateArtifact(r.Context(), b, r.PathValue("slug"), up, capped{http.MaxBytesReader(w, body, max), max}, max)
}

// download sends an artifact's bytes, as an attachment that no browser
// renders in Atrium's origin.
func (h *Handlers) download(w http.ResponseWriter, r *http.Request) {
	b, err := h.bucket()
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	a, rd, err := h.DB.OpenArtifact(r.Context(), b, r.PathValue("slug"), r.PathValue("id"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	defer rd.Close()
	hd := w.Header()
	hd.Set("Content-Type", servedType(a.ContentType))
	hd.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	hd.Set("Content-Disposition", artifact.ContentDisposition(a.Name))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	hd.Set("Cross-Origin-Resource-Policy", "same-origin")
	hd.Set("Cache-Control", "private, no-cache")
	hd.Set("ETag", `"sha256-`+a.Digest+`"`)
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, `"sha256-`+a.Digest+`"`) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rd); err != nil {
		h.Log.Warn("artifact download cut short", "request_id", atrium.RequestIDFrom(r.Context()), "artifact", a.ID, "err", err)
	}
}

// servedType is the Content-Type of a download: the stored type, which the
// allow-list already reduced, with text declared as UTF-8.
func servedType(ct string) string {
	if strings.HasPrefix(ct, "text/") {
		return ct + "; charset=utf-8"
	}
	return ct
}
