package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/registry"
)

// The registry's hostile input: the JSON bodies of its writes (run by
// TestHostileInputIsRefusedAndStoresNothing), then what the registry
// itself must refuse — URIs that reach for local files or other schemes,
// digests, names, aliases, version numbers, times and metadata.

const scorerAPI = "/api/v1/usecases/alpha/assets/model/scorer"

// registryHostileTargets are the registry's JSON writes with accepted
// bodies. They act on the fixture's assets, which they register first.
func registryHostileTargets(f *fixture) []hostileTarget {
	f.seedAssets()
	desc := map[string]int{"description": registry.MaxDescription, "uri": registry.MaxURI}
	return []hostileTarget{
		{"POST", "/api/v1/usecases/alpha/assets", map[string]any{"kind": "model", "name": "probe", "description": "d"}, desc},
		{"POST", scorerAPI + "/versions", map[string]any{"uri": "s3://models/scorer/3/model.onnx", "digest": testDigest, "size": 10, "description": "d"}, desc},
		{"POST", scorerAPI + "/versions/1/status", map[string]any{"status": "deprecated", "reason": "superseded"}, nil},
		{"PUT", scorerAPI + "/aliases/champion", map[string]any{"version": 2, "reason": "better recall"}, nil},
		{"POST", "/api/v1/usecases/alpha/assets/prompt/explainer/render", map[string]any{"version": 1, "alias": "",
			"variables": map[string]string{"applicant": "Ada"}}, nil},
		{"POST", "/api/v1/usecases/alpha/lineage", map[string]any{"from": map[string]any{"kind": "model", "name": "scorer", "version": 2},
			"to": map[string]any{"kind": "dataset", "name": "loans", "version": 1}, "relation": "trained_on"}, nil},
		// A value may be any finite number, negative ones included, so it is
		// sent as a json.Number, which the attacks leave alone.
		{"POST", scorerAPI + "/versions/1/evaluations", map[string]any{"dataset": map[string]any{"name": "loans", "version": 1},
			"metric": "AUC", "value": json.Number("0.8"), "slice": "segment=young", "samples": 100, "note": "n"}, nil},
		{"PUT", "/api/v1/usecases/alpha/assets/dataset/loans/versions/1/sensitivity", map[string]any{"columns": map[string]string{"income": "none"},
			"legal_basis": "contract", "consent": "c", "retention": "3 years"}, nil},
	}
}

