package web

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
)

// hostileBodies derives attacks from a valid body: broken JSON, wrong
// shapes, unknown and duplicate keys, and for each field over-long text,
// control characters, wrong types and absurd numbers.
//
// Text is over-long at 10,000 characters unless long names a field's own
// limit, for fields that accept more.
func hostileBodies(valid map[string]any, long map[string]int) map[string][]byte {
	out := map[string][]byte{
		"empty":          []byte(""),
		"truncated":      []byte(`{"name": "x`),
		"not an object":  []byte(`[1, 2, 3]`),
		"a bare string":  []byte(`"hello"`),
		"trailing value": []byte(`{} {}`),
		"oversized":      []byte(`{"name": "` + strings.Repeat("a", MaxBodyBytes+10) + `"}`),
		"deep nesting":   []byte(strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100)),
	}
	with := func(k string, v any) []byte {
		m := map[string]any{}
		for key, val := range valid {
			m[key] = val
		}
		m[k] = v
		b, _ := json.Marshal(m)
		return b
	}
	out["unknown key"] = with("is_admin_now", true)
	keys := make([]string, 0, len(valid))
	for k := range valid {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		first, _ := json.Marshal(valid[keys[0]])
		rest, _ := json.Marshal(valid)
		out["duplicate key"] = []byte(`{"` + keys[0] + `": ` + string(first) + `, ` + string(rest[1:]))
	}
	for _, k := range keys {
		switch valid[k].(type) {
		case string:
			n := 10_000
			if limit, ok := long[k]; ok {
				n = limit + 1
			}
			out[k+": over-long"] = with(k, strings.Repeat("a", n))
			out[k+": control character"] = with(k, "ok\u0000\u0007no")
			out[k+": number instead of text"] = with(k, 12345)
			out[k+": object instead of text"] = with(k, map[string]int{"x": 1})
		case float64, int, int64:
			out[k+": negative"] = with(k, -5)
			out[k+": huge"] = []byte(strings.Replace(string(with(k, 1)), `"`+k+`":1`, `"`+k+`":1e300`, 1))
			out[k+": text instead of number"] = with(k, "seven")
		case bool:
			out[k+": text instead of bool"] = with(k, "yes")
		}
	}
	return out
}

// hostileTarget is a JSON write route with a body that is accepted as is;
// each attack is a small change to it.
type hostileTarget struct {
	method, path string
	valid        map[string]any
	long         map[string]int // limits of text fields that take 10,000 characters or more
}

func hostileTargets(f *fixture) []hostileTarget {
	targets := []hostileTarget{
		{"POST", "/api/v1/usecases", map[string]any{"name": "Probe", "summary": "s", "team": "team-a", "stage": "data", "slug": "probe"}, nil},
		{"PATCH", "/api/v1/usecases/alpha", map[string]any{"name": "Alpha", "summary": "s", "version": 1}, nil},
		{"POST", "/api/v1/usecases/alpha/transitions", map[string]any{"to": "data", "note": "n"}, nil},
		{"POST", "/api/v1/usecases/alpha/grants", map[string]any{"user_id": f.users["viewer"].ID, "role": "reviewer"}, nil},
		{"POST", "/api/v1/users", map[string]any{"email": "new@example.org", "name": "New", "admin": false}, nil},
		{"PATCH", "/api/v1/users/" + f.users["owner"].ID, map[string]any{"name": "Owner", "disabled": false}, nil},
		{"POST", "/api/v1/teams", map[string]any{"name": "Team C", "slug": "team-c"}, nil},
		{"POST", "/api/v1/teams/team-a/members", map[string]any{"user_id": f.users["viewer"].ID}, nil},
		{"POST", "/api/v1/tokens", map[string]any{"name": "probe", "expires_in": "30d"}, nil},
		{"PATCH", "/api/v1/me", map[string]any{"name": "Admin", "current_password": "", "password": "a long enough password"}, nil},
	}
	targets = append(targets, registryHostileTargets(f)...)
	return append(targets, canvasHostileTargets(f)...)
}

