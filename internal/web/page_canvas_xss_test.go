package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/people"
)

// xss is the attack put into every text field. Each part targets a
// different way out: a script element, an event handler, a scheme in a
// Markdown link, an attribute break-out and a text-area break-out.
const xss = `<script>alert("s")</script><img src=x onerror=alert(1)>[click](javascript:alert(2))"><svg onload=alert(3)></textarea><b>`

// xssMarkers are what would make xss live in an HTML page.
var xssMarkers = []string{`<script>alert`, `<img src=x`, `<svg onload`, `href="javascript:`, `src="javascript:`, `</textarea><b>`}

// TestXSSIsInertOnEveryPage fills every text field a person can type into
// — canvas title and header, section text, comment, objective, iteration
// message, stakeholder entry, decision record and its links — with the
// same attack, then opens every page that shows them. No page may carry
// the attack as markup; the Markdown export carries it as text, served
// as text/markdown that browsers do not sniff.
func TestXSSIsInertOnEveryPage(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	sec := c + "/sections/problem-definition"

	posts := []struct {
		path string
		form url.Values
	}{
		{c + "/header", url.Values{"version": {"1"}, "title": {xss}, "h-user-name": {xss}, "h-team-name": {xss}, "h-use-case-name": {xss}}},
		{sec, url.Values{"content": {xss + "\n\n- " + xss}, "status": {"draft"}, "base_status": {"empty"}, "base_version": {"0"}}},
		{sec + "/comments", url.Values{"body": {xss}}},
		{c + "/objectives", url.Values{"section": {"objective-setting"}, "metric": {xss}, "comparator": {">="}, "target": {"1"}, "unit": {`<b>"'u`}, "measured_at": {"evaluation"}, "notes": {xss}}},
		{c + "/publish", url.Values{"message": {xss}}},
		{"/usecases/churn/stakeholders", url.Values{"kind": {people.DecisionMaker}, "name": {xss}, "role": {xss}, "contact": {xss}, "concerns": {xss},
			"before": {xss}, "during": {xss}, "after": {xss}, "notes": {xss}}},
		{"/usecases/churn/stakeholders", url.Values{"kind": {people.TestPilot}, "name": {xss}, "subjects": {`<script>alert(4)</script>` + "\n" + `"><svg/onload=alert(5)>`}}},
		{"/usecases/churn/decisions/new", url.Values{"title": {xss}, "context": {xss}, "options": {xss}, "decision": {xss}, "rationale": {xss},
			"consequences": {xss}, "status": {"accepted"}, "decided_by": {xss},
			"links": {"section: problem-definition | " + xss + "\nversion: " + xss + "\nurl: https://example.org/?q=\"><script>alert(6)</script> | " + xss}}},
	}
	for _, p := range posts {
		if rec := s.post(s.ada, p.path, p.form); rec.Code != http.StatusSeeOther {
			t.Fatalf("POST %s = %d, want 303; body:\n%s", p.path, rec.Code, rec.Body)
		}
	}
	// The second iteration gives the diff page both sides to show.
	s.write(s.ada, c, "feasibility", xss)
	if rec := s.post(s.ada, c+"/publish", url.Values{"message": {xss}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("second publish = %d", rec.Code)
	}
	s.write(s.ada, c, "feasibility", "changed "+xss)

	for _, path := range []string{
		"/usecases/churn", "/usecases/churn/canvases", c, sec, c + "/sections/objective-setting",
		c + "/iterations", c + "/iterations/1", c + "/iterations/2", c + "/diff?from=1&to=2", c + "/diff?from=1&to=current",
		c + "/print", "/usecases/churn/stakeholders", "/usecases/churn/decisions", "/usecases/churn/decisions/1",
		"/usecases/churn/decisions/1/edit", "/search?q=alert", "/search?q=" + url.QueryEscape(xss),
	} {
		t.Run(path, func(t *testing.T) {
			rec := s.get(s.ada, path)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d, want 200; body:\n%s", rec.Code, rec.Body)
			}
			body := rec.Body.String()
			for _, m := range xssMarkers {
				if i := strings.Index(body, m); i >= 0 {
					t.Fatalf("the page holds %q as markup: …%s…", m, body[max(0, i-120):min(len(body), i+120)])
				}
			}
			if !strings.Contains(body, "alert") {
				t.Fatal("the attack text is not on the page at all, so the test proves nothing")
			}
		})
	}

	// The export carries the text as written, as Markdown, never as HTML.
	rec := s.get(s.vera, c+"/export.md")
	if ct := rec.Header().Get("Content-Type"); ct != "text/markdown; charset=utf-8" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("export Content-Type=%q nosniff=%q, want text/markdown with nosniff", ct, rec.Header().Get("X-Content-Type-Options"))
	}
	if !strings.Contains(rec.Body.String(), xss) || !strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Fatal("the export does not carry the text as written, as a download")
	}
}

// TestXSSInFormsComingBack: a refused form shows the attack in its fields
// as text.
func TestXSSInFormsComingBack(t *testing.T) {
	s := newCanvasSite(t)
	c := s.newCanvas(humanCentric, "Churn plan")
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{c + "/sections/problem-definition", url.Values{"content": {xss}, "status": {"bogus"}, "base_version": {"0"}}},
		{c + "/header", url.Values{"version": {"1"}, "title": {xss}, "h-canvas-date": {xss}}},
		{"/usecases/churn/decisions/new", url.Values{"title": {xss}, "links": {xss}}},
		{"/usecases/churn/stakeholders", url.Values{"kind": {xss}, "name": {xss}}},
		{"/usecases/churn/canvases", url.Values{"template": {xss}, "title": {xss}}},
		{"/usecases/churn/canvases/import", url.Values{"markdown": {xss}}},
		{c + "/objectives", url.Values{"section": {"objective-setting"}, "metric": {xss}, "target": {xss}}},
	} {
		rec := s.post(s.ada, p.path, p.form)
		if rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("POST %s = %d, want a 4xx with the form", p.path, rec.Code)
		}
		for _, m := range xssMarkers {
			if strings.Contains(rec.Body.String(), m) {
				t.Fatalf("POST %s: the form shows %q as markup", p.path, m)
			}
		}
	}
}
