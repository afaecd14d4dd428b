package web

import (
	"strings"
	"testing"
)

// TestRegistryPanels: the data sections show the registered datasets, the
// model sections the models and prompts with their aliases, each linking
// to its asset's page.
func TestRegistryPanels(t *testing.T) {
	f := newFixture(t)
	p := f.panelsOf("data-acquisition")["registry"]
	if p.Title != "Registered datasets" || len(p.Items) != 1 || !strings.HasSuffix(p.Href, "/registry?kind=dataset") {
		t.Fatalf("data panel = %+v", p)
	}
	if it := p.Items[0]; it.Label != "loans" || it.Value != "v1" || it.Detail != "training · classifications not confirmed" ||
		it.Href != "/usecases/alpha/registry/dataset/loans" {
		t.Errorf("dataset item = %+v", it)
	}
	p = f.panelsOf("model-selection-evaluation")["registry"]
	if len(p.Items) != 2 || p.Items[0].Label != "scorer" || p.Items[0].Value != "v2" || p.Items[0].Detail != "champion → v1" ||
		p.Items[1].Label != "explainer" {
		t.Fatalf("model panel = %+v", p)
	}
	decodeInto(t, f.doJSON("owner", "POST", scorerAPI+"/versions/2/status", map[string]any{"status": "deprecated", "reason": "drift"}), 200, nil)
	if it := f.panelsOf("model-selection-evaluation")["registry"].Items[0]; it.Value != "v2 (deprecated)" || it.Tone != "warn" {
		t.Errorf("deprecated newest version shows %+v", it)
	}
}
