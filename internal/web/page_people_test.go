package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/people"
)

func TestStakeholderForms(t *testing.T) {
	s := newCanvasSite(t)
	reg := "/usecases/churn/stakeholders"
	pilot := url.Values{"kind": {people.TestPilot}, "name": {"Branch North"}, "role": {"first branch"}, "subjects": {"agent-7\nagent-9\n\n"}}
	expectRedirect(t, s.post(s.ada, reg, pilot), reg+"?notice=stakeholder-added#test-pilot")
	list, err := s.db.Stakeholders(s.as(s.ada), "churn")
	if err != nil || len(list) != 1 {
		t.Fatalf("register = %v, %v; want one entry", list, err)
	}
	sh := list[0]
	if strings.Join(sh.Subjects, ",") != "agent-7,agent-9" {
		t.Fatalf("Subjects=%q, want agent-7 and agent-9, one a line, blanks dropped", sh.Subjects)
	}
	body := s.get(s.vera, reg).Body.String()
	for _, want := range []string{"Branch North", "<code>agent-7</code>", "Subjects routed first", "Test pilots"} {
		if !strings.Contains(body, want) {
			t.Fatalf("the register lacks %q", want)
		}
	}
	expectNot(t, body, `action="`+reg+`"`, "Remove<span")

	// Subjects only belong to test pilots; the refusal keeps the input.
	bad := url.Values{"kind": {people.User}, "name": {"Agents"}, "subjects": {"agent-1"}}
	expect(t, s.post(s.ada, reg, bad), http.StatusUnprocessableEntity, "Only test pilots", `value="Agents"`)

	// Edit with the version read; a second edit from the same version is
	// refused and comes back open with the typed text.
	edit := url.Values{"kind": {people.TestPilot}, "name": {"Branch North-East"}, "subjects": {"agent-7"}, "version": {itoa(sh.Version)}}
	path := reg + "/" + itoa(sh.ID)
	expectRedirect(t, s.post(s.ada, path, edit), reg+"?notice=stakeholder-saved")
	edit.Set("name", "Branch South")
	rec := s.post(s.ada, path, edit)
	expect(t, rec, http.StatusConflict, `value="Branch South"`, `<details class="person-edit" open>`)
	if rec := s.post(s.vera, path, edit); rec.Code != http.StatusForbidden {
		t.Fatalf("viewer editing = %d, want 403", rec.Code)
	}

	expectRedirect(t, s.post(s.ada, path+"/delete", nil), reg+"?notice=stakeholder-gone")
	if list, _ := s.db.Stakeholders(s.as(s.ada), "churn"); len(list) != 0 {
		t.Fatalf("register after delete = %v, want empty", list)
	}
	expect(t, s.post(s.ada, reg+"/999/delete", nil), http.StatusNotFound)
}

func TestDecisionForms(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	log := "/usecases/churn/decisions"
	first := url.Values{"title": {"Use gradient boosting"}, "status": {"accepted"}, "decided_by": {"Model board"}, "decided_at": {"2026-11-02"},
		"context": {"We need *probabilities*."}, "links": {"section: problem-definition\nurl: https://example.org/paper | the paper\nversion: model churn v3"}}
	expectRedirect(t, s.post(s.ada, log+"/new", first), log+"/1?notice=decision-created")
	body := s.get(s.vera, log+"/1").Body.String()
	for _, want := range []string{"Use gradient boosting", "We need <em>probabilities</em>.", `href="` + c + `/sections/problem-definition"`,
		"Problem definition (Churn plan)", `href="https://example.org/paper"`, "the paper", "model churn v3", "Model board", "2026-11-02"} {
		if !strings.Contains(body, want) {
			t.Fatalf("the decision page lacks %q", want)
		}
	}
	expectNot(t, body, log+"/1/edit")

	// The decision shows beside the section it links to.
	expect(t, s.get(s.vera, c), http.StatusOK, "Use gradient boosting")

	// A link line that is not "kind: target" is refused with its line.
	bad := url.Values{"title": {"Kept"}, "links": {"section: requirements\njust words"}}
	expect(t, s.post(s.ada, log+"/new", bad), http.StatusUnprocessableEntity, "Line 2 of the links", `value="Kept"`, "just words")

	// A second decision replaces the first; both pages say so.
	second := url.Values{"title": {"Use a calibrated logistic model"}, "status": {"accepted"}, "supersedes": {"1"}}
	expectRedirect(t, s.post(s.ada, log+"/new", second), log+"/2")
	expect(t, s.get(s.vera, log+"/1"), http.StatusOK, "Replaced by", "decision 2: Use a calibrated logistic model")
	expect(t, s.get(s.vera, log+"/2"), http.StatusOK, "no. 1: Use gradient boosting")
	expect(t, s.get(s.vera, log), http.StatusOK, "replaces no. 1", "Use a calibrated logistic model")

	// Being replaced marked the first one superseded (version 2). Edit it
	// with that version; a stale version is a conflict that keeps the input.
	edit := s.get(s.ada, log+"/1/edit")
	expect(t, edit, http.StatusOK, `name="version" value="2"`, "Use gradient boosting", `<option value="superseded" selected>`)
	first.Set("version", "2")
	first.Set("status", "superseded")
	expectRedirect(t, s.post(s.ada, log+"/1/edit", first), log+"/1?notice=decision-saved")
	first.Set("title", "Stale title")
	expect(t, s.post(s.ada, log+"/1/edit", first), http.StatusConflict, `value="Stale title"`)
	if rec := s.get(s.vera, log+"/1/edit"); rec.Code != http.StatusForbidden {
		t.Fatalf("viewer opening the edit form = %d, want 403", rec.Code)
	}
	expect(t, s.get(s.vera, log+"/9"), http.StatusNotFound)
	expect(t, s.get(s.vera, log+"/x"), http.StatusNotFound)
}

func TestSearchPage(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	s.write(s.ada, c, "feasibility", "The call-centre transcripts are stored for two years.")
	if rec := s.post(s.ada, "/usecases/churn/decisions/new", url.Values{"title": {"Keep transcripts anonymised"}, "context": {"Transcripts hold names."}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("new decision = %d", rec.Code)
	}
	rec := s.get(s.vera, "/search?q=transcripts")
	expect(t, rec, http.StatusOK, `href="`+c+`/sections/feasibility"`, "Feasibility", `href="/usecases/churn/decisions/1"`,
		"Keep transcripts anonymised", "<mark>transcripts</mark>", `value="transcripts"`)
	expect(t, s.get(s.vera, "/search?q=zebra"), http.StatusOK, "Nothing found")
	expect(t, s.get(s.vera, "/search?q="+strings.Repeat("a", 300)), http.StatusBadRequest, "Please check")
	// Someone without access finds nothing of the use case.
	expectNot(t, s.get(s.bob, "/search?q=transcripts").Body.String(), "Keep transcripts anonymised")
}
