package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/markdown"
)

// worstCanvas fills every section of a new canvas with the text that grows
// most when rendered while staying inside the renderer's limits, publishes
// it as iteration 1, and returns the canvas's address.
func worstCanvas(s *canvasSite) (path string, stored int) {
	s.t.Helper()
	path = s.newCanvas(humanCentric, "Worst case")
	unit := "https://example.org/a/b _x_\n\n"
	text := strings.Repeat(unit, canvas.MaxContent/len(unit))
	for _, id := range s.template(humanCentric).SectionIDs() {
		s.write(s.ada, path, id, text)
		stored += len(text)
	}
	if _, err := s.db.PublishIteration(s.as(s.ada), "churn", canvasID(path), "worst"); err != nil {
		s.t.Fatal(err)
	}
	return path, stored
}

// canvasReads lists every way a canvas is read: pages, print, export, JSON.
func canvasReads(path string) []string {
	api := "/api/v1" + path
	section := "/sections/value-impact"
	return []string{
		path, path + "/print", path + "/export.md", path + "/iterations/1", path + section,
		path + "/diff?from=1&to=current",
		api, api + section, api + section + "/comments", api + "/export", api + "/iterations/1",
	}
}

// TestWorstCaseCanvasReadsDoNoRendering reads a canvas of 25 worst-case
// sections through every read path: none renders Markdown, and no answer is
// larger than a bounded multiple of the text behind it.
func TestWorstCaseCanvasReadsDoNoRendering(t *testing.T) {
	s := newCanvasSite(t)
	path, stored := worstCanvas(s)
	before := markdown.Renders()
	for _, p := range canvasReads(path) {
		rec := s.get(s.vera, p)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d; body:\n%.500s", p, rec.Code, rec.Body)
		}
		// Rendered HTML is at most five times its text; JSON escaping of
		// < and > at most doubles that again.
		if limit := 12*stored + 1<<20; rec.Body.Len() > limit {
			t.Errorf("GET %s: %d bytes for %d of text, over %d", p, rec.Body.Len(), stored, limit)
		}
	}
	if got := markdown.Renders() - before; got != 0 {
		t.Errorf("reading the canvas rendered Markdown %d times, want 0", got)
	}
}

// TestIntricateMarkdownRefused sends texts that take renderers seconds
// through the API and the editor page: each is refused with the reason, and
// nothing is stored.
func TestIntricateMarkdownRefused(t *testing.T) {
	s := newCanvasSite(t)
	path := s.newCanvas(humanCentric, "Hostile")
	for name, text := range map[string]string{
		"emphasis": strings.Repeat("_a*", 16_666),
		"quotes":   strings.Repeat(">", 49_998),
		"links":    strings.Repeat("[a](", 12_499),
	} {
		t.Run(name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"content": text, "base_version": 0})
			rec := s.send(s.ada, "PUT", "/api/v1"+path+"/sections/value-impact", "application/json", body)
			if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "cannot be formatted") {
				t.Errorf("API: status %d, body %.300s; want 400 naming the reason", rec.Code, rec.Body)
			}
			rec = s.post(s.ada, path+"/sections/value-impact", url.Values{"content": {text}, "base_version": {"0"}, "status": {"empty"}})
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "cannot be formatted") {
				t.Errorf("page: status %d; want 422 naming the reason", rec.Code)
			}
			if sec := s.section(path, "value-impact"); sec.Version != 0 {
				t.Errorf("section = %+v, want nothing stored", sec)
			}
		})
	}
}

