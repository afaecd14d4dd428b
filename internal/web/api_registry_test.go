package web

import (
	"bytes"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	webregistry "github.com/atrium-mlops/atrium/internal/web/registry"
)

// clock is a settable time for the store, so alias moves happen at known
// moments.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) set(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

func (c *clock) read() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func TestRegistryAPIFlow(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	rec := f.doJSON("owner", "POST", "/api/v1/usecases/alpha/assets", map[string]any{"kind": "dataset", "name": "applications",
		"description": "Loan applications with outcomes.", "tags": map[string]string{"owner": "credit-ops"}})
	var a registry.Asset
	decodeInto(t, rec, http.StatusCreated, &a)
	if loc := rec.Header().Get("Location"); loc != "/api/v1/usecases/alpha/assets/dataset/applications" {
		t.Fatalf("Location=%q", loc)
	}
	if a.Kind != registry.Dataset || a.Versions != 0 || a.Tags["owner"] != "credit-ops" || a.CreatedBy != f.users["owner"].ID {
		t.Fatalf("asset = %+v", a)
	}
	ds := "/api/v1/usecases/alpha/assets/dataset/applications"
	body := map[string]any{"uri": "S3://Data/applications/2026-11.parquet", "digest": "sha256:" + testDigest, "size": 2048,
		"metadata": map[string]any{"b": 1, "a": []int{1, 2}}, "tags": map[string]string{"split": "train"},
		"dataset": map[string]any{"role": "training", "schema": []map[string]any{{"name": "income", "type": "number"}, {"name": "email", "type": "string", "nullable": true}},
			"profile": map[string]any{"rows": 10, "columns": []map[string]any{{"name": "income", "type": "number", "count": 10, "min": 1.5, "max": 9,
				"histogram": []map[string]any{{"low": 1.5, "high": 5, "count": 6}, {"low": 5, "high": 9, "count": 4}}}}},
			"sensitivity": map[string]any{"columns": map[string]string{"email": "direct-identifier"}, "legal_basis": "contract"}}}
	var v1 registry.Version
	rec = f.doJSON("owner", "POST", ds+"/versions", body)
	decodeInto(t, rec, http.StatusCreated, &v1)
	if v1.Number != 1 || v1.URI != "s3://data/applications/2026-11.parquet" || v1.Digest != testDigest || string(v1.Metadata) != `{"a":[1,2],"b":1}` ||
		v1.Status != registry.Ready || v1.Dataset == nil || v1.Dataset.Sensitivity.Columns["email"] != registry.DirectIdentifier {
		t.Fatalf("version = %+v", v1)
	}
	if loc := rec.Header().Get("Location"); loc != ds+"/versions/1" {
		t.Fatalf("Location=%q", loc)
	}
	var got registry.Version
	decodeInto(t, f.do("viewer", "GET", ds+"/versions/1", "", nil), 200, &got)
	if got.URI != v1.URI || got.Dataset.Profile.Columns[0].Histogram[1].Count != 4 {
		t.Fatalf("read back %+v", got)
	}
	var list struct {
		Items []registry.Asset
		Total int
	}
	decodeInto(t, f.do("viewer", "GET", "/api/v1/usecases/alpha/assets?kind=dataset", "", nil), 200, &list)
	if list.Total != 2 || list.Items[0].Name != "applications" || list.Items[0].Versions != 1 {
		t.Fatalf("datasets = %+v", list)
	}

	// The prompt renders by version, by alias and as the newest.
	var out webregistry.Rendered
	decodeInto(t, f.doJSON("viewer", "POST", "/api/v1/usecases/alpha/assets/prompt/explainer/render",
		map[string]any{"variables": map[string]string{"applicant": "{{ applicant }} & <b>"}}), 200, &out)
	if out.Version != 1 || out.Text != "Explain the score of {{ applicant }} & <b> in two sentences." {
		t.Fatalf("rendered %+v", out)
	}
	if rec := f.doJSON("owner", "PUT", "/api/v1/usecases/alpha/assets/prompt/explainer/aliases/production", map[string]any{"version": 1, "reason": "live"}); rec.Code != 200 {
		t.Fatalf("alias prompt = %d %s", rec.Code, rec.Body)
	}
	decodeInto(t, f.doJSON("viewer", "POST", "/api/v1/usecases/alpha/assets/prompt/explainer/render",
		map[string]any{"alias": "production", "variables": map[string]string{"applicant": "Ada"}}), 200, &out)
	if out.Version != 1 || out.Text != "Explain the score of Ada in two sentences." {
		t.Fatalf("rendered by alias %+v", out)
	}
}

