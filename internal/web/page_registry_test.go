package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/usecase"
)

// registrySite is the churn use case with the credit-risk registry
// (seedRegistryData) made by ada, its owner.
func registrySite(t *testing.T) *canvasSite {
	t.Helper()
	s := newCanvasSite(t)
	seedRegistryData(t, s.db, s.as(s.ada), "churn")
	return s
}

const churnRegistry = "/usecases/churn/registry"

func TestPageRegistry(t *testing.T) {
	s := registrySite(t)
	rec := s.get(s.vera, churnRegistry)
	expect(t, rec, http.StatusOK, "<h1>Registry</h1>", "Datasets", "Models", "Prompts",
		`href="/usecases/churn/registry/model/credit-score"`, `href="/usecases/churn/registry/model/credit-score/2">v2</a>`,
		"champion → v2", "staging → v2", "production → v1", "Gradient-boosted trees")
	expectNot(t, rec.Body.String(), `id="new-asset"`) // viewers get no form
	expect(t, s.get(s.ada, churnRegistry), http.StatusOK, `id="new-asset"`, `<form method="post" action="/usecases/churn/registry"`)

	rec = s.get(s.vera, churnRegistry+"?kind=prompt")
	expect(t, rec, http.StatusOK, "decision-letter", `aria-current="page">Prompts`)
	expectNot(t, rec.Body.String(), "credit-score")
	expect(t, s.get(s.vera, churnRegistry+"?kind=weights"), http.StatusBadRequest)
	expect(t, s.get(s.bob, churnRegistry), http.StatusNotFound)

	// The use case's page links here.
	expect(t, s.get(s.vera, "/usecases/churn"), http.StatusOK, `href="/usecases/churn/registry"`)

	// An empty registry says what to do.
	s.useCase(s.ada, usecase.UseCase{Slug: "empty-one", Name: "Empty one"})
	expect(t, s.get(s.ada, "/usecases/empty-one/registry"), http.StatusOK, "Nothing registered yet", `id="new-asset"`)
}

func TestPageRegistryCreateAsset(t *testing.T) {
	s := registrySite(t)
	rec := s.post(s.ada, churnRegistry, url.Values{"kind": {"dataset"}, "name": {"churn-events"}, "description": {"Cancellations per month."},
		"tags": {"owner=crm\nsource: warehouse"}})
	expectRedirect(t, rec, churnRegistry+"/dataset/churn-events?notice=asset-created")
	a, err := s.db.GetAsset(s.as(s.ada), "churn", registry.Ref{Kind: registry.Dataset, Name: "churn-events"})
	if err != nil || a.Tags["owner"] != "crm" || a.Tags["source"] != "warehouse" || a.Description != "Cancellations per month." {
		t.Fatalf("asset %+v, %v", a, err)
	}
	expect(t, s.get(s.ada, churnRegistry+"/dataset/churn-events?notice=asset-created"), http.StatusOK, "Asset registered.", "No version yet")

	// A bad name comes back with what was typed and the reason.
	rec = s.post(s.ada, churnRegistry, url.Values{"kind": {"model"}, "name": {"Churn Model"}, "description": {"kept text"}, "tags": {"a=b"}})
	expect(t, rec, http.StatusUnprocessableEntity, "Please check:", "Name must be lower-case", `value="Churn Model"`, "kept text", `<option value="model" selected>`)
	rec = s.post(s.ada, churnRegistry, url.Values{"kind": {"model"}, "name": {"x"}, "tags": {"no separator"}})
	expect(t, rec, http.StatusUnprocessableEntity, "Tag on line 1 must be written key=value")
	rec = s.post(s.ada, churnRegistry, url.Values{"kind": {"model"}, "name": {"credit-score"}})
	expect(t, rec, http.StatusConflict, "already exists")
	s.session(s.vera)
	s.session(s.bob)
	before := s.auditCount()
	expect(t, s.post(s.vera, churnRegistry, url.Values{"kind": {"model"}, "name": {"sneaky"}}), http.StatusForbidden)
	expect(t, s.post(s.bob, churnRegistry, url.Values{"kind": {"model"}, "name": {"sneaky"}}), http.StatusNotFound)
	if s.auditCount() != before {
		t.Fatal("a refused form stored something")
	}
}

