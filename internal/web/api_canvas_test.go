package web

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/canvases"
)

// decodeInto decodes a JSON answer, failing on anything but want.
func decodeInto(t *testing.T, rec *httptest.ResponseRecorder, want int, v any) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d, want %d (body %.500s)", rec.Code, want, rec.Body)
	}
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("decode %.300s: %v", rec.Body, err)
		}
	}
}

func (f *fixture) canvasURL() string { return "/api/v1/usecases/alpha/canvases/" + f.canvas.ID }

func TestTemplatesAPI(t *testing.T) {
	f := newFixture(t)
	var list struct{ Items []canvases.TemplateSummary }
	decodeInto(t, f.do("viewer", "GET", "/api/v1/templates", "", nil), 200, &list)
	if len(list.Items) != 2 {
		t.Fatalf("templates = %+v, want the two built-in ones", list.Items)
	}
	for _, tc := range []struct {
		id       string
		phases   int
		sections int
	}{{"human-centric-mlops", 5, 25}, {"mlops-canvas-v0.1", 5, 12}} {
		var got *canvases.TemplateSummary
		for i := range list.Items {
			if list.Items[i].ID == tc.id {
				got = &list.Items[i]
			}
		}
		if got == nil || got.Phases != tc.phases || got.Sections != tc.sections || !strings.HasPrefix(got.Source, "built-in:") {
			t.Errorf("%s = %+v, want %d phases, %d sections, built in", tc.id, got, tc.phases, tc.sections)
		}
	}
	var tpl canvas.Template
	decodeInto(t, f.do("viewer", "GET", "/api/v1/templates/mlops-canvas-v0.1", "", nil), 200, &tpl)
	if _, _, ok := tpl.Section("model-governance"); !ok || len(tpl.Header) != 4 {
		t.Errorf("template = %+v, want model-governance and four header fields", tpl)
	}
	problem(t, f.do("viewer", "GET", "/api/v1/templates/nope", "", nil))
}

func TestCreateAndReadCanvas(t *testing.T) {
	f := newFixture(t)
	rec := f.doJSON("owner", "POST", "/api/v1/usecases/alpha/canvases", map[string]any{
		"template": "mlops-canvas-v0.1", "title": "Ops plan", "header": map[string]string{"iteration": "3", "date": "2026-11-27"}})
	var c canvases.CanvasView
	decodeInto(t, rec, 201, &c)
	if loc := rec.Header().Get("Location"); loc != "/api/v1/usecases/alpha/canvases/"+c.ID {
		t.Errorf("Location = %q", loc)
	}
	if c.TemplateID != "mlops-canvas-v0.1" || c.Header["iteration"] != "3" || len(c.Sections) != 12 || c.Completeness.Overall.Empty != 12 {
		t.Fatalf("created %+v, want an empty v0.1 canvas at iteration 3 with 12 sections", c)
	}
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"unknown template", map[string]any{"template": "nope", "title": "x"}},
		{"title with a newline", map[string]any{"template": "mlops-canvas-v0.1", "title": "two\nlines"}},
		{"unknown header field", map[string]any{"template": "mlops-canvas-v0.1", "title": "x", "header": map[string]string{"colour": "red"}}},
		{"bad date", map[string]any{"template": "mlops-canvas-v0.1", "title": "x", "header": map[string]string{"date": "tomorrow"}}},
	} {
		before := f.auditSize()
		if rec := f.doJSON("owner", "POST", "/api/v1/usecases/alpha/canvases", tc.body); rec.Code != 400 || f.auditSize() != before {
			t.Errorf("%s: status %d (%s), want 400 and nothing stored", tc.name, rec.Code, rec.Body)
		}
	}

	var list struct{ Items []canvases.CanvasView }
	decodeInto(t, f.do("viewer", "GET", "/api/v1/usecases/alpha/canvases", "", nil), 200, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d canvases, want 2", len(list.Items))
	}
	var got canvases.CanvasView
	decodeInto(t, f.do("viewer", "GET", f.canvasURL(), "", nil), 200, &got)
	pd := got.Sections["problem-definition"]
	if pd.Version != 1 || pd.Status != canvas.Draft || !strings.Contains(pd.HTML, "<strong>cut</strong>") {
		t.Errorf("problem-definition = %+v, want version 1, a draft, rendered", pd)
	}
	if got.Completeness.Overall.Draft != 1 || got.Sections["feasibility"].Status != canvas.Empty {
		t.Errorf("completeness %+v, want one drafted section", got.Completeness.Overall)
	}
	var done canvas.Completeness
	decodeInto(t, f.do("viewer", "GET", f.canvasURL()+"/completeness", "", nil), 200, &done)
	if done.Overall.Total != 25 || len(done.Phases) != 5 {
		t.Errorf("completeness = %+v, want 25 sections in 5 phases", done.Overall)
	}
	problem(t, f.do("viewer", "GET", "/api/v1/usecases/alpha/canvases/nope", "", nil))
}

