package canvases

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/decision"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/people"
)

// sectionProvider adapts a function to a provider of section evidence.
type sectionProvider = evidence.ProviderFunc[canvas.EvidenceRequest]

// registerEvidence adds the providers this package knows to the registry:
// the records of the canvas feature itself and the asset registry's
// (evidence_registry.go). Later features register their own kinds
// (feedback, monitoring, roll-out) beside these.
//
// Each provider reads through DB.UseCase, which hands it the view a page
// put in the context (store.WithView): a poster with evidence on every
// section still checks access once, and shows it all as of one moment.
func (h *Handlers) registerEvidence() {
	h.Evidence.Register("objectives", sectionProvider(h.objectivesPanel))
	h.Evidence.Register("stakeholders", sectionProvider(h.stakeholdersPanel))
	h.Evidence.Register("decisions", sectionProvider(h.decisionsPanel))
	h.Evidence.Register("completeness", sectionProvider(h.completenessPanel))
	h.Evidence.Register("registry", sectionProvider(h.registryPanel))
}

func panelUseCaseHref(req canvas.EvidenceRequest) string {
	return "/usecases/" + url.PathEscape(req.UseCase.Slug)
}

func panelSectionHref(req canvas.EvidenceRequest) string {
	return panelUseCaseHref(req) + "/canvases/" + url.PathEscape(req.Canvas.ID) + "/sections/" + url.PathEscape(req.Section.ID)
}

// objectivesPanel lists the section's measurable objectives. Nothing is
// measured yet, so each says where and how it will be measured.
func (h *Handlers) objectivesPanel(ctx context.Context, req canvas.EvidenceRequest) (evidence.Panel, error) {
	p := evidence.Panel{Title: "Measurable objectives", Items: []evidence.Item{}, Href: panelSectionHref(req) + "#objectives",
		Empty: "No measurable objective yet. Add one with a metric, a target and where it is measured."}
	v, err := h.DB.UseCase(ctx, req.UseCase.Slug)
	if err != nil {
		return p, err
	}
	defer v.Close()
	all, err := v.Objectives(req.Canvas.ID)
	if err != nil {
		return p, err
	}
	mine := []canvas.Objective{}
	for _, o := range all {
		if o.SectionID == req.Section.ID {
			mine = append(mine, o)
		}
	}
	for _, o := range mine {
		p.Items = append(p.Items, evidence.Item{Label: o.Metric, Value: objectiveTarget(o), Detail: objectiveMeasurement(o) + " — not measured yet", Tone: "muted"})
	}
	p.Data = mine
	return p, nil
}

// objectiveTarget is "≥ 0.78 %": the comparator, the target and the unit.
func objectiveTarget(o canvas.Objective) string {
	sym := map[canvas.Comparator]string{">=": "≥", "<=": "≤", "==": "="}[o.Comparator]
	if sym == "" {
		sym = string(o.Comparator)
	}
	return strings.TrimSpace(sym + " " + strconv.FormatFloat(o.Target, 'g', -1, 64) + " " + o.Unit)
}

// objectiveMeasurement says where, over which window and on how many samples an
// objective is measured.
func objectiveMeasurement(o canvas.Objective) string {
	parts := []string{"measured at " + o.MeasuredAt}
	if o.Window != "" {
		parts = append(parts, "over "+o.Window)
	} else {
		parts = append(parts, "once")
	}
	if o.MinSamples > 0 {
		parts = append(parts, fmt.Sprintf("at least %d samples", o.MinSamples))
	}
	return strings.Join(parts, ", ")
}

// stakeholderKindLabels names each register kind, plural, for panels.
var stakeholderKindLabels = map[string]string{
	people.DecisionMaker: "Decision-makers", people.User: "Users", people.PersonAffected: "People affected",
	people.Additional: "Additional stakeholders", people.TestPilot: "Test pilots",
}

// stakeholdersPanel shows the register entries of the section's kind (the
// people grid), with their before/during/after notes where the section asks
// for those moments; a section without a kind shows how many of each kind
// the register holds.
func (h *Handlers) stakeholdersPanel(ctx context.Context, req canvas.EvidenceRequest) (evidence.Panel, error) {
	p := evidence.Panel{Title: "Stakeholders", Items: []evidence.Item{}, Href: panelUseCaseHref(req) + "/stakeholders"}
	v, err := h.DB.UseCase(ctx, req.UseCase.Slug)
	if err != nil {
		return p, err
	}
	defer v.Close()
	all, err := v.Stakeholders()
	if err != nil {
		return p, err
	}
	kind := req.Section.Stakeholders
	if kind == "" {
		p.Empty = "The stakeholder register is empty. Add the people who decide, use the model or are affected by it."
		counts := map[string]int{}
		for _, sh := range all {
			counts[sh.Kind]++
		}
		for _, k := range people.StakeholderKinds {
			if counts[k] > 0 {
				p.Items = append(p.Items, evidence.Item{Label: stakeholderKindLabels[k], Value: strconv.Itoa(counts[k]), Href: p.Href})
			}
		}
		p.Data = counts
		return p, nil
	}
	p.Title = stakeholderKindLabels[kind]
	if p.Title == "" {
		p.Title = "Stakeholders: " + kind
	}
	p.Empty = "Nobody of this kind in the stakeholder register yet."
	mine := []people.Stakeholder{}
	for _, sh := range all {
		if sh.Kind == kind {
			mine = append(mine, sh)
			p.Items = append(p.Items, evidence.Item{Label: sh.Name, Value: sh.Role, Detail: stakeholderDetail(sh, len(req.Section.Moments) > 0), Href: p.Href})
		}
	}
	p.Data = mine
	return p, nil
}

