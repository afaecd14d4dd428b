package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPagesResolveAccessOnce loads pages through the server and counts the
// store's use-case access checks: a page that shows many things about one
// use case — the use-case page with its history, access list, canvases and
// audit trail; a poster with evidence beside every section — works out who
// may see it once.
func TestPagesResolveAccessOnce(t *testing.T) {
	f := newFixture(t)
	poster := "/usecases/alpha/canvases/" + f.canvas.ID
	for _, tc := range []struct{ name, who, path, want string }{
		{"use case page, owner", "owner", "/usecases/alpha", "Alpha plan"},
		{"use case page, viewer", "viewer", "/usecases/alpha", "Alpha plan"},
		{"canvas poster, owner", "owner", poster, "Publish iteration 2"},
		{"canvas poster, viewer", "viewer", poster, "Officers keep the last word"},
		{"section editor, owner", "owner", poster + "/sections/objective-setting", "AUC"},
		{"section editor, viewer", "viewer", poster + "/sections/requirements", "Officers keep the last word"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.access.Load()
			rec := f.do(tc.who, http.MethodGet, tc.path, "", nil)
			expect(t, rec, http.StatusOK, tc.want)
			if got := f.access.Load() - before; got != 1 {
				t.Fatalf("access checks=%d, want 1", got)
			}
		})
	}
}

// TestSectionSaveReadsNoCanvasFirst saves a section through the API and
// the editor's form: the route's role check and the store's own are the
// only access checks, with no read of the canvas before the store is asked
// (the store knows the canvas's template). An unknown section is still 404.
func TestSectionSaveReadsNoCanvasFirst(t *testing.T) {
	f := newFixture(t)
	section := "/usecases/alpha/canvases/" + f.canvas.ID + "/sections/problem-definition"
	for _, tc := range []struct {
		name, method, path, contentType, body string
		want                                  int
	}{
		{"API", http.MethodPut, "/api/v1" + section, "application/json", `{"content": "Cut review time.", "base_version": 1}`, http.StatusOK},
		{"form", http.MethodPost, section, "application/x-www-form-urlencoded",
			url.Values{"content": {"Cut review time by half."}, "status": {"draft"}, "base_status": {"draft"}, "base_version": {"2"}}.Encode(), http.StatusSeeOther},
		{"API, unknown section", http.MethodPut, "/api/v1" + strings.Replace(section, "problem-definition", "no-such-section", 1), "application/json",
			`{"content": "x"}`, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.access.Load()
			rec := f.do("owner", tc.method, tc.path, tc.contentType, []byte(tc.body))
			if rec.Code != tc.want {
				t.Fatalf("status=%d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if got := f.access.Load() - before; got != 2 {
				t.Fatalf("access checks=%d, want 2 (the route's and the store's)", got)
			}
		})
	}
}
