package web

import (
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/evidence"
)

// panelsOf fetches a section's evidence panels by kind.
func (f *fixture) panelsOf(section string) map[string]evidence.Panel {
	f.t.Helper()
	var out struct{ Items []evidence.Panel }
	decodeInto(f.t, f.do("viewer", "GET", f.canvasURL()+"/sections/"+section+"/evidence", "", nil), 200, &out)
	m := map[string]evidence.Panel{}
	for _, p := range out.Items {
		if p.Title == "" || (len(p.Items) == 0 && p.Empty == "") {
			f.t.Errorf("%s: panel %+v has no title, or neither items nor an empty sentence", section, p)
		}
		m[p.Kind] = p
	}
	return m
}

func TestObjectivesPanel(t *testing.T) {
	f := newFixture(t)
	p := f.panelsOf("objective-setting")["objectives"]
	if len(p.Items) != 1 {
		t.Fatalf("objectives panel = %+v, want the fixture's objective", p)
	}
	it := p.Items[0]
	if it.Label != "AUC" || it.Value != "≥ 0.78" || it.Detail != "measured at evaluation, once, at least 5000 samples — not measured yet" {
		t.Errorf("item = %+v", it)
	}
	if !strings.HasSuffix(p.Href, "/sections/objective-setting#objectives") {
		t.Errorf("href = %q", p.Href)
	}
	// Another objective section of the same canvas shows nothing of it.
	decodeInto(t, f.doJSON("owner", "POST", "/api/v1/usecases/alpha/canvases", map[string]any{"template": "mlops-canvas-v0.1", "title": "v0.1"}), 201, nil)
	if p := f.panelsOf("problem-definition")["objectives"]; p.Kind != "" {
		t.Errorf("a section without objectives shows %+v", p)
	}
}

func TestStakeholdersPanels(t *testing.T) {
	f := newFixture(t)
	decodeInto(t, f.doJSON("owner", "PATCH", "/api/v1/usecases/alpha/stakeholders/"+itoa(f.stakeholder),
		map[string]any{"before": "forty minutes per file", "after": "ask again in spring"}), 200, nil)
	decodeInto(t, f.doJSON("owner", "POST", "/api/v1/usecases/alpha/stakeholders", map[string]any{"kind": "test-pilot", "name": "Branch Nord",
		"subjects": []string{"a@example.org", "b@example.org", "c@example.org", "d@example.org"}}), 201, nil)

	users := f.panelsOf("users")["stakeholders"]
	if users.Title != "Users" || len(users.Items) != 1 || users.Items[0].Label != "Loan officers" ||
		users.Items[0].Detail != "Before: forty minutes per file · After: ask again in spring" {
		t.Errorf("users panel = %+v, want the officers with their moments", users)
	}
	pilots := f.panelsOf("test-pilots")["stakeholders"]
	if len(pilots.Items) != 1 || !strings.Contains(pilots.Items[0].Detail, "routes first: a@example.org, b@example.org, c@example.org and 1 more") {
		t.Errorf("test pilots panel = %+v", pilots)
	}
	if dm := f.panelsOf("decision-makers")["stakeholders"]; len(dm.Items) != 0 || dm.Empty == "" {
		t.Errorf("decision-makers panel = %+v, want empty with a sentence", dm)
	}
	all := f.panelsOf("stakeholder-engagement")["stakeholders"]
	var counts []string
	for _, it := range all.Items {
		counts = append(counts, it.Label+"="+it.Value)
	}
	if got := strings.Join(counts, ","); got != "Users=1,Test pilots=1" {
		t.Errorf("register counts = %s, want Users=1,Test pilots=1", got)
	}
}

func TestDecisionsPanel(t *testing.T) {
	f := newFixture(t)
	decodeInto(t, f.doJSON("owner", "POST", "/api/v1/usecases/alpha/decisions", map[string]any{"title": "Only this canvas", "status": "rejected",
		"links": []map[string]string{{"kind": "section", "target": f.canvas.ID + "/requirements"}}}), 201, nil)
	decodeInto(t, f.doJSON("owner", "POST", "/api/v1/usecases/alpha/decisions", map[string]any{"title": "Another canvas",
		"links": []map[string]string{{"kind": "section", "target": "other-canvas/requirements"}}}), 201, nil)
	p := f.panelsOf("requirements")["decisions"]
	var got []string
	for _, it := range p.Items {
		got = append(got, it.Label+" "+it.Value+" "+it.Tone)
	}
	if strings.Join(got, "|") != "#1 Officers keep the last word accepted good|#2 Only this canvas rejected bad" {
		t.Errorf("decisions panel = %q", got)
	}
	if p.Items[0].Href != "/usecases/alpha/decisions/1" {
		t.Errorf("href = %q", p.Items[0].Href)
	}
	if p := f.panelsOf("feasibility")["decisions"]; len(p.Items) != 0 || p.Empty == "" {
		t.Errorf("a section nothing links to shows %+v", p)
	}
}

func TestCompletenessPanel(t *testing.T) {
	f := newFixture(t)
	p := f.panelsOf("expectation-management")["completeness"]
	if len(p.Items) != 6 {
		t.Fatalf("completeness panel = %+v, want five phases and the total", p)
	}
	if it := p.Items[0]; it.Label != "Scoping" || it.Value != "0 of 5 agreed" || it.Detail != "1 drafted, 0 in review, 4 empty" {
		t.Errorf("scoping = %+v", it)
	}
	if it := p.Items[5]; it.Label != "Overall" || it.Detail != "1 of 25 sections started" || it.Tone != "" {
		t.Errorf("overall = %+v", it)
	}
	if it := p.Items[1]; it.Tone != "muted" {
		t.Errorf("a phase not started has tone %q, want muted", it.Tone)
	}
}