// TestRegistryHostileLineage: edges, evaluations and sensitivity the
// registry must refuse.
func TestRegistryHostileLineage(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	node := func(kind, name string, n int) map[string]any {
		return map[string]any{"kind": kind, "name": name, "version": n}
	}
	edge := func(from, to map[string]any, rel string) []byte {
		return mustJSON(t, map[string]any{"from": from, "to": to, "relation": rel})
	}
	lineage := "/api/v1/usecases/alpha/lineage"
	evals := scorerAPI + "/versions/1/evaluations"
	sens := "/api/v1/usecases/alpha/assets/dataset/loans/versions/1/sensitivity"
	eval := func(extra map[string]any) []byte {
		m := map[string]any{"dataset": map[string]any{"name": "loans", "version": 1}, "metric": "AUC", "value": 0.8}
		for k, v := range extra {
			m[k] = v
		}
		return mustJSON(t, m)
	}
	for name, tc := range map[string]struct {
		method, path string
		body         []byte
		want         int
	}{
		"unknown relation":           {"POST", lineage, edge(node("model", "scorer", 2), node("dataset", "loans", 1), "inspired_by"), 400},
		"wrong kinds":                {"POST", lineage, edge(node("dataset", "loans", 1), node("model", "scorer", 1), "trained_on"), 400},
		"edge to itself":             {"POST", lineage, edge(node("model", "scorer", 1), node("model", "scorer", 1), "fine_tuned_from"), 400},
		"missing version":            {"POST", lineage, edge(node("model", "scorer", 9), node("dataset", "loans", 1), "trained_on"), 404},
		"version 0":                  {"POST", lineage, edge(node("model", "scorer", 0), node("dataset", "loans", 1), "trained_on"), 400},
		"bad run id":                 {"POST", lineage, edge(node("model", "scorer", 2), map[string]any{"run": "../x"}, "produced_by"), 400},
		"run and version at once":    {"POST", lineage, edge(node("model", "scorer", 2), map[string]any{"run": "abc", "name": "loans"}, "produced_by"), 400},
		"cycle":                      {"POST", lineage, edge(node("model", "scorer", 1), node("model", "scorer", 2), "fine_tuned_from"), 0},
		"edge twice":                 {"POST", lineage, edge(node("model", "scorer", 1), node("dataset", "loans", 1), "trained_on"), 409},
		"evaluation of a dataset":    {"POST", "/api/v1/usecases/alpha/assets/dataset/loans/versions/1/evaluations", eval(nil), 400},
		"evaluation huge value":      {"POST", evals, []byte(`{"dataset": {"name": "loans", "version": 1}, "metric": "AUC", "value": 1e400}`), 400},
		"evaluation value text":      {"POST", evals, eval(map[string]any{"value": "NaN"}), 400},
		"evaluation bad slice":       {"POST", evals, eval(map[string]any{"slice": "young"}), 400},
		"evaluation no metric":       {"POST", evals, eval(map[string]any{"metric": ""}), 400},
		"evaluation missing data":    {"POST", evals, eval(map[string]any{"dataset": map[string]any{"name": "loans", "version": 7}}), 400},
		"evaluation of missing":      {"POST", scorerAPI + "/versions/9/evaluations", eval(nil), 404},
		"sensitivity unknown column": {"PUT", sens, mustJSON(t, map[string]any{"columns": map[string]string{"ssn": "direct-identifier"}}), 400},
		"sensitivity unknown class":  {"PUT", sens, mustJSON(t, map[string]any{"columns": map[string]string{"income": "secret"}}), 400},
		"sensitivity of a model":     {"PUT", "/api/v1/usecases/alpha/assets/dataset/scorer/versions/1/sensitivity", mustJSON(t, map[string]any{}), 404},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "cycle" {
				// scorer 2 fine-tuned from 1 first; then 1 from 2 would close a cycle.
				if rec := f.do("owner", "POST", lineage, "application/json", edge(node("model", "scorer", 2), node("model", "scorer", 1), "fine_tuned_from")); rec.Code != 201 {
					t.Fatalf("first edge = %d %s", rec.Code, rec.Body)
				}
				tc.want = 400
			}
			f.refuse(t, tc.method, tc.path, tc.body, tc.want)
		})
	}
	for _, q := range []string{"depth=0", "depth=-1", "depth=11", "depth=two", "depth=1e1"} {
		if rec := f.do("viewer", "GET", scorerAPI+"/versions/1/lineage?"+q, "", nil); rec.Code != 400 {
			t.Errorf("lineage ?%s = %d, want 400", q, rec.Code)
		}
	}
	for _, at := range []string{"yesterday", "2026-03-03"} {
		if rec := f.do("viewer", "GET", sens+"?at="+at, "", nil); rec.Code != 400 {
			t.Errorf("sensitivity ?at=%s = %d, want 400", at, rec.Code)
		}
	}
}

// refuse sends a body as the owner and wants status, with nothing stored.
func (f *fixture) refuse(t *testing.T, method, path string, body []byte, status int) Problem {
	t.Helper()
	before := f.auditSize()
	rec := f.do("owner", method, path, "application/json", body)
	if rec.Code != status {
		t.Fatalf("%s %s %.200s = %d, want %d (body %s)", method, path, body, rec.Code, status, rec.Body)
	}
	p := problem(t, rec)
	if got := f.auditSize(); got != before {
		t.Fatalf("audit log grew from %d to %d: the refused request stored something", before, got)
	}
	return p
}

