package web

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/people"
)

// TestCanvasPagesRender opens every canvas page once and looks for what
// only that page shows.
func TestCanvasPagesRender(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	s.write(s.ada, c, "problem-definition", "Subscribers leave without warning.")
	if _, err := s.db.PublishIteration(s.as(s.ada), "churn", canvasID(c), "first cut"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, path, want string }{
		{"canvases", "/usecases/churn/canvases", "Churn plan"},
		{"poster", c, "Publish iteration 2"},
		{"section", c + "/sections/problem-definition", "Questions to answer"},
		{"iterations", c + "/iterations", "first cut"},
		{"iteration", c + "/iterations/1", "A frozen iteration"},
		{"diff", c + "/diff?from=1&to=current", "What changed in Churn plan"},
		{"import", "/usecases/churn/canvases/import", "Import a canvas"},
		{"stakeholders", "/usecases/churn/stakeholders", "Add someone to the register"},
		{"decisions", "/usecases/churn/decisions", "No decisions recorded yet"},
		{"new decision", "/usecases/churn/decisions/new", "Record a decision"},
		{"search", "/search?q=warning", "Subscribers leave without"},
		{"search form", "/search", "Words to find"},
		{"use case", "/usecases/churn", "Churn plan"},
		{"use-case list", "/usecases", `class="mini-tally"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.get(s.ada, tc.path)
			expect(t, rec, http.StatusOK, tc.want, `<main id="main"`)
			body := rec.Body.String()
			if strings.Contains(body, " style=") || strings.Contains(body, "<script>") {
				t.Fatal("the page has inline style or script, which the CSP blocks")
			}
		})
	}
}

func TestPrintIsAStandaloneA3Sheet(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	s.write(s.ada, c, "feasibility", "The call-centre logs go back three years.")
	rec := s.get(s.vera, c+"/print")
	expect(t, rec, http.StatusOK, "The call-centre logs go back three years.", "print.css", "Churn forecast", "Not yet published as an iteration")
	expectNot(t, rec.Body.String(), `class="nav"`, "app.js", `class="site-search"`)
	_, css, ok := s.srv.views.Asset("print.css")
	if !ok || !strings.Contains(string(css), "size: A3 landscape") {
		t.Fatal("print.css does not ask for A3 landscape pages")
	}
}

func TestExportIsMarkdownDownload(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	s.write(s.ada, c, "feasibility", "Logs exist.")
	rec := s.get(s.vera, c+"/export.md")
	expect(t, rec, http.StatusOK, "Logs exist.", "<!-- atrium:canvas")
	if ct := rec.Header().Get("Content-Type"); ct != "text/markdown; charset=utf-8" {
		t.Fatalf("Content-Type=%q, want text/markdown; charset=utf-8", ct)
	}
	if cd := rec.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="churn-churn-plan.md"`) {
		t.Fatalf("Content-Disposition=%q, want an attachment named churn-churn-plan.md", cd)
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatal("the export lacks X-Content-Type-Options: nosniff")
	}
}

// TestPosterShowsPromptsOrContent: an empty section shows its questions,
// a written one its text instead.
func TestPosterShowsPromptsOrContent(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	tpl := s.template(humanCentric)
	written, _, _ := tpl.Section("problem-definition")
	empty, _, _ := tpl.Section("feasibility")
	s.write(s.ada, c, "problem-definition", "We lose **four hundred** subscribers a month.")
	body := s.get(s.vera, c).Body.String()
	for _, want := range []string{"<strong>four hundred</strong>", html.EscapeString(empty.Prompts[0]), "Draft", "Empty"} {
		if !strings.Contains(body, want) {
			t.Fatalf("poster lacks %q", want)
		}
	}
	if strings.Contains(body, html.EscapeString(written.Prompts[0])) {
		t.Fatalf("poster shows the prompt %q of a written section", written.Prompts[0])
	}
	// Every section of the template is on the poster.
	for _, id := range tpl.SectionIDs() {
		if !strings.Contains(body, `id="s-`+id+`"`) {
			t.Errorf("poster lacks section %s", id)
		}
	}
	// A viewer gets no forms.
	expectNot(t, body, `action="`+c+`/publish"`, `action="`+c+`/header"`)
}

// TestPeopleGridShowsTheRegister: the Usage phase's grid lists register
// entries of each row's kind with their note for each moment.
func TestPeopleGridShowsTheRegister(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	form := url.Values{"kind": {people.DecisionMaker}, "name": {"Head of retention"}, "role": {"budget holder"},
		"before": {"Wants churn halved within a year."}, "after": {"Checks the call list is used."}}
	expectRedirect(t, s.post(s.ada, "/usecases/churn/stakeholders", form), "/usecases/churn/stakeholders?notice=stakeholder-added")
	body := s.get(s.vera, c).Body.String()
	grid := body[strings.Index(body, `class="people-grid"`):]
	grid = grid[:strings.Index(grid, "</table>")]
	for _, want := range []string{"Head of retention", "budget holder", "Wants churn halved within a year.", "Checks the call list is used.", "Before deployment"} {
		if !strings.Contains(grid, want) {
			t.Fatalf("people grid lacks %q:\n%s", want, grid)
		}
	}
}

// TestSectionEditFlow saves a section through the form: the first text
// makes it a draft, and an owner can be chosen.
func TestSectionEditFlow(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	sec := c + "/sections/problem-definition"
	expect(t, s.get(s.ada, sec), http.StatusOK, `name="base_version" value="0"`, "Nobody yet", "Ada Lovelace", "Rita Reviewer")
	form := url.Values{"content": {"Too many leave."}, "status": {"empty"}, "base_status": {"empty"}, "owner_id": {s.ada.ID}, "base_version": {"0"}}
	expectRedirect(t, s.post(s.ada, sec, form), sec+"?notice=section-saved")
	got := s.section(c, "problem-definition")
	if got.Content != "Too many leave." || got.Status != canvas.Draft || got.OwnerID != s.ada.ID || got.Version != 1 {
		t.Fatalf("section = %+v, want the text, draft, owned by Ada, version 1", got)
	}
	expect(t, s.get(s.ada, sec+"?notice=section-saved"), http.StatusOK, "Section saved.", "Too many leave.", `value="1"`)
	// Choosing a status explicitly is kept.
	form = url.Values{"content": {"Too many leave."}, "status": {"in review"}, "base_status": {"draft"}, "owner_id": {s.ada.ID}, "base_version": {"1"}}
	expectRedirect(t, s.post(s.ada, sec, form), sec)
	if st := s.section(c, "problem-definition").Status; st != canvas.InReview {
		t.Fatalf("Status=%q, want in review", st)
	}
	// Bad input comes back with the text kept.
	form = url.Values{"content": {"Kept text"}, "status": {"finished"}, "base_version": {"2"}}
	expect(t, s.post(s.ada, sec, form), http.StatusUnprocessableEntity, "Kept text", "Please check")
}

// TestConflictShowsBothVersions: an edit made from an older version is
// refused with 409; the page shows the saved text, keeps the person's own
// and marks what changed in between.
func TestConflictShowsBothVersions(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	sec := c + "/sections/problem-definition"
	s.write(s.ada, c, "problem-definition", "Customers leave in spring.")
	s.write(s.ada, c, "problem-definition", "Customers leave in late spring and autumn.")
	form := url.Values{"content": {"My careful rewrite."}, "status": {"draft"}, "base_status": {"draft"}, "base_version": {"1"}}
	rec := s.post(s.grace, sec, form)
	expect(t, rec, http.StatusConflict,
		"Someone saved this section while you were writing",
		"My careful rewrite.</textarea>",
		"Customers leave in late spring and autumn.",
		"<ins><span class=\"visually-hidden\">[added: </span>late spring and autumn.",
		"<del><span class=\"visually-hidden\">[removed: </span>spring.",
		`name="base_version" value="2"`)
	if got := s.section(c, "problem-definition").Content; got != "Customers leave in late spring and autumn." {
		t.Fatalf("the refused edit changed the section to %q", got)
	}
	// Saving again from the page's form goes through: it was a choice.
	form.Set("base_version", "2")
	expectRedirect(t, s.post(s.grace, sec, form), sec)
}

// TestRolesOnTheSectionEditor: viewers read, reviewers comment and set the
// status (and only that), editors edit.
func TestRolesOnTheSectionEditor(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	sec := c + "/sections/problem-definition"
	s.write(s.ada, c, "problem-definition", "Why they leave.")

	viewer := s.get(s.vera, sec).Body.String()
	expectNot(t, viewer, `<textarea id="content"`, `action="`+sec+`/comments"`, `action="`+sec+`/status"`)

	reviewer := s.get(s.rita, sec).Body.String()
	expectNot(t, reviewer, `<textarea id="content"`)
	for _, want := range []string{`action="` + sec + `/comments"`, `action="` + sec + `/status"`} {
		if !strings.Contains(reviewer, want) {
			t.Fatalf("the reviewer's page lacks %s", want)
		}
	}
	rec := s.post(s.rita, sec, url.Values{"content": {"Rewritten"}, "status": {"draft"}, "base_version": {"1"}})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("reviewer editing text = %d, want 403", rec.Code)
	}
	expectRedirect(t, s.post(s.rita, sec+"/status", url.Values{"status": {"agreed"}, "base_version": {"1"}}), sec+"?notice=status-saved")
	if got := s.section(c, "problem-definition"); got.Status != canvas.Agreed || got.Content != "Why they leave." {
		t.Fatalf("after the review: %+v, want agreed with the text unchanged", got)
	}
	expectRedirect(t, s.post(s.rita, sec+"/comments", url.Values{"body": {"Looks **right** to me."}}), sec+"?notice=comment-added")
	expect(t, s.get(s.vera, sec), http.StatusOK, "Looks <strong>right</strong> to me.", "Rita Reviewer")
	expect(t, s.post(s.rita, sec+"/comments", url.Values{"body": {"  "}}), http.StatusUnprocessableEntity, "Please check")
	if rec := s.post(s.vera, sec+"/comments", url.Values{"body": {"hello"}}); rec.Code != http.StatusForbidden {
		t.Fatalf("viewer commenting = %d, want 403", rec.Code)
	}
}

