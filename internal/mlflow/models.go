package mlflow

import (
	"net/http"
	"sort"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// CreateLoggedModel is POST logged-models: a model a run logged, recorded
// as metadata; its files go wherever its artifact_uri points.
func (h *Handlers) CreateLoggedModel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ExperimentID string     `json:"experiment_id"`
		Name         string     `json:"name"`
		ModelType    string     `json:"model_type"`
		SourceRunID  string     `json:"source_run_id"`
		Params       []KeyValue `json:"params"`
		Tags         []KeyValue `json:"tags"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	if err == nil {
		err = required("experiment_id", req.ExperimentID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m := registry.LoggedModel{ExperimentID: req.ExperimentID, Name: req.Name, ModelType: req.ModelType, RunID: req.SourceRunID,
		Tags: map[string]string{}, Params: map[string]string{}}
	for _, t := range req.Tags {
		m.Tags[t.Key] = t.Value
	}
	for _, p := range req.Params {
		m.Params[p.Key] = p.Value
	}
	m, err = h.DB.CreateLoggedModel(r.Context(), slug, m, h.root())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"model": loggedModelJSON(m)})
}

// GetLoggedModel is GET logged-models/{model_id}.
func (h *Handlers) GetLoggedModel(w http.ResponseWriter, r *http.Request) {
	slug, err := h.scope(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m, err := h.DB.GetLoggedModel(r.Context(), slug, r.PathValue("model_id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"model": loggedModelJSON(m)})
}

// changeLoggedModel applies c to the model named in the path.
func (h *Handlers) changeLoggedModel(w http.ResponseWriter, r *http.Request, c store.LoggedModelChange) {
	slug, err := h.scope(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	m, err := h.DB.UpdateLoggedModel(r.Context(), slug, r.PathValue("model_id"), c)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"model": loggedModelJSON(m)})
}

// FinalizeLoggedModel is PATCH logged-models/{model_id}: its status.
func (h *Handlers) FinalizeLoggedModel(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Status string `json:"status"`
	}
	if err := decode(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := required("status", req.Status); err != nil {
		h.fail(w, r, err)
		return
	}
	h.changeLoggedModel(w, r, store.LoggedModelChange{Status: req.Status})
}

// SetLoggedModelTags is PATCH logged-models/{model_id}/tags.
func (h *Handlers) SetLoggedModelTags(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Tags []KeyValue `json:"tags"`
	}
	if err := decode(r, &req); err != nil {
		h.fail(w, r, err)
		return
	}
	tags := map[string]string{}
	for _, t := range req.Tags {
		tags[t.Key] = t.Value
	}
	h.changeLoggedModel(w, r, store.LoggedModelChange{SetTags: tags})
}

// DeleteLoggedModelTag is DELETE logged-models/{model_id}/tags/{tag_key}.
func (h *Handlers) DeleteLoggedModelTag(w http.ResponseWriter, r *http.Request) {
	h.changeLoggedModel(w, r, store.LoggedModelChange{DeleteTag: r.PathValue("tag_key")})
}

// SearchLoggedModels is POST logged-models/search: filters on name,
// model_type, status and source_run_id (and tags), newest first.
func (h *Handlers) SearchLoggedModels(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ExperimentIDs []string `json:"experiment_ids"`
		Filter        string   `json:"filter"`
		MaxResults    Int64    `json:"max_results"`
		PageToken     string   `json:"page_token"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	var p atrium.PageRequest
	if err == nil {
		p, err = page(req.MaxResults, req.PageToken, 50, registry.MaxSearchResults)
	}
	var clauses []registry.Clause
	if err == nil {
		clauses, err = registry.ParseFilter(req.Filter, map[string][]string{"attribute": {"name", "model_type", "status", "source_run_id", "model_id"}, "tag": nil})
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	all, err := h.DB.LoggedModels(r.Context(), slug, req.ExperimentIDs)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var hits []LoggedModel
	for _, m := range all {
		attrs := map[string]string{"name": m.Name, "model_type": m.ModelType, "status": m.Status, "source_run_id": m.RunID, "model_id": m.ID}
		if registry.Matches(clauses, attrs, m.Tags) {
			hits = append(hits, loggedModelJSON(m))
		}
	}
	items, next := window(hits, p)
	ok(w, struct {
		Models        []LoggedModel `json:"models"`
		NextPageToken string        `json:"next_page_token,omitempty"`
	}{items, next})
}

// window cuts one page out of a list filtered in memory.
func window[T any](all []T, p atrium.PageRequest) ([]T, string) {
	out := []T{}
	if p.Offset < len(all) {
		out = all[p.Offset:min(len(all), p.Offset+p.Size)]
	}
	return out, p.NextToken(len(all))
}

// LogOutputs is runs/outputs: the run names models it produced. Atrium
// already links a logged model to the run it was created in; this checks
// that each named model is one of the run's.
func (h *Handlers) LogOutputs(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RunID  string `json:"run_id"`
		Models []struct {
			ModelID string `json:"model_id"`
			Step    Int64  `json:"step"`
		} `json:"models"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	if err == nil {
		err = required("run_id", req.RunID)
	}
	if err == nil && len(req.Models) > registry.MaxBatchTags {
		err = errf("at most %d models per call", registry.MaxBatchTags)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.DB.GetRun(r.Context(), slug, req.RunID); err != nil {
		h.fail(w, r, err)
		return
	}
	for _, m := range req.Models {
		lm, err := h.DB.GetLoggedModel(r.Context(), slug, m.ModelID)
		if err == nil && lm.RunID != req.RunID {
			err = errf("logged model %q was not logged by run %q", m.ModelID, req.RunID)
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
	}
	ok(w, empty{})
}

// ListArtifacts is artifacts/list and the mlflow-artifacts proxy's listing.
// Atrium stores no artifacts, so every listing is empty; clients that find
// no files fall back to the run's logged models (see docs/mlflow.md).
func (h *Handlers) ListArtifacts(w http.ResponseWriter, r *http.Request) {
	if _, err := h.scope(r); err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"files": []struct{}{}})
}

// RefuseArtifact answers uploads and downloads through the mlflow-artifacts
// proxy: Atrium keeps where model files are, never the files.
func (h *Handlers) RefuseArtifact(w http.ResponseWriter, r *http.Request) {
	if _, err := h.scope(r); err != nil {
		h.fail(w, r, err)
		return
	}
	if r.Method == http.MethodGet {
		h.fail(w, r, atrium.Errorf(atrium.NotFound, "Atrium stores no artifacts; %q is not here", atrium.Truncate(r.PathValue("path"), 100)))
		return
	}
	reply(w, http.StatusNotImplemented, apiError{ErrorCode: "NOT_IMPLEMENTED", Message: "Atrium does not store artifact files; " +
		"create the experiment with an artifact_location on your own storage (s3://, gs://, …) so the client writes there directly"})
}

// NotFound answers MLflow paths this server does not serve the way MLflow's
// server does, so clients that probe for optional endpoints carry on.
func (h *Handlers) NotFound(w http.ResponseWriter, r *http.Request) {
	reply(w, http.StatusNotFound, apiError{ErrorCode: "ENDPOINT_NOT_FOUND", Message: "no MLflow endpoint " + r.Method + " " + atrium.Truncate(r.URL.Path, 200) + " on this server (see docs/mlflow.md for what is covered)"})
}

// sortVersions orders model versions newest first.
func sortVersions(v []registry.ModelVersion) {
	sort.SliceStable(v, func(i, j int) bool {
		if v[i].Asset.Name != v[j].Asset.Name {
			return v[i].Asset.Name < v[j].Asset.Name
		}
		return v[i].Version.Number > v[j].Version.Number
	})
}
