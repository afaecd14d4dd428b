package web

import (
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/people"
)

func TestObjectivesAPI(t *testing.T) {
	f := newFixture(t)
	url := f.canvasURL() + "/objectives"
	var o canvas.Objective
	decodeInto(t, f.doJSON("owner", "POST", url, map[string]any{"section": "objective-setting", "metric": "approval time", "comparator": "<=",
		"target": -12.5, "unit": "min", "measured_at": "business", "window": "30d", "min_samples": 200}), 201, &o)
	if o.ID == 0 || o.Target != -12.5 || o.Window != "30d" {
		t.Fatalf("created %+v", o)
	}
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"prose section", map[string]any{"section": "feasibility", "metric": "m", "comparator": ">=", "target": 1, "measured_at": "evaluation"}},
		{"bad comparator", map[string]any{"section": "objective-setting", "metric": "m", "comparator": "≈", "target": 1, "measured_at": "evaluation"}},
		{"bad place", map[string]any{"section": "objective-setting", "metric": "m", "comparator": ">=", "target": 1, "measured_at": "lab"}},
		{"bad window", map[string]any{"section": "objective-setting", "metric": "m", "comparator": ">=", "target": 1, "measured_at": "evaluation", "window": "monthly"}},
	} {
		if rec := f.doJSON("owner", "POST", url, tc.body); rec.Code != 400 {
			t.Errorf("%s = %d, want 400 (%s)", tc.name, rec.Code, rec.Body)
		}
	}
	decodeInto(t, f.doJSON("owner", "PATCH", url+"/"+itoa(o.ID), map[string]any{"target": -10, "notes": "after the pilot"}), 200, &o)
	if o.Target != -10 || o.Notes != "after the pilot" || o.Metric != "approval time" || o.Comparator != "<=" {
		t.Fatalf("patched %+v, want the new target and notes, the rest kept", o)
	}
	var list struct{ Items []canvas.Objective }
	decodeInto(t, f.do("viewer", "GET", url, "", nil), 200, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d objectives, want 2", len(list.Items))
	}
	if rec := f.do("owner", "DELETE", url+"/"+itoa(o.ID), "", nil); rec.Code != 204 {
		t.Fatalf("delete = %d, want 204", rec.Code)
	}
	for _, path := range []string{url + "/" + itoa(o.ID), url + "/x"} {
		if rec := f.doJSON("owner", "PATCH", path, map[string]any{"target": 1}); rec.Code != 404 {
			t.Errorf("PATCH %s = %d, want 404", path, rec.Code)
		}
		if rec := f.do("owner", "DELETE", path, "", nil); rec.Code != 404 {
			t.Errorf("DELETE %s = %d, want 404", path, rec.Code)
		}
	}
}

func TestStakeholdersAPI(t *testing.T) {
	f := newFixture(t)
	url := "/api/v1/usecases/alpha/stakeholders"
	var sh people.Stakeholder
	decodeInto(t, f.doJSON("owner", "POST", url, map[string]any{"kind": "test-pilot", "name": "Branch Nord", "role": "first users",
		"subjects": []string{"nord@example.org", " ", "nord@example.org", "sued@example.org"}}), 201, &sh)
	if strings.Join(sh.Subjects, ",") != "nord@example.org,sued@example.org" || sh.Version != 1 {
		t.Fatalf("created %+v, want two distinct subjects at version 1", sh)
	}
	if rec := f.doJSON("owner", "POST", url, map[string]any{"kind": "user", "name": "x", "subjects": []string{"a@b"}}); rec.Code != 400 {
		t.Errorf("subjects on a user = %d, want 400", rec.Code)
	}
	if rec := f.doJSON("owner", "POST", url, map[string]any{"kind": "boss", "name": "x"}); rec.Code != 400 {
		t.Errorf("unknown kind = %d, want 400", rec.Code)
	}
	id := url + "/" + itoa(sh.ID)
	decodeInto(t, f.doJSON("owner", "PATCH", id, map[string]any{"during": "weekly check-in", "version": 1}), 200, &sh)
	if sh.During != "weekly check-in" || sh.Name != "Branch Nord" || len(sh.Subjects) != 2 || sh.Version != 2 {
		t.Fatalf("patched %+v, want during set, the rest kept, version 2", sh)
	}
	if rec := f.doJSON("owner", "PATCH", id, map[string]any{"name": "Stale", "version": 1}); rec.Code != 409 {
		t.Errorf("stale version = %d, want 409", rec.Code)
	}
	decodeInto(t, f.doJSON("owner", "PATCH", id, map[string]any{"subjects": []string{}}), 200, &sh)
	if len(sh.Subjects) != 0 || sh.Version != 3 {
		t.Errorf("emptied subjects without a version = %+v", sh)
	}
	var list struct{ Items []people.Stakeholder }
	decodeInto(t, f.do("viewer", "GET", url, "", nil), 200, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d entries, want 2", len(list.Items))
	}
	if rec := f.do("owner", "DELETE", id, "", nil); rec.Code != 204 {
		t.Fatalf("delete = %d, want 204", rec.Code)
	}
	if rec := f.doJSON("owner", "PATCH", id, map[string]any{"name": "Gone"}); rec.Code != 404 {
		t.Errorf("PATCH of a removed entry = %d, want 404", rec.Code)
	}
}

