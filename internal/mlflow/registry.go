package mlflow

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

func modelRef(name string) registry.Ref { return registry.Ref{Kind: registry.Model, Name: name} }

// registeredModel assembles MLflow's RegisteredModel for an asset: its
// aliases, and the latest version in each stage.
func (h *Handlers) registeredModel(ctx context.Context, slug string, a registry.Asset, updated time.Time, versions []registry.ModelVersion) RegisteredModel {
	rm := RegisteredModel{Name: a.Name, CreationTimestamp: a.CreatedAt.UnixMilli(), LastUpdatedTimestamp: updated.UnixMilli(),
		UserID: a.CreatedBy, Description: a.Description, Tags: kvs(a.Tags), LatestVersions: []ModelVersion{}, Aliases: []RegisteredModelAlias{}}
	for _, mv := range latestPerStage(versions, nil) {
		rm.LatestVersions = append(rm.LatestVersions, modelVersionJSON(mv))
	}
	for _, mv := range versions {
		for _, al := range mv.Aliases {
			rm.Aliases = append(rm.Aliases, RegisteredModelAlias{Alias: al, Version: itoa(mv.Version.Number)})
		}
	}
	sort.Slice(rm.Aliases, func(i, j int) bool { return rm.Aliases[i].Alias < rm.Aliases[j].Alias })
	return rm
}