func TestRegistryHostileURIs(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	for _, uri := range []string{
		"file:///etc/passwd", "file:/etc/", "//proc/self/root", "/etc/passwd", "../", "../../etc/passwd", "s3://b/..%2fk",
		"s3://b/%252e%252e%252fk", "%252e%252e%252f", "s3://b/..\\k", `..\`, "s3://b/a/..;/x", "a/..;/x", "s3://b/x#/../",
		"x#/../", "s3://b/k\x00", "s3://b/\x00/k", "ftp://example.org/m", "gopher://example.org/m", "jdbc:postgresql://db/x",
		"s3://b/../k", "s3://b/./k", "https://user:pw@example.org/m", "javascript:alert(1)", "data:text/plain,x", "", " ",
		"C:\\models\\m.bin", "s3://b/k?versionId=1",
	} {
		t.Run(url.QueryEscape(uri), func(t *testing.T) {
			body := mustJSON(t, map[string]any{"uri": uri, "digest": testDigest})
			f.refuse(t, "POST", scorerAPI+"/versions", body, http.StatusBadRequest)
		})
	}
	var page struct{ Total int }
	decodeInto(t, f.do("owner", "GET", scorerAPI+"/versions", "", nil), 200, &page)
	if page.Total != 2 {
		t.Fatalf("scorer has %d versions after the hostile URIs, want the 2 seeded", page.Total)
	}
}

func TestRegistryHostileFields(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	version := func(extra map[string]any) []byte {
		m := map[string]any{"uri": "s3://models/scorer/3/model.onnx", "digest": testDigest}
		for k, v := range extra {
			m[k] = v
		}
		return mustJSON(t, m)
	}
	for name, tc := range map[string]struct {
		method, path string
		body         []byte
		want         int
	}{
		"digest empty":              {"POST", scorerAPI + "/versions", version(map[string]any{"digest": ""}), 400},
		"digest short":              {"POST", scorerAPI + "/versions", version(map[string]any{"digest": testDigest[:63]}), 400},
		"digest long":               {"POST", scorerAPI + "/versions", version(map[string]any{"digest": testDigest + "a"}), 400},
		"digest not hex":            {"POST", scorerAPI + "/versions", version(map[string]any{"digest": strings.Repeat("g", 64)}), 400},
		"digest other algorithm":    {"POST", scorerAPI + "/versions", version(map[string]any{"digest": "md5:" + testDigest[:60]}), 400},
		"size negative":             {"POST", scorerAPI + "/versions", version(map[string]any{"size": -1}), 400},
		"size fraction":             {"POST", scorerAPI + "/versions", version(map[string]any{"size": 1.5}), 400},
		"metadata not an object":    {"POST", scorerAPI + "/versions", version(map[string]any{"metadata": []int{1}}), 400},
		"metadata a string":         {"POST", scorerAPI + "/versions", version(map[string]any{"metadata": "x"}), 400},
		"metadata huge":             {"POST", scorerAPI + "/versions", version(map[string]any{"metadata": map[string]string{"x": strings.Repeat("a", registry.MaxMetadata)}}), 413},
		"number set by the client":  {"POST", scorerAPI + "/versions", version(map[string]any{"number": 7}), 400},
		"status set by the client":  {"POST", scorerAPI + "/versions", version(map[string]any{"status": "ready"}), 400},
		"creator set by the client": {"POST", scorerAPI + "/versions", version(map[string]any{"created_by": "someone"}), 400},
		"other kind's fields":       {"POST", scorerAPI + "/versions", version(map[string]any{"dataset": map[string]any{"role": "training"}}), 400},
		"unknown nested field":      {"POST", scorerAPI + "/versions", version(map[string]any{"model": map[string]any{"framework": "x", "weights": "AAAA"}}), 400},
		"training data missing":     {"POST", scorerAPI + "/versions", version(map[string]any{"model": map[string]any{"training_data": []any{map[string]any{"name": "loans", "version": 9}}}}), 400},
		"prompt without template":   {"POST", "/api/v1/usecases/alpha/assets/prompt/explainer/versions", version(nil), 400},
		"bad tag key":               {"POST", scorerAPI + "/versions", version(map[string]any{"tags": map[string]string{"a b": "x"}}), 400},
		"too many tags": {"POST", scorerAPI + "/versions", version(map[string]any{"tags": func() map[string]string {
			m := map[string]string{}
			for i := range registry.MaxTags + 1 {
				m["k"+itoa(int64(i))] = "v"
			}
			return m
		}()}), 400},
		"malformed JSON":           {"POST", scorerAPI + "/versions", []byte(`{"uri": "s3://b/k", `), 400},
		"unknown kind":             {"POST", "/api/v1/usecases/alpha/assets", mustJSON(t, map[string]any{"kind": "weights", "name": "x"}), 400},
		"duplicate asset":          {"POST", "/api/v1/usecases/alpha/assets", mustJSON(t, map[string]any{"kind": "model", "name": "scorer"}), 409},
		"status unknown":           {"POST", scorerAPI + "/versions/1/status", mustJSON(t, map[string]any{"status": "gone", "reason": "x"}), 400},
		"status without reason":    {"POST", scorerAPI + "/versions/1/status", mustJSON(t, map[string]any{"status": "archived"}), 400},
		"status unchanged":         {"POST", scorerAPI + "/versions/1/status", mustJSON(t, map[string]any{"status": "ready", "reason": "x"}), 409},
		"status of missing":        {"POST", scorerAPI + "/versions/9/status", mustJSON(t, map[string]any{"status": "archived", "reason": "x"}), 404},
		"alias at missing version": {"PUT", scorerAPI + "/aliases/production", mustJSON(t, map[string]any{"version": 9, "reason": "x"}), 404},
		"alias at version 0":       {"PUT", scorerAPI + "/aliases/production", mustJSON(t, map[string]any{"version": 0, "reason": "x"}), 400},
		"alias at version -1":      {"PUT", scorerAPI + "/aliases/production", mustJSON(t, map[string]any{"version": -1, "reason": "x"}), 400},
		"alias at version 1e3":     {"PUT", scorerAPI + "/aliases/production", []byte(`{"version": 1e3, "reason": "x"}`), 400},
		"alias at version 1.5":     {"PUT", scorerAPI + "/aliases/production", []byte(`{"version": 1.5, "reason": "x"}`), 400},
		"alias at huge version":    {"PUT", scorerAPI + "/aliases/production", []byte(`{"version": 99999999999999999999, "reason": "x"}`), 400},
		"alias at version text":    {"PUT", scorerAPI + "/aliases/production", []byte(`{"version": "2", "reason": "x"}`), 400},
		"alias without reason":     {"PUT", scorerAPI + "/aliases/production", mustJSON(t, map[string]any{"version": 1}), 400},
		"delete without reason":    {"DELETE", scorerAPI + "/aliases/champion", nil, 400},
		"delete missing alias":     {"DELETE", scorerAPI + "/aliases/production?reason=x", nil, 404},
		"render unknown variable":  {"POST", "/api/v1/usecases/alpha/assets/prompt/explainer/render", mustJSON(t, map[string]any{"variables": map[string]string{"applicant": "A", "extra": "B"}}), 400},
		"render missing variable":  {"POST", "/api/v1/usecases/alpha/assets/prompt/explainer/render", mustJSON(t, map[string]any{"variables": map[string]string{}}), 400},
		"render version and alias": {"POST", "/api/v1/usecases/alpha/assets/prompt/explainer/render", mustJSON(t, map[string]any{"version": 1, "alias": "champion", "variables": map[string]string{"applicant": "A"}}), 400},
		"render missing alias":     {"POST", "/api/v1/usecases/alpha/assets/prompt/explainer/render", mustJSON(t, map[string]any{"alias": "production", "variables": map[string]string{"applicant": "A"}}), 404},
		"render missing version":   {"POST", "/api/v1/usecases/alpha/assets/prompt/explainer/render", mustJSON(t, map[string]any{"version": 5, "variables": map[string]string{"applicant": "A"}}), 404},
		"render a model":           {"POST", "/api/v1/usecases/alpha/assets/prompt/scorer/render", mustJSON(t, map[string]any{"variables": map[string]string{}}), 404},
	} {
		t.Run(name, func(t *testing.T) { f.refuse(t, tc.method, tc.path, tc.body, tc.want) })
	}
}

func TestRegistryHostileNames(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	for _, name := range []string{"", "Scorer", "a b", "../x", "..", "-a", "a-", ".a", "a/b", "a\\b", "ä", "a\x00", "<b>", strings.Repeat("a", registry.MaxName+1)} {
		t.Run("asset "+url.QueryEscape(name), func(t *testing.T) {
			f.refuse(t, "POST", "/api/v1/usecases/alpha/assets", mustJSON(t, map[string]any{"kind": "model", "name": name}), http.StatusBadRequest)
		})
	}
	body := mustJSON(t, map[string]any{"version": 1, "reason": "x"})
	for _, alias := range []string{"Champion", "1", "42", "-x", "x-", "a_b", "a.b", "..%2fx", "%2e%2e", "a%00", "%3Cb%3E", strings.Repeat("a", registry.MaxAliasName+1)} {
		t.Run("alias "+alias, func(t *testing.T) {
			f.refuse(t, "PUT", scorerAPI+"/aliases/"+alias, body, http.StatusBadRequest)
			if rec := f.do("owner", "GET", scorerAPI+"/aliases/"+alias, "", nil); rec.Code != http.StatusBadRequest {
				t.Fatalf("GET alias %q = %d, want 400", alias, rec.Code)
			}
		})
	}
}

// TestRegistryHostilePaths: version numbers and times that are not what
// they must be are refused, never a server error.
func TestRegistryHostilePaths(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	for _, n := range []string{"0", "-1", "+1", "01", "1e3", "1.0", "0x1", "99999999999999999999", "2147483648", "one"} {
		rec := f.do("viewer", "GET", scorerAPI+"/versions/"+n, "", nil)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET version %q = %d, want 404", n, rec.Code)
		}
	}
	for _, at := range []string{"yesterday", "2026-03-03", "2026-03-03T14:00", "2026-03-03 14:00:00Z", "1700000000", "2026-13-01T00:00:00Z", "2026-03-03T14:00:00", "%00"} {
		rec := f.do("viewer", "GET", scorerAPI+"/aliases/champion?at="+url.QueryEscape(at), "", nil)
		if rec.Code != http.StatusBadRequest {
			t.Errorf("at=%q = %d, want 400 (body %s)", at, rec.Code, rec.Body)
		}
	}
	for _, kind := range []string{"models", "Model", "%2e%2e"} {
		if rec := f.do("viewer", "GET", "/api/v1/usecases/alpha/assets/"+kind+"/scorer", "", nil); rec.Code != http.StatusBadRequest {
			t.Errorf("GET asset of kind %q = %d, want 400", kind, rec.Code)
		}
	}
	// A ".." segment is cleaned away by the router, which redirects to the
	// cleaned path and does nothing else.
	before := f.auditSize()
	if rec := f.doJSON("owner", "PUT", scorerAPI+"/aliases/..", map[string]any{"version": 1, "reason": "x"}); rec.Code != http.StatusTemporaryRedirect || f.auditSize() != before {
		t.Errorf("PUT alias .. = %d, want the router's 307 and nothing stored", rec.Code)
	}
	if rec := f.do("viewer", "GET", "/api/v1/usecases/alpha/assets?kind=weights", "", nil); rec.Code != http.StatusBadRequest {
		t.Errorf("list of kind weights = %d, want 400", rec.Code)
	}
}

// TestRegistryRenderBlowUp: variables cannot make a rendered prompt larger
// than the limit.
func TestRegistryRenderBlowUp(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	if rec := f.doJSON("owner", "POST", "/api/v1/usecases/alpha/assets", map[string]any{"kind": "prompt", "name": "echo"}); rec.Code != 201 {
		t.Fatalf("create prompt = %d %s", rec.Code, rec.Body)
	}
	tpl := strings.Repeat("{{a}}", 1000)
	if rec := f.doJSON("owner", "POST", "/api/v1/usecases/alpha/assets/prompt/echo/versions", map[string]any{"uri": "https://prompts.example.org/echo",
		"digest": testDigest, "prompt": map[string]any{"template": tpl}}); rec.Code != 201 {
		t.Fatalf("create version = %d %s", rec.Code, rec.Body)
	}
	body := mustJSON(t, map[string]any{"variables": map[string]string{"a": strings.Repeat("x", 2000)}})
	f.refuse(t, "POST", "/api/v1/usecases/alpha/assets/prompt/echo/render", body, http.StatusRequestEntityTooLarge)
}
