package registry

import (
	"math"
	"net/http"
	"net/url"

	"github.com/atrium-mlops/atrium/internal/atrium"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
	"github.com/atrium-mlops/atrium/internal/web/render"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// MetricValue is one logged metric value. JSON has no NaN or infinities,
// which MLflow allows: such a value is sent as value 0 with non_finite
// saying which it was.
type MetricValue struct {
	Key       string  `json:"key"`
	Value     float64 `json:"value"`
	NonFinite string  `json:"non_finite,omitempty"` // "NaN", "Infinity" or "-Infinity"
	Timestamp int64   `json:"timestamp"`
	Step      int64   `json:"step"`
}

func metricValue(m domain.Metric) MetricValue {
	out := MetricValue{Key: m.Key, Value: m.Value, Timestamp: m.Timestamp, Step: m.Step}
	switch {
	case math.IsNaN(m.Value):
		out.Value, out.NonFinite = 0, "NaN"
	case math.IsInf(m.Value, 1):
		out.Value, out.NonFinite = 0, "Infinity"
	case math.IsInf(m.Value, -1):
		out.Value, out.NonFinite = 0, "-Infinity"
	}
	return out
}

// RunView is a tracking run as the native API answers it.
type RunView struct {
	ID             string            `json:"id"`
	ExperimentID   string            `json:"experiment_id"`
	Name           string            `json:"name"`
	Status         domain.RunStatus  `json:"status"`
	StartTime      int64             `json:"start_time"`
	EndTime        *int64            `json:"end_time,omitempty"`
	LifecycleStage string            `json:"lifecycle_stage"`
	User           string            `json:"user"`
	CreatedBy      string            `json:"created_by"`
	Params         map[string]string `json:"params"`
	Tags           map[string]string `json:"tags"`
	Metrics        []MetricValue     `json:"metrics"`
}

func runView(r domain.Run) RunView {
	v := RunView{ID: r.ID, ExperimentID: r.ExperimentID, Name: r.Name, Status: r.Status, StartTime: r.StartTime, EndTime: r.EndTime,
		LifecycleStage: r.LifecycleStage, User: r.User, CreatedBy: r.CreatedBy, Params: r.Params, Tags: r.Tags, Metrics: []MetricValue{}}
	for _, m := range r.Metrics {
		v.Metrics = append(v.Metrics, metricValue(m))
	}
	return v
}

// APIListExperiments serves GET /api/v1/usecases/{slug}/experiments.
func (h *Handlers) APIListExperiments(w http.ResponseWriter, r *http.Request) {
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.ListExperiments(r.Context(), r.PathValue("slug"), store.ExperimentFilter{Page: p})
	h.Reply(w, r, http.StatusOK, page, err)
}

// APIListRuns serves GET /api/v1/usecases/{slug}/runs?experiment=.
func (h *Handlers) APIListRuns(w http.ResponseWriter, r *http.Request) {
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.runs(r, r.URL.Query().Get("experiment"), p)
	h.Reply(w, r, http.StatusOK, page, err)
}

func (h *Handlers) runs(r *http.Request, experiment string, p atrium.PageRequest) (atrium.Page[RunView], error) {
	s := store.RunSearch{Page: p}
	out := atrium.Page[RunView]{Items: []RunView{}}
	if experiment != "" {
		s.ExperimentIDs = []string{experiment}
	} else {
		// Every experiment: the search takes at most 100 at once, which is
		// as many as a use case is expected to have.
		exps, err := h.DB.ListExperiments(r.Context(), r.PathValue("slug"), store.ExperimentFilter{Page: atrium.PageRequest{Size: maxSearched}})
		if err != nil || len(exps.Items) == 0 {
			return out, err
		}
		for _, e := range exps.Items {
			s.ExperimentIDs = append(s.ExperimentIDs, e.ID)
		}
	}
	page, err := h.DB.SearchRuns(r.Context(), r.PathValue("slug"), s)
	out.Total, out.NextPageToken = page.Total, page.NextPageToken
	for _, run := range page.Items {
		out.Items = append(out.Items, runView(run))
	}
	return out, err
}

// APIGetRun serves GET /api/v1/usecases/{slug}/runs/{id}.
func (h *Handlers) APIGetRun(w http.ResponseWriter, r *http.Request) {
	run, err := h.DB.GetRun(r.Context(), r.PathValue("slug"), r.PathValue("id"))
	h.Reply(w, r, http.StatusOK, runView(run), err)
}

// APIMetricHistory serves GET /api/v1/usecases/{slug}/runs/{id}/metrics/{key}.
func (h *Handlers) APIMetricHistory(w http.ResponseWriter, r *http.Request) {
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.MetricHistory(r.Context(), r.PathValue("slug"), r.PathValue("id"), r.PathValue("key"), p)
	out := atrium.Page[MetricValue]{Items: []MetricValue{}, Total: page.Total, NextPageToken: page.NextPageToken}
	for _, m := range page.Items {
		out.Items = append(out.Items, metricValue(m))
	}
	h.Reply(w, r, http.StatusOK, out, err)
}

// maxSearched is how many experiments one run search spans.
const maxSearched = 100

// RunsPath is the address of a use case's runs.
func RunsPath(slug string) string { return render.UseCasePath(slug) + "/runs" }

// RunPath is the address of a run's page.
func RunPath(slug, id string) string { return RunsPath(slug) + "/" + url.PathEscape(id) }