// latestPerStage is the newest version in each stage (in stages, if given),
// ordered by stage name as MLflow does.
func latestPerStage(versions []registry.ModelVersion, stages []registry.Stage) []registry.ModelVersion {
	best := map[registry.Stage]registry.ModelVersion{}
	for _, mv := range versions {
		if cur, ok := best[mv.State.Stage]; !ok || mv.Version.Number > cur.Version.Number {
			best[mv.State.Stage] = mv
		}
	}
	var out []registry.ModelVersion
	for st, mv := range best {
		if len(stages) == 0 || containsStage(stages, st) {
			out = append(out, mv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version.Number < out[j].Version.Number })
	return out
}

func containsStage(list []registry.Stage, s registry.Stage) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// getRegistered loads one registered model with its versions.
func (h *Handlers) getRegistered(ctx context.Context, slug, name string) (RegisteredModel, error) {
	a, err := h.DB.GetAsset(ctx, slug, modelRef(name))
	if err != nil {
		return RegisteredModel{}, err
	}
	updated, err := h.DB.AssetUpdatedAt(ctx, a)
	if err != nil {
		return RegisteredModel{}, err
	}
	versions, err := h.DB.ModelVersions(ctx, slug, name)
	if err != nil {
		return RegisteredModel{}, err
	}
	return h.registeredModel(ctx, slug, a, updated, versions), nil
}

// modelReq is what the registered-model calls share.
type modelReq struct {
	Name        string     `json:"name"`
	NewName     string     `json:"new_name"`
	Description *string    `json:"description"`
	Tags        []KeyValue `json:"tags"`
	Key         string     `json:"key"`
	Value       *string    `json:"value"`
	Alias       string     `json:"alias"`
	Version     string     `json:"version"`
	Stages      []string   `json:"stages"`
}

// readModelReq decodes a registered-model call that needs a name.
func (h *Handlers) readModelReq(r *http.Request) (string, modelReq, error) {
	var req modelReq
	slug, err := h.scopeAndDecode(r, &req)
	if err == nil {
		err = required("name", req.Name)
	}
	return slug, req, err
}

// CreateRegisteredModel is registered-models/create: a model asset in the
// token's use case.
func (h *Handlers) CreateRegisteredModel(w http.ResponseWriter, r *http.Request) {
	slug, req, err := h.readModelReq(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	a := registry.Asset{Kind: registry.Model, Name: req.Name, Tags: map[string]string{}}
	if req.Description != nil {
		a.Description = *req.Description
	}
	for _, t := range req.Tags {
		if err := registry.CheckMLflowTag(t.Key, t.Value); err != nil {
			h.fail(w, r, err)
			return
		}
		a.Tags[t.Key] = t.Value
	}
	if len(a.Tags) > registry.MaxTags {
		h.fail(w, r, errf("a registered model may have at most %d tags", registry.MaxTags))
		return
	}
	created, err := h.DB.CreateAsset(r.Context(), slug, a)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rm, err := h.getRegistered(r.Context(), slug, created.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"registered_model": rm})
}

// GetRegisteredModel is registered-models/get.
func (h *Handlers) GetRegisteredModel(w http.ResponseWriter, r *http.Request) {
	slug, req, err := h.readModelReq(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rm, err := h.getRegistered(r.Context(), slug, req.Name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"registered_model": rm})
}

// changeModel applies a change to a registered model and answers with it
// (or with {} when answerEmpty).
func (h *Handlers) changeModel(w http.ResponseWriter, r *http.Request, answerEmpty bool, change func(req modelReq) (store.AssetChange, error)) {
	slug, req, err := h.readModelReq(r)
	var c store.AssetChange
	if err == nil {
		c, err = change(req)
	}
	var a registry.Asset
	if err == nil {
		a, err = h.DB.UpdateAsset(r.Context(), slug, modelRef(req.Name), c)
	}
	var rm RegisteredModel
	if err == nil && !answerEmpty {
		rm, err = h.getRegistered(r.Context(), slug, a.Name)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if answerEmpty {
		ok(w, empty{})
		return
	}
	ok(w, map[string]any{"registered_model": rm})
}

// UpdateRegisteredModel is registered-models/update: the description.
func (h *Handlers) UpdateRegisteredModel(w http.ResponseWriter, r *http.Request) {
	h.changeModel(w, r, false, func(req modelReq) (store.AssetChange, error) {
		if req.Description == nil {
			return store.AssetChange{}, required("description", "")
		}
		return store.AssetChange{Description: req.Description}, nil
	})
}

// RenameRegisteredModel is registered-models/rename.
func (h *Handlers) RenameRegisteredModel(w http.ResponseWriter, r *http.Request) {
	h.changeModel(w, r, false, func(req modelReq) (store.AssetChange, error) {
		return store.AssetChange{Rename: req.NewName}, required("new_name", req.NewName)
	})
}

// SetRegisteredModelTag is registered-models/set-tag.
func (h *Handlers) SetRegisteredModelTag(w http.ResponseWriter, r *http.Request) {
	h.changeModel(w, r, true, func(req modelReq) (store.AssetChange, error) {
		if req.Value == nil {
			return store.AssetChange{}, required("value", "")
		}
		return store.AssetChange{TagKey: req.Key, TagValue: req.Value}, required("key", req.Key)
	})
}

// DeleteRegisteredModelTag is registered-models/delete-tag.
func (h *Handlers) DeleteRegisteredModelTag(w http.ResponseWriter, r *http.Request) {
	h.changeModel(w, r, true, func(req modelReq) (store.AssetChange, error) {
		return store.AssetChange{TagKey: req.Key}, required("key", req.Key)
	})
}

// DeleteRegisteredModel is registered-models/delete: the asset, its
// versions and aliases (owner role).
func (h *Handlers) DeleteRegisteredModel(w http.ResponseWriter, r *http.Request) {
	slug, req, err := h.readModelReq(r)
	if err == nil {
		err = h.DB.DeleteAsset(r.Context(), slug, modelRef(req.Name))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, empty{})
}

// searchReq is what both registry searches take.
type searchReq struct {
	Filter     string   `json:"filter"`
	MaxResults Int64    `json:"max_results"`
	OrderBy    []string `json:"order_by"`
	PageToken  string   `json:"page_token"`
}

// SearchRegisteredModels is registered-models/search: a filter on name and
// tags.<key> with =, !=, LIKE and ILIKE, order_by name or
// last_updated_timestamp, ASC or DESC, paging.
func (h *Handlers) SearchRegisteredModels(w http.ResponseWriter, r *http.Request) {
	var req searchReq
	slug, err := h.scopeAndDecode(r, &req)
	var p atrium.PageRequest
	if err == nil {
		p, err = page(req.MaxResults, req.PageToken, 100, registry.MaxSearchResults)
	}
	var clauses []registry.Clause
	if err == nil {
		clauses, err = registry.ParseFilter(req.Filter, map[string][]string{"attribute": {"name"}, "tag": nil})
	}
	var order []registry.OrderBy
	if err == nil {
		order, err = registry.ParseOrderBy(req.OrderBy, map[string][]string{"attribute": {"name", "last_updated_timestamp", "timestamp", "creation_timestamp"}})
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	assets, updated, err := h.DB.Models(r.Context(), slug)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var hits []registry.Asset
	for _, a := range assets {
		if registry.Matches(clauses, map[string]string{"name": a.Name}, a.Tags) {
			hits = append(hits, a)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		for _, o := range order {
			var less, more bool
			switch o.Key {
			case "name":
				less, more = hits[i].Name < hits[j].Name, hits[i].Name > hits[j].Name
			case "creation_timestamp":
				less, more = hits[i].CreatedAt.Before(hits[j].CreatedAt), hits[i].CreatedAt.After(hits[j].CreatedAt)
			default:
				ti, tj := updated[hits[i].ID], updated[hits[j].ID]
				less, more = ti.Before(tj), ti.After(tj)
			}
			if o.Desc {
				less, more = more, less
			}
			if less || more {
				return less
			}
		}
		return hits[i].Name < hits[j].Name
	})
	items, next := window(hits, p)
	out := struct {
		RegisteredModels []RegisteredModel `json:"registered_models"`
		NextPageToken    string            `json:"next_page_token,omitempty"`
	}{RegisteredModels: []RegisteredModel{}, NextPageToken: next}
	for _, a := range items {
		versions, err := h.DB.ModelVersions(r.Context(), slug, a.Name)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		out.RegisteredModels = append(out.RegisteredModels, h.registeredModel(r.Context(), slug, a, updated[a.ID], versions))
	}
	ok(w, out)
}

// GetLatestVersions is registered-models/get-latest-versions: the newest
// version in each stage, or in the stages named.
func (h *Handlers) GetLatestVersions(w http.ResponseWriter, r *http.Request) {
	slug, req, err := h.readModelReq(r)
	var stages []registry.Stage
	for _, s := range req.Stages {
		if err != nil {
			break
		}
		var st registry.Stage
		st, err = registry.ParseStage(s)
		stages = append(stages, st)
	}
	var versions []registry.ModelVersion
	if err == nil {
		versions, err = h.DB.ModelVersions(r.Context(), slug, req.Name)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := []ModelVersion{}
	for _, mv := range latestPerStage(versions, stages) {
		out = append(out, modelVersionJSON(mv))
	}
	ok(w, map[string]any{"model_versions": out})
}

// SetAlias is POST registered-models/alias.
func (h *Handlers) SetAlias(w http.ResponseWriter, r *http.Request) {
	slug, req, err := h.readModelReq(r)
	if err == nil {
		err = required("alias", req.Alias)
	}
	var n int
	if err == nil {
		n, err = versionNumber(req.Version)
	}
	if err == nil {
		_, err = h.DB.GetModelVersion(r.Context(), slug, req.Name, n)
	}
	if err == nil {
		_, err = h.DB.SetAlias(r.Context(), slug, modelRef(req.Name), req.Alias, n, "set through the MLflow API")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, empty{})
}

// DeleteAlias is DELETE registered-models/alias.
func (h *Handlers) DeleteAlias(w http.ResponseWriter, r *http.Request) {
	slug, req, err := h.readModelReq(r)
	if err == nil {
		err = required("alias", req.Alias)
	}
	if err == nil {
		err = h.DB.DeleteAlias(r.Context(), slug, modelRef(req.Name), req.Alias, "deleted through the MLflow API")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, empty{})
}

// GetByAlias is GET registered-models/alias: the version an alias names.
func (h *Handlers) GetByAlias(w http.ResponseWriter, r *http.Request) {
	slug, req, err := h.readModelReq(r)
	if err == nil {
		err = required("alias", req.Alias)
	}
	var aliases []registry.Alias
	if err == nil {
		aliases, err = h.DB.Aliases(r.Context(), slug, modelRef(req.Name))
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, al := range aliases {
		if al.Name == req.Alias {
			mv, err := h.DB.GetModelVersion(r.Context(), slug, req.Name, al.Version)
			if err != nil {
				h.fail(w, r, err)
				return
			}
			ok(w, map[string]any{"model_version": modelVersionJSON(mv)})
			return
		}
	}
	h.fail(w, r, atrium.Errorf(atrium.NotFound, "registered model %q has no alias %q", req.Name, atrium.Truncate(req.Alias, 64)))
}
