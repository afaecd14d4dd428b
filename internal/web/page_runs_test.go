package web

import (
	"encoding/json"
	"net/http"
	"testing"

	webregistry "github.com/atrium-mlops/atrium/internal/web/registry"
)

func TestRunsAPI(t *testing.T) {
	f := newFixture(t)
	id := f.seedFixtureRuns()
	var runs struct {
		Items []webregistry.RunView
		Total int
	}
	decodeInto(t, f.do("viewer", "GET", "/api/v1/usecases/alpha/runs", "", nil), 200, &runs)
	if runs.Total != 1 || runs.Items[0].ID != id || runs.Items[0].Params["max_depth"] != "5" {
		t.Fatalf("runs = %+v", runs)
	}
	var hist struct {
		Items []webregistry.MetricValue
		Total int
	}
	decodeInto(t, f.do("viewer", "GET", "/api/v1/usecases/alpha/runs/"+id+"/metrics/loss", "", nil), 200, &hist)
	if hist.Total != 5 || hist.Items[2].NonFinite != "NaN" || hist.Items[2].Value != 0 || hist.Items[4].Value != 0.38 {
		t.Fatalf("loss history = %+v", hist)
	}
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/api/v1/usecases/alpha/runs/" + id + "/metrics/bad%00key", 400},
		{"/api/v1/usecases/alpha/runs/ffffffffffffffffffffffffffffffff", 404},
		{"/api/v1/usecases/alpha/runs?experiment=nope", 404},
		{"/api/v1/usecases/alpha/runs?page_size=0", 400},
	} {
		if rec := f.do("viewer", "GET", tc.path, "", nil); rec.Code != tc.want {
			t.Errorf("GET %s = %d, want %d (%s)", tc.path, rec.Code, tc.want, rec.Body)
		}
	}
}

func TestPageRuns(t *testing.T) {
	s := registrySite(t)
	id := seedRuns(t, s.db, s.as(s.ada), "churn")
	expect(t, s.get(s.vera, churnRegistry), http.StatusOK, `href="/usecases/churn/runs"`)
	rec := s.get(s.vera, "/usecases/churn/runs")
	expect(t, rec, http.StatusOK, "<h1>Runs</h1>", "gbm-depth-5", "training", `href="/usecases/churn/runs/`+id+`"`, "<code>auc</code> 0.806")
	rec = s.get(s.vera, "/usecases/churn/runs/"+id)
	expect(t, rec, http.StatusOK, "<h1>gbm-depth-5</h1>", `class="atrium-chart chart-line"`, "<title>loss by step</title>", "5 values",
		"<code>max_depth</code>", "lending", "Run of training")
	expect(t, s.get(s.vera, "/usecases/churn/runs/nope"), http.StatusNotFound)
	expect(t, s.get(s.bob, "/usecases/churn/runs"), http.StatusNotFound)
	// An empty use case says how runs arrive.
	s2 := newCanvasSite(t)
	expect(t, s2.get(s2.ada, "/usecases/churn/runs"), http.StatusOK, "No runs yet")
}

// TestRunLinks: a model version names its run, and the version page and
// the lineage link to the run's page.
func TestRunLinks(t *testing.T) {
	s := registrySite(t)
	id := seedRuns(t, s.db, s.as(s.ada), "churn")
	body, _ := json.Marshal(map[string]any{"uri": "s3://lending-models/credit-score/3/model.onnx", "digest": testDigest,
		"model": map[string]any{"run_id": id}})
	rec := s.send(s.ada, "POST", "/api/v1/usecases/churn/assets/model/credit-score/versions", "application/json", body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create version with a run = %d %s", rec.Code, rec.Body)
	}
	expect(t, s.get(s.vera, churnRegistry+"/model/credit-score/3"), http.StatusOK, `href="/usecases/churn/runs/`+id+`"`, "produced by")
	expect(t, s.get(s.vera, "/usecases/churn/lineage"), http.StatusOK, `href="/usecases/churn/runs/`+id+`">run `+id)
}
