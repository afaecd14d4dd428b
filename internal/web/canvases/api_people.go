package canvases

import (
	"net/http"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/people"
	"github.com/atrium-mlops/atrium/internal/web/respond"
)

// This file serves the structured records beside a canvas's prose: the
// measurable objectives of a canvas, and the stakeholder register and
// decision log of a use case. The store validates and permission-checks
// them; the handlers only translate between JSON and the canvas types.

// APIListObjectives serves GET /api/v1/usecases/{slug}/canvases/{canvas}/objectives.
func (h *Handlers) APIListObjectives(w http.ResponseWriter, r *http.Request) {
	list, err := h.DB.Objectives(r.Context(), r.PathValue("slug"), r.PathValue("canvas"))
	h.Reply(w, r, http.StatusOK, respond.ListOf(list), err)
}

// ObjectiveInput is the body of POST …/canvases/{canvas}/objectives.
type ObjectiveInput struct {
	Section    string  `json:"section"`
	Metric     string  `json:"metric"`
	Comparator string  `json:"comparator"`
	Target     float64 `json:"target"`
	Unit       string  `json:"unit"`
	MeasuredAt string  `json:"measured_at"`
	Window     string  `json:"window"`
	MinSamples int64   `json:"min_samples"`
	Notes      string  `json:"notes"`
}

// APICreateObjective serves POST /api/v1/usecases/{slug}/canvases/{canvas}/objectives.
func (h *Handlers) APICreateObjective(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[ObjectiveInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	o, err := h.DB.CreateObjective(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), canvas.Objective{
		SectionID: in.Section, Metric: in.Metric, Comparator: canvas.Comparator(in.Comparator), Target: in.Target,
		Unit: in.Unit, MeasuredAt: in.MeasuredAt, Window: in.Window, MinSamples: in.MinSamples, Notes: in.Notes})
	h.Reply(w, r, http.StatusCreated, o, err)
}

// ObjectivePatch is the body of PATCH …/objectives/{id}. The section an
// objective belongs to is fixed: to move one, delete it and create it anew.
type ObjectivePatch struct {
	Metric     *string  `json:"metric"`
	Comparator *string  `json:"comparator"`
	Target     *float64 `json:"target"`
	Unit       *string  `json:"unit"`
	MeasuredAt *string  `json:"measured_at"`
	Window     *string  `json:"window"`
	MinSamples *int64   `json:"min_samples"`
	Notes      *string  `json:"notes"`
}

func (p ObjectivePatch) apply(o *canvas.Objective) {
	set(&o.Metric, p.Metric)
	if p.Comparator != nil {
		o.Comparator = canvas.Comparator(*p.Comparator)
	}
	set(&o.Target, p.Target)
	set(&o.Unit, p.Unit)
	set(&o.MeasuredAt, p.MeasuredAt)
	set(&o.Window, p.Window)
	set(&o.MinSamples, p.MinSamples)
	set(&o.Notes, p.Notes)
}