func TestUpdateCanvasHeader(t *testing.T) {
	f := newFixture(t)
	var c canvases.CanvasView
	decodeInto(t, f.doJSON("owner", "PATCH", f.canvasURL(), map[string]any{"title": "Alpha, second try", "header": map[string]string{"canvas-date": "2026-12-01"}, "version": 1}), 200, &c)
	if c.Title != "Alpha, second try" || c.Header["canvas-date"] != "2026-12-01" || c.Header["team-name"] != "Team A" || c.Version != 2 {
		t.Fatalf("updated %+v, want the new title and date, the team kept, version 2", c)
	}
	rec := f.doJSON("owner", "PATCH", f.canvasURL(), map[string]any{"title": "Stale", "version": 1})
	if p := problem(t, rec); rec.Code != 409 || p.Code != "conflict" {
		t.Fatalf("stale version = %d %+v, want 409 conflict", rec.Code, p)
	}
	var cleared canvases.CanvasView
	decodeInto(t, f.doJSON("owner", "PATCH", f.canvasURL(), map[string]any{"header": map[string]string{"team-name": ""}}), 200, &cleared)
	if _, ok := cleared.Header["team-name"]; ok || cleared.Header["canvas-date"] != "2026-12-01" || cleared.Version != 3 {
		t.Fatalf("clearing without a version = %v at version %d, want team-name gone at version 3", cleared.Header, cleared.Version)
	}
}