// stakeholderDetail is the line under an entry: its notes per moment on the
// people grid, its concerns elsewhere, and for test pilots whom a roll-out
// routes first.
func stakeholderDetail(sh people.Stakeholder, moments bool) string {
	var parts []string
	if moments {
		for _, m := range []struct{ name, v string }{{"Before", sh.Before}, {"During", sh.During}, {"After", sh.After}} {
			if m.v != "" {
				parts = append(parts, m.name+": "+m.v)
			}
		}
	} else if sh.Concerns != "" {
		parts = append(parts, sh.Concerns)
	}
	if n := len(sh.Subjects); n > 0 {
		parts = append(parts, fmt.Sprintf("routes first: %s", strings.Join(sh.Subjects[:min(n, 3)], ", ")))
		if n > 3 {
			parts[len(parts)-1] += fmt.Sprintf(" and %d more", n-3)
		}
	}
	return strings.Join(parts, " · ")
}

// decisionTones colours a decision's status.
var decisionTones = map[string]string{decision.Accepted: "good", decision.Proposed: "warn", decision.Rejected: "bad", decision.Superseded: "muted"}

// decisionsPanel lists the decisions that link to this section, either of
// any canvas of the use case ("<section>") or of this canvas only
// ("<canvas>/<section>").
func (h *Handlers) decisionsPanel(ctx context.Context, req canvas.EvidenceRequest) (evidence.Panel, error) {
	p := evidence.Panel{Title: "Decisions", Items: []evidence.Item{}, Href: panelUseCaseHref(req) + "/decisions",
		Empty: "No decision links to this section yet."}
	v, err := h.DB.UseCase(ctx, req.UseCase.Slug)
	if err != nil {
		return p, err
	}
	defer v.Close()
	all, err := v.Decisions()
	if err != nil {
		return p, err
	}
	mine := []decision.Decision{}
	for _, d := range all {
		if !linksTo(d, req.Canvas.ID, req.Section.ID) {
			continue
		}
		mine = append(mine, d)
		detail := d.DecidedBy
		if d.DecidedAt != "" {
			detail = strings.TrimSpace(detail + " " + d.DecidedAt)
		}
		p.Items = append(p.Items, evidence.Item{Label: fmt.Sprintf("#%d %s", d.Number, d.Title), Value: d.Status,
			Detail: detail, Href: p.Href + "/" + strconv.Itoa(d.Number), Tone: decisionTones[d.Status]})
	}
	p.Data = mine
	return p, nil
}

func linksTo(d decision.Decision, canvasID, sectionID string) bool {
	for _, l := range d.Links {
		if l.Kind == "section" && (l.Target == sectionID || l.Target == canvasID+"/"+sectionID) {
			return true
		}
	}
	return false
}

// completenessPanel shows how far each phase of the canvas has come.
func (h *Handlers) completenessPanel(ctx context.Context, req canvas.EvidenceRequest) (evidence.Panel, error) {
	c := canvas.CompletenessOf(req.Template, req.Canvas)
	p := evidence.Panel{Title: "Completeness", Items: []evidence.Item{}, Data: c,
		Href: panelUseCaseHref(req) + "/canvases/" + url.PathEscape(req.Canvas.ID)}
	for _, ph := range c.Phases {
		p.Items = append(p.Items, evidence.Item{Label: ph.Title, Value: fmt.Sprintf("%d of %d agreed", ph.Tally.Agreed, ph.Tally.Total),
			Detail: fmt.Sprintf("%d drafted, %d in review, %d empty", ph.Tally.Draft, ph.Tally.InReview, ph.Tally.Empty), Tone: tallyTone(ph.Tally)})
	}
	o := c.Overall
	p.Items = append(p.Items, evidence.Item{Label: "Overall", Value: fmt.Sprintf("%d%% agreed", o.Percent()),
		Detail: fmt.Sprintf("%d of %d sections started", o.Started(), o.Total), Tone: tallyTone(o)})
	return p, nil
}

func tallyTone(t canvas.Tally) string {
	switch {
	case t.Total > 0 && t.Agreed == t.Total:
		return "good"
	case t.Started() == 0:
		return "muted"
	}
	return ""
}
