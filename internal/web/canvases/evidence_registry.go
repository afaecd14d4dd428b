package canvases

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/evidence"
	"github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// The registry panel shows what a section needs from the asset registry:
// the datasets for the data sections, the evaluations against the
// measurable objectives for the evaluation sections, and the model and
// prompt versions with their aliases for the others.
var (
	registryDataSections = map[string]bool{
		"data-acquisition": true, "data-preparation": true, "data-management": true,
		"data-collection": true, "data-governance": true,
	}
	registryEvaluationSections = map[string]bool{"model-selection-evaluation": true, "metrics-evaluation": true}
)

// maxPanelItems bounds the lines of one registry panel.
const maxPanelItems = 12

func registryHref(req canvas.EvidenceRequest) string { return panelUseCaseHref(req) + "/registry" }

// versionHref is a version's registry page.
func versionHref(req canvas.EvidenceRequest, ref registry.Ref, n int) string {
	return registryHref(req) + "/" + url.PathEscape(string(ref.Kind)) + "/" + url.PathEscape(ref.Name) + "/" + strconv.Itoa(n)
}

// registryPanel picks the registry view for the section.
func (h *Handlers) registryPanel(ctx context.Context, req canvas.EvidenceRequest) (evidence.Panel, error) {
	p := evidence.Panel{Title: "Registry", Items: []evidence.Item{}, Href: registryHref(req)}
	v, err := h.DB.UseCase(ctx, req.UseCase.Slug)
	if err != nil {
		return p, err
	}
	defer v.Close()
	o, err := v.Registry()
	if err != nil {
		return p, err
	}
	switch {
	case registryDataSections[req.Section.ID]:
		datasetsPanel(&p, req, o)
	case registryEvaluationSections[req.Section.ID]:
		evaluationsPanel(&p, req, o)
	default:
		versionsPanel(&p, req, o)
	}
	if len(p.Items) > maxPanelItems {
		more := len(p.Items) - maxPanelItems
		p.Items = append(p.Items[:maxPanelItems], evidence.Item{Label: fmt.Sprintf("and %d more", more), Href: p.Href, Tone: "muted"})
	}
	return p, nil
}

// datasetSummary is what the data panel shows of one dataset version.
type datasetSummary struct {
	Asset       registry.Ref                    `json:"asset"`
	Version     int                             `json:"version"`
	Role        registry.DatasetRole            `json:"role,omitempty"`
	Rows        *int64                          `json:"rows,omitempty"`
	Columns     int                             `json:"columns"`
	Classified  map[registry.Classification]int `json:"classified"`
	Unconfirmed int                             `json:"unconfirmed"`
}

// datasetsPanel lists the dataset versions: role, size, and how many columns
// are classified as identifying or special, with unconfirmed suggestions.
func datasetsPanel(p *evidence.Panel, req canvas.EvidenceRequest, o *store.RegistryOverview) {
	p.Title = "Datasets"
	p.Empty = "No dataset registered yet. Register the data this section describes, with its schema and profile."
	data := []datasetSummary{}
	for _, ov := range o.Versions {
		if ov.Asset.Kind != registry.Dataset {
			continue
		}
		d := datasetSummary{Asset: ov.Asset, Version: ov.Version.Number, Classified: map[registry.Classification]int{}}
		var facts []string
		if info := ov.Version.Dataset; info != nil {
			d.Role, d.Columns = info.Role, len(info.Schema)
			if info.Profile != nil {
				rows := info.Profile.Rows
				d.Rows = &rows
				if d.Columns == 0 {
					d.Columns = len(info.Profile.Columns)
				}
			}
		}
		if d.Rows != nil {
			facts = append(facts, plural(int(*d.Rows), "row"))
		}
		if d.Columns > 0 {
			facts = append(facts, plural(d.Columns, "column"))
		}
		tone := ""
		if s := ov.Sensitivity; s != nil {
			d.Classified, d.Unconfirmed = s.Sensitivity.Counts(), len(s.Proposals)
			var cls []string
			for _, c := range []struct {
				c    registry.Classification
				name string
			}{{registry.DirectIdentifier, "direct"}, {registry.QuasiIdentifier, "quasi"}, {registry.SpecialCategory, "special"}} {
				if n := d.Classified[c.c]; n > 0 {
					cls = append(cls, fmt.Sprintf("%d %s", n, c.name))
				}
			}
			if len(cls) > 0 {
				facts = append(facts, "identifying columns: "+strings.Join(cls, ", "))
			} else if s.Revision > 0 {
				facts = append(facts, "no identifying columns")
			} else {
				facts = append(facts, "sensitivity not recorded")
				tone = "warn"
			}
			if d.Unconfirmed > 0 {
				facts = append(facts, plural(d.Unconfirmed, "suggested classification")+" to confirm")
				tone = "warn"
			}
			if d.Classified[registry.SpecialCategory] > 0 && s.Sensitivity.LegalBasis == "" {
				facts = append(facts, "special-category data without a legal basis")
				tone = "bad"
			}
		}
		value := string(d.Role)
		if value == "" {
			value = "no role"
		}
		if ov.Version.Status != registry.Ready {
			value += ", " + string(ov.Version.Status)
		}
		data = append(data, d)
		p.Items = append(p.Items, evidence.Item{Label: fmt.Sprintf("%s v%d", ov.Asset.Name, ov.Version.Number), Value: value,
			Detail: strings.Join(facts, " · "), Href: versionHref(req, ov.Asset, ov.Version.Number), Tone: tone})
	}
	p.Data = data
}

