package search

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// Hit is one search result with the address of the page it names.
type Hit struct {
	store.SearchHit
	Href string `json:"href"`
}

// searchQuery reads ?q, shared by the API and the search page.
func searchQuery(r *http.Request) (string, atrium.PageRequest, error) {
	p, err := respond.PageOf(r)
	if err != nil {
		return "", p, err
	}
	q, err := atrium.CheckText("q", r.URL.Query().Get("q"), 200, true, false)
	return q, p, err
}

// APISearch searches the section texts and decision records the caller can
// see, a page at a time, with plain-text snippets.
func (h *Handlers) APISearch(w http.ResponseWriter, r *http.Request) {
	q, p, err := searchQuery(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.Search(r.Context(), q, p)
	h.Reply(w, r, http.StatusOK, atrium.Page[Hit]{Items: h.hits(page.Items), NextPageToken: page.NextPageToken, Total: page.Total}, err)
}

// unmark strips the store's match marks from a snippet.
var unmark = strings.NewReplacer(store.SnippetMarkStart, "", store.SnippetMarkEnd, "")

// hits adds to each hit its page address and, for sections, the
// section's title from the template library.
func (h *Handlers) hits(found []store.SearchHit) []Hit {
	out := make([]Hit, 0, len(found))
	for _, hit := range found {
		v := Hit{SearchHit: hit}
		// The snippet is plain text here: the store's match marks are for
		// pages, which turn them into highlights.
		v.Snippet = unmark.Replace(hit.Snippet)
		uc := "/usecases/" + url.PathEscape(hit.UseCaseSlug)
		switch hit.Kind {
		case "decision":
			v.Href = uc + "/decisions/" + strconv.Itoa(hit.Decision)
		default:
			v.Href = uc + "/canvases/" + url.PathEscape(hit.CanvasID) + "/sections/" + url.PathEscape(hit.SectionID)
			v.Title = h.sectionTitle(hit.TemplateID, hit.SectionID)
		}
		out = append(out, v)
	}
	return out
}

// sectionTitle names a section of a search hit by its canvas's template,
// falling back to the id when the template is no longer loaded.
func (h *Handlers) sectionTitle(templateID, id string) string {
	if t, ok := h.Templates.Get(templateID); ok {
		if def, _, ok := t.Section(id); ok {
			return def.Title
		}
	}
	return id
}
