package telemetry

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/chart"
	"github.com/atrium-mlops/atrium/internal/store"
	domain "github.com/atrium-mlops/atrium/internal/telemetry"
	"github.com/atrium-mlops/atrium/internal/usecase"
	"github.com/atrium-mlops/atrium/internal/web/render"
)

// pageData is a use case's Telemetry page: its ingestion keys, privacy
// policy and risk flag with their forms, the last day's counts and the
// newest predictions.
type pageData struct {
	render.Frame
	UseCase  render.UseCaseRef
	HighRisk bool
	Archived bool
	// CanEdit sees keys and features; CanOwn changes keys, policy and risk.
	CanEdit, CanOwn bool
	Keys            []domain.IngestKey
	KeyForm         keyForm
	// Created and Secret are a key just created, whose secret is shown
	// this once.
	Created *domain.IngestKey
	Secret  string
	Policy  domain.Policy
	Form    policyForm
	// RiskError says why the risk flag could not be changed.
	RiskError string
	Floor     int
	Hours     []hourCount
	DayTotal  int64
	Chart     template.HTML
	Recent    []predictionRow
	// ShowFeatures is set for editors and owners.
	ShowFeatures bool
	Ingest       string // the ingestion endpoint, for the examples
}

// keyForm is what was typed into the form that creates a key.
type keyForm struct {
	Name, Model, Error string
}

// policyForm is the privacy policy as its form shows it.
type policyForm struct {
	Drop, Hash    string // one name a line
	MaskText      bool
	RetentionDays string
	Version       int64
	Error         string
}

// hourCount is the events of one hour of the last day.
type hourCount struct {
	Hour        time.Time
	Predictions int64
}

// predictionRow is one prediction as the page lists it.
type predictionRow struct {
	P        domain.Prediction
	Output   string
	Features []featureValue
}

type featureValue struct{ Name, Value string }

// recentPredictions is how many predictions the page lists.
const recentPredictions = 20

// telemetryPage loads the page from the store.
func (h *Handlers) telemetryPage(r *http.Request) (pageData, error) {
	ctx, slug := r.Context(), r.PathValue("slug")
	u, err := h.DB.GetUseCase(ctx, slug)
	if err != nil {
		return pageData{}, err
	}
	d := pageData{Frame: h.Frame(r, "Telemetry · "+u.Name, "usecases"), UseCase: render.RefOf(u), HighRisk: u.HighRisk, Archived: u.Archived,
		CanEdit: u.Role.AtLeast(usecase.Editor), CanOwn: u.Role.AtLeast(usecase.Owner) && !u.Archived,
		Floor: domain.HighRiskRetentionDays, ShowFeatures: seesPayload(u), Ingest: "/api/v1/ingest/predictions"}
	if d.Policy, err = h.DB.TelemetryPolicy(ctx, slug); err != nil {
		return d, err
	}
	d.Form = formOf(d.Policy)
	if d.CanEdit {
		if d.Keys, err = h.DB.ListIngestKeys(ctx, slug); err != nil {
			return d, err
		}
	}
	page, err := h.DB.ListPredictions(ctx, slug, store.PredictionFilter{}, atrium.PageRequest{Size: recentPredictions})
	if err != nil {
		return d, err
	}
	for _, p := range page.Items {
		d.Recent = append(d.Recent, rowOf(p, d.ShowFeatures))
	}
	return d, h.lastDay(r, slug, &d)
}

// lastDay fills the predictions per hour of the last 24 hours, from the
// aggregates of all events (segment "").
func (h *Handlers) lastDay(r *http.Request, slug string, d *pageData) error {
	end := h.now().UTC().Truncate(time.Hour)
	start := end.Add(-23 * time.Hour)
	all := ""
	rows, err := h.DB.Aggregates(r.Context(), slug, store.AggFilter{From: start, To: end.Add(time.Hour), Segment: &all})
	if err != nil {
		return err
	}
	byHour := map[time.Time]int64{}
	for _, row := range rows {
		if row.Agg != nil {
			byHour[row.Key.Hour.UTC()] += row.Agg.Count()
		}
	}
	var bars []chart.Bar
	for t := start; !t.After(end); t = t.Add(time.Hour) {
		n := byHour[t]
		d.Hours = append(d.Hours, hourCount{Hour: t, Predictions: n})
		d.DayTotal += n
		bars = append(bars, chart.Bar{Label: t.Format("15:04"), Count: n})
	}
	if d.DayTotal == 0 {
		return nil
	}
	svg, err := chart.BarChart{Title: "Predictions per hour, last 24 hours (UTC)",
		Desc: fmt.Sprintf("%d predictions in the last 24 hours", d.DayTotal), XLabel: "predictions", Bars: bars}.SVG()
	if err != nil {
		return err
	}
	d.Chart = template.HTML(svg) // the chart package escapes every text it draws
	return nil
}

// formOf is the policy as its form shows it.
func formOf(p domain.Policy) policyForm {
	return policyForm{Drop: strings.Join(p.Drop, "\n"), Hash: strings.Join(p.Hash, "\n"), MaskText: p.MaskText,
		RetentionDays: strconv.Itoa(p.RetentionDays), Version: p.Version}
}

// rowOf is a prediction as the list shows it.
func rowOf(p domain.Prediction, features bool) predictionRow {
	row := predictionRow{P: p, Output: outputText(p)}
	if !features {
		return row
	}
	names := make([]string, 0, len(p.Features))
	for k := range p.Features {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		row.Features = append(row.Features, featureValue{Name: k, Value: atrium.Truncate(fmt.Sprint(valueOr(p.Features[k])), 200)})
	}
	return row
}

