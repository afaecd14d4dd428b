package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/usecase"
)

// TestEveryPageRenders opens each page once, as someone allowed to, and
// looks for a string only that page shows.
func TestEveryPageRenders(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct {
		name, path, want string
		admin            bool
	}{
		{"login", "/login", "Log in to Atrium", false},
		{"use cases", "/usecases", "Churn forecast", false},
		{"use cases filtered", "/usecases?stage=data&q=zzz", "Nothing matches these filters", false},
		{"new use case", "/usecases/new", "Starting stage", false},
		{"use case", "/usecases/churn", "Which customers are about to leave?", false},
		{"edit", "/usecases/churn/edit", `name="version" value="1"`, false},
		{"tokens", "/tokens", "You have no tokens yet", false},
		{"users", "/admin/users", "ada@example.org", true},
		{"teams", "/admin/teams", `href="/admin/teams/forecasting"`, true},
		{"team", "/admin/teams/forecasting", "Ada Lovelace", true},
		{"audit", "/audit", "usecase.create", true},
		{"error", "/no/such/page", "There is nothing here", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			who := s.ada
			if tc.admin {
				who = s.grace
			}
			if tc.name == "login" {
				who.ID = ""
			}
			rec := s.get(who, tc.path)
			status := http.StatusOK
			if tc.name == "error" {
				status = http.StatusNotFound
			}
			expect(t, rec, status, tc.want, "<main id=\"main\"", "Atrium test")
			if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Fatalf("Content-Type=%q, want text/html; charset=utf-8", ct)
			}
			if strings.Contains(rec.Body.String(), " style=") || strings.Contains(rec.Body.String(), "<script>") {
				t.Fatal("the page has inline style or script, which the CSP blocks")
			}
		})
	}
}

func TestNavigationMarksTheCurrentPage(t *testing.T) {
	s := newSite(t)
	expect(t, s.get(s.ada, "/tokens"), http.StatusOK, `<a href="/tokens" aria-current="page">`)
	if body := s.get(s.ada, "/usecases").Body.String(); strings.Contains(body, `href="/admin/users"`) {
		t.Fatal("a non-administrator sees the Users link")
	}
	expect(t, s.get(s.grace, "/usecases"), http.StatusOK, `href="/admin/users"`, `href="/audit"`)
}

func TestEmptyListHelps(t *testing.T) {
	s := newSite(t)
	expect(t, s.get(s.bob, "/usecases"), http.StatusOK, "No use cases yet", "Start your first use case")
	expect(t, s.get(s.bob, "/usecases/new"), http.StatusOK, "You are not in a team yet")
}

func TestCreateUseCaseThroughTheForm(t *testing.T) {
	s := newSite(t)
	form := url.Values{"name": {"Demand forecast"}, "slug": {""}, "summary": {"How much stock\nper store?"}, "team": {"forecasting"}, "stage": {"data"}}
	expectRedirect(t, s.post(s.ada, "/usecases/new", form), "/usecases/demand-forecast?notice=created")
	expect(t, s.get(s.ada, "/usecases/demand-forecast?notice=created"), http.StatusOK,
		"Use case created.", "Demand forecast", "How much stock\nper store?", `aria-current="step"`)
	if got := s.stageOf("demand-forecast"); got != usecase.Data {
		t.Fatalf("Stage=%q, want %q", got, usecase.Data)
	}
	expect(t, s.get(s.ada, "/usecases"), http.StatusOK, `href="/usecases/demand-forecast"`)
}

func TestUseCaseFormErrorsKeepTheInput(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"no name", url.Values{"name": {"  "}, "slug": {"kept-slug"}, "summary": {"kept summary"}, "team": {"forecasting"}}, 422, "Name is required."},
		{"taken slug", url.Values{"name": {"Another"}, "slug": {"churn"}, "summary": {"kept summary"}, "team": {"forecasting"}}, 409, "already exists"},
		{"no team", url.Values{"name": {"Orphan"}, "summary": {"kept summary"}}, 422, "Choose the team"},
		{"foreign team", url.Values{"name": {"Elsewhere"}, "summary": {"kept summary"}, "team": {"nope"}}, 422, "does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := s.post(s.ada, "/usecases/new", tc.form)
			expect(t, rec, tc.status, tc.want, ">kept summary</textarea>", `role="alert"`)
		})
	}
}

