package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/identity"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// The canvas page tests use the site of page_helpers_test.go, plus two
// people with grants on "churn": vera the viewer and rita the reviewer.

const humanCentric = "human-centric-mlops"

// canvasSite is a site with a reviewer and a viewer on the churn use case.
type canvasSite struct {
	*site
	vera, rita identity.User
}

func newCanvasSite(t testing.TB) *canvasSite {
	t.Helper()
	s := &canvasSite{site: newSite(t)}
	// Errors the pages log (a template that fails, say) show in the test.
	s.srv.log = slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s.srv.canvases.Log = s.srv.log
	ctx := s.as(s.grace)
	s.vera = s.user(ctx, "vera@example.org", "Vera Viewer", false)
	s.rita = s.user(ctx, "rita@example.org", "Rita Reviewer", false)
	for u, role := range map[string]usecase.Role{s.vera.ID: usecase.Viewer, s.rita.ID: usecase.Reviewer} {
		if _, err := s.db.PutGrant(ctx, "churn", usecase.Grant{UserID: u, Role: role}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// testLog writes log lines into the test's output.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Helper()
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newCanvas creates a canvas through the page's form, as ada, and returns
// its address.
func (s *canvasSite) newCanvas(template, title string) string {
	s.t.Helper()
	rec := s.post(s.ada, "/usecases/churn/canvases", url.Values{"template": {template}, "title": {title}})
	if rec.Code != http.StatusSeeOther {
		s.t.Fatalf("create canvas: status %d, want 303; body:\n%s", rec.Code, rec.Body)
	}
	loc, _, _ := strings.Cut(rec.Header().Get("Location"), "?")
	return loc
}

// canvasID is the last part of a canvas address.
func canvasID(path string) string { return path[strings.LastIndex(path, "/")+1:] }

// template is a built-in template by id.
func (s *canvasSite) template(id string) *canvas.Template {
	s.t.Helper()
	t, ok := s.srv.templates.Get(id)
	if !ok {
		s.t.Fatalf("no template %q", id)
	}
	return t
}

// write saves a section straight through the store, as u.
func (s *canvasSite) write(u identity.User, path, section, content string) canvas.Section {
	s.t.Helper()
	c, _, err := s.db.GetCanvas(s.as(u), "churn", canvasID(path))
	if err != nil {
		s.t.Fatal(err)
	}
	sec, err := s.db.SaveSection(s.as(u), "churn", c.ID,
		canvas.SectionEdit{SectionID: section, Content: &content, BaseVersion: c.Sections[section].Version})
	if err != nil {
		s.t.Fatal(err)
	}
	return sec
}

// section reads a section's state from the store.
func (s *canvasSite) section(path, id string) canvas.Section {
	s.t.Helper()
	c, _, err := s.db.GetCanvas(s.as(s.grace), "churn", canvasID(path))
	if err != nil {
		s.t.Fatal(err)
	}
	return c.Sections[id]
}

// expectNot fails if the body holds any of the strings.
func expectNot(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(body, u) {
			t.Fatalf("body contains %q, which it must not; body:\n%s", u, body)
		}
	}
}