func TestHeaderForm(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas("mlops-canvas-v0.1", "Ops plan")
	form := url.Values{"version": {"1"}, "title": {"Ops plan v2"}, "h-designed-by": {"Ada"}, "h-iteration": {"3"}, "h-date": {"2026-11-27"}}
	expectRedirect(t, s.post(s.ada, c+"/header", form), c+"?notice=header-saved")
	expect(t, s.get(s.vera, c), http.StatusOK, "Ops plan v2", "<dd>Ada</dd>", "<dd>3</dd>")
	// A stale version and a bad number both come back with the input.
	form.Set("h-designed-by", "Grace")
	expect(t, s.post(s.ada, c+"/header", form), http.StatusConflict, `value="Grace"`, "<details class=\"header-edit\" open>")
	form.Set("version", "2")
	form.Set("h-iteration", "three")
	expect(t, s.post(s.ada, c+"/header", form), http.StatusUnprocessableEntity, `value="three"`, "whole number")
}

func TestPublishAndCompare(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	s.write(s.ada, c, "problem-definition", "Customers leave.")
	expectRedirect(t, s.post(s.ada, c+"/publish", url.Values{"message": {"Workshop one"}}), c+"?notice=published")
	s.write(s.ada, c, "problem-definition", "Customers leave after price rises.")
	s.write(s.ada, c, "feasibility", "Data is there.")
	expectRedirect(t, s.post(s.ada, c+"/publish", url.Values{"message": {"Workshop two"}}), c)
	if rec := s.post(s.vera, c+"/publish", url.Values{"message": {"x"}}); rec.Code != http.StatusForbidden {
		t.Fatalf("viewer publishing = %d, want 403", rec.Code)
	}
	rec := s.get(s.vera, c+"/diff?from=1&to=2")
	expect(t, rec, http.StatusOK, "2</strong> sections changed", "after price rises.", "Data is there.", "unchanged sections")
	// Unchanged sections are listed, folded away, not diffed.
	body := rec.Body.String()
	if strings.Count(body, `class="card diff-section"`) != 2 {
		t.Fatalf("diff shows %d section diffs, want 2", strings.Count(body, `class="card diff-section"`))
	}
	expect(t, s.get(s.vera, c+"/diff"), http.StatusOK, "No changes")
	expect(t, s.get(s.vera, c+"/diff?from=7&to=current"), http.StatusBadRequest, "Please check")
	expect(t, s.get(s.vera, c+"/diff?from=x"), http.StatusBadRequest, "Please check")
	expect(t, s.get(s.vera, c+"/iterations/2"), http.StatusOK, "Workshop two", "after price rises.")
	expect(t, s.get(s.vera, c+"/iterations/9"), http.StatusNotFound)
}