var stateTones = map[string]string{registry.Met: "good", registry.NotMet: "bad", registry.NotMeasured: "muted"}

// evaluationsPanel shows each model and prompt version against the
// evaluation objectives: one line per version and objective.
func evaluationsPanel(p *evidence.Panel, req canvas.EvidenceRequest, o *store.RegistryOverview) {
	p.Title = "Evaluations against objectives"
	p.Data = o.Objectives
	switch {
	case len(o.Objectives) == 0:
		p.Empty = "No model or prompt version registered yet."
		return
	case len(o.Objectives[0].Checks) == 0:
		p.Empty = "No objective is measured at evaluation yet. Add one with a metric and a target."
		return
	}
	for _, vo := range o.Objectives {
		for _, c := range vo.Checks {
			label := fmt.Sprintf("%s v%d: %s", vo.Version.Name, vo.Version.Version, c.Metric)
			if c.Slice != "" {
				label += " [" + c.Slice + "]"
			}
			p.Items = append(p.Items, evidence.Item{Label: label, Value: c.State, Detail: c.Reason,
				Href: versionHref(req, vo.Version.Ref(), vo.Version.Version), Tone: stateTones[c.State]})
		}
	}
}

// versionsPanel shows the model and prompt versions and every alias with
// its last move.
func versionsPanel(p *evidence.Panel, req canvas.EvidenceRequest, o *store.RegistryOverview) {
	p.Title = "Models and prompts"
	p.Empty = "No model or prompt registered yet."
	type versionLine struct {
		Asset   registry.Ref    `json:"asset"`
		Version int             `json:"version"`
		Status  registry.Status `json:"status"`
		Aliases []string        `json:"aliases"`
	}
	aliases := map[registry.Node][]string{}
	for _, al := range o.Aliases {
		n := registry.VersionNode(al.Asset, al.Alias.Version)
		aliases[n] = append(aliases[n], al.Alias.Name)
	}
	lines := []versionLine{}
	for _, al := range o.Aliases {
		if al.Asset.Kind == registry.Dataset {
			continue
		}
		m := al.LastMove
		detail := fmt.Sprintf("set to v%d", m.To)
		if m.From != 0 {
			detail = fmt.Sprintf("moved from v%d to v%d", m.From, m.To)
		}
		detail += " on " + m.MovedAt.UTC().Format("2006-01-02")
		if m.Reason != "" {
			detail += ": " + m.Reason
		}
		if al.Moves > 1 {
			detail += fmt.Sprintf(" (%s)", plural(al.Moves, "move"))
		}
		p.Items = append(p.Items, evidence.Item{Label: al.Asset.Name + " " + al.Alias.Name, Value: "v" + strconv.Itoa(al.Alias.Version),
			Detail: detail, Href: versionHref(req, al.Asset, al.Alias.Version), Tone: "good"})
	}
	for _, ov := range o.Versions {
		if ov.Asset.Kind == registry.Dataset {
			continue
		}
		n := registry.VersionNode(ov.Asset, ov.Version.Number)
		lines = append(lines, versionLine{ov.Asset, ov.Version.Number, ov.Version.Status, aliases[n]})
		var parts []string
		if m := ov.Version.Model; m != nil {
			for _, s := range []string{m.Framework, m.Task} {
				if s != "" {
					parts = append(parts, s)
				}
			}
		}
		if len(aliases[n]) > 0 {
			parts = append(parts, "alias "+strings.Join(aliases[n], ", "))
		}
		parts = append(parts, "registered "+ov.Version.CreatedAt.UTC().Format("2006-01-02"))
		tone := ""
		if ov.Version.Status != registry.Ready {
			tone = "muted"
		}
		p.Items = append(p.Items, evidence.Item{Label: fmt.Sprintf("%s %s v%d", ov.Asset.Kind, ov.Asset.Name, ov.Version.Number),
			Value: string(ov.Version.Status), Detail: strings.Join(parts, " · "), Href: versionHref(req, ov.Asset, ov.Version.Number), Tone: tone})
	}
	p.Data = map[string]any{"versions": lines, "aliases": o.Aliases}
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
