package telemetry

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/store"
	domain "github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// KeyInput is a new ingestion key.
type KeyInput struct {
	Name string `json:"name"`
	// Model is the model an event that names none is about: "name" or
	// "name@alias".
	Model string `json:"model"`
}

// CreatedKey is a new ingestion key with its secret, shown this once.
type CreatedKey struct {
	domain.IngestKey
	Secret string `json:"secret"`
}

// PolicyInput is a use case's new privacy policy; Version is the version
// read, for optimistic locking.
type PolicyInput struct {
	Drop          []string `json:"drop"`
	Hash          []string `json:"hash"`
	MaskText      bool     `json:"mask_text"`
	RetentionDays int      `json:"retention_days"`
	Version       int64    `json:"version"`
}

// RiskInput marks a use case high-risk or not.
type RiskInput struct {
	HighRisk bool `json:"high_risk"`
}

// AggregateRow is the aggregate of one model version, hour and segment.
type AggregateRow struct {
	Model        string            `json:"model"`
	ModelVersion int               `json:"model_version"`
	Hour         time.Time         `json:"hour"`
	Segment      string            `json:"segment"`
	Aggregate    *domain.Aggregate `json:"aggregate"`
}

// APIListKeys serves GET /api/v1/usecases/{slug}/ingest-keys.
func (h *Handlers) APIListKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := h.DB.ListIngestKeys(r.Context(), r.PathValue("slug"))
	h.Reply(w, r, http.StatusOK, respond.ListOf(keys), err)
}