// TestRegistryVersionsNeverChange tries every way the API offers to change
// a version: none does, and the version reads back byte for byte, except
// for its status, which changes only through its own route.
func TestRegistryVersionsNeverChange(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	path := scorerAPI + "/versions/1"
	original := f.do("owner", "GET", path, "", nil).Body.Bytes()
	change := map[string]any{"uri": "s3://models/evil/model.onnx", "digest": testDigest, "number": 1, "description": "swapped"}
	before := f.auditSize()
	for _, method := range []string{"PUT", "PATCH", "DELETE", "POST"} {
		rec := f.doJSON("admin", method, path, change)
		if rec.Code < 400 || rec.Code >= 500 {
			t.Errorf("%s %s = %d, want a 4xx refusal", method, path, rec.Code)
		}
	}
	for _, sub := range []string{"/uri", "/digest", "/metadata", "/tags", "/details"} {
		for _, method := range []string{"PUT", "PATCH", "POST"} {
			if rec := f.doJSON("admin", method, path+sub, change); rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("%s %s = %d, want a 4xx refusal", method, path+sub, rec.Code)
			}
		}
	}
	// Registering "version 1" again makes version 3; version 1 stays.
	var v3 registry.Version
	decodeInto(t, f.doJSON("admin", "POST", scorerAPI+"/versions", map[string]any{"uri": "s3://models/evil/model.onnx", "digest": testDigest}), 201, &v3)
	if v3.Number != 3 {
		t.Fatalf("new version number %d, want 3", v3.Number)
	}
	if f.auditSize() != before+1 {
		t.Fatalf("audit grew by %d, want only the new version's entry", f.auditSize()-before)
	}
	if now := f.do("owner", "GET", path, "", nil).Body.Bytes(); !bytes.Equal(now, original) {
		t.Fatalf("version 1 changed:\n%s\n%s", original, now)
	}
	// A status change is audited and changes only the status.
	var st registry.Version
	decodeInto(t, f.doJSON("owner", "POST", path+"/status", map[string]any{"status": "deprecated", "reason": "v2 is better"}), 200, &st)
	var after registry.Version
	decodeInto(t, f.do("owner", "GET", path, "", nil), 200, &after)
	var orig registry.Version
	decodeInto(t, f.do("owner", "GET", scorerAPI+"/versions/2", "", nil), 200, &orig)
	if after.Status != registry.Deprecated || after.StatusReason != "v2 is better" || after.URI != "s3://models/scorer/1/model.onnx" ||
		after.CreatedAt.IsZero() || after.Model == nil || after.Model.Framework != "xgboost" {
		t.Fatalf("after the status change: %+v", after)
	}
}