// canvasHostileTargets are the JSON writes of canvases, sections, comments,
// iterations, objectives, stakeholders and decisions.
func canvasHostileTargets(f *fixture) []hostileTarget {
	uc := "/api/v1/usecases/alpha"
	cv := uc + "/canvases/" + f.canvas.ID
	// A target may be any finite number, negative ones included, so it is
	// sent as a json.Number, which the attacks leave alone.
	target := json.Number("0.8")
	decisionText := map[string]int{"context": decision.MaxText, "options": decision.MaxText, "decision": decision.MaxText,
		"rationale": decision.MaxText, "consequences": decision.MaxText}
	return []hostileTarget{
		{"POST", uc + "/canvases", map[string]any{"template": fixtureTemplate, "title": "Probe"}, nil},
		{"PATCH", cv, map[string]any{"title": "Probe", "version": 1}, nil},
		{"PUT", cv + "/sections/feasibility", map[string]any{"content": "Data exists.", "status": "draft", "base_version": 0},
			map[string]int{"content": canvas.MaxContent}},
		{"POST", cv + "/sections/feasibility/comments", map[string]any{"body": "Which data?"}, map[string]int{"body": canvas.MaxComment}},
		{"POST", cv + "/iterations", map[string]any{"message": "probe"}, nil},
		{"POST", cv + "/objectives", map[string]any{"section": "objective-setting", "metric": "recall", "comparator": ">=",
			"target": target, "unit": "%", "measured_at": "production", "window": "30d", "min_samples": 100, "notes": "n"}, nil},
		{"PATCH", cv + "/objectives/" + itoa(f.objective), map[string]any{"metric": "AUC", "target": target, "window": "7d", "min_samples": 10}, nil},
		{"POST", uc + "/stakeholders", map[string]any{"kind": "user", "name": "Officers", "role": "r", "contact": "c", "concerns": "c",
			"before": "b", "during": "d", "after": "a", "notes": "n"}, nil},
		{"PATCH", uc + "/stakeholders/" + itoa(f.stakeholder), map[string]any{"name": "Officers", "during": "d", "version": 1}, nil},
		{"POST", uc + "/decisions", map[string]any{"title": "T", "context": "c", "options": "o", "decision": "d", "rationale": "r",
			"consequences": "c", "status": "accepted", "decided_by": "board", "decided_at": "2026-11-27", "supersedes": 0}, decisionText},
		{"PATCH", uc + "/decisions/" + itoa(int64(f.decision)), map[string]any{"title": "T", "rationale": "r", "status": "accepted", "version": 1}, decisionText},
	}
}

func TestHostileInputIsRefusedAndStoresNothing(t *testing.T) {
	f := newFixture(t)
	for _, tg := range hostileTargets(f) {
		for name, body := range hostileBodies(tg.valid, tg.long) {
			t.Run(tg.method+" "+tg.path+"/"+name, func(t *testing.T) {
				before := f.auditSize()
				rec := f.do("admin", tg.method, tg.path, "application/json", body)
				if rec.Code < 400 || rec.Code >= 500 || rec.Code == http.StatusUnauthorized || rec.Code == http.StatusForbidden {
					t.Fatalf("status %d, want a 4xx refusal of the input (body %.300s)", rec.Code, rec.Body)
				}
				p := problem(t, rec)
				if name == "oversized" && rec.Code != http.StatusRequestEntityTooLarge {
					t.Fatalf("oversized body = %d, want 413", rec.Code)
				}
				if strings.Contains(p.Detail, "internal") {
					t.Fatalf("detail %q does not explain the problem", p.Detail)
				}
				if got := f.auditSize(); got != before {
					t.Fatalf("audit log grew from %d to %d: the hostile request stored something", before, got)
				}
			})
		}
	}
	rec := f.do("admin", "POST", "/api/v1/teams", "text/plain", []byte(`{"name":"x"}`))
	if rec.Code != http.StatusBadRequest {
		t.Fatalf("text/plain body = %d, want 400", rec.Code)
	}
}

// TestValidBodiesAreAccepted proves the hostile test's starting points are
// themselves accepted, so each refusal above is caused by the attack.
func TestValidBodiesAreAccepted(t *testing.T) {
	for i := range hostileTargets(newFixture(t)) {
		f := newFixture(t)
		tg := hostileTargets(f)[i]
		if rec := f.doJSON("admin", tg.method, tg.path, tg.valid); rec.Code >= 300 {
			t.Errorf("%s %s with its valid body = %d (%s)", tg.method, tg.path, rec.Code, rec.Body)
		}
	}
}
