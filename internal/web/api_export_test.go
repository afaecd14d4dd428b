package web

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/web/canvases"
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"github.com/atrium-mlops/atrium/internal/web/search"
)

func TestExportAndImportRoundTrip(t *testing.T) {
	f := newFixture(t)
	cv := f.canvasURL()
	decodeInto(t, f.doJSON("owner", "PUT", cv+"/sections/users", map[string]any{
		"content": "Loan officers\n\n- check income\n- <!-- atrium:end --> looks like a marker\n", "status": "in review", "base_version": 0}), 200, nil)
	rec := f.do("viewer", "GET", cv+"/export", "", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/markdown; charset=utf-8" ||
		rec.Header().Get("Content-Disposition") != `attachment; filename="alpha-alpha-plan.md"` || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("export = %d %v", rec.Code, rec.Header())
	}
	md := rec.Body.Bytes()

	before := f.auditSize()
	rec = f.do("owner", "POST", "/api/v1/usecases/alpha/canvases/import", "text/markdown; charset=utf-8", md)
	var c canvases.CanvasView
	decodeInto(t, rec, 201, &c)
	if c.ID == f.canvas.ID || c.Title != "Alpha plan" || c.Header["team-name"] != "Team A" {
		t.Fatalf("imported %+v, want a new canvas with the same title and header", c)
	}
	orig := f.do("viewer", "GET", cv, "", nil)
	var o canvases.CanvasView
	decodeInto(t, orig, 200, &o)
	for id, want := range o.Sections {
		got := c.Sections[id]
		if got.Content != want.Content || got.Status != want.Status {
			t.Errorf("section %s = %q (%s), want %q (%s)", id, got.Content, got.Status, want.Content, want.Status)
		}
	}
	// One entry for the canvas, one for each of the two saved sections.
	if got := f.auditSize() - before; got != 3 {
		t.Errorf("the import added %d audit entries, want 3", got)
	}
	again := f.do("viewer", "GET", "/api/v1/usecases/alpha/canvases/"+c.ID+"/export", "", nil)
	if again.Body.String() != string(md) {
		t.Errorf("export of the import differs:\n%s\n---\n%s", again.Body, md)
	}

	var j canvases.CanvasView
	rec = f.do("viewer", "GET", cv+"/export?format=json", "", nil)
	decodeInto(t, rec, 200, &j)
	if j.ID != f.canvas.ID || !strings.HasSuffix(rec.Header().Get("Content-Disposition"), `.json"`) {
		t.Errorf("JSON export = %+v, %q", j.ID, rec.Header().Get("Content-Disposition"))
	}
	if rec := f.do("viewer", "GET", cv+"/export?format=pdf", "", nil); rec.Code != 400 {
		t.Errorf("format=pdf = %d, want 400", rec.Code)
	}
}

func TestImportRefusesBadDocuments(t *testing.T) {
	f := newFixture(t)
	url := "/api/v1/usecases/alpha/canvases/import"
	md := string(canvas.ExportMarkdown(f.template(fixtureTemplate), f.canvas))
	for _, tc := range []struct {
		name, contentType, body string
		want                    int
		detail                  string
	}{
		{"json", "application/json", md, 400, "text/markdown"},
		{"no type", "", md, 400, "text/markdown"},
		{"empty", "text/markdown", "  \n", 400, "empty"},
		{"not an export", "text/plain", "# Just notes\n", 400, "line 1"},
		{"unknown template", "text/markdown", strings.Replace(md, fixtureTemplate, "no-such-template", 1), 400, "line 1"},
		{"unknown section", "text/markdown", strings.Replace(md, `"id":"users"`, `"id":"no-such-section"`, 1), 400, "line "},
		{"too large", "text/markdown", md + strings.Repeat("x", canvases.MaxImportBytes), 413, "larger"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.auditSize()
			rec := f.do("owner", "POST", url, tc.contentType, []byte(tc.body))
			p := problem(t, rec)
			if rec.Code != tc.want || !strings.Contains(p.Detail, tc.detail) {
				t.Fatalf("= %d %q, want %d mentioning %q", rec.Code, p.Detail, tc.want, tc.detail)
			}
			if f.auditSize() != before {
				t.Fatal("a refused import stored something")
			}
		})
	}
}

