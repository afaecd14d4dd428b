package registry

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/atrium-mlops/atrium/internal/atrium"
	"github.com/atrium-mlops/atrium/internal/canvas"
	"github.com/atrium-mlops/atrium/internal/evidence"
	domain "github.com/atrium-mlops/atrium/internal/registry"
	"github.com/atrium-mlops/atrium/internal/store"
)

// RegisterEvidence adds the registry's evidence kind to reg: the canvas
// sections that name "registry" show the use case's registered assets —
// datasets with their role and classifications beside the data sections,
// models and prompts with their aliases beside the others. The provider
// reads through DB.UseCase, so a page's view (store.WithView) serves it.
func (h *Handlers) RegisterEvidence(reg *evidence.Registry[canvas.EvidenceRequest]) {
	reg.Register("registry", evidence.ProviderFunc[canvas.EvidenceRequest](h.registryPanel))
}

// panelAssets bounds how many assets a panel lists.
const panelAssets = 20

// kindsFor are the kinds of asset a section is about: data sections show
// datasets, every other section that asks shows models and prompts.
func kindsFor(section string) []domain.Kind {
	if strings.Contains(section, "data") {
		return []domain.Kind{domain.Dataset}
	}
	return []domain.Kind{domain.Model, domain.Prompt}
}

func (h *Handlers) registryPanel(ctx context.Context, req canvas.EvidenceRequest) (evidence.Panel, error) {
	slug := req.UseCase.Slug
	kinds := kindsFor(req.Section.ID)
	p := evidence.Panel{Title: "Registered models and prompts", Items: []evidence.Item{}, Href: RegistryPath(slug),
		Empty: "Nothing registered yet. Models and prompts registered through the API, the command line or MLflow's client show here."}
	if kinds[0] == domain.Dataset {
		p.Title, p.Href = "Registered datasets", RegistryPath(slug)+"?kind=dataset"
		p.Empty = "No dataset registered yet. Register the data you train and evaluate on, with its profile and classifications."
	}
	v, err := h.DB.UseCase(ctx, slug)
	if err != nil {
		return p, err
	}
	defer v.Close()
	for _, k := range kinds {
		page, err := v.Assets(domain.Filter{Kind: k, Page: atrium.PageRequest{Size: panelAssets - len(p.Items)}})
		if err != nil {
			return p, err
		}
		over, err := v.Overview(page.Items)
		if err != nil {
			return p, err
		}
		for _, a := range page.Items {
			p.Items = append(p.Items, assetItem(slug, a, over))
		}
		if len(p.Items) >= panelAssets {
			break
		}
	}
	return p, nil
}

// assetItem is one asset as a panel line: its newest version and what
// matters about it — a dataset's role and personal data, a model's or
// prompt's aliases.
func assetItem(slug string, a domain.Asset, over store.AssetOverview) evidence.Item {
	it := evidence.Item{Label: a.Name, Href: AssetPath(slug, a.Kind, a.Name), Value: "no version yet", Tone: "muted"}
	latest, ok := over.Latest[a.ID]
	if ok {
		it.Value, it.Tone = "v"+strconv.Itoa(latest.Number), ""
		if latest.Status != domain.Ready {
			it.Value += " (" + string(latest.Status) + ")"
			it.Tone = "warn"
		}
	}
	var parts []string
	if ds := latest.Dataset; ok && ds != nil {
		if ds.Role != "" {
			parts = append(parts, string(ds.Role))
		}
		if ds.Profile != nil {
			parts = append(parts, fmt.Sprintf("%d rows", ds.Profile.Rows))
		}
		parts = append(parts, classified(ds.Sensitivity)...)
	}
	for _, al := range over.Aliases[a.ID] {
		parts = append(parts, al.Name+" → v"+strconv.Itoa(al.Version))
	}
	it.Detail = strings.Join(parts, " · ")
	return it
}

// classified counts a sensitivity record's personal columns by class.
func classified(s *domain.Sensitivity) []string {
	if s == nil {
		return []string{"classifications not confirmed"}
	}
	n := map[domain.Classification]int{}
	for _, c := range s.Columns {
		n[c]++
	}
	var out []string
	for _, c := range []domain.Classification{domain.SpecialCategory, domain.DirectIdentifier, domain.QuasiIdentifier} {
		if n[c] > 0 {
			out = append(out, fmt.Sprintf("%d %s", n[c], c))
		}
	}
	if len(out) == 0 {
		out = append(out, "no personal data")
	}
	return out
}
