package mlflow

import (
	"net/http"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// CreateExperiment is experiments/create.
func (h *Handlers) CreateExperiment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name             string     `json:"name"`
		ArtifactLocation string     `json:"artifact_location"`
		Tags             []KeyValue `json:"tags"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	if err == nil {
		err = required("name", req.Name)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	tags := map[string]string{}
	for _, t := range req.Tags {
		tags[t.Key] = t.Value
	}
	e, err := h.DB.CreateExperiment(r.Context(), slug, registry.Experiment{Name: req.Name, ArtifactLocation: req.ArtifactLocation, Tags: tags}, h.root())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]string{"experiment_id": e.ID})
}

// GetExperiment is experiments/get.
func (h *Handlers) GetExperiment(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ExperimentID string `json:"experiment_id"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	if err == nil {
		err = required("experiment_id", req.ExperimentID)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, err := h.DB.GetExperiment(r.Context(), slug, req.ExperimentID, h.root())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"experiment": experimentJSON(e)})
}

// GetExperimentByName is experiments/get-by-name.
func (h *Handlers) GetExperimentByName(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"experiment_name"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	if err == nil {
		err = required("experiment_name", req.Name)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	e, err := h.DB.GetExperimentByName(r.Context(), slug, req.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"experiment": experimentJSON(e)})
}

// viewStage maps MLflow's view types onto a lifecycle stage filter.
func viewStage(v string) (string, error) {
	switch v {
	case "", "ACTIVE_ONLY", "1":
		return registry.Active, nil
	case "DELETED_ONLY", "2":
		return registry.Deleted, nil
	case "ALL", "3":
		return "", nil
	}
	return "", errf("view type must be ACTIVE_ONLY, DELETED_ONLY or ALL (got %q)", atrium.Truncate(v, 20))
}

// SearchExperiments is experiments/search. Its filter may compare the name
// (=, !=, LIKE, ILIKE); order_by takes name, creation_time,
// last_update_time or experiment_id.
func (h *Handlers) SearchExperiments(w http.ResponseWriter, r *http.Request) {
	var req struct {
		MaxResults Int64    `json:"max_results"`
		PageToken  string   `json:"page_token"`
		Filter     string   `json:"filter"`
		OrderBy    []string `json:"order_by"`
		ViewType   string   `json:"view_type"`
	}
	slug, err := h.scopeAndDecode(r, &req)
	var f store.ExperimentFilter
	if err == nil {
		f.Stage, err = viewStage(req.ViewType)
	}
	if err == nil {
		f.Page, err = page(req.MaxResults, req.PageToken, registry.DefaultSearchResult, registry.MaxSearchResults)
	}
	var clauses []registry.Clause
	if err == nil {
		clauses, err = registry.ParseFilter(req.Filter, map[string][]string{"attribute": {"name"}})
	}
	var order []registry.OrderBy
	if err == nil {
		order, err = registry.ParseOrderBy(req.OrderBy, map[string][]string{"attribute": {"name", "creation_time", "last_update_time", "experiment_id"}})
	}
	if err == nil && len(order) > 1 {
		err = errf("experiments can be ordered by one key")
	}
	if err == nil && len(clauses) > 1 {
		err = errf("experiments can be filtered by one comparison of their name")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(order) == 1 {
		f.OrderBy, f.Desc = order[0].Key, order[0].Desc
	}
	var post []registry.Clause
	for _, c := range clauses {
		switch c.Op {
		case "=":
			f.NameLike = escapeLike(c.Value)
		case "LIKE", "ILIKE":
			f.NameLike, f.NameCI = c.Value, c.Op == "ILIKE"
		default:
			post = append(post, c)
		}
	}
	res, err := h.DB.ListExperiments(r.Context(), slug, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := struct {
		Experiments   []Experiment `json:"experiments"`
		NextPageToken string       `json:"next_page_token,omitempty"`
	}{Experiments: []Experiment{}, NextPageToken: res.NextPageToken}
	for _, e := range res.Items {
		if registry.Matches(post, map[string]string{"name": e.Name}, nil) {
			out.Experiments = append(out.Experiments, experimentJSON(e))
		}
	}
	ok(w, out)
}

// escapeLike makes s match itself in a LIKE pattern with escape '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// changeExperiment serves update, delete, restore and the tag calls.
func (h *Handlers) changeExperiment(w http.ResponseWriter, r *http.Request, change func(req experimentReq) (store.ExperimentChange, error)) {
	var req experimentReq
	slug, err := h.scopeAndDecode(r, &req)
	if err == nil {
		err = required("experiment_id", req.ExperimentID)
	}
	var c store.ExperimentChange
	if err == nil {
		c, err = change(req)
	}
	if err == nil {
		_, err = h.DB.UpdateExperiment(r.Context(), slug, req.ExperimentID, c)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, empty{})
}

type experimentReq struct {
	ExperimentID string  `json:"experiment_id"`
	NewName      string  `json:"new_name"`
	Key          string  `json:"key"`
	Value        *string `json:"value"`
}

// UpdateExperiment is experiments/update (a rename).
func (h *Handlers) UpdateExperiment(w http.ResponseWriter, r *http.Request) {
	h.changeExperiment(w, r, func(req experimentReq) (store.ExperimentChange, error) {
		return store.ExperimentChange{Name: req.NewName}, required("new_name", req.NewName)
	})
}

// DeleteExperiment is experiments/delete: it marks the experiment deleted.
func (h *Handlers) DeleteExperiment(w http.ResponseWriter, r *http.Request) {
	h.changeExperiment(w, r, func(experimentReq) (store.ExperimentChange, error) {
		return store.ExperimentChange{Stage: registry.Deleted}, nil
	})
}

// RestoreExperiment is experiments/restore.
func (h *Handlers) RestoreExperiment(w http.ResponseWriter, r *http.Request) {
	h.changeExperiment(w, r, func(experimentReq) (store.ExperimentChange, error) {
		return store.ExperimentChange{Stage: registry.Active}, nil
	})
}

// SetExperimentTag is experiments/set-experiment-tag.
func (h *Handlers) SetExperimentTag(w http.ResponseWriter, r *http.Request) {
	h.changeExperiment(w, r, func(req experimentReq) (store.ExperimentChange, error) {
		if req.Value == nil {
			return store.ExperimentChange{}, required("value", "")
		}
		return store.ExperimentChange{TagKey: req.Key, TagValue: req.Value}, required("key", req.Key)
	})
}

// DeleteExperimentTag is experiments/delete-experiment-tag.
func (h *Handlers) DeleteExperimentTag(w http.ResponseWriter, r *http.Request) {
	h.changeExperiment(w, r, func(req experimentReq) (store.ExperimentChange, error) {
		return store.ExperimentChange{TagKey: req.Key}, required("key", req.Key)
	})
}