// APIUpdateObjective serves PATCH /api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}.
func (h *Handlers) APIUpdateObjective(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[ObjectivePatch](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	o, err := h.objective(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in.apply(&o)
	if o, err = h.DB.UpdateObjective(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), o); err != nil {
		h.Fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, o)
}

// objective finds the objective named in the path among its canvas's.
func (h *Handlers) objective(r *http.Request) (canvas.Objective, error) {
	id, err := respond.PathInt(r, "id")
	if err != nil {
		return canvas.Objective{}, err
	}
	list, err := h.DB.Objectives(r.Context(), r.PathValue("slug"), r.PathValue("canvas"))
	if err != nil {
		return canvas.Objective{}, err
	}
	for _, o := range list {
		if o.ID == id {
			return o, nil
		}
	}
	return canvas.Objective{}, atrium.Errorf(atrium.NotFound, "objective %d not found on this canvas", id)
}

// APIDeleteObjective serves DELETE /api/v1/usecases/{slug}/canvases/{canvas}/objectives/{id}.
func (h *Handlers) APIDeleteObjective(w http.ResponseWriter, r *http.Request) {
	id, err := respond.PathInt(r, "id")
	if err == nil {
		err = h.DB.DeleteObjective(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), id)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// APIListStakeholders serves GET /api/v1/usecases/{slug}/stakeholders.
func (h *Handlers) APIListStakeholders(w http.ResponseWriter, r *http.Request) {
	list, err := h.DB.Stakeholders(r.Context(), r.PathValue("slug"))
	h.Reply(w, r, http.StatusOK, respond.ListOf(list), err)
}

// StakeholderInput is the body of POST /api/v1/usecases/{slug}/stakeholders.
type StakeholderInput struct {
	Kind     string   `json:"kind"`
	Name     string   `json:"name"`
	Role     string   `json:"role"`
	Contact  string   `json:"contact"`
	Concerns string   `json:"concerns"`
	Before   string   `json:"before"`
	During   string   `json:"during"`
	After    string   `json:"after"`
	Notes    string   `json:"notes"`
	Subjects []string `json:"subjects"`
}

// APICreateStakeholder serves POST /api/v1/usecases/{slug}/stakeholders.
func (h *Handlers) APICreateStakeholder(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[StakeholderInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	sh, err := h.DB.CreateStakeholder(r.Context(), r.PathValue("slug"), people.Stakeholder{
		Kind: in.Kind, Name: in.Name, Role: in.Role, Contact: in.Contact, Concerns: in.Concerns,
		Before: in.Before, During: in.During, After: in.After, Notes: in.Notes, Subjects: in.Subjects})
	h.Reply(w, r, http.StatusCreated, sh, err)
}

// StakeholderPatch is the body of PATCH …/stakeholders/{id}.
type StakeholderPatch struct {
	Kind     *string   `json:"kind"`
	Name     *string   `json:"name"`
	Role     *string   `json:"role"`
	Contact  *string   `json:"contact"`
	Concerns *string   `json:"concerns"`
	Before   *string   `json:"before"`
	During   *string   `json:"during"`
	After    *string   `json:"after"`
	Notes    *string   `json:"notes"`
	Subjects *[]string `json:"subjects"`
	Version  int64     `json:"version"`
}

func (p StakeholderPatch) apply(sh *people.Stakeholder) {
	for dst, v := range map[*string]*string{&sh.Kind: p.Kind, &sh.Name: p.Name, &sh.Role: p.Role, &sh.Contact: p.Contact,
		&sh.Concerns: p.Concerns, &sh.Before: p.Before, &sh.During: p.During, &sh.After: p.After, &sh.Notes: p.Notes} {
		set(dst, v)
	}
	set(&sh.Subjects, p.Subjects)
	if p.Version != 0 { // 0 skips the check, as for use cases
		sh.Version = p.Version
	}
}

// APIUpdateStakeholder serves PATCH /api/v1/usecases/{slug}/stakeholders/{id}.
func (h *Handlers) APIUpdateStakeholder(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[StakeholderPatch](w, r)
	if err == nil {
		err = respond.CheckVersion("version", in.Version)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	sh, err := h.stakeholder(r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in.apply(&sh)
	if sh, err = h.DB.UpdateStakeholder(r.Context(), r.PathValue("slug"), sh); err != nil {
		h.Fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, sh)
}

// stakeholder finds the register entry named in the path.
func (h *Handlers) stakeholder(r *http.Request) (people.Stakeholder, error) {
	id, err := respond.PathInt(r, "id")
	if err != nil {
		return people.Stakeholder{}, err
	}
	list, err := h.DB.Stakeholders(r.Context(), r.PathValue("slug"))
	if err != nil {
		return people.Stakeholder{}, err
	}
	for _, sh := range list {
		if sh.ID == id {
			return sh, nil
		}
	}
	return people.Stakeholder{}, atrium.Errorf(atrium.NotFound, "stakeholder %d not found in this use case's register", id)
}

// APIDeleteStakeholder serves DELETE /api/v1/usecases/{slug}/stakeholders/{id}.
func (h *Handlers) APIDeleteStakeholder(w http.ResponseWriter, r *http.Request) {
	id, err := respond.PathInt(r, "id")
	if err == nil {
		err = h.DB.DeleteStakeholder(r.Context(), r.PathValue("slug"), id)
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// APIListDecisions serves GET /api/v1/usecases/{slug}/decisions.
func (h *Handlers) APIListDecisions(w http.ResponseWriter, r *http.Request) {
	list, err := h.DB.Decisions(r.Context(), r.PathValue("slug"))
	h.Reply(w, r, http.StatusOK, respond.ListOf(list), err)
}

// LinkInput is one link of a decision record.
type LinkInput struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Label  string `json:"label"`
}

func links(in []LinkInput) []decision.Link {
	out := make([]decision.Link, len(in))
	for i, l := range in {
		out[i] = decision.Link(l)
	}
	return out
}

// DecisionInput is the body of POST /api/v1/usecases/{slug}/decisions.
type DecisionInput struct {
	Title        string      `json:"title"`
	Context      string      `json:"context"`
	Options      string      `json:"options"`
	Decision     string      `json:"decision"`
	Rationale    string      `json:"rationale"`
	Consequences string      `json:"consequences"`
	Status       string      `json:"status"`
	DecidedBy    string      `json:"decided_by"`
	DecidedAt    string      `json:"decided_at"`
	Supersedes   int         `json:"supersedes"`
	Links        []LinkInput `json:"links"`
}

// APICreateDecision serves POST /api/v1/usecases/{slug}/decisions.
func (h *Handlers) APICreateDecision(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[DecisionInput](w, r)
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d, err := h.DB.CreateDecision(r.Context(), r.PathValue("slug"), decision.Decision{
		Title: in.Title, Context: in.Context, Options: in.Options, Decision: in.Decision, Rationale: in.Rationale,
		Consequences: in.Consequences, Status: in.Status, DecidedBy: in.DecidedBy, DecidedAt: in.DecidedAt,
		Supersedes: in.Supersedes, Links: links(in.Links)})
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/usecases/"+r.PathValue("slug")+"/decisions/"+strconv.Itoa(d.Number))
	respond.JSON(w, http.StatusCreated, d)
}

// APIGetDecision serves GET /api/v1/usecases/{slug}/decisions/{number}.
func (h *Handlers) APIGetDecision(w http.ResponseWriter, r *http.Request) {
	n, err := respond.PathInt(r, "number")
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d, err := h.DB.GetDecision(r.Context(), r.PathValue("slug"), int(n))
	h.Reply(w, r, http.StatusOK, d, err)
}

// DecisionPatch is the body of PATCH …/decisions/{number}.
type DecisionPatch struct {
	Title        *string      `json:"title"`
	Context      *string      `json:"context"`
	Options      *string      `json:"options"`
	Decision     *string      `json:"decision"`
	Rationale    *string      `json:"rationale"`
	Consequences *string      `json:"consequences"`
	Status       *string      `json:"status"`
	DecidedBy    *string      `json:"decided_by"`
	DecidedAt    *string      `json:"decided_at"`
	Supersedes   *int         `json:"supersedes"`
	Links        *[]LinkInput `json:"links"`
	Version      int64        `json:"version"`
}

func (p DecisionPatch) apply(d *decision.Decision) {
	for dst, v := range map[*string]*string{&d.Title: p.Title, &d.Context: p.Context, &d.Options: p.Options,
		&d.Decision: p.Decision, &d.Rationale: p.Rationale, &d.Consequences: p.Consequences, &d.Status: p.Status,
		&d.DecidedBy: p.DecidedBy, &d.DecidedAt: p.DecidedAt} {
		set(dst, v)
	}
	set(&d.Supersedes, p.Supersedes)
	if p.Links != nil {
		d.Links = links(*p.Links)
	}
	if p.Version != 0 { // 0 skips the check, as for use cases
		d.Version = p.Version
	}
}

// APIUpdateDecision serves PATCH /api/v1/usecases/{slug}/decisions/{number}.
func (h *Handlers) APIUpdateDecision(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[DecisionPatch](w, r)
	if err == nil {
		err = respond.CheckVersion("version", in.Version)
	}
	var n int64
	if err == nil {
		n, err = respond.PathInt(r, "number")
	}
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	d, err := h.DB.GetDecision(r.Context(), r.PathValue("slug"), int(n))
	if err != nil {
		h.Fail(w, r, err)
		return
	}
	in.apply(&d)
	if d, err = h.DB.UpdateDecision(r.Context(), r.PathValue("slug"), d); err != nil {
		h.Fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, d)
}

// set copies *v into *dst when the client sent the field.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
