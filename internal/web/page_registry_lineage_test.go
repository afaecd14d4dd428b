package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/atrium-mlops/atrium/internal/registry"
)

func TestPageLineage(t *testing.T) {
	s := registrySite(t)
	seedLineageData(t, s.db, s.as(s.ada), "churn")
	rec := s.get(s.vera, "/usecases/churn/lineage")
	expect(t, rec, http.StatusOK, "<h1>Lineage</h1>", `class="atrium-chart chart-lineage"`, "trained on", "derived from",
		`href="/usecases/churn/registry/dataset/applications/1">dataset applications v1</a>`, `href="/api/v1/usecases/churn/lineage.svg"`)
	expect(t, s.get(s.vera, churnRegistry), http.StatusOK, `href="/usecases/churn/lineage"`)
	expect(t, s.get(s.bob, "/usecases/churn/lineage"), http.StatusNotFound)
	svg := s.get(s.vera, "/api/v1/usecases/churn/lineage.svg")
	if svg.Code != 200 || svg.Header().Get("Content-Type") != "image/svg+xml" || svg.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("lineage.svg = %d %q", svg.Code, svg.Header().Get("Content-Type"))
	}
	// An empty use case says how lineage comes about.
	expect(t, s.get(s.ada, "/usecases/churn/lineage"), http.StatusOK)
}

func TestPageVersionLineageAndEvaluations(t *testing.T) {
	s := registrySite(t)
	seedLineageData(t, s.db, s.as(s.ada), "churn")
	model := churnRegistry + "/model/credit-score"
	rec := s.get(s.vera, model+"/2")
	expect(t, rec, http.StatusOK, "Against the canvas's objectives", "&gt;= 0.78", "0.806", ">met</span>", "recall", "sector=retail",
		"Made from", "trained on", `href="/usecases/churn/registry/dataset/applications/1">dataset applications v1</a>`, `class="atrium-chart chart-lineage"`)
	expect(t, s.get(s.vera, model+"/1"), http.StatusOK, ">not met</span>", "0.762")
	expect(t, s.get(s.vera, churnRegistry+"/dataset/applications/1"), http.StatusOK, "Used by", "credit-score v1", "derived from",
		"Revision 2", "Not needed: contract.")
}

func TestPageSensitivityForm(t *testing.T) {
	s := registrySite(t)
	page := churnRegistry + "/dataset/applications/2"
	rec := s.get(s.ada, page)
	expect(t, rec, http.StatusOK, "Confirm the classifications", `name="column-0" value="applicant_email"`, "values look like e-mail addresses",
		`<option value="direct-identifier" selected>`)
	expectNot(t, s.get(s.vera, page).Body.String(), "Confirm the classifications")
	form := url.Values{"column-0": {"applicant_email"}, "class-0": {"direct-identifier"}, "column-1": {"monthly_revenue"}, "class-1": {"none"},
		"column-2": {"sector"}, "class-2": {"special-category"}, "column-3": {"defaulted"}, "class-3": {""},
		"legal_basis": {"Contract"}, "consent": {""}, "retention": {"6 years"}}
	expectRedirect(t, s.post(s.ada, page+"/sensitivity", form), page+"?notice=sensitivity-saved#sensitivity")
	got, err := s.db.GetSensitivity(s.as(s.ada), "churn", registry.Ref{Kind: registry.Dataset, Name: "applications"}, 2)
	if err != nil || got.Revision != 2 || got.Sensitivity.Columns["sector"] != registry.SpecialCategory || got.Sensitivity.Retention != "6 years" {
		t.Fatalf("sensitivity %+v, %v", got, err)
	}
	if _, classified := got.Sensitivity.Columns["defaulted"]; classified {
		t.Errorf("a column left unclassified was classified: %+v", got.Sensitivity.Columns)
	}
	expect(t, s.get(s.ada, page+"?notice=sensitivity-saved"), http.StatusOK, "Sensitivity saved as a new revision.", "Revision 2")

	form.Set("class-1", "secret")
	rec = s.post(s.ada, page+"/sensitivity", form)
	expect(t, rec, http.StatusUnprocessableEntity, "Please check:", `<option value="special-category" selected>`)
	form.Set("class-1", "none")
	form.Set("column-1", "no_such_column")
	expect(t, s.post(s.ada, page+"/sensitivity", form), http.StatusUnprocessableEntity, "which the schema does not have")
	s.session(s.vera)
	before := s.auditCount()
	expect(t, s.post(s.vera, page+"/sensitivity", form), http.StatusForbidden)
	expect(t, s.post(s.ada, churnRegistry+"/dataset/applications/9/sensitivity", form), http.StatusNotFound)
	if s.auditCount() != before {
		t.Fatal("a refused form stored something")
	}
}