// TestRegistryAliasPointInTime moves an alias at known times and asks the
// API what it pointed at in between.
func TestRegistryAliasPointInTime(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	c := &clock{}
	f.db.SetClock(c.read)
	owner := atrium.WithActor(t.Context(), atrium.Actor{UserID: f.users["owner"].ID, Name: "owner"})
	ref := registry.Ref{Kind: registry.Model, Name: "scorer"}
	c.set("2026-03-01T09:00:00Z")
	if _, err := f.db.CreateVersion(owner, "alpha", ref, registry.Version{URI: "s3://models/scorer/3/model.onnx", Digest: testDigest}); err != nil {
		t.Fatal(err)
	}
	alias := scorerAPI + "/aliases/production"
	for _, step := range []struct {
		at, method string
		body       map[string]any
	}{
		{"2026-03-02T10:00:00Z", "PUT", map[string]any{"version": 1, "reason": "first release"}},
		{"2026-03-03T14:00:00Z", "PUT", map[string]any{"version": 2, "reason": "better recall"}},
		{"2026-03-04T08:30:00Z", "DELETE", nil},
		{"2026-03-05T12:00:00Z", "PUT", map[string]any{"version": 3, "reason": "retrained"}},
	} {
		c.set(step.at)
		path := alias
		if step.method == "DELETE" {
			path += "?reason=incident"
		}
		if rec := f.doJSON("owner", step.method, path, step.body); rec.Code >= 300 {
			t.Fatalf("%s at %s = %d %s", step.method, step.at, rec.Code, rec.Body)
		}
	}
	for _, tc := range []struct {
		at      string
		version int // 0: it did not point anywhere
		reason  string
	}{
		{"2026-03-02T09:59:59Z", 0, ""},
		{"2026-03-02T10:00:00Z", 1, "first release"},
		{"2026-03-03T13:59:59Z", 1, "first release"},
		{"2026-03-03T14:00:00Z", 2, "better recall"},
		{"2026-03-03T15:00:00+02:00", 1, "first release"}, // 13:00 UTC
		{"2026-03-04T08:29:00Z", 2, "better recall"},
		{"2026-03-04T08:30:00Z", 0, ""},
		{"2026-03-05T11:59:59Z", 0, ""},
		{"2026-03-05T12:00:00Z", 3, "retrained"},
		{"2030-01-01T00:00:00Z", 3, "retrained"},
	} {
		rec := f.do("viewer", "GET", alias+"?at="+url.QueryEscape(tc.at), "", nil)
		if tc.version == 0 {
			if rec.Code != http.StatusNotFound {
				t.Errorf("at %s = %d, want 404 (%s)", tc.at, rec.Code, rec.Body)
			}
			continue
		}
		var al registry.Alias
		decodeInto(t, rec, 200, &al)
		if al.Version != tc.version || al.Reason != tc.reason || al.MovedBy != f.users["owner"].ID || al.Name != "production" {
			t.Errorf("at %s: %+v, want version %d (%s)", tc.at, al, tc.version, tc.reason)
		}
	}
	var now registry.Alias
	decodeInto(t, f.do("viewer", "GET", alias, "", nil), 200, &now)
	if now.Version != 3 || !now.MovedAt.Equal(time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("now: %+v", now)
	}
	var hist struct {
		Items []registry.AliasMove
		Total int
	}
	decodeInto(t, f.do("viewer", "GET", alias+"/history", "", nil), 200, &hist)
	want := [][2]int{{0, 1}, {1, 2}, {2, 0}, {0, 3}}
	if hist.Total != 4 || len(hist.Items) != 4 {
		t.Fatalf("history %+v", hist)
	}
	for i, m := range hist.Items {
		if m.From != want[i][0] || m.To != want[i][1] {
			t.Errorf("move %d: %d → %d, want %d → %d", i, m.From, m.To, want[i][0], want[i][1])
		}
	}
	if hist.Items[2].Reason != "incident" {
		t.Errorf("removal reason %q", hist.Items[2].Reason)
	}
	decodeInto(t, f.do("viewer", "GET", alias+"/history?page_size=1&page_token="+atrium.PageRequest{Size: 3}.NextToken(4), "", nil), 200, &hist)
	if len(hist.Items) != 1 || hist.Items[0].To != 3 {
		t.Fatalf("last page of history %+v", hist)
	}
	if rec := f.do("viewer", "GET", scorerAPI+"/aliases/staging/history", "", nil); rec.Code != 404 {
		t.Fatalf("history of an alias never set = %d, want 404", rec.Code)
	}
}

// TestRegistryAllowedByRole: editors register and move, viewers read and
// render, and an archived version takes no alias.
func TestRegistryAllowedByRole(t *testing.T) {
	f := newFixture(t)
	f.seedAssets()
	for _, tc := range []struct {
		who, method, path string
		body              any
		want              int
	}{
		{"owner", "POST", "/api/v1/usecases/alpha/assets", map[string]string{"kind": "prompt", "name": "p"}, 201},
		{"viewer", "POST", "/api/v1/usecases/alpha/assets", map[string]string{"kind": "prompt", "name": "q"}, 403},
		{"owner", "PUT", scorerAPI + "/aliases/champion", map[string]any{"version": 2, "reason": "better"}, 200},
		{"owner", "POST", scorerAPI + "/versions/1/status", map[string]any{"status": "archived", "reason": "old"}, 200},
		{"owner", "PUT", scorerAPI + "/aliases/staging", map[string]any{"version": 1, "reason": "try"}, 409},
		{"viewer", "GET", scorerAPI + "/aliases/champion", nil, 200},
		{"stranger", "GET", scorerAPI + "/aliases/champion", nil, 404},
		{"owner", "DELETE", scorerAPI + "/aliases/champion?reason=done", nil, 204},
		{"viewer", "GET", scorerAPI + "/aliases/champion", nil, 404},
	} {
		if rec := f.doJSON(tc.who, tc.method, tc.path, tc.body); rec.Code != tc.want {
			t.Errorf("%s %s %s = %d, want %d (body %s)", tc.who, tc.method, tc.path, rec.Code, tc.want, rec.Body)
		}
	}
}
