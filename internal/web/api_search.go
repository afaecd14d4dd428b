package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
)

// searchHit is one search result with the address of the page it names.
type searchHit struct {
	store.SearchHit
	Href string `json:"href"`
}

// searchQuery reads ?q, shared by the API and the search page.
func searchQuery(r *http.Request) (string, atrium.PageRequest, error) {
	p, err := pageRequest(r)
	if err != nil {
		return "", p, err
	}
	q, err := atrium.CheckText("q", r.URL.Query().Get("q"), 200, true, false)
	return q, p, err
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	q, p, err := searchQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page, err := s.db.Search(r.Context(), q, p)
	s.reply(w, r, http.StatusOK, atrium.Page[searchHit]{Items: s.searchHits(page.Items), NextPageToken: page.NextPageToken, Total: page.Total}, err)
}

// unmark strips the store's match marks from a snippet.
var unmark = strings.NewReplacer(store.SnippetMarkStart, "", store.SnippetMarkEnd, "")

// searchHits adds to each hit its page address and, for sections, the
// section's title from the template library.
func (s *Server) searchHits(hits []store.SearchHit) []searchHit {
	out := make([]searchHit, 0, len(hits))
	for _, h := range hits {
		v := searchHit{SearchHit: h}
		// The snippet is plain text here: the store's match marks are for
		// pages, which turn them into highlights.
		v.Snippet = unmark.Replace(h.Snippet)
		uc := "/usecases/" + url.PathEscape(h.UseCaseSlug)
		switch h.Kind {
		case "decision":
			v.Href = uc + "/decisions/" + strconv.Itoa(h.Decision)
		default:
			v.Href = uc + "/canvases/" + url.PathEscape(h.CanvasID) + "/sections/" + url.PathEscape(h.SectionID)
			v.Title = s.sectionTitle(h.TemplateID, h.SectionID)
		}
		out = append(out, v)
	}
	return out
}

// sectionTitle names a section of a search hit by its canvas's template,
// falling back to the id when the template is no longer loaded.
func (s *Server) sectionTitle(templateID, id string) string {
	if t, ok := s.templates.Get(templateID); ok {
		if def, _, ok := t.Section(id); ok {
			return def.Title
		}
	}
	return id
}