// TestCommentThreadPages pages a long discussion in the API and on the
// section page, and refuses the comment past the hourly cap with 429.
func TestCommentThreadPages(t *testing.T) {
	s := newCanvasSite(t)
	path := s.newCanvas(humanCentric, "Talkative")
	c, _, err := s.db.GetCanvas(s.as(s.ada), "churn", canvasID(path))
	if err != nil {
		t.Fatal(err)
	}
	// Three people, so the thread is long without anyone reaching the cap.
	for i := range 75 {
		who := []string{s.ada.ID, s.rita.ID, s.grace.ID}[i%3]
		u, _ := s.db.GetUser(s.as(s.grace), who)
		if _, err := s.db.AddComment(s.as(u), "churn", c.ID, "value-impact", fmt.Sprintf("Note number %d.", i)); err != nil {
			t.Fatal(err)
		}
	}
	api := "/api/v1" + path + "/sections/value-impact/comments"
	rec := s.get(s.vera, api+"?page_size=30")
	var page struct {
		Items []struct {
			Body string `json:"body"`
		} `json:"items"`
		Next  string `json:"next_page_token"`
		Total int    `json:"total"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || rec.Code != http.StatusOK {
		t.Fatalf("comments: status %d, %v", rec.Code, err)
	}
	if len(page.Items) != 30 || page.Total != 75 || page.Next == "" || page.Items[0].Body != "Note number 0." {
		t.Errorf("first page: %d items of %d, next %q; want 30 of 75 and a next token", len(page.Items), page.Total, page.Next)
	}
	if rec := s.get(s.vera, api+"?page_token=not-a-token"); rec.Code != http.StatusBadRequest {
		t.Errorf("bad page token: status %d, want 400", rec.Code)
	}
	rec = s.get(s.vera, "/api/v1"+path+"/sections/value-impact")
	var detail struct {
		Comments int               `json:"comments"`
		Thread   []json.RawMessage `json:"thread"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &detail); err != nil || detail.Comments != 75 || len(detail.Thread) != 50 {
		t.Errorf("section: %d comments, thread of %d (%v); want 75 and the first page of 50", detail.Comments, len(detail.Thread), err)
	}

	rec = s.get(s.vera, path+"/sections/value-impact")
	expect(t, rec, http.StatusOK, "Note number 0.", "Note number 49.", `<span class="count">75</span>`, "Showing 1–50 of 75")
	expectNot(t, rec.Body.String(), "Note number 50.")
	next := s.get(s.vera, path+"/sections/value-impact?page_token="+page.Next)
	expect(t, next, http.StatusOK, "Note number 30.", "Note number 74.")

	// Rita has written 25; five more reach the cap, the next is refused.
	for i := range 5 {
		if _, err := s.db.AddComment(s.as(s.rita), "churn", c.ID, "value-impact", fmt.Sprintf("More %d.", i)); err != nil {
			t.Fatal(err)
		}
	}
	s.session(s.rita) // signing in is audited too
	audited := s.auditSize()
	body, _ := json.Marshal(map[string]string{"body": "One too many."})
	rec = s.send(s.rita, "POST", api, "application/json", body)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "in the last hour") {
		t.Errorf("comment past the cap: status %d, Retry-After %q, body %.200s; want 429 with Retry-After",
			rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	rec = s.post(s.rita, path+"/sections/value-impact/comments", url.Values{"body": {"One too many."}})
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(rec.Body.String(), "in the last hour") {
		t.Errorf("page comment past the cap: status %d; want 429 with the reason", rec.Code)
	}
	if got := s.auditSize(); got != audited {
		t.Errorf("audit grew from %d to %d on refused comments", audited, got)
	}
}

// BenchmarkWorstCaseCanvasReads measures each read path on a canvas of 25
// worst-case sections; docs/benchmarks.md records the numbers.
func BenchmarkWorstCaseCanvasReads(b *testing.B) {
	s := newCanvasSite(b)
	path, _ := worstCanvas(s)
	for _, p := range canvasReads(path) {
		b.Run(strings.TrimPrefix(p, path), func(b *testing.B) {
			for b.Loop() {
				if rec := s.get(s.vera, p); rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// send makes a request with a body as u, through the whole server.
func (s *site) send(u identity.User, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
	s.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: s.session(u)})
	rec := httptest.NewRecorder()
	s.srv.ServeHTTP(rec, req)
	return rec
}

// auditSize is the number of audit entries.
func (s *site) auditSize() int64 {
	s.t.Helper()
	n, err := s.db.AuditHeadSize(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}