func valueOr(v any) any {
	if v == nil {
		return "null"
	}
	return v
}

// outputText says in a few words what the model answered.
func outputText(p domain.Prediction) string {
	if p.Error != "" {
		return "error: " + p.Error
	}
	var parts []string
	if o := p.Output; o.Label != nil {
		parts = append(parts, *o.Label)
	}
	if s := p.Output.Score; s != nil {
		parts = append(parts, "score "+formatFloat(*s))
	}
	if v := p.Output.Value; v != nil {
		parts = append(parts, formatFloat(*v))
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, ", ")
}

// formatFloat writes a number with up to six significant digits.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

// joinLines is a list one item a line, for a textarea.
func joinLines(list []string) string { return strings.Join(list, "\n") }

// PageTelemetry serves GET /usecases/{slug}/telemetry.
func (h *Handlers) PageTelemetry(w http.ResponseWriter, r *http.Request) {
	d, err := h.telemetryPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	h.Render(w, r, http.StatusOK, "telemetry", d)
}

// PageKeyPost serves POST /usecases/{slug}/telemetry/keys: it creates a key
// and shows its secret right away instead of redirecting, since the secret
// is never stored and cannot be shown later.
func (h *Handlers) PageKeyPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	in := keyForm{Name: strings.TrimSpace(r.PostForm.Get("name")), Model: strings.TrimSpace(r.PostForm.Get("model"))}
	k, secret, err := h.DB.CreateIngestKey(r.Context(), r.PathValue("slug"), in.Name, in.Model)
	if err != nil {
		render.FormFailed(h.Views, w, r, err, h.Fail, "telemetry", h.telemetryPage, func(d *pageData, msg string) {
			in.Error = msg
			d.KeyForm = in
		})
		return
	}
	d, err := h.telemetryPage(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d.Created, d.Secret = &k, secret
	h.Render(w, r, http.StatusOK, "telemetry", d)
}

// PageKeyRevokePost serves POST /usecases/{slug}/telemetry/keys/{id}/revoke.
func (h *Handlers) PageKeyRevokePost(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if _, err := h.DB.RevokeIngestKey(r.Context(), slug, r.PathValue("id")); err != nil {
		h.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, TelemetryPath(slug)+"?notice=key-revoked#keys", http.StatusSeeOther)
}

// PagePolicyPost serves POST /usecases/{slug}/telemetry/policy.
func (h *Handlers) PagePolicyPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	f := r.PostForm
	in := policyForm{Drop: f.Get("drop"), Hash: f.Get("hash"), MaskText: f.Get("mask_text") == "on", RetentionDays: strings.TrimSpace(f.Get("retention_days"))}
	slug := r.PathValue("slug")
	p, err := in.policy(f.Get("version"))
	if err == nil {
		_, err = h.DB.SetTelemetryPolicy(r.Context(), slug, p)
	}
	if err != nil {
		render.FormFailed(h.Views, w, r, err, h.Fail, "telemetry", h.telemetryPage, func(d *pageData, msg string) {
			// What was typed stays, against the version it was read at;
			// after a conflict, against the current one, so that saving
			// again is a choice made having seen the message.
			in.Version, in.Error = p.Version, msg
			if atrium.KindOf(err) == atrium.Conflict {
				in.Version = d.Form.Version
			}
			d.Form = in
		})
		return
	}
	http.Redirect(w, r, TelemetryPath(slug)+"?notice=policy-saved#policy", http.StatusSeeOther)
}

// policy reads the form into a policy.
func (in policyForm) policy(version string) (domain.Policy, error) {
	p := domain.Policy{Drop: names(in.Drop), Hash: names(in.Hash), MaskText: in.MaskText}
	v, err := strconv.ParseInt(strings.TrimSpace(version), 10, 64)
	if err != nil || v < 0 {
		return p, atrium.Errorf(atrium.Invalid, "the form lost the policy's version; reload the page and try again")
	}
	p.Version = v
	days, err := strconv.Atoi(in.RetentionDays)
	if err != nil || days < 0 {
		return p, atrium.Errorf(atrium.Invalid, "retention must be a whole number of days from 0 (0 keeps payloads)")
	}
	p.RetentionDays = days
	return p, nil
}

// names splits a textarea into names, one a line or separated by commas.
func names(s string) []string {
	out := []string{}
	for _, line := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// PageRiskPost serves POST /usecases/{slug}/telemetry/risk.
func (h *Handlers) PageRiskPost(w http.ResponseWriter, r *http.Request) {
	if err := render.ParseForm(w, r); err != nil {
		h.Fail(w, r, err)
		return
	}
	slug := r.PathValue("slug")
	var high bool
	switch r.PostForm.Get("high_risk") {
	case "true":
		high = true
	case "false":
	default:
		h.Fail(w, r, atrium.Errorf(atrium.Invalid, "high_risk must be true or false"))
		return
	}
	if _, err := h.DB.SetHighRisk(r.Context(), slug, high); err != nil {
		render.FormFailed(h.Views, w, r, err, h.Fail, "telemetry", h.telemetryPage, func(d *pageData, msg string) {
			d.RiskError = msg
		})
		return
	}
	notice := "risk-standard"
	if high {
		notice = "risk-high"
	}
	http.Redirect(w, r, TelemetryPath(slug)+"?notice="+notice+"#risk", http.StatusSeeOther)
}