func TestPageAsset(t *testing.T) {
	s := registrySite(t)
	page := churnRegistry + "/model/credit-score"
	rec := s.get(s.vera, page)
	expect(t, rec, http.StatusOK, "<h1>credit-score</h1>", "Versions", `href="/usecases/churn/registry/model/credit-score/1">v1</a>`,
		"Ada Lovelace", "2.6 MB", `title="sha256:`, "Alias timeline", "created at", "moved from v1 to", "Beat version 1 on recall",
		"The same moves as a table", `class="atrium-chart chart-timeline"`, "<title>Aliases of credit-score</title>", "Which version, when?", "lending-analytics")
	expectNot(t, rec.Body.String(), `id="move-alias"`, `id="status-form"`, "Remove alias")
	expect(t, s.get(s.ada, page), http.StatusOK, `id="move-alias"`, `id="status-form"`, "Remove alias")

	// Which version was champion when: v1 from 8 Nov 09:30, v2 from 10 Nov.
	rec = s.get(s.vera, page+"?alias=champion&at=2026-11-09T12:00")
	expect(t, rec, http.StatusOK, `pointed at <a href="/usecases/churn/registry/model/credit-score/1">v1</a>`, "First model through validation.")
	expect(t, s.get(s.vera, page+"?alias=champion&at=2026-11-08T09:29"), http.StatusOK, "champion did not point at any version then.")
	expect(t, s.get(s.vera, page+"?alias=champion&at=last+week"), http.StatusOK, "Please check:", "At must be an RFC 3339 time")
	expect(t, s.get(s.vera, churnRegistry+"/model/no-such"), http.StatusNotFound)
	expect(t, s.get(s.bob, page), http.StatusNotFound)
}

func TestPageAssetForms(t *testing.T) {
	s := registrySite(t)
	page := churnRegistry + "/model/credit-score"
	expectRedirect(t, s.post(s.ada, page+"/aliases", url.Values{"alias": {"production"}, "version": {"2"}, "reason": {"Rolled out to all branches."}}),
		page+"?notice=alias-moved#aliases")
	expect(t, s.get(s.ada, page+"?notice=alias-moved"), http.StatusOK, "Alias moved.", "Rolled out to all branches.")

	// Errors come back in the form, with what was typed.
	rec := s.post(s.ada, page+"/aliases", url.Values{"alias": {"Prod Uction"}, "version": {"1"}, "reason": {"typed reason"}})
	expect(t, rec, http.StatusUnprocessableEntity, "Alias must be 1–64", `value="Prod Uction"`, "typed reason")
	rec = s.post(s.ada, page+"/aliases", url.Values{"alias": {"production"}, "version": {"1"}, "reason": {""}})
	expect(t, rec, http.StatusUnprocessableEntity, "Reason is required")
	rec = s.post(s.ada, page+"/aliases", url.Values{"alias": {"production"}, "version": {"1e3"}, "reason": {"x"}})
	expect(t, rec, http.StatusUnprocessableEntity, "Choose a version")

	// Status: archive v1, which then takes no alias.
	expectRedirect(t, s.post(s.ada, page+"/status", url.Values{"version": {"1"}, "status": {"archived"}, "reason": {"Replaced by v2."}}),
		page+"?notice=status-changed#versions")
	rec = s.post(s.ada, page+"/aliases", url.Values{"alias": {"fallback"}, "version": {"1"}, "reason": {"x"}})
	expect(t, rec, http.StatusConflict, "Version 1 is archived")
	rec = s.post(s.ada, page+"/status", url.Values{"version": {"1"}, "status": {"archived"}, "reason": {"again"}})
	expect(t, rec, http.StatusConflict, "already archived")
	// From the version's page, the form returns there.
	expectRedirect(t, s.post(s.ada, page+"/status", url.Values{"version": {"2"}, "status": {"deprecated"}, "reason": {"v3 soon"}, "return": {"version"}}),
		page+"/2?notice=status-changed")
	rec = s.post(s.ada, page+"/status", url.Values{"version": {"2"}, "status": {"gone"}, "reason": {"x"}, "return": {"version"}})
	expect(t, rec, http.StatusUnprocessableEntity, "<h1>credit-score <span class=\"version-no\">v2</span></h1>", "Status must be ready")

	// Removing an alias needs a reason.
	expect(t, s.post(s.ada, page+"/aliases/staging/delete", url.Values{"reason": {""}}), http.StatusUnprocessableEntity, "Removing staging: reason is required")
	expectRedirect(t, s.post(s.ada, page+"/aliases/staging/delete", url.Values{"reason": {"Candidate promoted."}}), page+"?notice=alias-deleted#aliases")
	expect(t, s.get(s.ada, page), http.StatusOK, "removed from v2", "Candidate promoted.")

	s.session(s.vera)
	s.session(s.bob)
	before := s.auditCount()
	expect(t, s.post(s.vera, page+"/aliases", url.Values{"alias": {"x"}, "version": {"2"}, "reason": {"x"}}), http.StatusForbidden)
	expect(t, s.post(s.vera, page+"/status", url.Values{"version": {"2"}, "status": {"ready"}, "reason": {"x"}}), http.StatusForbidden)
	expect(t, s.post(s.vera, page+"/aliases/champion/delete", url.Values{"reason": {"x"}}), http.StatusForbidden)
	expect(t, s.post(s.bob, page+"/aliases/champion/delete", url.Values{"reason": {"x"}}), http.StatusNotFound)
	if s.auditCount() != before {
		t.Fatal("a refused form stored something")
	}
}

