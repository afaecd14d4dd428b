package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/atrium-mlops/atrium/internal/registry"
)

// markup is what must reach the page as text.
const markup = `<script>alert(1)</script><img src=x onerror=alert(2)>"'><svg onload=alert(3)>`

// TestRegistryPagesEscape puts markup everywhere a person or a script can
// write text into the registry — descriptions, tags, reasons, metadata,
// column names, top values, prompt templates and variable values — and
// wants it shown as text on every page.
func TestRegistryPagesEscape(t *testing.T) {
	s := newCanvasSite(t)
	ctx := s.as(s.ada)
	for _, a := range []registry.Asset{
		{Kind: registry.Dataset, Name: "data", Description: markup, Tags: map[string]string{"note": markup}},
		{Kind: registry.Prompt, Name: "letter", Description: markup},
	} {
		if _, err := s.db.CreateAsset(ctx, "churn", a); err != nil {
			t.Fatal(err)
		}
	}
	meta, _ := json.Marshal(map[string]string{"x": markup})
	ds := registry.Version{URI: "s3://b/data.csv", Digest: testDigest, Description: markup, Metadata: meta, Tags: map[string]string{"t": markup},
		Dataset: &registry.DatasetInfo{Source: markup, Owner: markup, Schema: []registry.Column{{Name: markup, Type: registry.String}},
			Profile: &registry.Profile{Rows: 1, Columns: []registry.ColumnProfile{{Name: markup, Type: registry.String, Count: 1, Top: []registry.TopValue{{Value: markup, Count: 1}}},
				{Name: "n", Type: registry.Number, Histogram: []registry.Bin{{Low: 0, High: 1, Count: 3}}}}},
			Sensitivity: &registry.Sensitivity{Columns: map[string]registry.Classification{markup: registry.SpecialCategory}, LegalBasis: markup, Consent: markup, Retention: "short"}}}
	if _, err := s.db.CreateVersion(ctx, "churn", registry.Ref{Kind: registry.Dataset, Name: "data"}, ds); err != nil {
		t.Fatal(err)
	}
	pr := registry.Version{URI: "https://prompts.example.org/l", Digest: testDigest,
		Prompt: &registry.PromptInfo{Template: markup + " {{ who }}", ModelConfig: meta}}
	if _, err := s.db.CreateVersion(ctx, "churn", registry.Ref{Kind: registry.Prompt, Name: "letter"}, pr); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.SetAlias(ctx, "churn", registry.Ref{Kind: registry.Dataset, Name: "data"}, "current", 1, markup); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.SetVersionStatus(ctx, "churn", registry.Ref{Kind: registry.Dataset, Name: "data"}, 1, registry.Deprecated, markup); err != nil {
		t.Fatal(err)
	}
	pages := map[string]*strings.Builder{}
	for _, path := range []string{churnRegistry, churnRegistry + "/dataset/data", churnRegistry + "/dataset/data/1", churnRegistry + "/prompt/letter/1",
		churnRegistry + "/dataset/data?alias=current&at=2100-01-01T00:00"} {
		rec := s.get(s.ada, path)
		expect(t, rec, http.StatusOK)
		pages[path] = &strings.Builder{}
		pages[path].WriteString(rec.Body.String())
	}
	rec := s.post(s.ada, churnRegistry+"/prompt/letter/1/render", url.Values{"var-who": {markup}})
	expect(t, rec, http.StatusOK, "&lt;script&gt;alert(1)&lt;/script&gt;")
	pages["render"] = &strings.Builder{}
	pages["render"].WriteString(rec.Body.String())
	// A form that fails shows the typed markup as text too.
	rec = s.post(s.ada, churnRegistry, url.Values{"kind": {"model"}, "name": {markup}, "description": {markup}, "tags": {"k=" + markup}})
	expect(t, rec, http.StatusUnprocessableEntity)
	pages["form"] = &strings.Builder{}
	pages["form"].WriteString(rec.Body.String())
	for path, b := range pages {
		body := b.String()
		for _, raw := range []string{"<script>alert", "<img src=x", "<svg onload", `"'><svg`} {
			if strings.Contains(body, raw) {
				t.Errorf("%s holds %q unescaped", path, raw)
			}
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;\\/script&gt;") {
			t.Errorf("%s does not show the markup as text", path)
		}
	}
}
