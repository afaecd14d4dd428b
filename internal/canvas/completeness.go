package canvas

// Tally counts sections by status.
type Tally struct {
	Empty    int `json:"empty"`
	Draft    int `json:"draft"`
	InReview int `json:"in_review"`
	Agreed   int `json:"agreed"`
	Total    int `json:"total"`
}

// Percent is the share of sections agreed, 0 to 100, rounded down so that
// 100 means every section is agreed.
func (t Tally) Percent() int {
	if t.Total <= 0 {
		return 0
	}
	return t.Agreed * 100 / t.Total
}

// Started is the number of sections that are no longer empty.
func (t Tally) Started() int { return t.Total - t.Empty }

func (t *Tally) add(s Status) {
	t.Total++
	switch s {
	case Draft:
		t.Draft++
	case InReview:
		t.InReview++
	case Agreed:
		t.Agreed++
	default:
		t.Empty++
	}
}

// SectionState is one section's status as shown in a completeness view.
type SectionState struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Status Status `json:"status"`
}

// PhaseCompleteness is the completeness of one phase or column.
type PhaseCompleteness struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Tally    Tally          `json:"tally"`
	Sections []SectionState `json:"sections"`
}

// Completeness is how far a canvas has come, overall and per phase.
type Completeness struct {
	Overall Tally               `json:"overall"`
	Phases  []PhaseCompleteness `json:"phases"`
}

// CompletenessOf tallies a canvas against its template. Sections never
// saved count as empty; saved sections the template no longer has are
// ignored.
func CompletenessOf(t *Template, c Canvas) Completeness {
	var out Completeness
	for _, p := range t.Phases {
		pc := PhaseCompleteness{ID: p.ID, Title: p.Title, Sections: []SectionState{}}
		for _, s := range p.Sections {
			st := c.Sections[s.ID].Status
			if st == "" {
				st = Empty
			}
			pc.Tally.add(st)
			out.Overall.add(st)
			pc.Sections = append(pc.Sections, SectionState{ID: s.ID, Title: s.Title, Status: st})
		}
		out.Phases = append(out.Phases, pc)
	}
	return out
}

// CompletenessFromCounts tallies a canvas from per-status counts of its
// saved sections, as a list page reads them in one query. Sections never
// saved count as empty; the counts are assumed to cover only the
// template's sections.
func CompletenessFromCounts(t *Template, saved map[Status]int) Tally {
	total := 0
	for _, p := range t.Phases {
		total += len(p.Sections)
	}
	tally := Tally{Total: total}
	tally.Draft = min(max(saved[Draft], 0), total)
	tally.InReview = min(max(saved[InReview], 0), total-tally.Draft)
	tally.Agreed = min(max(saved[Agreed], 0), total-tally.Draft-tally.InReview)
	tally.Empty = total - tally.Draft - tally.InReview - tally.Agreed
	return tally
}