func TestPageVersion(t *testing.T) {
	s := registrySite(t)
	ds := churnRegistry + "/dataset/applications/1"
	rec := s.get(s.vera, ds)
	expect(t, rec, http.StatusOK, "<h1>applications <span class=\"version-no\">v1</span></h1>", "Training", "Loan system export",
		"<code>monthly_revenue</code>", "412000", "direct-identifier", "quasi-identifier", "<title>Histogram of monthly_revenue</title>",
		`class="atrium-chart chart-histogram"`, "Most frequent values of sector", "Bins of monthly_revenue as a table", "retail", "Contract (GDPR art. 6(1)(b))", "6 years after the loan ends",
		"s3://lending-data/applications/2021-2025.parquet", "6.5 MB", "25%: 14800")
	expectNot(t, rec.Body.String(), `id="status-form"`)

	model := churnRegistry + "/model/credit-score/2"
	expect(t, s.get(s.ada, model), http.StatusOK, "xgboost", "classification", "<code>n_estimators</code>", "900",
		`href="/usecases/churn/registry/dataset/applications/1">applications v1</a>`, "Evaluated on", "a93f27e610", "champion",
		"better recall of defaults", `id="status-form"`, `name="return" value="version"`)
	expect(t, s.get(s.ada, churnRegistry+"/model/credit-score/1"), http.StatusOK, "Inputs", "<code>sector</code>", "Outputs", "&#34;auc&#34;: 0.781")

	prompt := churnRegistry + "/prompt/decision-letter/1"
	expect(t, s.get(s.vera, prompt), http.StatusOK, "Dear {{ applicant }},", "<code>applicant</code>, <code>decision</code>, <code>reasons</code>",
		`for="var-applicant"`, "small-llm", "Try it", "production")
	rec = s.post(s.vera, prompt+"/render", url.Values{"var-applicant": {"Ms Okafor"}, "var-decision": {"approved"}, "var-reasons": {"steady revenue"}})
	expect(t, rec, http.StatusOK, "Dear Ms Okafor,", "Your application was approved. The main reasons: steady revenue.", `>Ms Okafor</textarea>`)
	rec = s.post(s.vera, prompt+"/render", url.Values{"var-applicant": {"Ms Okafor"}})
	// Empty values are values; only unknown or absent ones are refused.
	expect(t, rec, http.StatusOK, "Your application was . The main reasons: .")

	for _, bad := range []string{"/0", "/3", "/-1", "/1e3", "/99999999999999999999"} {
		expect(t, s.get(s.vera, churnRegistry+"/model/credit-score"+bad), http.StatusNotFound)
	}
	expect(t, s.post(s.vera, churnRegistry+"/prompt/credit-score/1/render", url.Values{}), http.StatusNotFound)
	expect(t, s.get(s.bob, prompt), http.StatusNotFound)
}

// auditCount is the size of the audit log.
func (s *canvasSite) auditCount() int64 {
	s.t.Helper()
	n, err := s.db.AuditHeadSize(s.as(s.grace))
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}
