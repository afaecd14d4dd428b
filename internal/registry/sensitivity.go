package registry

import (
	"maps"
	"slices"
	"time"
)

// SensitivityRecord is a dataset version's sensitivity as it stands (or
// stood, in its history): what people confirmed, who changed it last and
// when, and which of the profile's suggestions nobody has confirmed yet.
// A version's content never changes; its sensitivity does, so it is kept
// beside the version with every earlier revision.
type SensitivityRecord struct {
	Version     int         `json:"version"`
	Sensitivity Sensitivity `json:"sensitivity"`
	// Revision counts the changes: 1 for the sensitivity given at
	// registration or set first, 0 when nothing was ever set.
	Revision  int       `json:"revision"`
	ChangedBy string    `json:"changed_by,omitempty"`
	ChangedAt time.Time `json:"changed_at,omitzero"`
	// Proposals are the profile's suggested classifications for columns
	// the sensitivity does not classify yet, by column name. Only the
	// current record carries them.
	Proposals []Proposal `json:"proposals,omitempty"`
}

// Proposal is a classification the profile suggests for a column that no
// one has confirmed.
type Proposal struct {
	Column string `json:"column"`
	Suggestion
}

// Proposals returns the profile's suggestions for columns s does not
// classify, in the profile's column order.
func Proposals(p *Profile, s Sensitivity) []Proposal {
	if p == nil {
		return nil
	}
	var out []Proposal
	for _, c := range p.Columns {
		if c.Suggested == nil {
			continue
		}
		if _, ok := s.Columns[c.Name]; ok {
			continue
		}
		out = append(out, Proposal{Column: c.Name, Suggestion: *c.Suggested})
	}
	return out
}

// Counts tallies the classified columns by classification.
func (s Sensitivity) Counts() map[Classification]int {
	out := map[Classification]int{}
	for _, c := range s.Columns {
		out[c]++
	}
	return out
}

// Equal reports whether s and o say the same.
func (s Sensitivity) Equal(o Sensitivity) bool {
	return maps.Equal(s.Columns, o.Columns) && s.LegalBasis == o.LegalBasis && s.Consent == o.Consent && s.Retention == o.Retention
}

// ColumnNames returns the classified columns, sorted.
func (s Sensitivity) ColumnNames() []string {
	return slices.Sorted(maps.Keys(s.Columns))
}
