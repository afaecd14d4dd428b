package telemetry

import (
	"slices"

	"github.com/atrium-mlops/atrium/internal/registry"
)

// ReferenceFromProfile takes the bin edges of every numeric column of a
// reference dataset's profile: the values of its inner quantiles (0 < q < 1)
// when the profile has them, else the inner boundaries of its histogram —
// ascending, without duplicates. A column with neither gets no edges.
func ReferenceFromProfile(cols []registry.ColumnProfile) Reference {
	ref := Reference{Edges: map[string][]float64{}}
	for _, c := range cols {
		if !c.Type.Numeric() {
			continue
		}
		var edges []float64
		for _, q := range c.Quantiles {
			if q.Q > 0 && q.Q < 1 && finite(q.Value) {
				edges = append(edges, q.Value)
			}
		}
		if len(edges) == 0 {
			for i, b := range c.Histogram {
				if i > 0 && finite(b.Low) {
					edges = append(edges, b.Low)
				}
			}
		}
		slices.Sort(edges)
		edges = slices.Compact(edges)
		if len(edges) > 0 {
			ref.Edges[c.Name] = edges
		}
	}
	return ref
}