func TestCreateCanvasForm(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas("mlops-canvas-v0.1", "")
	expect(t, s.get(s.ada, c), http.StatusOK, "Machine Learning Operations Canvas v0.1", "Monitoring")
	expect(t, s.post(s.ada, "/usecases/churn/canvases", url.Values{"template": {"nope"}, "title": {"Kept title"}}),
		http.StatusUnprocessableEntity, "Choose one of the templates", `value="Kept title"`)
	if rec := s.post(s.vera, "/usecases/churn/canvases", url.Values{"template": {humanCentric}}); rec.Code != http.StatusForbidden {
		t.Fatalf("viewer creating a canvas = %d, want 403", rec.Code)
	}
	expectNot(t, s.get(s.vera, "/usecases/churn/canvases").Body.String(), "Start a canvas")
	expect(t, s.get(s.bob, c), http.StatusNotFound)
}

func TestObjectivesEditor(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	sec := c + "/sections/objective-setting"
	expect(t, s.get(s.ada, sec), http.StatusOK, "Measurable objectives", "Add an objective")
	form := url.Values{"section": {"objective-setting"}, "metric": {"retained subscribers"}, "comparator": {">="}, "target": {"0.8"},
		"unit": {"ratio"}, "measured_at": {"business"}, "window": {"30d"}, "min_samples": {"200"}}
	expectRedirect(t, s.post(s.ada, c+"/objectives", form), sec+"?notice=objective-added")
	expect(t, s.get(s.vera, sec), http.StatusOK, "retained subscribers", "&gt;= 0.8")
	form.Set("target", "lots")
	expect(t, s.post(s.ada, c+"/objectives", form), http.StatusUnprocessableEntity, "The target must be a number", `value="lots"`)
	list, err := s.db.Objectives(s.as(s.ada), "churn", canvasID(c))
	if err != nil || len(list) != 1 {
		t.Fatalf("objectives = %v, %v; want one", list, err)
	}
	del := c + "/objectives/" + itoa(list[0].ID) + "/delete"
	expectRedirect(t, s.post(s.ada, del, url.Values{"section": {"objective-setting"}}), sec+"?notice=objective-gone")
	// Sections without objectives offer no editor.
	expectNot(t, s.get(s.ada, c+"/sections/feasibility").Body.String(), "Add an objective")
}