// TestXSSIsInertInTheAPI stores script payloads in every kind of text and
// checks that no answer carries them as markup: rendered HTML is sanitised
// and JSON escapes angle brackets.
func TestXSSIsInertInTheAPI(t *testing.T) {
	f := newFixture(t)
	const payload = `<script>alert(1)</script><img src=x onerror=alert(2)>[click](javascript:alert(3))`
	cv := f.canvasURL()
	decodeInto(t, f.doJSON("owner", "PATCH", cv, map[string]any{"title": "T " + payload[:25], "header": map[string]string{"team-name": payload[:60]}}), 200, nil)
	decodeInto(t, f.doJSON("owner", "PUT", cv+"/sections/feasibility", map[string]any{"content": payload, "base_version": 0}), 200, nil)
	decodeInto(t, f.doJSON("owner", "POST", cv+"/sections/feasibility/comments", map[string]any{"body": payload}), 201, nil)
	decodeInto(t, f.doJSON("owner", "POST", "/api/v1/usecases/alpha/decisions", map[string]any{"title": "D " + payload[:25], "context": payload,
		"links": []map[string]string{{"kind": "section", "target": "feasibility", "label": payload[:30]}}}), 201, nil)
	decodeInto(t, f.doJSON("owner", "POST", "/api/v1/usecases/alpha/stakeholders", map[string]any{"kind": "user", "name": payload[:60], "concerns": payload}), 201, nil)
	for _, path := range []string{cv, cv + "/sections/feasibility", cv + "/sections/feasibility/evidence", cv + "/sections/users/evidence",
		"/api/v1/usecases/alpha/decisions", "/api/v1/usecases/alpha/stakeholders", cv + "/export?format=json", "/api/v1/search?q=alert"} {
		rec := f.do("viewer", "GET", path, "", nil)
		if rec.Code != 200 {
			t.Fatalf("GET %s = %d (%s)", path, rec.Code, rec.Body)
		}
		// JSON carries the text, but never an angle bracket a browser
		// sniffing the answer could take for markup.
		for _, bad := range []string{"<script", "<img"} {
			if strings.Contains(rec.Body.String(), bad) {
				t.Errorf("GET %s answers with raw %q", path, bad)
			}
		}
	}
	var sec canvases.SectionDetail
	decodeInto(t, f.do("viewer", "GET", cv+"/sections/feasibility", "", nil), 200, &sec)
	for _, bad := range []string{"<script", "<img", "href=\"javascript"} {
		if strings.Contains(strings.ToLower(sec.HTML), bad) {
			t.Errorf("rendered html %q contains %q", sec.HTML, bad)
		}
	}
	if len(sec.Thread) != 1 || sec.Thread[0].Body != payload {
		t.Errorf("the comment is not kept as written: %+v", sec.Thread)
	}
	if rec := f.do("viewer", "GET", cv+"/export", "", nil); !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Error("the Markdown export is not a download: a browser might render it")
	}
}

func TestSearchAPI(t *testing.T) {
	f := newFixture(t)
	var page struct {
		Items []search.Hit
		Total int
	}
	decodeInto(t, f.do("viewer", "GET", "/api/v1/search?q=review", "", nil), 200, &page)
	if page.Total != 1 || len(page.Items) != 1 {
		t.Fatalf("search = %+v, want the problem-definition section", page)
	}
	h := page.Items[0]
	if h.Kind != "section" || h.Title != "Problem definition" || h.Href != "/usecases/alpha/canvases/"+f.canvas.ID+"/sections/problem-definition" ||
		strings.ContainsAny(h.Snippet, "\x02\x03") || !strings.Contains(h.Snippet, "review") {
		t.Errorf("hit = %+v", h)
	}
	decodeInto(t, f.do("viewer", "GET", "/api/v1/search?q=officers+keep", "", nil), 200, &page)
	if len(page.Items) != 1 || page.Items[0].Href != "/usecases/alpha/decisions/1" {
		t.Errorf("decision search = %+v", page.Items)
	}
	decodeInto(t, f.do("stranger", "GET", "/api/v1/search?q=review", "", nil), 200, &page)
	if page.Total != 0 {
		t.Errorf("a stranger finds %+v in a use case they cannot see", page.Items)
	}
	for _, q := range []string{"", "q=", "q=" + strings.Repeat("a", 201), "q=x&page_size=0"} {
		if rec := f.do("viewer", "GET", "/api/v1/search?"+q, "", nil); rec.Code != 400 {
			t.Errorf("search ?%s = %d, want 400", q, rec.Code)
		}
	}
}

func TestProblemDetailsKeepStandardMembers(t *testing.T) {
	err := respond.WithDetails(errNoRoute, map[string]any{"status": 200, "code": "fine", "extra": []int{1}})
	var doc map[string]any
	b, _ := json.Marshal(respond.ProblemFor(err).Document(err))
	if e := json.Unmarshal(b, &doc); e != nil {
		t.Fatal(e)
	}
	if doc["status"] != float64(404) || doc["code"] != "not_found" || doc["extra"] == nil {
		t.Fatalf("document = %v, want status 404, code not_found and the extra member", doc)
	}
}