func TestTransitionThroughTheForm(t *testing.T) {
	s := newSite(t)
	page := s.get(s.ada, "/usecases/churn")
	expect(t, page, http.StatusOK, `<option value="data" selected>Data</option>`, "Move stage")

	rec := s.post(s.ada, "/usecases/churn/transition", url.Values{"to": {"data"}, "note": {"Scoping workshop signed off"}})
	expectRedirect(t, rec, "/usecases/churn?notice=moved")
	if got := s.stageOf("churn"); got != usecase.Data {
		t.Fatalf("Stage=%q, want %q", got, usecase.Data)
	}
	expect(t, s.get(s.ada, "/usecases/churn"), http.StatusOK,
		"Scoping workshop signed off", `<span class="badge stage-data">Data</span>`, "usecase.transition",
		`<option value="modelling" selected>Modelling</option>`)

	// Moving to the stage it is in is refused, with the note kept.
	rec = s.post(s.ada, "/usecases/churn/transition", url.Values{"to": {"data"}, "note": {"again"}})
	expect(t, rec, http.StatusConflict, "already in stage data", ">again</textarea>")
}

func TestRolesDecideWhatIsOffered(t *testing.T) {
	s := newSite(t)
	// Bob cannot see the use case at all, exactly like a missing one.
	hidden, missing := s.get(s.bob, "/usecases/churn"), s.get(s.bob, "/usecases/nope")
	if hidden.Code != http.StatusNotFound || hidden.Body.String() != missing.Body.String() {
		t.Fatalf("hidden=%d, missing=%d; want identical 404 pages", hidden.Code, missing.Code)
	}
	// As a viewer he sees it but no buttons to change it.
	expectRedirect(t, s.post(s.ada, "/usecases/churn/grants", url.Values{"who": {"bob@example.org"}, "role": {"viewer"}}), "/usecases/churn")
	page := s.get(s.bob, "/usecases/churn")
	expect(t, page, http.StatusOK, "Churn forecast", "Bob Builder")
	for _, absent := range []string{"Move stage", "/edit\"", "Archive", "Give access"} {
		if strings.Contains(page.Body.String(), absent) {
			t.Errorf("a viewer's page offers %q", absent)
		}
	}
	expect(t, s.get(s.bob, "/usecases/churn/edit"), http.StatusForbidden)
	expect(t, s.post(s.bob, "/usecases/churn/transition", url.Values{"to": {"data"}}), http.StatusForbidden, "needs the editor role")
	if got := s.stageOf("churn"); got != usecase.Scoping {
		t.Fatalf("Stage=%q after a refused move, want scoping", got)
	}
}

func TestGrantsThroughTheForm(t *testing.T) {
	s := newSite(t)
	// An unknown address answers as a known one would, so that grants
	// cannot be used to find out who has an account.
	expectRedirect(t, s.post(s.ada, "/usecases/churn/grants", url.Values{"who": {"zed@example.org"}, "role": {"editor"}}), "/usecases/churn?notice=granted")
	expectRedirect(t, s.post(s.ada, "/usecases/churn/grants", url.Values{"who": {"forecasting"}, "role": {"reviewer"}}), "/usecases/churn?notice=granted")
	expectRedirect(t, s.post(s.ada, "/usecases/churn/grants", url.Values{"who": {"bob@example.org"}, "role": {"editor"}}), "/usecases/churn")
	grants, err := s.db.Grants(s.as(s.ada), "churn")
	if err != nil || len(grants) != 2 {
		t.Fatalf("grants=%v (%v), want two", grants, err)
	}
	expect(t, s.get(s.bob, "/usecases/churn"), http.StatusOK, "Move stage")
	expectRedirect(t, s.post(s.ada, "/usecases/churn/grants/"+itoa(grants[1].ID)+"/delete", nil), "/usecases/churn?notice=revoked")
	expect(t, s.get(s.bob, "/usecases/churn"), http.StatusNotFound)
}

