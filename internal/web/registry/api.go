package registry

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// AssetInput is a new asset.
type AssetInput struct {
	Kind        domain.Kind       `json:"kind"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Tags        map[string]string `json:"tags"`
}

// VersionInput is a new version of an asset: where its bytes are, what they
// hash to, and the fields of its kind. Everything else (number, creator,
// time, status) the server sets.
type VersionInput struct {
	URI         string              `json:"uri"`
	Digest      string              `json:"digest"`
	Size        int64               `json:"size"`
	Description string              `json:"description"`
	Metadata    json.RawMessage     `json:"metadata"`
	Tags        map[string]string   `json:"tags"`
	Dataset     *domain.DatasetInfo `json:"dataset,omitempty"`
	Model       *domain.ModelInfo   `json:"model,omitempty"`
	Prompt      *domain.PromptInfo  `json:"prompt,omitempty"`
}

// StatusInput is a change of a version's status.
type StatusInput struct {
	Status domain.Status `json:"status"`
	Reason string        `json:"reason"`
}

// AliasInput points an alias at a version.
type AliasInput struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

// RenderInput asks for a prompt version filled with variables: the version
// named by number or by alias, or the newest when neither is given.
type RenderInput struct {
	Version   int               `json:"version"`
	Alias     string            `json:"alias"`
	Variables map[string]string `json:"variables"`
}

// Rendered is a prompt filled with variables.
type Rendered struct {
	Version int    `json:"version"`
	Text    string `json:"text"`
}

// APIListAssets serves GET /api/v1/usecases/{slug}/assets.
func (h *Handlers) APIListAssets(w http.ResponseWriter, r *http.Request) {
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.ListAssets(r.Context(), r.PathValue("slug"), domain.Filter{Kind: domain.Kind(r.URL.Query().Get("kind")), Page: p})
	h.Reply(w, r, http.StatusOK, page, err)
}

// APICreateAsset serves POST /api/v1/usecases/{slug}/assets.
func (h *Handlers) APICreateAsset(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[AssetInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	slug := r.PathValue("slug")
	a, err := h.DB.CreateAsset(r.Context(), slug, domain.Asset{Kind: in.Kind, Name: in.Name, Description: in.Description, Tags: in.Tags})
	if err == nil {
		w.Header().Set("Location", apiAssetPath(slug, a.Kind, a.Name))
	}
	h.Reply(w, r, http.StatusCreated, a, err)
}

// APIGetAsset serves GET /api/v1/usecases/{slug}/assets/{kind}/{name}.
func (h *Handlers) APIGetAsset(w http.ResponseWriter, r *http.Request) {
	a, err := h.DB.GetAsset(r.Context(), r.PathValue("slug"), refOf(r))
	h.Reply(w, r, http.StatusOK, a, err)
}

// APIListVersions serves GET …/assets/{kind}/{name}/versions.
func (h *Handlers) APIListVersions(w http.ResponseWriter, r *http.Request) {
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.ListVersions(r.Context(), r.PathValue("slug"), refOf(r), p)
	h.Reply(w, r, http.StatusOK, page, err)
}

// APICreateVersion serves POST …/assets/{kind}/{name}/versions.
func (h *Handlers) APICreateVersion(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[VersionInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	slug, ref := r.PathValue("slug"), refOf(r)
	v := domain.Version{URI: in.URI, Digest: in.Digest, Size: in.Size, Description: in.Description, Metadata: in.Metadata,
		Tags: in.Tags, Dataset: in.Dataset, Model: in.Model, Prompt: in.Prompt}
	v, err = h.DB.CreateVersion(r.Context(), slug, ref, v)
	if err == nil {
		w.Header().Set("Location", apiAssetPath(slug, ref.Kind, ref.Name)+"/versions/"+strconv.Itoa(v.Number))
	}
	h.Reply(w, r, http.StatusCreated, v, err)
}

// APIGetVersion serves GET …/assets/{kind}/{name}/versions/{n}.
func (h *Handlers) APIGetVersion(w http.ResponseWriter, r *http.Request) {
	n, err := versionOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	v, err := h.DB.GetVersion(r.Context(), r.PathValue("slug"), refOf(r), n)
	h.Reply(w, r, http.StatusOK, v, err)
}

// APISetStatus serves POST …/versions/{n}/status.
func (h *Handlers) APISetStatus(w http.ResponseWriter, r *http.Request) {
	n, err := versionOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in, err := respond.Decode[StatusInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	v, err := h.DB.SetVersionStatus(r.Context(), r.PathValue("slug"), refOf(r), n, in.Status, in.Reason)
	h.Reply(w, r, http.StatusOK, v, err)
}

// APIListAliases serves GET …/assets/{kind}/{name}/aliases.
func (h *Handlers) APIListAliases(w http.ResponseWriter, r *http.Request) {
	list, err := h.DB.Aliases(r.Context(), r.PathValue("slug"), refOf(r))
	h.Reply(w, r, http.StatusOK, respond.ListOf(list), err)
}

// APIPutAlias serves PUT …/aliases/{alias}.
func (h *Handlers) APIPutAlias(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[AliasInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	if err := checkVersionNumber(in.Version); err != nil {
		h.Fail(w, r, err)
		return
	}
	al, err := h.DB.SetAlias(r.Context(), r.PathValue("slug"), refOf(r), r.PathValue("alias"), in.Version, in.Reason)
	h.Reply(w, r, http.StatusOK, al, err)
}

// APIDeleteAlias serves DELETE …/aliases/{alias}?reason=.
func (h *Handlers) APIDeleteAlias(w http.ResponseWriter, r *http.Request) {
	if err := h.DB.DeleteAlias(r.Context(), r.PathValue("slug"), refOf(r), r.PathValue("alias"), r.URL.Query().Get("reason")); err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// APIGetAlias serves GET …/aliases/{alias}: the alias as it is, or with
// at= as it stood at that time.
func (h *Handlers) APIGetAlias(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("alias")
	if err := domain.CheckAlias(name); err != nil {
		h.Fail(w, r, err)
		return
	}
	var at time.Time
	if s := r.URL.Query().Get("at"); s != "" {
		var err error
		if at, err = parseAt(s); err != nil {
			h.Fail(w, r, err)
			return
		}
	}
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	defer v.Close()
	a, err := v.Asset(refOf(r))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	if !at.IsZero() {
		al, err := v.AliasAsOf(a, name, at)
		h.Reply(w, r, http.StatusOK, al, err)
		return
	}
	al, err := currentAlias(v.Aliases, a, name)
	h.Reply(w, r, http.StatusOK, al, err)
}

// currentAlias finds the alias called name among an asset's aliases.
func currentAlias(list func(domain.Asset) ([]domain.Alias, error), a domain.Asset, name string) (domain.Alias, error) {
	aliases, err := list(a)
	if err != nil {
		return domain.Alias{}, err
	}
	for _, al := range aliases {
		if al.Name == name {
			return al, nil
		}
	}
	return domain.Alias{}, atrium.Errorf(atrium.NotFound, "%s %q has no alias %q", a.Kind, a.Name, name)
}

// APIAliasHistory serves GET …/aliases/{alias}/history, oldest first.
func (h *Handlers) APIAliasHistory(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("alias")
	if err := domain.CheckAlias(name); err != nil {
		h.Fail(w, r, err)
		return
	}
	p, err := respond.PageOf(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	defer v.Close()
	a, err := v.Asset(refOf(r))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := v.AliasMoves(a, name, p)
	if err == nil && page.Total == 0 {
		err = atrium.Errorf(atrium.NotFound, "%s %q never had an alias %q", a.Kind, a.Name, name)
	}
	h.Reply(w, r, http.StatusOK, page, err)
}

// APIRenderPrompt serves POST …/assets/prompt/{name}/render.
func (h *Handlers) APIRenderPrompt(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[RenderInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	out, err := h.render(r, r.PathValue("name"), in)
	h.Reply(w, r, http.StatusOK, out, err)
}

// render fills the prompt version in names with variables.
func (h *Handlers) render(r *http.Request, name string, in RenderInput) (Rendered, error) {
	if in.Version != 0 && in.Alias != "" {
		return Rendered{}, atrium.Errorf(atrium.Invalid, "name the version either by number or by alias, not both")
	}
	if in.Version != 0 {
		if err := checkVersionNumber(in.Version); err != nil {
			return Rendered{}, err
		}
	}
	if in.Alias != "" {
		if err := domain.CheckAlias(in.Alias); err != nil {
			return Rendered{}, err
		}
	}
	v, err := h.DB.UseCase(r.Context(), r.PathValue("slug"))
	if err != nil {
		return Rendered{}, err
	}
	defer v.Close()
	a, err := v.Asset(domain.Ref{Kind: domain.Prompt, Name: name})
	if err != nil {
		return Rendered{}, err
	}
	n := in.Version
	switch {
	case in.Alias != "":
		al, err := currentAlias(v.Aliases, a, in.Alias)
		if err != nil {
			return Rendered{}, err
		}
		n = al.Version
	case n == 0 && a.Versions == 0:
		return Rendered{}, atrium.Errorf(atrium.NotFound, "prompt %q has no versions yet", a.Name)
	case n == 0:
		n = a.Versions
	}
	ver, err := v.Version(a, n)
	if err != nil {
		return Rendered{}, err
	}
	if ver.Prompt == nil {
		return Rendered{}, atrium.Errorf(atrium.Internal, "prompt %q version %d has no template", a.Name, n)
	}
	text, err := ver.Prompt.Render(in.Variables)
	return Rendered{Version: n, Text: text}, err
}

// checkVersionNumber refuses a version number that no version can have.
func checkVersionNumber(n int) error {
	if n < 1 || n > maxVersion {
		return atrium.Errorf(atrium.Invalid, "version must be a version number from 1 (got %d)", n)
	}
	return nil
}

// parseAt reads the API's point in time, RFC 3339.
func parseAt(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, atrium.Errorf(atrium.Invalid, "at must be an RFC 3339 time such as 2026-03-03T14:00:00Z (got %q)", atrium.Truncate(s, 40))
	}
	return t.UTC(), nil
}

// parseFormAt reads the page's point in time: what a datetime-local field
// sends (minutes, no zone), read as UTC like every time on the pages, or
// RFC 3339.
func parseFormAt(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02T15:04", s); err == nil {
		return t, nil
	}
	return parseAt(s)
}
