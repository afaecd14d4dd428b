package web

import (
	"github.com/atrium-mlops/atrium/internal/web/respond"
	"net/http"
	"strconv"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
)

// This file serves the structured records beside a canvas's prose: the
// measurable objectives of a canvas, and the stakeholder register and
// decision log of a use case. The store validates and permission-checks
// them; the handlers only translate between JSON and the canvas types.

// checkVersion refuses a negative optimistic-locking version before the
// store sees it.
func checkVersion(name string, v int64) error { return respond.CheckVersion(name, v) }

func (s *Server) apiListObjectives(w http.ResponseWriter, r *http.Request) {
	list, err := s.db.Objectives(r.Context(), r.PathValue("slug"), r.PathValue("canvas"))
	s.reply(w, r, http.StatusOK, map[string]any{"items": nonNil(list)}, err)
}

// objectiveInput is the body of POST …/canvases/{canvas}/objectives.
type objectiveInput struct {
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

func (s *Server) apiCreateObjective(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[objectiveInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	oc, err := s.openCanvas(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.db.CreateObjective(r.Context(), oc.uc.Slug, oc.c.ID, oc.t, canvas.Objective{
		SectionID: in.Section, Metric: in.Metric, Comparator: canvas.Comparator(in.Comparator), Target: in.Target,
		Unit: in.Unit, MeasuredAt: in.MeasuredAt, Window: in.Window, MinSamples: in.MinSamples, Notes: in.Notes})
	s.reply(w, r, http.StatusCreated, o, err)
}

// objectivePatch is the body of PATCH …/objectives/{id}. The section an
// objective belongs to is fixed: to move one, delete it and create it anew.
type objectivePatch struct {
	Metric     *string  `json:"metric"`
	Comparator *string  `json:"comparator"`
	Target     *float64 `json:"target"`
	Unit       *string  `json:"unit"`
	MeasuredAt *string  `json:"measured_at"`
	Window     *string  `json:"window"`
	MinSamples *int64   `json:"min_samples"`
	Notes      *string  `json:"notes"`
}

func (p objectivePatch) apply(o *canvas.Objective) {
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

func (s *Server) apiUpdateObjective(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[objectivePatch](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.objective(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in.apply(&o)
	if o, err = s.db.UpdateObjective(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), o); err != nil {
		s.fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, o)
}

// objective finds the objective named in the path among its canvas's.
func (s *Server) objective(r *http.Request) (canvas.Objective, error) {
	id, err := respond.PathInt(r, "id")
	if err != nil {
		return canvas.Objective{}, err
	}
	list, err := s.db.Objectives(r.Context(), r.PathValue("slug"), r.PathValue("canvas"))
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

func (s *Server) apiDeleteObjective(w http.ResponseWriter, r *http.Request) {
	id, err := respond.PathInt(r, "id")
	if err == nil {
		err = s.db.DeleteObjective(r.Context(), r.PathValue("slug"), r.PathValue("canvas"), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiListStakeholders(w http.ResponseWriter, r *http.Request) {
	list, err := s.db.Stakeholders(r.Context(), r.PathValue("slug"))
	s.reply(w, r, http.StatusOK, map[string]any{"items": nonNil(list)}, err)
}

// stakeholderInput is the body of POST /api/v1/usecases/{slug}/stakeholders.
type stakeholderInput struct {
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

func (s *Server) apiCreateStakeholder(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[stakeholderInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.db.CreateStakeholder(r.Context(), r.PathValue("slug"), canvas.Stakeholder{
		Kind: in.Kind, Name: in.Name, Role: in.Role, Contact: in.Contact, Concerns: in.Concerns,
		Before: in.Before, During: in.During, After: in.After, Notes: in.Notes, Subjects: in.Subjects})
	s.reply(w, r, http.StatusCreated, sh, err)
}

// stakeholderPatch is the body of PATCH …/stakeholders/{id}.
type stakeholderPatch struct {
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

func (p stakeholderPatch) apply(sh *canvas.Stakeholder) {
	for dst, v := range map[*string]*string{&sh.Kind: p.Kind, &sh.Name: p.Name, &sh.Role: p.Role, &sh.Contact: p.Contact,
		&sh.Concerns: p.Concerns, &sh.Before: p.Before, &sh.During: p.During, &sh.After: p.After, &sh.Notes: p.Notes} {
		set(dst, v)
	}
	set(&sh.Subjects, p.Subjects)
	if p.Version != 0 { // 0 skips the check, as for use cases
		sh.Version = p.Version
	}
}

func (s *Server) apiUpdateStakeholder(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[stakeholderPatch](w, r)
	if err == nil {
		err = checkVersion("version", in.Version)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sh, err := s.stakeholder(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in.apply(&sh)
	if sh, err = s.db.UpdateStakeholder(r.Context(), r.PathValue("slug"), sh); err != nil {
		s.fail(w, r, err)
		return
	}
	respond.JSON(w, http.StatusOK, sh)
}

// stakeholder finds the register entry named in the path.
func (s *Server) stakeholder(r *http.Request) (canvas.Stakeholder, error) {
	id, err := respond.PathInt(r, "id")
	if err != nil {
		return canvas.Stakeholder{}, err
	}
	list, err := s.db.Stakeholders(r.Context(), r.PathValue("slug"))
	if err != nil {
		return canvas.Stakeholder{}, err
	}
	for _, sh := range list {
		if sh.ID == id {
			return sh, nil
		}
	}
	return canvas.Stakeholder{}, atrium.Errorf(atrium.NotFound, "stakeholder %d not found in this use case's register", id)
}

func (s *Server) apiDeleteStakeholder(w http.ResponseWriter, r *http.Request) {
	id, err := respond.PathInt(r, "id")
	if err == nil {
		err = s.db.DeleteStakeholder(r.Context(), r.PathValue("slug"), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiListDecisions(w http.ResponseWriter, r *http.Request) {
	list, err := s.db.Decisions(r.Context(), r.PathValue("slug"))
	s.reply(w, r, http.StatusOK, map[string]any{"items": nonNil(list)}, err)
}

// linkInput is one link of a decision record.
type linkInput struct {
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Label  string `json:"label"`
}

func links(in []linkInput) []canvas.Link {
	out := make([]canvas.Link, len(in))
	for i, l := range in {
		out[i] = canvas.Link(l)
	}
	return out
}

// decisionInput is the body of POST /api/v1/usecases/{slug}/decisions.
type decisionInput struct {
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
	Links        []linkInput `json:"links"`
}

func (s *Server) apiCreateDecision(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[decisionInput](w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.db.CreateDecision(r.Context(), r.PathValue("slug"), canvas.Decision{
		Title: in.Title, Context: in.Context, Options: in.Options, Decision: in.Decision, Rationale: in.Rationale,
		Consequences: in.Consequences, Status: in.Status, DecidedBy: in.DecidedBy, DecidedAt: in.DecidedAt,
		Supersedes: in.Supersedes, Links: links(in.Links)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/usecases/"+r.PathValue("slug")+"/decisions/"+strconv.Itoa(d.Number))
	respond.JSON(w, http.StatusCreated, d)
}

func (s *Server) apiGetDecision(w http.ResponseWriter, r *http.Request) {
	n, err := respond.PathInt(r, "number")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.db.GetDecision(r.Context(), r.PathValue("slug"), int(n))
	s.reply(w, r, http.StatusOK, d, err)
}

// decisionPatch is the body of PATCH …/decisions/{number}.
type decisionPatch struct {
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
	Links        *[]linkInput `json:"links"`
	Version      int64        `json:"version"`
}

func (p decisionPatch) apply(d *canvas.Decision) {
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

func (s *Server) apiUpdateDecision(w http.ResponseWriter, r *http.Request) {
	in, err := respond.Decode[decisionPatch](w, r)
	if err == nil {
		err = checkVersion("version", in.Version)
	}
	var n int64
	if err == nil {
		n, err = respond.PathInt(r, "number")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.db.GetDecision(r.Context(), r.PathValue("slug"), int(n))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in.apply(&d)
	if d, err = s.db.UpdateDecision(r.Context(), r.PathValue("slug"), d); err != nil {
		s.fail(w, r, err)
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

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](list []T) []T { return respond.Items(list) }
