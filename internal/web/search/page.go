package search

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// searchData is the search page: the query, its results and the pager.
type searchData struct {
	render.Frame
	Hits  []searchResult
	Pager render.Pager
	Error string
}

// searchResult is a hit with its snippet ready to show.
type searchResult struct {
	Hit
	Excerpt template.HTML
}

// PageSearch searches the section texts and decision records the person
// can see. An empty query shows the form with a hint, not an error.
func (h *Handlers) PageSearch(w http.ResponseWriter, r *http.Request) {
	d := searchData{Frame: h.Frame(r, "Search", "search")}
	d.Query = r.URL.Query().Get("q")
	if d.Title = "Search"; strings.TrimSpace(d.Query) != "" {
		d.Title = "Search: " + d.Query
	}
	if strings.TrimSpace(d.Query) == "" {
		h.Render(w, r, http.StatusOK, "search", d)
		return
	}
	q, p, err := searchQuery(r)
	if err != nil {
		d.Error = atrium.MessageOf(err)
		h.Render(w, r, http.StatusBadRequest, "search", d)
		return
	}
	page, err := h.DB.Search(r.Context(), q, p)
	if err != nil {
		if atrium.KindOf(err) == atrium.Invalid {
			d.Error = atrium.MessageOf(err)
			h.Render(w, r, http.StatusBadRequest, "search", d)
			return
		}
		h.Fail(w, r, err)
		return
	}
	// The API's hits carry plain snippets; the page highlights the matches
	// from the store's marked ones, which come in the same order.
	for i, hit := range h.hits(page.Items) {
		d.Hits = append(d.Hits, searchResult{Hit: hit, Excerpt: highlight(page.Items[i].Snippet)})
	}
	d.Pager = render.NewPager(r, p, page.Total, len(page.Items), page.NextPageToken)
	h.Render(w, r, http.StatusOK, "search", d)
}

// highlight escapes a snippet and turns the store's match marks into
// <mark> elements, always balanced whatever the marks say.
func highlight(snippet string) template.HTML {
	var b strings.Builder
	open := false
	for {
		// The marks are single bytes that never occur inside a UTF-8
		// sequence, so the text between them is escaped in one piece.
		i := strings.IndexAny(snippet, store.SnippetMarkStart+store.SnippetMarkEnd)
		if i < 0 {
			b.WriteString(template.HTMLEscapeString(snippet))
			break
		}
		b.WriteString(template.HTMLEscapeString(snippet[:i]))
		switch start := snippet[i:i+1] == store.SnippetMarkStart; {
		case start && !open:
			b.WriteString("<mark>")
			open = true
		case !start && open:
			b.WriteString("</mark>")
			open = false
		}
		snippet = snippet[i+1:]
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}