func TestArchiveAndRestore(t *testing.T) {
	s := newSite(t)
	expectRedirect(t, s.post(s.ada, "/usecases/churn/archive", url.Values{"action": {"archive"}}), "/usecases/churn?notice=archived")
	page := s.get(s.ada, "/usecases/churn")
	expect(t, page, http.StatusOK, "Archived", `value="restore"`, "Restore it to change its stage")
	if strings.Contains(page.Body.String(), "Move stage") {
		t.Fatal("an archived use case offers to move stage")
	}
	if strings.Contains(s.get(s.ada, "/usecases").Body.String(), "Churn forecast") {
		t.Fatal("the list shows an archived use case without being asked")
	}
	expect(t, s.get(s.ada, "/usecases?archived=true"), http.StatusOK, "Churn forecast")
	expectRedirect(t, s.post(s.ada, "/usecases/churn/archive", url.Values{"action": {"restore"}}), "/usecases/churn?notice=restored")
}

func TestEditThroughTheForm(t *testing.T) {
	s := newSite(t)
	form := url.Values{"name": {"Churn forecast v2"}, "summary": {"Sharper"}, "version": {"1"}}
	expectRedirect(t, s.post(s.ada, "/usecases/churn/edit", form), "/usecases/churn?notice=saved")
	expect(t, s.get(s.ada, "/usecases/churn?notice=saved"), http.StatusOK, "Churn forecast v2", "Sharper", "Changes saved.")

	// The same form again started from version 1, which is now stale.
	form.Set("summary", "My lost words")
	rec := s.post(s.ada, "/usecases/churn/edit", form)
	expect(t, rec, http.StatusConflict, "changed by someone else", "My lost words", "Start again from the latest version")
}

// TestNamesAreEscaped stores a hostile name and checks it comes back as text.
func TestNamesAreEscaped(t *testing.T) {
	s := newSite(t)
	evil := "<script>alert(1)</script>"
	s.useCase(s.ada, usecase.UseCase{Slug: "evil", Name: evil, Summary: `"><img src=x onerror=alert(2)>`})
	for _, path := range []string{"/usecases", "/usecases/evil", "/usecases/evil/edit"} {
		rec := s.get(s.ada, path)
		expect(t, rec, http.StatusOK, html.EscapeString(evil))
		body := rec.Body.String()
		if strings.Contains(body, evil) || strings.Contains(body, "<img src=x") {
			t.Errorf("%s: the raw markup reached the page", path)
		}
	}
}

func TestListFiltersAndPages(t *testing.T) {
	s := newSite(t)
	for _, name := range []string{"Alpha", "Beta", "Gamma"} {
		s.useCase(s.ada, usecase.UseCase{Name: name})
	}
	page := s.get(s.ada, "/usecases?page_size=2&q=a")
	expect(t, page, http.StatusOK, "Showing 1–2 of 4", `rel="next"`)
	next := between(page.Body.String(), `<a class="btn btn-secondary btn-small" href="`, `" rel="next">`)
	next = html.UnescapeString(next)
	second := s.get(s.ada, next)
	expect(t, second, http.StatusOK, "Showing 3–4 of 4", `rel="prev"`, `value="a"`)
	if strings.Contains(second.Body.String(), `rel="next"`) {
		t.Fatal("the last page links to a next one")
	}
	expect(t, s.get(s.ada, "/usecases?stage=nope"), http.StatusBadRequest, "is not one of")
}

func TestHistoryIsNewestFirst(t *testing.T) {
	s := newSite(t)
	ctx := s.as(s.ada)
	for _, to := range []usecase.Stage{usecase.Data, usecase.Modelling} {
		if _, err := s.db.Transition(ctx, "churn", to, "to "+string(to), nil); err != nil {
			t.Fatal(err)
		}
	}
	body := s.get(s.ada, "/usecases/churn").Body.String()
	if i, j := strings.Index(body, "to modelling"), strings.Index(body, "to data"); i < 0 || j < 0 || i > j {
		t.Fatalf("history is not newest first (modelling at %d, data at %d)", i, j)
	}
}

// between returns the text between the first start and the next end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, end)
	return v
}
