package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/web/search"
)

// hostileSearches are queries a person might type or an attacker craft,
// with the status each must get: results, or a 400 saying what is wrong,
// never a server error.
func hostileSearches() []struct {
	q    string
	want int
} {
	var pairs []string
	for i := range 66 {
		pairs = append(pairs, string(rune('a'+i/26))+string(rune('a'+i%26)))
	}
	return []struct {
		q    string
		want int
	}{
		{`"`, 200}, {`NEAR(a`, 200}, {`a"a`, 200}, {`a*`, 200}, {`-a ^a (a)`, 200},
		{`'; DROP TABLE search_docs; --`, 200}, {`a & b | !c`, 200}, {`%_\`, 200},
		{strings.Repeat("a ", 100), 200}, {strings.Join(pairs, " "), 200},
		{"a\x00", 400}, {strings.Repeat("a", 201), 400}, {"\xff", 400}, {"a\u2028b", 400},
	}
}

// TestSearchHostileQueriesPage searches a section made of nothing but
// matches from the search page.
func TestSearchHostileQueriesPage(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	s.write(s.ada, c, "feasibility", strings.Repeat("a ", 24_999))
	for _, tc := range hostileSearches() {
		if rec := s.get(s.ada, "/search?q="+url.QueryEscape(tc.q)); rec.Code != tc.want {
			t.Errorf("/search?q=%.20q: status %d, want %d", tc.q, rec.Code, tc.want)
		}
	}
	rec := s.get(s.ada, "/search?q=a+a+a+a")
	expect(t, rec, http.StatusOK, `href="`+c+`/sections/feasibility"`, "<mark>a</mark>")
	if n := rec.Body.Len(); n > 20_000 {
		t.Errorf("results page of %d bytes for one hit, want its excerpt short", n)
	}
}

// TestSearchHostileQueriesAPI does the same through the API, whose
// snippets are plain text.
func TestSearchHostileQueriesAPI(t *testing.T) {
	f := newFixture(t)
	content := strings.Repeat("a ", 24_999)
	ctx := atrium.WithActor(context.Background(), atrium.Actor{UserID: f.users["owner"].ID, Name: "owner"})
	if _, err := f.db.SaveSection(ctx, "alpha", f.canvas.ID,
		canvas.SectionEdit{SectionID: "feasibility", Content: &content}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range hostileSearches() {
		if rec := f.do("viewer", "GET", "/api/v1/search?q="+url.QueryEscape(tc.q), "", nil); rec.Code != tc.want {
			t.Errorf("/api/v1/search?q=%.20q: status %d, want %d", tc.q, rec.Code, tc.want)
		}
	}
	var page struct {
		Items []search.Hit
		Total int
	}
	decodeInto(t, f.do("viewer", "GET", "/api/v1/search?q=a+a+a+a&page_size=1", "", nil), 200, &page)
	if page.Total != 1 || len(page.Items) != 1 {
		t.Fatalf("search = %d of %d hits, want the feasibility section", len(page.Items), page.Total)
	}
	if h := page.Items[0]; h.SectionID != "feasibility" || strings.ContainsAny(h.Snippet, "\x02\x03") || !strings.HasPrefix(h.Snippet, "a a") || len(h.Snippet) > 400 {
		t.Errorf("hit %s with snippet %.80q (%d bytes), want feasibility with a short plain snippet", h.SectionID, h.Snippet, len(h.Snippet))
	}
}