func TestImportPage(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	s.write(s.ada, c, "problem-definition", "Round\n\n- trip")
	md := s.get(s.ada, c+"/export.md").Body.String()
	rec := s.post(s.ada, "/usecases/churn/canvases/import", url.Values{"markdown": {md}})
	expectRedirect(t, rec, "/usecases/churn/canvases/")
	imported, _, _ := strings.Cut(rec.Header().Get("Location"), "?")
	if imported == c {
		t.Fatal("the import replaced the canvas instead of making a new one")
	}
	if got := s.section(imported, "problem-definition").Content; got != "Round\n\n- trip" {
		t.Fatalf("imported content %q, want the exported text", got)
	}
	// The same document as an uploaded file.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "churn.md")
	fw.Write([]byte(md))
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/usecases/churn/canvases/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.session(s.ada)})
	expectRedirect(t, serve(s.srv, req), "/usecases/churn/canvases/")

	broken := strings.Replace(md, "<!-- atrium:canvas", "<!-- atrium:canvass", 1)
	expect(t, s.post(s.ada, "/usecases/churn/canvases/import", url.Values{"markdown": {broken}}), http.StatusBadRequest,
		"could not be imported", "Line 1 reads", "atrium:canvass")
	expect(t, s.post(s.ada, "/usecases/churn/canvases/import", url.Values{"markdown": {" "}}), http.StatusBadRequest, "Paste a canvas")
}

// TestCompletenessInLists: the use-case list and page show how far the
// canvases have come.
func TestCompletenessInLists(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas("mlops-canvas-v0.1", "Ops plan")
	text, agreed := "Done.", canvas.Agreed
	for _, id := range []string{"background", "objectives", "inference"} {
		if _, err := s.db.SaveSection(s.as(s.ada), "churn", canvasID(c),
			canvas.SectionEdit{SectionID: id, Content: &text, Status: &agreed}); err != nil {
			t.Fatal(err)
		}
	}
	// Three of twelve sections agreed is 25 %.
	list := s.get(s.ada, "/usecases").Body.String()
	row := list[strings.Index(list, `href="/usecases/churn"`):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "25%") {
		t.Fatalf("list row %q, want 25%% complete", row)
	}
	expect(t, s.get(s.ada, "/usecases/churn"), http.StatusOK, "Ops plan", "3 of 12 agreed", `<strong class="tally-pct">25%</strong>`)
	expect(t, s.get(s.ada, "/usecases/churn/canvases"), http.StatusOK, "3 of 12 agreed", "Problem</span>")
}