func TestDecisionsAPI(t *testing.T) {
	f := newFixture(t)
	url := "/api/v1/usecases/alpha/decisions"
	rec := f.doJSON("owner", "POST", url, map[string]any{"title": "Retrain monthly", "supersedes": f.decision,
		"links": []map[string]string{{"kind": "section", "target": f.canvas.ID + "/feasibility"}, {"kind": "url", "target": "https://example.org/memo"}}})
	var d decision.Decision
	decodeInto(t, rec, 201, &d)
	if d.Number != 2 || d.Status != decision.Proposed || len(d.Links) != 2 || rec.Header().Get("Location") != url+"/2" {
		t.Fatalf("created %+v (Location %q), want number 2, proposed, two links", d, rec.Header().Get("Location"))
	}
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"javascript link", map[string]any{"title": "x", "links": []map[string]string{{"kind": "url", "target": "javascript:alert(1)"}}}},
		{"bad section link", map[string]any{"title": "x", "links": []map[string]string{{"kind": "section", "target": "Not A Section"}}}},
		{"bad status", map[string]any{"title": "x", "status": "maybe"}},
		{"bad date", map[string]any{"title": "x", "decided_at": "27.11.2026"}},
	} {
		if rec := f.doJSON("owner", "POST", url, tc.body); rec.Code != 400 {
			t.Errorf("%s = %d, want 400", tc.name, rec.Code)
		}
	}
	decodeInto(t, f.doJSON("owner", "PATCH", url+"/2", map[string]any{"status": "accepted", "decided_by": "Risk board", "decided_at": "2026-11-27", "version": 1}), 200, &d)
	if d.Status != decision.Accepted || d.DecidedBy != "Risk board" || len(d.Links) != 2 || d.Version != 2 {
		t.Fatalf("patched %+v, want accepted by the board with the links kept", d)
	}
	decodeInto(t, f.doJSON("owner", "PATCH", url+"/2", map[string]any{"links": []map[string]string{}}), 200, &d)
	if len(d.Links) != 0 {
		t.Errorf("links = %+v, want none after sending an empty list", d.Links)
	}
	if rec := f.doJSON("owner", "PATCH", url+"/2", map[string]any{"title": "Stale", "version": 1}); rec.Code != 409 {
		t.Errorf("stale version = %d, want 409", rec.Code)
	}
	decodeInto(t, f.do("viewer", "GET", url+"/2", "", nil), 200, &d)
	var list struct{ Items []decision.Decision }
	decodeInto(t, f.do("viewer", "GET", url, "", nil), 200, &list)
	if len(list.Items) != 2 {
		t.Fatalf("%d decisions, want 2", len(list.Items))
	}
	for _, path := range []string{url + "/9", url + "/0", url + "/x", url + "/-1"} {
		if rec := f.do("viewer", "GET", path, "", nil); rec.Code != 404 {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}
}
