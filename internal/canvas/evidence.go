package canvas

import (
	"context"
	"fmt"
	"sort"
	"sync"

	"github.com/atrium-mlops/atrium/internal/usecase"
)

// Panel is what an evidence provider shows beside a section: a titled list
// of items, or a sentence saying why there is nothing yet. Data is the same
// evidence for the JSON API. Panels carry no HTML, so every provider's output
// is escaped by the page that renders it.
type Panel struct {
	Kind  string      `json:"kind"`
	Title string      `json:"title"`
	Items []PanelItem `json:"items"`
	Empty string      `json:"empty,omitempty"`
	Href  string      `json:"href,omitempty"` // where to see or edit all of it
	Data  any         `json:"data,omitempty"`
}

// PanelItem is one line of a panel.
type PanelItem struct {
	Label  string `json:"label"`
	Value  string `json:"value,omitempty"`
	Detail string `json:"detail,omitempty"`
	Href   string `json:"href,omitempty"`
	// Tone colours the value: "", "good", "warn", "bad", "muted".
	Tone string `json:"tone,omitempty"`
}

// EvidenceRequest is what a provider is asked about: one section of one
// canvas of one use case, seen by the actor in the context.
type EvidenceRequest struct {
	UseCase  usecase.UseCase
	Canvas   Canvas
	Template *Template
	Section  SectionDef
}

// Provider renders the evidence of one kind.
type Provider interface {
	Panel(ctx context.Context, req EvidenceRequest) (Panel, error)
}

// ProviderFunc adapts a function to Provider.
type ProviderFunc func(ctx context.Context, req EvidenceRequest) (Panel, error)

// Panel calls f.
func (f ProviderFunc) Panel(ctx context.Context, req EvidenceRequest) (Panel, error) {
	return f(ctx, req)
}

// Registry maps evidence kinds to providers. Later features register their
// own kinds (registry versions, feedback, monitors, roll-out) without the
// canvas code changing.
type Registry struct {
	mu        sync.RWMutex
	providers map[string]Provider
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{providers: map[string]Provider{}} }

// Register adds the provider for a kind; registering a kind twice is a
// programming error.
func (r *Registry) Register(kind string, p Provider) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.providers[kind]; dup {
		panic(fmt.Sprintf("canvas: evidence kind %q registered twice", kind))
	}
	r.providers[kind] = p
}

// Kinds lists the registered kinds, sorted.
func (r *Registry) Kinds() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.providers))
	for k := range r.providers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Panels returns the panels for every evidence kind the section names that
// has a provider; kinds nobody provides yet are skipped, so templates can
// name evidence that a later feature will supply.
func (r *Registry) Panels(ctx context.Context, req EvidenceRequest) ([]Panel, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Panel
	for _, kind := range req.Section.Evidence {
		p, ok := r.providers[kind]
		if !ok {
			continue
		}
		panel, err := p.Panel(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("evidence %s: %w", kind, err)
		}
		panel.Kind = kind
		out = append(out, panel)
	}
	return out, nil
}
