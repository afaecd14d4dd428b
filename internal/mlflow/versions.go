package mlflow

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// versionReq is what the model-version calls share.
type versionReq struct {
	Name                    string     `json:"name"`
	Version                 string     `json:"version"`
	Source                  string     `json:"source"`
	RunID                   string     `json:"run_id"`
	RunLink                 string     `json:"run_link"`
	ModelID                 string     `json:"model_id"`
	Description             *string    `json:"description"`
	Tags                    []KeyValue `json:"tags"`
	Key                     string     `json:"key"`
	Value                   *string    `json:"value"`
	Stage                   string     `json:"stage"`
	ArchiveExistingVersions flexBool   `json:"archive_existing_versions"`
}

// flexBool accepts true, false and their strings (a GET query's form).
type flexBool bool

func (b *flexBool) UnmarshalJSON(raw []byte) error {
	v, err := strconv.ParseBool(string(trimQuotes(raw)))
	if err != nil {
		return errf("%s is not true or false", string(raw))
	}
	*b = flexBool(v)
	return nil
}

func trimQuotes(b []byte) []byte {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		return b[1 : len(b)-1]
	}
	return b
}

// readVersionReq decodes a call about one version: name and version.
func (h *Handlers) readVersionReq(r *http.Request) (string, versionReq, int, error) {
	var req versionReq
	slug, err := h.scopeAndDecode(r, &req)
	if err == nil {
		err = required("name", req.Name)
	}
	if err == nil {
		err = required("version", req.Version)
	}
	n := 0
	if err == nil {
		n, err = versionNumber(req.Version)
	}
	return slug, req, n, err
}

// CreateModelVersion is model-versions/create. The source is kept as the
// version's URI (never read); a tag atrium.digest, if given, is taken as the
// SHA-256 of the model's files.
func (h *Handlers) CreateModelVersion(w http.ResponseWriter, r *http.Request) {
	var req versionReq
	slug, err := h.scopeAndDecode(r, &req)
	if err == nil {
		err = required("name", req.Name)
	}
	if err == nil {
		err = required("source", req.Source)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	in := store.NewModelVersion{Source: req.Source, RunID: req.RunID, ModelID: req.ModelID, Tags: map[string]string{}}
	if req.Description != nil {
		in.Description = *req.Description
	}
	for _, t := range req.Tags {
		in.Tags[t.Key] = t.Value
	}
	in.Digest = in.Tags["atrium.digest"]
	mv, err := h.DB.CreateModelVersion(r.Context(), slug, req.Name, in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"model_version": modelVersionJSON(mv)})
}

// GetModelVersion is model-versions/get.
func (h *Handlers) GetModelVersion(w http.ResponseWriter, r *http.Request) {
	slug, req, n, err := h.readVersionReq(r)
	var mv registry.ModelVersion
	if err == nil {
		mv, err = h.DB.GetModelVersion(r.Context(), slug, req.Name, n)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]any{"model_version": modelVersionJSON(mv)})
}

// GetDownloadURI is model-versions/get-download-uri: the version's source.
func (h *Handlers) GetDownloadURI(w http.ResponseWriter, r *http.Request) {
	slug, req, n, err := h.readVersionReq(r)
	var mv registry.ModelVersion
	if err == nil {
		mv, err = h.DB.GetModelVersion(r.Context(), slug, req.Name, n)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, map[string]string{"artifact_uri": mv.Version.URI})
}