// APICreateKey serves POST /api/v1/usecases/{slug}/ingest-keys.
func (h *Handlers) APICreateKey(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[KeyInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	slug := r.PathValue("slug")
	k, secret, err := h.DB.CreateIngestKey(r.Context(), slug, strings.TrimSpace(in.Name), strings.TrimSpace(in.Model))
	if err == nil {
		w.Header().Set("Location", apiPath(slug, "ingest-keys", k.ID))
	}
	h.Reply(w, r, http.StatusCreated, CreatedKey{IngestKey: k, Secret: secret}, err)
}

// APIRevokeKey serves DELETE /api/v1/usecases/{slug}/ingest-keys/{id}.
func (h *Handlers) APIRevokeKey(w http.ResponseWriter, r *http.Request) {
	k, err := h.DB.RevokeIngestKey(r.Context(), r.PathValue("slug"), r.PathValue("id"))
	h.Reply(w, r, http.StatusOK, k, err)
}

// APIGetPolicy serves GET /api/v1/usecases/{slug}/telemetry/policy.
func (h *Handlers) APIGetPolicy(w http.ResponseWriter, r *http.Request) {
	p, err := h.DB.TelemetryPolicy(r.Context(), r.PathValue("slug"))
	h.Reply(w, r, http.StatusOK, p, err)
}

// APIPutPolicy serves PUT /api/v1/usecases/{slug}/telemetry/policy.
func (h *Handlers) APIPutPolicy(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[PolicyInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	p, err := h.DB.SetTelemetryPolicy(r.Context(), r.PathValue("slug"), in.policy())
	h.Reply(w, r, http.StatusOK, p, err)
}

// policy is the input as the domain's policy.
func (in PolicyInput) policy() domain.Policy {
	p := domain.Policy{Drop: in.Drop, Hash: in.Hash, MaskText: in.MaskText, RetentionDays: in.RetentionDays, Version: in.Version}
	if p.Drop == nil {
		p.Drop = []string{}
	}
	if p.Hash == nil {
		p.Hash = []string{}
	}
	return p
}

// APIPutRisk serves PUT /api/v1/usecases/{slug}/risk.
func (h *Handlers) APIPutRisk(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[RiskInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	u, err := h.DB.SetHighRisk(r.Context(), r.PathValue("slug"), in.HighRisk)
	h.Reply(w, r, http.StatusOK, u, err)
}

// APIListPredictions serves GET /api/v1/usecases/{slug}/predictions.
// Features and explanations are shown to editors and owners only.
func (h *Handlers) APIListPredictions(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	f, err := predictionFilter(r)
	var p atrium.PageRequest
	if err == nil {
		p, err = respond.PageOf(r)
	}
	var u usecase.UseCase
	if err == nil {
		u, err = h.DB.GetUseCase(r.Context(), slug)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	page, err := h.DB.ListPredictions(r.Context(), slug, f, p)
	if err == nil && !seesPayload(u) {
		for i := range page.Items {
			withoutPayload(&page.Items[i])
		}
	}
	h.Reply(w, r, http.StatusOK, page, err)
}

// APIGetPrediction serves GET /api/v1/usecases/{slug}/predictions/{id}.
func (h *Handlers) APIGetPrediction(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	u, err := h.DB.GetUseCase(r.Context(), slug)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	p, err := h.DB.GetPrediction(r.Context(), slug, r.PathValue("id"))
	if err == nil && !seesPayload(u) {
		withoutPayload(&p)
	}
	h.Reply(w, r, http.StatusOK, p, err)
}

// withoutPayload drops what only editors see: the model's inputs and the
// explanation of its answer.
func withoutPayload(p *domain.Prediction) {
	p.Features, p.Explanation = nil, nil
}

// predictionFilter reads the filters of the prediction list.
func predictionFilter(r *http.Request) (store.PredictionFilter, error) {
	q := r.URL.Query()
	f := store.PredictionFilter{Model: q.Get("model")}
	var err error
	if f.Version, err = versionParam(q.Get("version")); err != nil {
		return f, err
	}
	if f.From, err = timeParam("from", q.Get("from")); err != nil {
		return f, err
	}
	if f.To, err = timeParam("to", q.Get("to")); err != nil {
		return f, err
	}
	switch q.Get("errors") {
	case "", "false":
	case "true":
		f.Errors = true
	default:
		return f, atrium.Errorf(atrium.Invalid, "errors must be true or false")
	}
	return f, nil
}

// APIAggregates serves GET /api/v1/usecases/{slug}/telemetry/aggregates.
func (h *Handlers) APIAggregates(w http.ResponseWriter, r *http.Request) {
	f, err := h.aggFilter(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	rows, err := h.DB.Aggregates(r.Context(), r.PathValue("slug"), f)
	h.Reply(w, r, http.StatusOK, respond.ListOf(aggregateRows(rows)), err)
}

// aggregateRows are the store's rows as the API answers them.
func aggregateRows(rows []store.AggRow) []AggregateRow {
	out := make([]AggregateRow, len(rows))
	for i, row := range rows {
		out[i] = AggregateRow{Model: row.Model, ModelVersion: row.Key.ModelVersion, Hour: row.Key.Hour, Segment: row.Key.Segment, Aggregate: row.Agg}
	}
	return out
}

// maxAggWindow is the longest time window one aggregates request covers.
const maxAggWindow = 93 * 24 * time.Hour

// aggFilter reads the aggregates' filters: from and to (RFC 3339; the last
// 24 hours by default), model, version and segment ("" for all events,
// "name=value" for one slice; omitted for every segment).
func (h *Handlers) aggFilter(r *http.Request) (store.AggFilter, error) {
	q := r.URL.Query()
	now := h.now().UTC()
	f := store.AggFilter{From: now.Add(-24 * time.Hour), To: now, Model: q.Get("model")}
	var err error
	if f.Version, err = versionParam(q.Get("version")); err != nil {
		return f, err
	}
	if s := q.Get("from"); s != "" {
		if f.From, err = timeParam("from", s); err != nil {
			return f, err
		}
	}
	if s := q.Get("to"); s != "" {
		if f.To, err = timeParam("to", s); err != nil {
			return f, err
		}
	}
	if !f.From.Before(f.To) {
		return f, atrium.Errorf(atrium.Invalid, "from must be before to")
	}
	if f.To.Sub(f.From) > maxAggWindow {
		return f, atrium.Errorf(atrium.Invalid, "from and to may be at most %d days apart", int(maxAggWindow.Hours()/24))
	}
	if q.Has("segment") {
		seg := q.Get("segment")
		if seg != "" && !strings.Contains(seg, "=") {
			return f, atrium.Errorf(atrium.Invalid, "segment must be name=value, or empty for all events (got %q)", atrium.Truncate(seg, 60))
		}
		f.Segment = &seg
	}
	return f, nil
}

// versionParam reads a model version number; "" is any version.
func versionParam(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1<<31-1 {
		return 0, atrium.Errorf(atrium.Invalid, "version must be a version number from 1 (got %q)", atrium.Truncate(s, 20))
	}
	return n, nil
}

// timeParam reads a time in RFC 3339; "" is no bound.
func timeParam(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, atrium.Errorf(atrium.Invalid, "%s must be a time in RFC 3339, such as 2026-03-03T14:00:00Z (got %q)", name, atrium.Truncate(s, 40))
	}
	return t.UTC(), nil
}

// seesPayload reports whether the caller may see predictions' features and
// explanations: editors and owners may, even of an archived use case.
func seesPayload(u usecase.UseCase) bool { return u.Role.AtLeast(usecase.Editor) }