// TestSectionConflict is the concurrent-edit case: two people open a
// section at version 1; the second save is refused with both versions, the
// text sent and a word diff of what the first person changed.
func TestSectionConflict(t *testing.T) {
	f := newFixture(t)
	url := f.canvasURL() + "/sections/problem-definition"
	var sec canvases.SectionView
	decodeInto(t, f.doJSON("owner", "PUT", url, map[string]any{"content": "We want to **halve** manual review time.", "base_version": 1}), 200, &sec)
	if sec.Version != 2 || !strings.Contains(sec.HTML, "<strong>halve</strong>") {
		t.Fatalf("saved %+v, want version 2 rendered", sec)
	}
	before := f.auditSize()
	rec := f.doJSON("admin", "PUT", url, map[string]any{"content": "Mine instead.", "base_version": 1})
	problem(t, rec)
	var conflict struct {
		Code    string
		Base    canvas.Section
		Current canvas.Section
		Yours   *string
		Changes []canvas.DiffOp
	}
	decodeInto(t, rec, 409, &conflict)
	if conflict.Code != "conflict" || conflict.Base.Version != 1 || conflict.Current.Version != 2 ||
		conflict.Base.Content != "We want to **cut** manual review time." || conflict.Current.Content != "We want to **halve** manual review time." {
		t.Fatalf("conflict = %+v, want versions 1 and 2 with their content", conflict)
	}
	if conflict.Yours == nil || *conflict.Yours != "Mine instead." {
		t.Errorf("yours = %v, want the text sent", conflict.Yours)
	}
	want := []canvas.DiffOp{{Op: "equal", Text: "We want to "}, {Op: "delete", Text: "**cut**"}, {Op: "insert", Text: "**halve**"}, {Op: "equal", Text: " manual review time."}}
	if got, _ := json.Marshal(conflict.Changes); string(got) != string(mustJSON(t, want)) {
		t.Errorf("changes = %s, want %s", got, mustJSON(t, want))
	}
	if f.auditSize() != before {
		t.Error("a refused edit was stored")
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"bad status", map[string]any{"status": "done", "base_version": 2}, 400},
		{"negative base", map[string]any{"content": "x", "base_version": -1}, 400},
		{"too long", map[string]any{"content": strings.Repeat("a", canvas.MaxContent+1), "base_version": 2}, 400},
	} {
		if rec := f.doJSON("owner", "PUT", url, tc.body); rec.Code != tc.want {
			t.Errorf("%s = %d, want %d (%s)", tc.name, rec.Code, tc.want, rec.Body)
		}
	}
	if rec := f.doJSON("owner", "PUT", f.canvasURL()+"/sections/no-such-section", map[string]any{"content": "x"}); rec.Code != 404 {
		t.Errorf("unknown section = %d, want 404", rec.Code)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReviewerSetsStatusOnly: reviewers review (status, comments); only
// editors change the text.
func TestReviewerSetsStatusOnly(t *testing.T) {
	f := newFixture(t)
	ctx := atrium.WithActor(context.Background(), atrium.System)
	if _, err := f.db.PutGrant(ctx, "alpha", usecase.Grant{UserID: f.users["viewer"].ID, Role: usecase.Reviewer}); err != nil {
		t.Fatal(err)
	}
	url := f.canvasURL() + "/sections/problem-definition"
	if rec := f.doJSON("viewer", "PUT", url, map[string]any{"content": "Reviewer text", "base_version": 1}); rec.Code != 403 {
		t.Errorf("reviewer changing the text = %d, want 403", rec.Code)
	}
	var sec canvases.SectionView
	decodeInto(t, f.doJSON("viewer", "PUT", url, map[string]any{"status": "in review", "base_version": 1}), 200, &sec)
	if sec.Status != canvas.InReview || sec.Content != "We want to **cut** manual review time." {
		t.Errorf("reviewed = %+v, want in review with the text unchanged", sec)
	}
	decodeInto(t, f.doJSON("viewer", "POST", url+"/comments", map[string]any{"body": "Which team?"}), 201, nil)
}

func TestSectionDetailAndComments(t *testing.T) {
	f := newFixture(t)
	url := f.canvasURL() + "/sections/problem-definition"
	decodeInto(t, f.doJSON("owner", "POST", url+"/comments", map[string]any{"body": "How much is **much**?"}), 201, nil)
	if rec := f.doJSON("owner", "POST", url+"/comments", map[string]any{"body": "  "}); rec.Code != 400 {
		t.Errorf("blank comment = %d, want 400", rec.Code)
	}
	if rec := f.doJSON("owner", "POST", f.canvasURL()+"/sections/nope/comments", map[string]any{"body": "x"}); rec.Code != 404 {
		t.Errorf("comment on an unknown section = %d, want 404", rec.Code)
	}
	var d canvases.SectionDetail
	decodeInto(t, f.do("viewer", "GET", url, "", nil), 200, &d)
	if d.Title != "Problem definition" || d.Phase != "scoping" || len(d.Prompts) == 0 || d.Comments != 1 || len(d.Thread) != 1 || d.Thread[0].AuthorName != "owner" {
		t.Fatalf("section = %+v, want its title, phase, prompts and one comment", d)
	}
	if len(d.Evidence) != 1 || d.Evidence[0].Kind != "decisions" {
		t.Errorf("evidence = %+v, want the decisions panel", d.Evidence)
	}
	var list struct{ Items []canvas.Comment }
	decodeInto(t, f.do("viewer", "GET", url+"/comments", "", nil), 200, &list)
	if len(list.Items) != 1 || list.Items[0].Body != "How much is **much**?" {
		t.Errorf("comments = %+v", list.Items)
	}
}

func TestIterationsAndDiff(t *testing.T) {
	f := newFixture(t)
	content := "We want to cut manual review time by half."
	decodeInto(t, f.doJSON("owner", "PUT", f.canvasURL()+"/sections/problem-definition", map[string]any{"content": content, "status": "agreed", "base_version": 1}), 200, nil)
	rec := f.doJSON("owner", "POST", f.canvasURL()+"/iterations", map[string]any{"message": "agreed scope"})
	var it canvas.Iteration
	decodeInto(t, rec, 201, &it)
	if it.Number != 2 || it.Snapshot.Sections["problem-definition"].Content != content || !strings.HasSuffix(rec.Header().Get("Location"), "/iterations/2") {
		t.Fatalf("published %+v, want iteration 2 with the new text", it)
	}
	var list struct{ Items []canvas.Iteration }
	decodeInto(t, f.do("viewer", "GET", f.canvasURL()+"/iterations", "", nil), 200, &list)
	if len(list.Items) != 2 || list.Items[0].Number != 2 {
		t.Fatalf("iterations = %+v, want 2 then 1", list.Items)
	}
	decodeInto(t, f.do("viewer", "GET", f.canvasURL()+"/iterations/1", "", nil), 200, &it)
	if it.Snapshot.Sections["problem-definition"].Content != "We want to **cut** manual review time." {
		t.Errorf("iteration 1 = %+v, want the first text", it.Snapshot)
	}
	var diff canvases.DiffView
	decodeInto(t, f.do("viewer", "GET", f.canvasURL()+"/diff?from=1&to=2", "", nil), 200, &diff)
	var changed []string
	for _, s := range diff.Sections {
		if s.Changed {
			changed = append(changed, s.SectionID)
			if s.StatusFrom != canvas.Draft || s.StatusTo != canvas.Agreed || len(s.Ops) < 2 {
				t.Errorf("diff of %s = %+v, want draft → agreed with word changes", s.SectionID, s)
			}
		}
	}
	if len(diff.Sections) != 25 || strings.Join(changed, ",") != "problem-definition" {
		t.Errorf("diff covers %d sections, changed %v; want 25 and only problem-definition", len(diff.Sections), changed)
	}
	decodeInto(t, f.do("viewer", "GET", f.canvasURL()+"/diff?from=2", "", nil), 200, &diff)
	for _, s := range diff.Sections {
		if s.Changed {
			t.Errorf("iteration 2 against the live canvas: %s changed", s.SectionID)
		}
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/diff", 400}, {"/diff?from=x", 400}, {"/diff?from=0", 400}, {"/diff?from=1&to=latest", 400}, {"/diff?from=1&to=+2", 400},
		{"/diff?from=9", 404}, {"/diff?from=1&to=9", 404}, {"/iterations/9", 404}, {"/iterations/x", 404}, {"/iterations/99999999999", 404},
	} {
		if rec := f.do("viewer", "GET", f.canvasURL()+tc.path, "", nil); rec.Code != tc.want {
			t.Errorf("GET %s = %d, want %d", tc.path, rec.Code, tc.want)
		}
	}
}