// changeVersion applies a change to one version; answerEmpty for the tag
// calls, which MLflow answers with {}.
func (h *Handlers) changeVersion(w http.ResponseWriter, r *http.Request, answerEmpty bool, change func(req versionReq) (store.VersionChange, error)) {
	slug, req, n, err := h.readVersionReq(r)
	var c store.VersionChange
	if err == nil {
		c, err = change(req)
	}
	var mv registry.ModelVersion
	if err == nil {
		mv, err = h.DB.UpdateModelVersion(r.Context(), slug, req.Name, n, c)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if answerEmpty {
		ok(w, empty{})
		return
	}
	ok(w, map[string]any{"model_version": modelVersionJSON(mv)})
}

// UpdateModelVersion is model-versions/update: the description.
func (h *Handlers) UpdateModelVersion(w http.ResponseWriter, r *http.Request) {
	h.changeVersion(w, r, false, func(req versionReq) (store.VersionChange, error) {
		if req.Description == nil {
			return store.VersionChange{}, required("description", "")
		}
		return store.VersionChange{Description: req.Description}, nil
	})
}

// TransitionStage is model-versions/transition-stage, for clients that
// still use stages: see registry.Stage for what each does to aliases.
func (h *Handlers) TransitionStage(w http.ResponseWriter, r *http.Request) {
	h.changeVersion(w, r, false, func(req versionReq) (store.VersionChange, error) {
		st, err := registry.ParseStage(req.Stage)
		return store.VersionChange{Stage: st, ArchiveOthers: bool(req.ArchiveExistingVersions)}, err
	})
}

// SetModelVersionTag is model-versions/set-tag.
func (h *Handlers) SetModelVersionTag(w http.ResponseWriter, r *http.Request) {
	h.changeVersion(w, r, true, func(req versionReq) (store.VersionChange, error) {
		if req.Value == nil {
			return store.VersionChange{}, required("value", "")
		}
		return store.VersionChange{TagKey: req.Key, TagValue: req.Value}, required("key", req.Key)
	})
}

// DeleteModelVersionTag is model-versions/delete-tag.
func (h *Handlers) DeleteModelVersionTag(w http.ResponseWriter, r *http.Request) {
	h.changeVersion(w, r, true, func(req versionReq) (store.VersionChange, error) {
		return store.VersionChange{TagKey: req.Key}, required("key", req.Key)
	})
}

// DeleteModelVersion is model-versions/delete: archived and hidden from
// MLflow, never renumbered (see store.DeleteModelVersion).
func (h *Handlers) DeleteModelVersion(w http.ResponseWriter, r *http.Request) {
	slug, req, n, err := h.readVersionReq(r)
	if err == nil {
		err = h.DB.DeleteModelVersion(r.Context(), slug, req.Name, n)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ok(w, empty{})
}

// SearchModelVersions is model-versions/search: a filter on name, version
// number, run_id, source_path and tags.<key>, order_by name, version_number,
// creation_timestamp or last_updated_timestamp, paging.
func (h *Handlers) SearchModelVersions(w http.ResponseWriter, r *http.Request) {
	var req searchReq
	slug, err := h.scopeAndDecode(r, &req)
	page, perr := page(req.MaxResults, req.PageToken, registry.MaxSearchResults, 200_000)
	if err == nil {
		err = perr
	}
	var clauses []registry.Clause
	if err == nil {
		clauses, err = registry.ParseFilter(req.Filter, map[string][]string{
			"attribute": {"name", "version_number", "run_id", "source_path", "current_stage", "model_id"}, "tag": nil})
	}
	var order []registry.OrderBy
	if err == nil {
		order, err = registry.ParseOrderBy(req.OrderBy, map[string][]string{"attribute": {"name", "version_number", "creation_timestamp", "last_updated_timestamp", "timestamp"}})
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if page.Size > registry.MaxSearchResults {
		page.Size = registry.MaxSearchResults
	}
	// A filter on one name reads that model only.
	name := ""
	for _, c := range clauses {
		if c.Entity == "attribute" && c.Key == "name" && c.Op == "=" {
			name = c.Value
		}
	}
	all, err := h.DB.ModelVersions(r.Context(), slug, name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var hits []registry.ModelVersion
	for _, mv := range all {
		attrs := map[string]string{"name": mv.Asset.Name, "version_number": itoa(mv.Version.Number), "run_id": mv.State.RunID,
			"source_path": mv.Version.URI, "current_stage": string(mv.State.Stage), "model_id": mv.State.ModelID}
		if registry.Matches(clauses, attrs, mv.State.Tags) {
			hits = append(hits, mv)
		}
	}
	sortVersions(hits)
	sortBy(hits, order)
	items, next := window(hits, page)
	out := struct {
		ModelVersions []ModelVersion `json:"model_versions"`
		NextPageToken string         `json:"next_page_token,omitempty"`
	}{ModelVersions: []ModelVersion{}, NextPageToken: next}
	for _, mv := range items {
		out.ModelVersions = append(out.ModelVersions, modelVersionJSON(mv))
	}
	ok(w, out)
}

// sortBy orders versions by MLflow order_by keys, stably.
func sortBy(v []registry.ModelVersion, order []registry.OrderBy) {
	if len(order) == 0 {
		return
	}
	key := func(mv registry.ModelVersion, k string) (string, int64) {
		switch k {
		case "name":
			return mv.Asset.Name, 0
		case "version_number":
			return "", int64(mv.Version.Number)
		case "creation_timestamp":
			return "", mv.Version.CreatedAt.UnixMilli()
		}
		return "", mv.State.UpdatedAt.UnixMilli()
	}
	slices.SortStableFunc(v, func(a, b registry.ModelVersion) int {
		for _, o := range order {
			sa, na := key(a, o.Key)
			sb, nb := key(b, o.Key)
			c := 0
			switch {
			case sa < sb || sa == sb && na < nb:
				c = -1
			case sa > sb || na > nb:
				c = 1
			}
			if o.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
}
