package mlflow

import (
	"net/http"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// runReq is the shape every run call shares; run_uuid is the old name of
// run_id and still sent by clients.
type runReq struct {
	RunID   string `json:"run_id"`
	RunUUID string `json:"run_uuid"`
}

func (q runReq) id() (string, error) {
	if q.RunID == "" {
		q.RunID = q.RunUUID
	}
	return q.RunID, required("run_id", q.RunID)
}

// CreateRun is runs/create.
func (h *Handlers) CreateRun(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ExperimentID string     `json:"experiment_id"`
		UserID       string     `json:"user_id"`
		RunName      string     `json:"run_name"`
		StartTime    Int64      `json:"start_time"`
		Tags         []KeyValue `json:"tags"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if req.ExperimentID == "" {
		req.ExperimentID = "0"
	}
	in := store.NewRun{ExperimentID: req.ExperimentID, Name: req.RunName, User: req.UserID, StartTime: req.StartTime.V}
	for _, t := range req.Tags {
		in.Tags = append(in.Tags, registry.Tag{Key: t.Key, Value: t.Value})
	}
	run, err := h.DB.CreateRun(r.Context(), slug, in, h.root())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"run": runJSON(run)})
}

// GetRun is runs/get.
func (h *Handlers) GetRun(w http.ResponseWriter, r *http.Request) {
	var req runReq
	slug, err := h.scopeAndDecode(r, &req)
	var id string
	if err == nil {
		id, err = req.id()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	run, err := h.DB.GetRun(r.Context(), slug, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"run": runJSON(run)})
}

// UpdateRun is runs/update.
func (h *Handlers) UpdateRun(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runReq
		Status  string `json:"status"`
		EndTime Int64  `json:"end_time"`
		RunName string `json:"run_name"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	var id string
	if err == nil {
		id, err = req.id()
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := store.RunChange{Status: registry.RunStatus(req.Status), Name: req.RunName}
	if req.EndTime.Set {
		c.EndTime = &req.EndTime.V
	}
	run, err := h.DB.UpdateRun(r.Context(), slug, id, c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"run_info": runInfoJSON(run)})
}

// lifecycle serves runs/delete and runs/restore.
func (h *Handlers) lifecycle(w http.ResponseWriter, r *http.Request, stage string) {
	var req runReq
	slug, err := h.scopeAndDecode(r, &req)
	var id string
	if err == nil {
		id, err = req.id()
	}
	if err == nil {
		_, err = h.DB.UpdateRun(r.Context(), slug, id, store.RunChange{Stage: stage})
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, empty{})
}

// DeleteRun is runs/delete: the run is marked deleted.
func (h *Handlers) DeleteRun(w http.ResponseWriter, r *http.Request) {
	h.lifecycle(w, r, registry.Deleted)
}

// RestoreRun is runs/restore.
func (h *Handlers) RestoreRun(w http.ResponseWriter, r *http.Request) {
	h.lifecycle(w, r, registry.Active)
}

// SearchRuns is runs/search: filters on metrics, params, tags and
// attributes joined by AND, order_by on the same, paging.
func (h *Handlers) SearchRuns(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ExperimentIDs []string `json:"experiment_ids"`
		Filter        string   `json:"filter"`
		RunViewType   string   `json:"run_view_type"`
		MaxResults    Int64    `json:"max_results"`
		OrderBy       []string `json:"order_by"`
		PageToken     string   `json:"page_token"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	var s store.RunSearch
	if err == nil {
		s.Stage, err = viewStage(req.RunViewType)
	}
	if err == nil {
		s.Page, err = page(req.MaxResults, req.PageToken, registry.MaxSearchResults, 50_000)
	}
	allowed := map[string][]string{"attribute": store.RunAttributes, "metric": nil, "param": nil, "tag": nil}
	if err == nil {
		s.Clauses, err = registry.ParseFilter(req.Filter, allowed)
	}
	if err == nil {
		s.OrderBy, err = registry.ParseOrderBy(req.OrderBy, allowed)
	}
	if err == nil && s.Page.Size > registry.MaxSearchResults*50 {
		err = errf("max_results must be at most %d", registry.MaxSearchResults*50)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if s.Page.Size > registry.MaxSearchResults {
		s.Page.Size = registry.MaxSearchResults
	}
	s.ExperimentIDs = req.ExperimentIDs
	res, err := h.DB.SearchRuns(r.Context(), slug, s)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		Runs          []Run  `json:"runs"`
		NextPageToken string `json:"next_page_token,omitempty"`
	}{Runs: []Run{}, NextPageToken: res.NextPageToken}
	for _, run := range res.Items {
		out.Runs = append(out.Runs, runJSON(run))
	}
	ok(w, out)
}

// metricReq is one metric as clients send it.
type metricReq struct {
	Key       string `json:"key"`
	Value     *Float `json:"value"`
	Timestamp Int64  `json:"timestamp"`
	Step      Int64  `json:"step"`
}

func (m metricReq) metric() (registry.Metric, error) {
	if m.Value == nil {
		return registry.Metric{}, errf("metric %q has no value", atrium.Truncate(m.Key, 40))
	}
	if !m.Timestamp.Set {
		return registry.Metric{}, errf("metric %q has no timestamp", atrium.Truncate(m.Key, 40))
	}
	return registry.Metric{Key: m.Key, Value: float64(*m.Value), Timestamp: m.Timestamp.V, Step: m.Step.V}, nil
}

// logBatch decodes a run id and logs b to it.
func (h *Handlers) logBatch(w http.ResponseWriter, r *http.Request, req runReq, b registry.Batch) {
	slug, err := h.scope(r)
	var id string
	if err == nil {
		id, err = req.id()
	}
	if err == nil {
		err = h.DB.LogBatch(r.Context(), slug, id, b)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, empty{})
}

// LogBatch is runs/log-batch: up to 1,000 metrics, 100 params and 100 tags
// in one transaction.
func (h *Handlers) LogBatch(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runReq
		Metrics []metricReq `json:"metrics"`
		Params  []KeyValue  `json:"params"`
		Tags    []KeyValue  `json:"tags"`
	}
	if err := decode(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	// Refuse an oversized batch before converting it.
	b := registry.Batch{Metrics: make([]registry.Metric, 0, min(len(req.Metrics), registry.MaxBatchMetrics+1))}
	if len(req.Metrics) > registry.MaxBatchMetrics {
		h.fail(w, r, errf("a batch may hold at most %d metrics (got %d)", registry.MaxBatchMetrics, len(req.Metrics)))
		return
	}
	for _, m := range req.Metrics {
		metric, err := m.metric()
		if err != nil {
			h.fail(w, r, err)
			return
		}
		b.Metrics = append(b.Metrics, metric)
	}
	for _, p := range req.Params {
		b.Params = append(b.Params, registry.Param{Key: p.Key, Value: p.Value})
	}
	for _, t := range req.Tags {
		b.Tags = append(b.Tags, registry.Tag{Key: t.Key, Value: t.Value})
	}
	h.logBatch(w, r, req.runReq, b)
}

// LogMetric is runs/log-metric.
func (h *Handlers) LogMetric(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runReq
		metricReq
	}
	if err := decode(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	m, err := req.metric()
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.logBatch(w, r, req.runReq, registry.Batch{Metrics: []registry.Metric{m}})
}

// LogParam is runs/log-parameter.
func (h *Handlers) LogParam(w http.ResponseWriter, r *http.Request) {
	h.logKeyValue(w, r, func(kv KeyValue) registry.Batch {
		return registry.Batch{Params: []registry.Param{{Key: kv.Key, Value: kv.Value}}}
	})
}

// SetTag is runs/set-tag.
func (h *Handlers) SetTag(w http.ResponseWriter, r *http.Request) {
	h.logKeyValue(w, r, func(kv KeyValue) registry.Batch {
		return registry.Batch{Tags: []registry.Tag{{Key: kv.Key, Value: kv.Value}}}
	})
}

// logKeyValue decodes a run's one key and value (log-parameter, set-tag)
// and logs the batch made of it.
func (h *Handlers) logKeyValue(w http.ResponseWriter, r *http.Request, batch func(KeyValue) registry.Batch) {
	var req struct {
		runReq
		KeyValue
	}
	if err := decode(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := required("key", req.Key); err != nil {
		h.fail(w, r, err)
		return
	}
	h.logBatch(w, r, req.runReq, batch(req.KeyValue))
}

// DeleteTag is runs/delete-tag.
func (h *Handlers) DeleteTag(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runReq
		Key string `json:"key"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	var id string
	if err == nil {
		id, err = req.id()
	}
	if err == nil {
		err = h.DB.DeleteRunTag(r.Context(), slug, id, req.Key)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, empty{})
}

// LogInputs is runs/log-inputs: the datasets a run used, as described by
// the client (never opened). Model inputs are not recorded.
func (h *Handlers) LogInputs(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runReq
		Datasets []DatasetInput `json:"datasets"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	var id string
	if err == nil {
		id, err = req.id()
	}
	if err == nil && len(req.Datasets) > registry.MaxInputsPerCall {
		err = errf("at most %d datasets per call", registry.MaxInputsPerCall)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	inputs := make([]registry.Input, 0, len(req.Datasets))
	for _, d := range req.Datasets {
		in := registry.Input{Dataset: d.Dataset, Tags: map[string]string{}}
		for _, t := range d.Tags {
			in.Tags[t.Key] = t.Value
		}
		inputs = append(inputs, in)
	}
	if err := h.DB.LogInputs(r.Context(), slug, id, inputs); err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, empty{})
}

// MetricHistory is metrics/get-history.
func (h *Handlers) MetricHistory(w http.ResponseWriter, r *http.Request) {
	var req struct {
		runReq
		MetricKey  string `json:"metric_key"`
		PageToken  string `json:"page_token"`
		MaxResults Int64  `json:"max_results"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	var id string
	if err == nil {
		id, err = req.id()
	}
	if err == nil {
		err = required("metric_key", req.MetricKey)
	}
	var p atrium.PageRequest
	if err == nil {
		p, err = page(req.MaxResults, req.PageToken, registry.MaxHistory, registry.MaxHistory)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.DB.MetricHistory(r.Context(), slug, id, req.MetricKey, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		Metrics       []Metric `json:"metrics"`
		NextPageToken string   `json:"next_page_token,omitempty"`
	}{Metrics: make([]Metric, 0, len(res.Items)), NextPageToken: res.NextPageToken}
	for _, m := range res.Items {
		out.Metrics = append(out.Metrics, metricJSON(m))
	}
	ok(w, out)
}
