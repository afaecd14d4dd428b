// Package evidence is how live facts appear beside text people write: a
// canvas section, and later a page or a document, names the kinds of
// evidence it shows, and a registry asks the provider of each kind for a
// panel. Features register their own kinds (registry versions, feedback,
// monitors, roll-out) without the code that shows the panels changing.
package evidence

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// Panel is what an evidence provider shows: a titled list of items, or a
// sentence saying why there is nothing yet. Data is the same evidence for
// the JSON API. Panels carry no HTML, so every provider's output is escaped
// by the page that renders it.
type Panel struct {
	Kind  string `json:"kind"`
	Title string `json:"title"`
	Items []Item `json:"items"`
	Empty string `json:"empty,omitempty"`
	Href  string `json:"href,omitempty"` // where to see or edit all of it
	Data  any    `json:"data,omitempty"`
}

// Item is one line of a panel.
type Item struct {
	Label  string `json:"label"`
	Value  string `json:"value,omitempty"`
	Detail string `json:"detail,omitempty"`
	Href   string `json:"href,omitempty"`
	// Tone colours the value: "", "good", "warn", "bad", "muted".
	Tone string `json:"tone,omitempty"`
}

// Provider renders the evidence of one kind about what a request of type R
// names: for a canvas section, canvas.EvidenceRequest. The actor is in the
// context.
type Provider[R any] interface {
	Panel(ctx context.Context, req R) (Panel, error)
}

// ProviderFunc adapts a function to Provider.
type ProviderFunc[R any] func(ctx context.Context, req R) (Panel, error)

// Panel calls f.
func (f ProviderFunc[R]) Panel(ctx context.Context, req R) (Panel, error) {
	return f(ctx, req)
}

// Registry maps evidence kinds to the providers that answer requests of
// type R.
type Registry[R any] struct {
	mu        sync.RWMutex
	providers map[string]Provider[R]
}

// NewRegistry returns an empty registry.
func NewRegistry[R any]() *Registry[R] { return &Registry[R]{providers: map[string]Provider[R]{}} }

// Register adds the provider for a kind; registering a kind twice is a
// programming error.
func (r *Registry[R]) Register(kind string, p Provider[R]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.providers[kind]; dup {
		panic(fmt.Sprintf("evidence: kind %q registered twice", kind))
	}
	r.providers[kind] = p
}

// Kinds lists the registered kinds, sorted.
func (r *Registry[R]) Kinds() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.providers))
	for k := range r.providers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Panels returns, in order, the panels for every kind in kinds that has a
// provider; kinds nobody provides yet are skipped, so templates can name
// evidence that a later feature will supply.
func (r *Registry[R]) Panels(ctx context.Context, kinds []string, req R) ([]Panel, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Panel
	for _, kind := range kinds {
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
